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
//            in crdtdb passes.
//   read     on databases preloaded with 200,000 documents: get of random existing documents
//            against LevelDB Get; list of a 1,000-document collection against iterating the
//            same 1,000 keys and copying them out; patch of one field ({"age": n}) of random
//            existing documents against LevelDB Put overwriting the whole JSON.
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

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
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
#include "crdt/digest.h"
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

constexpr size_t kJsonBytes = 200;
constexpr uint64_t kListDocs = 1000;
constexpr uint64_t kScaleReads = 10'000;
constexpr uint64_t kStatusCalls = 1000;
constexpr int kSyncWriters = 8;
constexpr int kSyncReps = 21;
constexpr double kSyncSampleSeconds = 0.05;
constexpr uint64_t kInputChunk = 4096;  // inputs made untimed, this many at a time

struct Config {
  Options opts;
  uint64_t scale_docs = 1'000'000;
  uint64_t read_docs = 200'000;  // preloaded for the read group
  fs::path dir;
};

std::string DocId(uint64_t i) { return Hex(Mix(i), 16); }
std::string DocKey(std::string_view collection, uint64_t i) {
  std::string key(collection);
  key += '/';
  key += DocId(i);
  return key;
}

std::string AgePatch(uint64_t version) { return "{\"age\":" + std::to_string(version % 100) + "}"; }

struct Input {
  std::string key;
  std::string json;
};

// Calls op(make(j)) for j in [0, n), timing only op: inputs are made kInputChunk at a time.
double TimeOps(uint64_t n, const std::function<Input(uint64_t)>& make,
               const std::function<void(const Input&)>& op) {
  double seconds = 0;
  std::vector<Input> inputs;
  for (uint64_t done = 0; done < n;) {
    inputs.clear();
    for (uint64_t j = done; j < n && inputs.size() < kInputChunk; ++j) inputs.push_back(make(j));
    Stopwatch watch;
    for (const Input& in : inputs) op(in);
    seconds += watch.Seconds();
    done += inputs.size();
  }
  return seconds;
}

// A Sampler of op over a stream of inputs (rate in ops/s).
Sampler OpSampler(const Options& opts, std::function<Input(uint64_t)> make,
                  std::function<void(const Input&)> op) {
  return RateSampler(opts, [make, op](uint64_t n) { return TimeOps(n, make, op); });
}

// Inputs of new documents of `collection`, numbered from *next on.
std::function<Input(uint64_t)> NewDocs(std::string collection, uint64_t* next) {
  return [collection, next](uint64_t) {
    const uint64_t i = (*next)++;
    return Input{DocKey(collection, i), DocJson(i, 0, kJsonBytes)};
  };
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

// Raw LevelDB opened as src/store/store.cc opens crdtdb's (store_leveldb.h).
class RawDb {
 public:
  explicit RawDb(const fs::path& path) : db_(path) {}

  void Put(const Input& in, bool sync = false) {
    leveldb::WriteOptions wo;
    wo.sync = sync;
    MustOk(db_->Put(wo, in.key, in.json), "LevelDB Put");
  }
  void Write(leveldb::WriteBatch* batch, bool sync) {
    leveldb::WriteOptions wo;
    wo.sync = sync;
    MustOk(db_->Write(wo, batch), "LevelDB Write");
  }
  std::string Get(const std::string& key) {
    std::string value;
    MustOk(db_->Get(read_, key, &value), "LevelDB Get", key);
    return value;
  }
  // Whether `key` is there; a read that may miss.
  bool Find(const std::string& key) {
    std::string value;
    const leveldb::Status s = db_->Get(read_, key, &value);
    if (!s.IsNotFound()) MustOk(s, "LevelDB Get", key);
    return s.ok();
  }
  // Copies out up to `limit` (0: all) records whose key starts with `prefix`; returns the count.
  uint64_t Scan(const std::string& prefix, uint64_t limit) {
    std::vector<std::pair<std::string, std::string>> out;
    uint64_t count = 0;
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(read_));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      if (limit != 0) {
        if (out.size() == limit) break;
        out.emplace_back(it->key().ToString(), it->value().ToString());
      }
      DoNotOptimize(it->value().size());
      ++count;
    }
    MustOk(it->status(), "LevelDB scan");
    return count;
  }

 private:
  StoreLevelDb db_;
  const leveldb::ReadOptions read_ = StoreLevelDbOptions::read_options();
};

