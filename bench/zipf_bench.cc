// Copyright (c) crdtdb authors.
//
// zipf_bench: many writers on many documents, as a server sees them: 10,000 documents of 10 fields
// each, then single-field patches whose document is drawn from a Zipf distribution (s = 0.99, so a
// few documents take most of the writes), through the public API (include/crdtdb:
// Database::open/put/patch/get) with buffered durability, beside raw LevelDB in the same run.
//
//   zipf_bench [--quick] [--docs N] [--writes M] [--seed S] [--dir DIR] [--keep]
//
// --docs N: documents (default 10,000); --writes M: patches (default 200,000); --seed S: the seed
// of the document and field draws (default 1). --quick: the smoke run (5,000 patches); its numbers
// only show that everything runs. --dir: where the databases go (default: a new directory under
// $TMPDIR, removed at the end unless --keep). Build with CMAKE_BUILD_TYPE=Release for real numbers;
// a full run takes about a minute.
//
// Baseline: raw LevelDB with the options store.cc gives crdtdb's (store_leveldb.h), doing what an
// application without CRDTs would do for the same write: Put of the whole document JSON after the
// change, with the same key. Both see the same sequence of writes, in alternated chunks of 1,000
// (crdtdb a chunk, LevelDB the same chunk), so that a noisy neighbour hits both alike. Every write
// is timed on its own (steady_clock); the JSON of the baseline's document is made untimed, as
// store_bench makes its inputs untimed.
//
// Output: as the other benches (bench_harness.h): one JSON object per line on stdout, {"bench",
// "value", "unit", "baseline", "baseline_value", "ratio"}, ratio = value / baseline_value; the
// same rows as a Markdown table on stderr at the end.
//
//   zipf_load_rate      put of the N documents (10 fields, about 180 bytes of JSON) against LevelDB Put.
//   zipf_patch_p50_us   median latency of one patch {"fK": v} against one whole-document Put.
//   zipf_patch_p99_us   99th percentile of the same.
//   zipf_patch_rate     patches per second of timed time against Puts per second.
//
// At the end every document read back from both stores must equal the expected one (the last
// value written to each field), or the bench aborts, so a fast wrong answer is never reported.

#include <unistd.h>

#include <algorithm>
#include <cinttypes>
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
#include <system_error>
#include <vector>

#include <leveldb/db.h>
#include <nlohmann/json.hpp>

#include "bench_dir.h"
#include "bench_fail.h"
#include "bench_harness.h"
#include "crdtdb/crdtdb.hpp"
#include "store_leveldb.h"
#include "zipf.h"

namespace crdtdb::bench {
namespace {

namespace fs = std::filesystem;

constexpr int kFields = 10;
constexpr double kZipfS = 0.99;
constexpr uint64_t kChunk = 1000;  // writes per alternated chunk
// The databases Run creates under Config::dir.
constexpr const char* kDatabaseDirs[] = {"zipf_crdtdb", "zipf_leveldb"};

struct Config {
  uint64_t docs = 10'000;
  uint64_t writes = 200'000;
  uint64_t seed = 1;
  bool quick = false;
  fs::path dir;
};

std::string DocKey(uint64_t i) { return "zipf/" + Hex(Mix(i), 16); }

// Field k of a document: even fields hold integers, odd ones short strings.
std::string FieldName(int k) {
  std::string name = "f0";  // k < 10; built in place, as GCC 12 flags "f" + to_string (-Wrestrict)
  name[1] = static_cast<char>('0' + k);
  return name;
}
nlohmann::json FieldValue(int k, uint64_t version) {
  if (k % 2 == 0) return static_cast<int64_t>(version % 1'000'000);
  return "v-" + Hex(Mix(version * kFields + static_cast<uint64_t>(k)) >> 32, 8) + "-" +
         std::to_string(version);
}

struct Write {
  uint64_t doc = 0;
  int field = 0;
  uint64_t version = 0;
};

std::vector<Write> MakeWrites(const Config& cfg) {
  const Zipf zipf(cfg.docs, kZipfS);
  std::vector<Write> writes(cfg.writes);
  for (uint64_t i = 0; i < cfg.writes; ++i) {
    writes[i].doc = zipf.Rank(Uniform(cfg.seed, 2 * i));
    writes[i].field = static_cast<int>(Mix(cfg.seed ^ (2 * i + 1)) % kFields);
    writes[i].version = cfg.docs + i + 1;
  }
  return writes;
}

// The application's copy of every document (what the LevelDB baseline stores whole).
class Documents {
 public:
  explicit Documents(uint64_t n) : docs_(n) {
    for (uint64_t i = 0; i < n; ++i) {
      for (int k = 0; k < kFields; ++k) docs_[i][FieldName(k)] = FieldValue(k, i);
    }
  }
  void Apply(const Write& w) { docs_[w.doc][FieldName(w.field)] = FieldValue(w.field, w.version); }
  const nlohmann::json& doc(uint64_t i) const { return docs_[i]; }
  uint64_t size() const { return docs_.size(); }

