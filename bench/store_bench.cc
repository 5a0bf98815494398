// Copyright (c) crdtdb authors.
//
// store_bench: the embedded database (include/crdtdb, over LevelDB) against raw LevelDB in the
// same run, with the options src/store/store.cc gives LevelDB (paranoid_checks, a 10-bit Bloom
// filter, an 8 MiB block cache, checksums verified on every read). Every timed crdtdb figure goes
// through the public API only (Database::open/put/patch/get/list/status/verify); only the sizes
// group and the LevelDB share of a put use the internal encoders and key layout (src/crdt,
// src/store), to show what one write stores.
//
//   store_bench [--quick] [--docs N] [--only GROUP] [--dir DIR] [--keep]
//
// --docs N: documents of the scale group (default 1,000,000). --quick: the smoke run (20,000
// scale documents, ~10 ms per sample, one sample per figure); its numbers only show that
// everything runs. --only runs one group (sizes, put, read, sync, scale), e.g. under perf.
// --dir: where the databases go (default: a new directory under $TMPDIR, removed at the end
// unless --keep). Build with CMAKE_BUILD_TYPE=Release for real numbers.
//
// Output: as crdt_bench (bench_harness.h): one JSON object per line on stdout, {"bench", "value",
// "unit", "baseline", "baseline_value", "ratio"}, ratio = value / baseline_value; the same rows as
// a Markdown table on stderr at the end. What the ratio means depends on the unit:
//   rates (ops/s, docs/s, lists/s): the share of raw LevelDB's speed, higher is better;
//   times (ms, us, s), sizes (bytes, MiB): the multiple of raw LevelDB's cost, lower is better.
//
// Documents: "bench/<16 hex digits>" keys in random order, JSON objects of exactly 200 bytes with
// 5 fields (name, email, age, city, bio; the bio is random letters, so Snappy, which only removes
// repeats, shrinks the field names but not the bio). The LevelDB baseline stores the same JSON
// under the same key. Durability is kBuffered (no fsync; LevelDB sync=false) except in the sync
// group.
//
//   sizes    the encoded document record and delta-log record of one such new document (a
//            reference to its state; src/store/key_schema.h) against its JSON.
//   put      put of new keys against LevelDB Put of the same key and JSON; and, against the same
//            baseline, LevelDB doing only its own share of a put (the batch of the records a put
//            writes; the key filter spares a new document's read), the bound that no work saved
//            in crdtdb passes. Each side fills a new database in a process of its own
//            (store_bench --side put SIDE DIR), 9 samples in a row; the sides take turns for 3
//            rounds and the medians are reported. In one process the two databases would share
//            LevelDB's one compaction thread, and each side's rate would depend on the other's
//            backlog.
//   read     on databases loaded with 200,000 documents: get of random existing documents
//            against LevelDB Get (each side loads, waits for its compactions and samples in a
//            process of its own, as put does); list of a 1,000-document collection against
//            iterating the same 1,000 keys and copying them out; patch of one field ({"age": n}) of
//            random existing documents against LevelDB Put overwriting the whole JSON.
//   sync     Durability::kSync put from 1 thread and from 8 concurrent threads (group commit)
//            against LevelDB sync=true Put from 1 thread and sync WriteBatches of as many Puts as
//            crdtdb's groups held on a warm-up round (status: documents_written / commits,
//            rounded; the timed rounds' mean is put_sync_8threads_docs_per_commit); 21 alternated
//            samples of >= 50 ms, as fsync latency is the noisiest figure here.
//   scale    load N documents (one pass, not alternated), close, and report the bytes on disk per
//            document; then, in a fresh process each (so the RSS is that of the open database
//            only): open time, VmRSS and RssAnon (VmRSS without file pages: LevelDB mmaps its
//            tables, so every table page read counts in VmRSS) after open and after 10,000 random
//            gets, the rate of those gets, status() (which reads the Merkle root) against one
//            LevelDB Get, verify() against a full LevelDB scan of the same N values, and VmRSS at
//            the end (crdtdb's key filter, filled by a background scan after open, has had the
//            time of verify's larger scan to fill); last, the open after an unclean close (which
//            rebuilds the Merkle leaves and counters) against that full scan.
//
// Every scenario checks its answers (documents found, list lengths, verify clean) and aborts if
// they are wrong, so a fast wrong answer is never reported.