std::unique_ptr<Database> OpenCrdtdb(const fs::path& path, Durability durability) {
  crdtdb::Options options;
  options.path = path.string();
  options.durability = durability;
  return Must(Database::open(options), "opening crdtdb", path.string());
}

void CrdtPut(Database& db, const Input& in) { MustOk(db.put(in.key, in.json).status(), "put", in.key); }

uint64_t BytesOnDisk(const fs::path& dir) {
  uint64_t bytes = 0;
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) bytes += e.file_size();
  }
  return bytes;
}

// A "Name:   123 kB" figure of /proc/self/status, in KiB; VmRSS is the whole resident set,
// RssAnon the part that is not file pages (LevelDB mmaps its table files, whose pages count in
// VmRSS once read).
double ProcStatusKib(std::string_view name) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.size() > name.size() && line.compare(0, name.size(), name) == 0 && line[name.size()] == ':') {
      return static_cast<double>(std::strtoull(line.c_str() + name.size() + 1, nullptr, 10));
    }
  }
  Fail("no " + std::string(name) + " in /proc/self/status");
}

// Writes back every dirty page, so that a measurement neither waits for the writeback of what an
// earlier one wrote (an fsync on ext4 commits the journal in order) nor competes with it.
void FlushDirtyPages() { ::sync(); }

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
  return {store::EncodeDocumentRecord(crdt::DigestOf(state), state).size(), 4 + key.size()};
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

