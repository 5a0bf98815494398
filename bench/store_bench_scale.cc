// Copyright (c) crdtdb authors.
//
// store_bench's scale group (see store_bench.cc): N documents loaded in one pass, then each
// database opened in a fresh process of its own (store_bench --probe), so that the RSS measured is
// the open database's only.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <leveldb/write_batch.h>

#include "bench_fail.h"
#include "bench_harness.h"
#include "crdtdb/crdtdb.hpp"
#include "nlohmann/json.hpp"
#include "proc_status.h"
#include "store/key_schema.h"
#include "store_bench.h"

namespace crdtdb::bench {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kScaleReads = 10'000;
constexpr uint64_t kStatusCalls = 1000;

uint64_t BytesOnDisk(const fs::path& dir) {
  uint64_t bytes = 0;
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) bytes += e.file_size();
  }
  return bytes;
}

// What a fresh process measures on a loaded database (--probe); see Probe().
struct ProbeFigures {
  double rss_start_kib = 0, open_s = 0, rss_open_kib = 0, reads_s = 0, rss_reads_kib = 0;
  double anon_open_kib = 0, anon_reads_kib = 0;  // RssAnon
  double point_s = 0;       // crdtdb: one status() call; LevelDB: one random Get
  double full_s = 0;        // crdtdb: verify(); LevelDB: a scan of every value
  double rss_end_kib = 0;   // VmRSS at the end, when crdtdb's key filter has had time to fill
  double anon_end_kib = 0;  // RssAnon then
};

}  // namespace

// Runs in a process of its own, so VmRSS is the open database's and not the benchmark's.
int Probe(const std::string& kind, const fs::path& dir, uint64_t docs) {
  std::vector<std::string> keys;
  for (uint64_t j = 0; j < kScaleReads; ++j) keys.push_back(DocKey("bench", Mix(j + 99) % docs));
  ProbeFigures f;
  f.rss_start_kib = ProcStatusKib("VmRSS");
  const bool crdt = kind == "crdtdb";
  std::unique_ptr<Database> db;
  std::unique_ptr<RawDb> raw;
  Stopwatch open_watch;
  if (crdt) {
    db = OpenCrdtdb(dir, Durability::kBuffered);
  } else {
    raw = std::make_unique<RawDb>(dir);
  }
  f.open_s = open_watch.Seconds();
  f.rss_open_kib = ProcStatusKib("VmRSS");
  f.anon_open_kib = ProcStatusKib("RssAnon");
  Stopwatch read_watch;
  for (const std::string& key : keys) {
    DoNotOptimize(crdt ? Must(db->get(key), "get", key).size() : raw->Get(key).size());
  }
  f.reads_s = read_watch.Seconds();
  f.rss_reads_kib = ProcStatusKib("VmRSS");
  f.anon_reads_kib = ProcStatusKib("RssAnon");
  Stopwatch point_watch;
  for (uint64_t j = 0; j < kStatusCalls; ++j) {
    if (crdt) {
      const LocalStatus st = db->status();
      if (st.documents != docs || !st.healthy) Fail("status disagrees with the load");
      DoNotOptimize(st.merkle_root.size());
    } else {
      DoNotOptimize(raw->Get(keys[j]).size());
    }
  }
  f.point_s = point_watch.Seconds() / kStatusCalls;
  Stopwatch full_watch;
  if (crdt) {
    const VerifyReport report = Must(db->verify(), "verify");
    if (!report.ok() || report.documents_checked != docs) Fail("verify found problems");
  } else if (raw->Scan("bench/", 0) != docs) {
    Fail("LevelDB scan found a wrong count");
  }
  f.full_s = full_watch.Seconds();
  f.rss_end_kib = ProcStatusKib("VmRSS");
  f.anon_end_kib = ProcStatusKib("RssAnon");
  const nlohmann::json line = {{"rss_start_kib", f.rss_start_kib},
                               {"open_s", f.open_s},
                               {"rss_open_kib", f.rss_open_kib},
                               {"reads_s", f.reads_s},
                               {"rss_reads_kib", f.rss_reads_kib},
                               {"point_s", f.point_s},
                               {"full_s", f.full_s},
                               {"anon_open_kib", f.anon_open_kib},
                               {"anon_reads_kib", f.anon_reads_kib},
                               {"rss_end_kib", f.rss_end_kib},
                               {"anon_end_kib", f.anon_end_kib}};
  std::printf("%s\n", line.dump().c_str());
  return 0;
}