 private:
  std::vector<nlohmann::json> docs_;
};

std::string PatchJson(const Write& w) {
  return nlohmann::json{{FieldName(w.field), FieldValue(w.field, w.version)}}.dump();
}

class RawDb {
 public:
  explicit RawDb(const fs::path& path) : db_(path) {}
  void Put(const std::string& key, const std::string& json) {
    MustOk(db_->Put(leveldb::WriteOptions(), key, json), "LevelDB Put", key);
  }
  std::string Get(const std::string& key) {
    std::string value;
    MustOk(db_->Get(StoreLevelDbOptions::read_options(), key, &value), "LevelDB Get", key);
    return value;
  }

 private:
  StoreLevelDb db_;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  const size_t rank =
      std::min(v.size() - 1, static_cast<size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(rank), v.end());
  return v[rank];
}

double Sum(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}

// Share of the writes that went to the `top` most written documents.
double TopShare(const std::vector<Write>& writes, uint64_t docs, uint64_t top) {
  std::vector<uint64_t> counts(docs);
  for (const Write& w : writes) ++counts[w.doc];
  std::sort(counts.begin(), counts.end(), std::greater<>());
  uint64_t sum = 0;
  for (uint64_t i = 0; i < std::min(top, docs); ++i) sum += counts[i];
  return writes.empty() ? 0 : static_cast<double>(sum) / static_cast<double>(writes.size());
}

void Run(const Config& cfg, Reporter& out) {
  crdtdb::Options options;
  options.path = (cfg.dir / "zipf_crdtdb").string();
  options.durability = Durability::kBuffered;
  Result<std::unique_ptr<Database>> opened = Database::open(options);
  MustOk(opened.status(), "opening crdtdb", options.path);
  std::unique_ptr<Database> db = std::move(opened).value();
  RawDb raw(cfg.dir / "zipf_leveldb");

  // Load: every document, untimed JSON, timed put / Put, alternated in chunks.
  Documents expected(cfg.docs);
  double load_db_s = 0, load_raw_s = 0;
  {
    std::vector<std::string> keys, jsons;
    for (uint64_t first = 0; first < cfg.docs; first += kChunk) {
      keys.clear();
      jsons.clear();
      for (uint64_t i = first; i < std::min(cfg.docs, first + kChunk); ++i) {
        keys.push_back(DocKey(i));
        jsons.push_back(expected.doc(i).dump());
      }
      Stopwatch db_watch;
      for (size_t j = 0; j < keys.size(); ++j)
        MustOk(db->put(keys[j], jsons[j]).status(), "put", keys[j]);
      load_db_s += db_watch.Seconds();
      Stopwatch raw_watch;
      for (size_t j = 0; j < keys.size(); ++j) raw.Put(keys[j], jsons[j]);
      load_raw_s += raw_watch.Seconds();
    }
  }
  const double docs = static_cast<double>(cfg.docs);
  out.Report(
      {"zipf_load_rate", docs / load_db_s, "docs/s", "leveldb_put_whole_doc", docs / load_raw_s});

  // Patches: the same writes to both, each timed on its own.
  const std::vector<Write> writes = MakeWrites(cfg);
  std::fprintf(stderr,
               "zipf_bench: %llu writes over %llu documents; the top 1%% of documents take %.1f%%, "
               "the top 10 %.1f%%\n",
               static_cast<unsigned long long>(writes.size()),
               static_cast<unsigned long long>(cfg.docs),
               100 * TopShare(writes, cfg.docs, std::max<uint64_t>(1, cfg.docs / 100)),
               100 * TopShare(writes, cfg.docs, 10));
  std::vector<double> db_us, raw_us;
  db_us.reserve(writes.size());
  raw_us.reserve(writes.size());
  std::vector<std::string> keys, patches, wholes;
  for (uint64_t first = 0; first < writes.size(); first += kChunk) {
    const uint64_t end = std::min<uint64_t>(writes.size(), first + kChunk);
    keys.clear();
    patches.clear();
    wholes.clear();
    for (uint64_t i = first; i < end; ++i) {
      keys.push_back(DocKey(writes[i].doc));
      patches.push_back(PatchJson(writes[i]));
      expected.Apply(writes[i]);
      wholes.push_back(expected.doc(writes[i].doc).dump());
    }
    for (size_t j = 0; j < keys.size(); ++j) {
      Stopwatch watch;
      const Status s = db->patch(keys[j], patches[j]).status();
      db_us.push_back(watch.Seconds() * 1e6);
      MustOk(s, "patch", keys[j]);
    }
    for (size_t j = 0; j < keys.size(); ++j) {
      Stopwatch watch;
      raw.Put(keys[j], wholes[j]);
      raw_us.push_back(watch.Seconds() * 1e6);
    }
  }

  // Every document, from both stores, must be the expected one.
  for (uint64_t i = 0; i < cfg.docs; ++i) {
    const std::string key = DocKey(i);
    Result<std::string> got = db->get(key);
    MustOk(got.status(), "get", key);
    if (nlohmann::json::parse(got.value()) != expected.doc(i))
      Fail("crdtdb has a wrong " + key + ": " + got.value());
    if (nlohmann::json::parse(raw.Get(key)) != expected.doc(i)) Fail("LevelDB has a wrong " + key);
  }

  out.Report({"zipf_patch_p50_us", Percentile(db_us, 0.50), "us", "leveldb_put_whole_doc_p50_us",
              Percentile(raw_us, 0.50)});
  out.Report({"zipf_patch_p99_us", Percentile(db_us, 0.99), "us", "leveldb_put_whole_doc_p99_us",
              Percentile(raw_us, 0.99)});
  const double n = static_cast<double>(writes.size());
  out.Report({"zipf_patch_rate", n / (Sum(db_us) / 1e6), "ops/s", "leveldb_put_whole_doc_rate",
              n / (Sum(raw_us) / 1e6)});
}

int Usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--quick] [--docs N] [--writes M] [--seed S] [--dir DIR] [--keep]\n",
               argv0);
  return 2;
}