#include "store_bench.h"

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include "bench_dir.h"
#include "bench_fail.h"
#include "bench_harness.h"
#include "crdt/codec.h"
#include "crdt/document.h"
#include "crdt/mutators.h"
#include "crdtdb/crdtdb.hpp"
#include "merkle/merkle_tree.h"
#include "store/document_record.h"
#include "store/key_schema.h"
#include "store_leveldb.h"

namespace crdtdb::bench {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kListDocs = 1000;
constexpr int kSideRounds = 3;
constexpr int kSyncWriters = 8;
constexpr int kSyncReps = 21;
constexpr double kSyncSampleSeconds = 0.05;

std::string AgePatch(uint64_t version) { return "{\"age\":" + std::to_string(version % 100) + "}"; }

// A Sampler of op over a stream of inputs (rate in ops/s).
Sampler OpSampler(const Options& opts, std::function<Input(uint64_t)> make,
                  std::function<void(const Input&)> op) {
  return RateSampler(opts, [make, op](uint64_t n) { return TimeOps(n, make, op); });
}

// Random documents among [0, count) of `collection`; json is the document at a new version.
std::function<Input(uint64_t)> RandomDocs(std::string collection, uint64_t count, uint64_t seed) {
  auto state = std::make_shared<uint64_t>(seed);
  return [collection, count, state](uint64_t) {
    const uint64_t i = Mix((*state)++) % count;
    return Input{DocKey(collection, i), DocJson(i, *state, kJsonBytes)};
  };
}

// Random documents as RandomDocs, with json a one-field patch of them ({"age": n}).
std::function<Input(uint64_t)> RandomPatches(std::string collection, uint64_t count, uint64_t seed) {
  auto state = std::make_shared<uint64_t>(seed);
  return [collection, count, state](uint64_t) {
    const uint64_t i = Mix((*state)++) % count;
    return Input{DocKey(collection, i), AgePatch(*state)};
  };
}

void ReportPair(Reporter& out, const Options& opts, const std::string& name, const std::string& unit,
                const std::string& baseline, const Sampler& value, const Sampler& base) {
  const PairResult r = MeasurePair(value, base, opts);
  out.Report({name, r.value, unit, baseline, r.baseline});
}

// The sizes of the document record and the delta-log record a put of a new bench document writes.
struct PutRecordSizes {
  size_t document = 0;
  size_t delta_log = 0;
};

PutRecordSizes RecordSizesOfPut() {
  const std::string key = DocKey("bench", 0);
  const crdt::WriteStamp stamp{Mix(7), crdt::MakeTimestamp(1'700'000'000'000, 0)};
  crdt::Document doc;
  const crdt::Document delta =
      Must(crdt::PutDelta(doc, crdt::Json::parse(DocJson(0, 0, kJsonBytes)), stamp), "PutDelta");
  doc.ApplyDelta(delta);
  const std::string state = crdt::EncodeDocument(doc);
  // Delta-log value: [key length u32][key][delta]; a new document's delta, which is its state, is
  // logged as a reference to the document, without the delta (store.h, AppendEncodedLocalDelta).
  return {store::EncodeDocumentRecord(state).size(), 4 + key.size()};
}

void BenchSizes(const Config&, Reporter& out) {
  const PutRecordSizes sizes = RecordSizesOfPut();
  out.Report({"doc_record_bytes", static_cast<double>(sizes.document), "bytes", "json_bytes", kJsonBytes});
  out.Report({"delta_log_record_bytes", static_cast<double>(sizes.delta_log), "bytes", "json_bytes", kJsonBytes});
}

// LevelDB's own share of a crdtdb put, done on raw LevelDB: one batch of the records a put writes
// (docs/storage.md) with their keys and sizes: document record, bucket entry, delta-log record
// (and, past the retention bound, the deletion of the oldest one).
// Its rate bounds put_buffered from above: no work saved in crdtdb takes a put past it.
class LevelDbShareOfPut {
 public:
  explicit LevelDbShareOfPut(RawDb& raw) : raw_(raw), document_(DocJson(1, 1, RecordSizesOfPut().document)) {}