void BenchPut(const Config& cfg, Reporter& out) {
  std::unique_ptr<Database> db = OpenCrdtdb(cfg.dir / "put_crdtdb", Durability::kBuffered);
  RawDb raw(cfg.dir / "put_leveldb");
  uint64_t next_db = 0, next_raw = 0;
  const Options opts = TargetOptions(cfg);
  ReportPair(out, opts, "put_buffered", "ops/s", "leveldb_put",
             OpSampler(opts, NewDocs("bench", &next_db), [&](const Input& in) { CrdtPut(*db, in); }),
             OpSampler(opts, NewDocs("bench", &next_raw), [&](const Input& in) { raw.Put(in); }));
  std::fprintf(stderr, "store_bench: put wrote %llu crdtdb and %llu LevelDB documents\n",
               static_cast<unsigned long long>(next_db), static_cast<unsigned long long>(next_raw));

  RawDb share_db(cfg.dir / "put_leveldb_share");
  LevelDbShareOfPut share(share_db);
  uint64_t next_share = 0, next_put = next_raw;
  ReportPair(out, opts, "put_leveldb_share_only", "ops/s", "leveldb_put",
             OpSampler(opts, NewDocs("bench", &next_share), std::ref(share)),
             OpSampler(opts, NewDocs("bench", &next_put), [&](const Input& in) { raw.Put(in); }));
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
  std::unique_ptr<Database> db = OpenCrdtdb(cfg.dir / "read_crdtdb", Durability::kBuffered);
  RawDb raw(cfg.dir / "read_leveldb");
  const uint64_t docs = cfg.read_docs;
  Preload(*db, raw, docs);

  const Options opts = TargetOptions(cfg);
  ReportPair(out, opts, "get_random", "ops/s", "leveldb_get_random",
             OpSampler(opts, RandomDocs("bench", docs, 1),
                       [&](const Input& in) { DoNotOptimize(Must(db->get(in.key), "get", in.key).size()); }),
             OpSampler(opts, RandomDocs("bench", docs, 1),
                       [&](const Input& in) { DoNotOptimize(raw.Get(in.key).size()); }));

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

// What a fresh process measures on a loaded database (--probe); see Probe().
struct ProbeFigures {
  double rss_start_kib = 0, open_s = 0, rss_open_kib = 0, reads_s = 0, rss_reads_kib = 0;
  double anon_open_kib = 0, anon_reads_kib = 0;  // RssAnon
  double point_s = 0;  // crdtdb: one status() call; LevelDB: one random Get
  double full_s = 0;   // crdtdb: verify(); LevelDB: a scan of every value
  double rss_end_kib = 0;  // VmRSS at the end, when crdtdb's key filter has had time to fill
  double anon_end_kib = 0;  // RssAnon then
};

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

ProbeFigures RunProbe(const std::string& kind, const fs::path& dir, uint64_t docs) {
  // Appended piecewise: GCC 12 warns -Wrestrict falsely on `"literal" + std::string`.
  std::string command = "'";
  command += fs::read_symlink("/proc/self/exe").string();
  command += "' --probe " + kind + " '";
  command += dir.string();
  command += "' " + std::to_string(docs);
  std::FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) Fail("cannot run " + command);
  std::string text;
  char buffer[4096];
  for (size_t got; (got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) text.append(buffer, got);
  if (pclose(pipe) != 0) Fail("the probe failed: " + command);
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
  out.Report({name + "load_buffered", docs / db_seconds, "docs/s", "leveldb_load", docs / raw_seconds});
  out.Report({name + "disk_bytes_per_doc", static_cast<double>(BytesOnDisk(db_dir)) / docs, "bytes",
              "leveldb_disk_bytes_per_doc", static_cast<double>(BytesOnDisk(raw_dir)) / docs});

  const ProbeFigures d = RunProbe("crdtdb", db_dir, n);
  const ProbeFigures r = RunProbe("leveldb", raw_dir, n);
  std::fprintf(stderr, "store_bench: probe process VmRSS before open: crdtdb %.1f MiB, LevelDB %.1f MiB\n",
               d.rss_start_kib / 1024, r.rss_start_kib / 1024);
  const double reads = static_cast<double>(kScaleReads);
  out.Report({name + "open", d.open_s * 1e3, "ms", "leveldb_open", r.open_s * 1e3});
  out.Report({name + "rss_after_open", d.rss_open_kib / 1024, "MiB", "leveldb_rss_after_open", r.rss_open_kib / 1024});
  out.Report({name + "get_10k_random_after_open", reads / d.reads_s, "ops/s", "leveldb_get_10k_random_after_open",
              reads / r.reads_s});
  out.Report({name + "rss_after_10k_gets", d.rss_reads_kib / 1024, "MiB", "leveldb_rss_after_10k_gets",
              r.rss_reads_kib / 1024});
  out.Report({name + "rss_anon_after_open", d.anon_open_kib / 1024, "MiB", "leveldb_rss_anon_after_open",
              r.anon_open_kib / 1024});
  out.Report({name + "rss_anon_after_10k_gets", d.anon_reads_kib / 1024, "MiB", "leveldb_rss_anon_after_10k_gets",
              r.anon_reads_kib / 1024});
  out.Report({name + "rss_at_end", d.rss_end_kib / 1024, "MiB", "leveldb_rss_at_end", r.rss_end_kib / 1024});
  out.Report({name + "rss_anon_at_end", d.anon_end_kib / 1024, "MiB", "leveldb_rss_anon_at_end",
              r.anon_end_kib / 1024});
  out.Report({name + "merkle_root_status_call", d.point_s * 1e6, "us", "leveldb_get_1", r.point_s * 1e6});
  out.Report({name + "verify", d.full_s, "s", "leveldb_full_scan", r.full_s});

  MarkUncleanlyClosed(db_dir);
  const ProbeFigures crashed = RunProbe("crdtdb", db_dir, n);
  out.Report({name + "open_after_crash", crashed.open_s * 1e3, "ms", "leveldb_full_scan", r.full_s * 1e3});
}

// Every directory the groups create under Config::dir.
constexpr const char* kDatabaseDirs[] = {"put_crdtdb",   "put_leveldb",  "put_leveldb_share", "read_crdtdb",
                                         "read_leveldb", "sync_crdtdb",  "sync_leveldb",      "scale_crdtdb",
                                         "scale_leveldb"};

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
  Config cfg;
  DatabaseDir dir;
  const char* only = nullptr;
  bool docs_given = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      cfg.opts = Options{0.01, 1, true};
      cfg.read_docs = 2'000;
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
               "\nstore_bench%s: medians of %d alternated samples of >= %g s each (put and get: %d); scale: %llu "
               "documents\n\n",
               cfg.opts.quick ? " --quick" : "", cfg.opts.reps, cfg.opts.min_seconds, TargetOptions(cfg).reps,
               static_cast<unsigned long long>(cfg.scale_docs));
  out.PrintTable(stderr);
  return 0;
}

}  // namespace
}  // namespace crdtdb::bench

int main(int argc, char** argv) { return crdtdb::bench::Main(argc, argv); }