namespace {

ProbeFigures RunProbe(const std::string& kind, const fs::path& dir, uint64_t docs) {
  const std::string text = RunThisProgram({"--probe", kind, dir.string(), std::to_string(docs)});
  const nlohmann::json j = nlohmann::json::parse(text);
  ProbeFigures f;
  f.rss_start_kib = j.at("rss_start_kib");
  f.open_s = j.at("open_s");
  f.rss_open_kib = j.at("rss_open_kib");
  f.reads_s = j.at("reads_s");
  f.rss_reads_kib = j.at("rss_reads_kib");
  f.point_s = j.at("point_s");
  f.full_s = j.at("full_s");
  f.anon_open_kib = j.at("anon_open_kib");
  f.anon_reads_kib = j.at("anon_reads_kib");
  f.rss_end_kib = j.at("rss_end_kib");
  f.anon_end_kib = j.at("anon_end_kib");
  return f;
}

// Leaves the record an open store keeps (its boot id in `m` `opened_by`), as a killed process
// would: the next open rebuilds the Merkle leaves and counters from the records
// (src/store/store_recovery.cc).
void MarkUncleanlyClosed(const fs::path& dir) {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string boot_id;
  std::getline(in, boot_id);
  RawDb raw(dir);
  leveldb::WriteBatch batch;
  batch.Put(store::MetaKey(store::kMetaOpenedBy), boot_id);
  raw.Write(&batch, true);
}

}  // namespace

void BenchScale(const Config& cfg, Reporter& out) {
  const uint64_t n = cfg.scale_docs;
  const fs::path db_dir = cfg.dir / "scale_crdtdb", raw_dir = cfg.dir / "scale_leveldb";
  double db_seconds = 0, raw_seconds = 0;
  {
    std::unique_ptr<Database> db = OpenCrdtdb(db_dir, Durability::kBuffered);
    uint64_t next = 0;
    db_seconds = TimeOps(n, NewDocs("bench", &next), [&](const Input& in) { CrdtPut(*db, in); });
  }
  FlushDirtyPages();
  {
    RawDb raw(raw_dir);
    uint64_t next = 0;
    raw_seconds = TimeOps(n, NewDocs("bench", &next), [&](const Input& in) { raw.Put(in); });
  }
  FlushDirtyPages();
  const std::string name = "scale_" + std::to_string(n) + "_";
  const double docs = static_cast<double>(n);
  out.Report(
      {name + "load_buffered", docs / db_seconds, "docs/s", "leveldb_load", docs / raw_seconds});
  out.Report({name + "disk_bytes_per_doc", static_cast<double>(BytesOnDisk(db_dir)) / docs, "bytes",
              "leveldb_disk_bytes_per_doc", static_cast<double>(BytesOnDisk(raw_dir)) / docs});

  const ProbeFigures d = RunProbe("crdtdb", db_dir, n);
  const ProbeFigures r = RunProbe("leveldb", raw_dir, n);
  std::fprintf(stderr,
               "store_bench: probe process VmRSS before open: crdtdb %.1f MiB, LevelDB %.1f MiB\n",
               d.rss_start_kib / 1024, r.rss_start_kib / 1024);
  const double reads = static_cast<double>(kScaleReads);
  out.Report({name + "open", d.open_s * 1e3, "ms", "leveldb_open", r.open_s * 1e3});
  out.Report({name + "rss_after_open", d.rss_open_kib / 1024, "MiB", "leveldb_rss_after_open",
              r.rss_open_kib / 1024});
  out.Report({name + "get_10k_random_after_open", reads / d.reads_s, "ops/s",
              "leveldb_get_10k_random_after_open", reads / r.reads_s});
  out.Report({name + "rss_after_10k_gets", d.rss_reads_kib / 1024, "MiB",
              "leveldb_rss_after_10k_gets", r.rss_reads_kib / 1024});
  out.Report({name + "rss_anon_after_open", d.anon_open_kib / 1024, "MiB",
              "leveldb_rss_anon_after_open", r.anon_open_kib / 1024});
  out.Report({name + "rss_anon_after_10k_gets", d.anon_reads_kib / 1024, "MiB",
              "leveldb_rss_anon_after_10k_gets", r.anon_reads_kib / 1024});
  out.Report({name + "rss_at_end", d.rss_end_kib / 1024, "MiB", "leveldb_rss_at_end",
              r.rss_end_kib / 1024});
  out.Report({name + "rss_anon_at_end", d.anon_end_kib / 1024, "MiB", "leveldb_rss_anon_at_end",
              r.anon_end_kib / 1024});
  out.Report(
      {name + "merkle_root_status_call", d.point_s * 1e6, "us", "leveldb_get_1", r.point_s * 1e6});
  out.Report({name + "verify", d.full_s, "s", "leveldb_full_scan", r.full_s});

  MarkUncleanlyClosed(db_dir);
  const ProbeFigures crashed = RunProbe("crdtdb", db_dir, n);
  out.Report(
      {name + "open_after_crash", crashed.open_s * 1e3, "ms", "leveldb_full_scan", r.full_s * 1e3});
}

}  // namespace crdtdb::bench