  void operator()(const Input& in) {
    const uint32_t bucket = merkle::BucketOf(in.key);
    leveldb::WriteBatch batch;
    batch.Put(store::DocumentKey(in.key), document_);
    batch.Put(store::BucketKey(bucket, in.key), document_.substr(0, 17));
    // A new document's log record: a reference to its state, [key length u32][key].
    std::string log;
    store::AppendBigEndian32(&log, static_cast<uint32_t>(in.key.size()));
    log += in.key;
    batch.Put(store::DeltaLogKey(++sequence_), log);
    if (sequence_ > kDeltaLogEntries) batch.Delete(store::DeltaLogKey(sequence_ - kDeltaLogEntries));
    raw_.Write(&batch, false);
  }

 private:
  static constexpr uint64_t kDeltaLogEntries = 100'000;  // Options::delta_log_max_entries

  RawDb& raw_;
  const std::string document_;
  uint64_t sequence_ = 0;
};

// The put and get targets' figures: 9 alternated samples instead of 3, since compactions that
// LevelDB starts in one sample slow the next and move a median of 3 by up to 2x on this machine.
Options TargetOptions(const Config& cfg) {
  Options opts = cfg.opts;
  if (!opts.quick) opts.reps = 9;
  return opts;
}

void QuickConfig(Config* cfg) {
  cfg->opts = Options{0.01, 1, true};
  cfg->read_docs = 2'000;
}

// Medians of `group`'s sides, each measured in a process of its own (store_bench --side GROUP
// SIDE DIR, in a new directory under cfg.dir), the sides taking turns for kSideRounds rounds.
// LevelDB compacts every database of a process on one background thread, so two databases
// written side by side in one process queue behind each other's compactions: raw LevelDB filled
// at 333,400 puts/s alone and at 130,800 beside crdtdb in the same minutes, which made the ratio
// depend on crdtdb's compaction backlog as much as on its speed.
std::vector<double> MeasureSides(const Config& cfg, const std::string& group,
                                 const std::vector<std::string>& sides) {
  std::vector<std::vector<double>> rates(sides.size());
  const int rounds = cfg.opts.quick ? 1 : kSideRounds;
  for (int round = 0; round < rounds; ++round) {
    for (size_t i = 0; i < sides.size(); ++i) {
      const fs::path dir = cfg.dir / (group + "_" + sides[i]);
      FlushDirtyPages();
      std::vector<std::string> args = {"--side", group, sides[i], dir.string()};
      if (cfg.opts.quick) args.emplace_back("--quick");
      rates[i].push_back(std::strtod(RunThisProgram(args).c_str(), nullptr));
      fs::remove_all(dir);
    }
  }
  std::vector<double> medians;
  for (const std::vector<double>& r : rates) medians.push_back(Median(r));
  return medians;
}

// Waits (at most a minute) until the process has used no CPU for 200 ms: LevelDB's compactions
// of what was just loaded are done, and a read group measures reads only.
void WaitForCompactions() {
  auto cpu_seconds = [] {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  };
  for (int i = 0; i < 300; ++i) {
    const double before = cpu_seconds();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (cpu_seconds() - before < 0.01) return;
  }
}

// A side's figure, printed for the parent (MeasureSides): the median of opts.reps samples taken
// one after the other, each paying for the compactions the ones before it started.
int PrintMedianOfSamples(const Options& opts, const Sampler& sampler) {
  std::vector<double> rates;
  for (int r = 0; r < opts.reps; ++r) rates.push_back(sampler());
  std::printf("%.17g\n", Median(rates));
  return 0;
}

// The get side of the read group: `docs` new documents loaded into a new database at `dir`, the
// compactions waited for, then samples of random gets.
int GetSide(const std::string& side, const fs::path& dir, const Options& opts, uint64_t docs) {
  auto measure = [&](const std::function<void(const Input&)>& put,
                     std::function<void(const Input&)> get) {
    uint64_t next = 0;
    TimeOps(docs, NewDocs("bench", &next), put);
    WaitForCompactions();
    return PrintMedianOfSamples(opts,
                                OpSampler(opts, RandomDocs("bench", docs, 1), std::move(get)));
  };
  if (side == "crdtdb") {
    std::unique_ptr<Database> db = OpenCrdtdb(dir, Durability::kBuffered);
    return measure(
        [&](const Input& in) { CrdtPut(*db, in); },
        [&](const Input& in) { DoNotOptimize(Must(db->get(in.key), "get", in.key).size()); });
  }
  if (side == "leveldb") {
    RawDb raw(dir);
    return measure([&](const Input& in) { raw.Put(in); },
                   [&](const Input& in) { DoNotOptimize(raw.Get(in.key).size()); });
  }
  return 2;
}

// One side of the put group: samples of puts of new documents into a new database at `dir`.
int PutSide(const std::string& side, const fs::path& dir, const Options& opts) {
  uint64_t next = 0;
  auto measure = [&](std::function<void(const Input&)> op) {
    return PrintMedianOfSamples(opts, OpSampler(opts, NewDocs("bench", &next), std::move(op)));
  };
  if (side == "crdtdb") {
    std::unique_ptr<Database> db = OpenCrdtdb(dir, Durability::kBuffered);
    return measure([&](const Input& in) { CrdtPut(*db, in); });
  }
  if (side == "leveldb") {
    RawDb raw(dir);
    return measure([&](const Input& in) { raw.Put(in); });
  }
  if (side == "leveldb_share") {
    RawDb raw(dir);
    LevelDbShareOfPut share(raw);
    return measure(std::ref(share));
  }
  return 2;
}

void BenchPut(const Config& cfg, Reporter& out) {
  const std::vector<double> rates =
      MeasureSides(cfg, "put", {"crdtdb", "leveldb", "leveldb_share"});
  out.Report({"put_buffered", rates[0], "ops/s", "leveldb_put", rates[1]});
  out.Report({"put_leveldb_share_only", rates[2], "ops/s", "leveldb_put", rates[1]});
}

void Preload(Database& db, RawDb& raw, uint64_t docs) {
  uint64_t next_db = 0, next_raw = 0;
  TimeOps(docs, NewDocs("bench", &next_db), [&](const Input& in) { CrdtPut(db, in); });
  TimeOps(docs, NewDocs("bench", &next_raw), [&](const Input& in) { raw.Put(in); });
  uint64_t next_list_db = 0, next_list_raw = 0;
  TimeOps(kListDocs, NewDocs("list", &next_list_db), [&](const Input& in) { CrdtPut(db, in); });
  TimeOps(kListDocs, NewDocs("list", &next_list_raw), [&](const Input& in) { raw.Put(in); });
}

void BenchRead(const Config& cfg, Reporter& out) {
  // Before this process loads its own databases, whose compactions would compete with the gets.
  const std::vector<double> gets = MeasureSides(cfg, "get", {"crdtdb", "leveldb"});
  out.Report({"get_random", gets[0], "ops/s", "leveldb_get_random", gets[1]});

  std::unique_ptr<Database> db = OpenCrdtdb(cfg.dir / "read_crdtdb", Durability::kBuffered);
  RawDb raw(cfg.dir / "read_leveldb");
  const uint64_t docs = cfg.read_docs;
  Preload(*db, raw, docs);

  auto list_db = [&](uint64_t) {
    const ListPage page = Must(db->list("list"), "list");
    if (page.documents.size() != kListDocs || page.next_start_after) Fail("list returned a wrong page");
  };
  auto list_raw = [&](uint64_t) {
    if (raw.Scan("list/", kListDocs) != kListDocs) Fail("LevelDB scan returned a wrong count");
  };
  ReportPair(out, cfg.opts, "list_1000_docs", "lists/s", "leveldb_iterate_1000_keys",
             LoopSampler(cfg.opts, list_db), LoopSampler(cfg.opts, list_raw));

  ReportPair(out, cfg.opts, "patch_1field_buffered", "ops/s", "leveldb_put_overwrite",
             OpSampler(cfg.opts, RandomPatches("bench", docs, 2),
                       [&](const Input& in) { MustOk(db->patch(in.key, in.json).status(), "patch", in.key); }),
             OpSampler(cfg.opts, RandomDocs("bench", docs, 2), [&](const Input& in) { raw.Put(in); }));
}

// Puts n new documents from kSyncWriters threads at once; seconds taken.
double ConcurrentPuts(Database& db, uint64_t n, uint64_t* next) {
  std::atomic<uint64_t> claimed{0};
  const uint64_t first = *next;
  Stopwatch watch;
  std::vector<std::thread> writers;
  for (int t = 0; t < kSyncWriters; ++t) {
    writers.emplace_back([&] {
      for (uint64_t j = claimed++; j < n; j = claimed++) {
        CrdtPut(db, Input{DocKey("bench", first + j), DocJson(first + j, 0, kJsonBytes)});
      }
    });
  }
  for (std::thread& w : writers) w.join();
  const double seconds = watch.Seconds();
  *next += n;
  return seconds;
}

void BenchSync(const Config& config, Reporter& out) {
  // fsync latency on a shared (virtual) disk jumps between ~0.2 ms and ~4 ms every few seconds:
  // many short alternated samples, so both sides see the same mix.
  Config cfg = config;
  if (!cfg.opts.quick) cfg.opts = Options{kSyncSampleSeconds, kSyncReps, false};
  std::unique_ptr<Database> db = OpenCrdtdb(cfg.dir / "sync_crdtdb", Durability::kSync);
  RawDb raw(cfg.dir / "sync_leveldb");
  uint64_t next_db = 0, next_raw = 0;
  ReportPair(out, cfg.opts, "put_sync_1thread", "ops/s", "leveldb_sync_put_1thread",
             OpSampler(cfg.opts, NewDocs("bench", &next_db), [&](const Input& in) { CrdtPut(*db, in); }),
             OpSampler(cfg.opts, NewDocs("bench", &next_raw), [&](const Input& in) { raw.Put(in, true); }));

  // The baseline's batches have the size crdtdb's groups reach (status: documents per commit),
  // measured on a warm-up round; the timed rounds' own mean is reported below.
  auto group_size = [&db](const LocalStatus& before) {
    const LocalStatus after = db->status();
    return static_cast<double>(after.documents_written - before.documents_written) /
           static_cast<double>(std::max<uint64_t>(1, after.commits - before.commits));
  };
  const LocalStatus before_warmup = db->status();
  ConcurrentPuts(*db, cfg.opts.quick ? 400 : 4'000, &next_db);
  const int batch_size = std::max(1, static_cast<int>(std::lround(group_size(before_warmup))));

  const LocalStatus before_timed = db->status();
  const Sampler writers = RateSampler(cfg.opts, [&](uint64_t n) { return ConcurrentPuts(*db, n, &next_db); });
  auto batches = [&](uint64_t n) {
    return TimeOps(
        n, [](uint64_t) { return Input{}; },
        [&](const Input&) {
          leveldb::WriteBatch batch;
          for (int k = 0; k < batch_size; ++k, ++next_raw) {
            batch.Put(DocKey("bench", next_raw), DocJson(next_raw, 0, kJsonBytes));
          }
          raw.Write(&batch, true);
        });
  };
  const Options& opts = cfg.opts;
  const Sampler batch_docs = [&opts, batches, batch_size] {
    return batch_size * Rate(batches, opts.min_seconds);
  };
  ReportPair(out, cfg.opts, "put_sync_8threads", "docs/s",
             "leveldb_sync_batch" + std::to_string(batch_size), writers, batch_docs);
  out.Report({"put_sync_8threads_docs_per_commit", group_size(before_timed), "docs",
              "writer_threads", static_cast<double>(kSyncWriters)});
}

// Every directory the groups create under Config::dir.
constexpr const char* kDatabaseDirs[] = {"put_crdtdb",   "put_leveldb",  "put_leveldb_share",
                                         "get_crdtdb",   "get_leveldb",  "read_crdtdb",
                                         "read_leveldb", "sync_crdtdb",  "sync_leveldb",
                                         "scale_crdtdb", "scale_leveldb"};

struct Group {
  const char* name;
  void (*run)(const Config&, Reporter&);
};

constexpr Group kGroups[] = {
    {"sizes", BenchSizes}, {"put", BenchPut}, {"read", BenchRead}, {"sync", BenchSync}, {"scale", BenchScale},
};

int Usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s [--quick] [--docs N] [--only GROUP] [--dir DIR] [--keep]   groups:", argv0);
  for (const Group& g : kGroups) std::fprintf(stderr, " %s", g.name);
  std::fprintf(stderr, "\n");
  return 2;
}

int Main(int argc, char** argv) {
  SetBenchProgram("store_bench");
  if (argc == 5 && std::strcmp(argv[1], "--probe") == 0) {
    return Probe(argv[2], argv[3], std::strtoull(argv[4], nullptr, 10));
  }
  if ((argc == 5 || argc == 6) && std::strcmp(argv[1], "--side") == 0) {
    Config side;
    if (argc == 6 && std::strcmp(argv[5], "--quick") == 0) QuickConfig(&side);
    if (std::strcmp(argv[2], "put") == 0) return PutSide(argv[3], argv[4], TargetOptions(side));
    if (std::strcmp(argv[2], "get") == 0)
      return GetSide(argv[3], argv[4], TargetOptions(side), side.read_docs);
    return Usage(argv[0]);
  }
  Config cfg;
  DatabaseDir dir;
  const char* only = nullptr;
  bool docs_given = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      QuickConfig(&cfg);
      if (!docs_given) cfg.scale_docs = 20'000;
    } else if (std::strcmp(argv[i], "--docs") == 0 && i + 1 < argc) {
      cfg.scale_docs = std::strtoull(argv[++i], nullptr, 10);
      docs_given = true;
      if (cfg.scale_docs == 0) return Usage(argv[0]);
    } else if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
      only = argv[++i];
    } else if (!dir.ParseFlag(argc, argv, &i)) {
      return Usage(argv[0]);
    }
  }
  WarnIfNotRelease();
  cfg.dir = dir.Create();

  Reporter out;
  bool ran = false;
  for (const Group& g : kGroups) {
    if (only != nullptr && std::strcmp(only, g.name) != 0) continue;
    FlushDirtyPages();
    g.run(cfg, out);
    ran = true;
  }
  dir.Remove(kDatabaseDirs);
  if (!ran) return Usage(argv[0]);
  std::fprintf(stderr,
               "\nstore_bench%s: medians of %d alternated samples of >= %g s each (put and get: %d "
               "samples in a process per side, medians of %d rounds); scale: %llu documents\n\n",
               cfg.opts.quick ? " --quick" : "", cfg.opts.reps, cfg.opts.min_seconds,
               TargetOptions(cfg).reps, cfg.opts.quick ? 1 : kSideRounds,
               static_cast<unsigned long long>(cfg.scale_docs));
  out.PrintTable(stderr);
  return 0;
}

}  // namespace
}  // namespace crdtdb::bench

int main(int argc, char** argv) { return crdtdb::bench::Main(argc, argv); }