bool ParseCount(const char* text, uint64_t* out) {
  char* end = nullptr;
  *out = std::strtoull(text, &end, 10);
  return end != text && *end == '\0' && *out > 0;
}

int Main(int argc, char** argv) {
  SetBenchProgram("zipf_bench");
  Config cfg;
  bool writes_given = false;
  DatabaseDir dir;  // --dir, --keep
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      cfg.quick = true;
      if (!writes_given) cfg.writes = 5'000;
    } else if (std::strcmp(argv[i], "--docs") == 0 && i + 1 < argc) {
      if (!ParseCount(argv[++i], &cfg.docs)) return Usage(argv[0]);
    } else if (std::strcmp(argv[i], "--writes") == 0 && i + 1 < argc) {
      if (!ParseCount(argv[++i], &cfg.writes)) return Usage(argv[0]);
      writes_given = true;
    } else if (std::strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
      cfg.seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (!dir.ParseFlag(argc, argv, &i)) {
      return Usage(argv[0]);
    }
  }
  WarnIfNotRelease();
  cfg.dir = dir.Create();

  Reporter out;
  Run(cfg, out);
  dir.Remove(kDatabaseDirs);
  std::fprintf(
      stderr,
      "\nzipf_bench%s: %" PRIu64 " documents of %d fields, %" PRIu64 " patches, Zipf s = %.2f, seed "
      "%" PRIu64 "\n\n",
      cfg.quick ? " --quick" : "", cfg.docs, kFields, cfg.writes, kZipfS, cfg.seed);
  out.PrintTable(stderr);
  return 0;
}

}  // namespace
}  // namespace crdtdb::bench

int main(int argc, char** argv) { return crdtdb::bench::Main(argc, argv); }
