// Copyright (c) crdtdb authors.
//
// index_bench: find by equality and by range on one collection, by scan (the baseline) and with a
// secondary index, in the same run on the same data; the cost per document of a scan against raw
// LevelDB iterating the same records; and the cost of a put with no, one and three indexes
// (docs/benchmarks.md, "Indexes").
//
//   index_bench [--docs N] [--quick] [--dir DIR] [--keep]
//
// N documents {"n": i, "k": "key<i % 1000>", "pad": 60 bytes}: the equality query {"k": K}
// and the range query {"n": {"$gte": a, "$lt": a + N/1000}} each select 0.1% of them. The puts
// timed are overwrites in fresh databases with no index, one (k) and three (k, n, and k,n), that
// change both indexed values (every index moves its entry) or only the unindexed pad. The machine
// may be shared: the cases are timed in turn, kRounds times, and each figure is the median of its
// rounds, in wall time and in the CPU time of the whole process (LevelDB's compactions included).
//
// Rows (stdout, bench_harness.h's JSON lines): index_<N>_<key>, where <key> is a key of
// bench/peers/pouchdb-find/find_workload.js's line (the same workload on PouchDB) in the same unit,
// each index figure beside its baseline of the same run (the scan, the put without index); the
// tables go to stderr. bench/report_index.py sets them beside PouchDB's.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench_dir.h"
#include "bench_fail.h"
#include "bench_harness.h"
#include "crdtdb/crdtdb.hpp"
#include "store_leveldb.h"

namespace crdtdb::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct QueryRun {
  double ms = 0;  // the median of the repeats
  FindPlan plan;  // of the last page
  uint64_t found = 0;
};

// Every page of `query` on "c", `repeats` times; the median time.
QueryRun RunQuery(Database& db, const std::string& selector, int repeats) {
  std::vector<double> times;
  QueryRun run;
  FindOptions unbounded;
  unbounded.max_examined = 100'000'000;
  unbounded.deadline_ms = 600'000;
  for (int r = 0; r < repeats; ++r) {
    const auto start = Clock::now();
    std::string query = R"({"selector":)" + selector + R"(,"limit":10000})";
    run.found = 0;
    FindPlan total;
    for (;;) {
      FindPage page = Must(db.find("c", query, unbounded), "find");
      run.found += page.documents.size();
      total.index = page.plan.index;
      total.keys_read += page.plan.keys_read;
      total.documents_read += page.plan.documents_read;
      if (!page.bookmark) break;
      query = R"({"selector":)" + selector + R"(,"limit":10000,"bookmark":")" + *page.bookmark + "\"}";
    }
    run.plan = total;
    times.push_back(Ms(Clock::now() - start));
  }
  std::sort(times.begin(), times.end());
  run.ms = times[times.size() / 2];
  return run;
}

void Print(const char* what, const QueryRun& scan, const QueryRun& indexed) {
  std::fprintf(stderr, "%-10s %8llu found | scan: %8llu docs read %9.2f ms | index %-4s: %6llu keys %6llu docs read %8.3f ms"
              " | %6.0fx fewer docs, %6.1fx faster\n",
              what, static_cast<unsigned long long>(indexed.found),
              static_cast<unsigned long long>(scan.plan.documents_read), scan.ms, indexed.plan.index.c_str(),
              static_cast<unsigned long long>(indexed.plan.keys_read),
              static_cast<unsigned long long>(indexed.plan.documents_read), indexed.ms,
              static_cast<double>(scan.plan.documents_read) / std::max<uint64_t>(1, indexed.plan.documents_read),
              scan.ms / std::max(indexed.ms, 1e-6));
  if (scan.found != indexed.found) Fail(std::string(what) + ": the index found another count than the scan");
}

// Raw LevelDB iterating the store's document records (prefix 'd', docs/storage.md) with the
// options the store reads with, touching each value: the floor of a scan's cost. The database must
// be closed. Nanoseconds per record, the median of `repeats`.
double RawIterationNs(const std::string& path, uint64_t expected, int repeats) {
  StoreLevelDb raw(path);
  std::vector<double> times;
  for (int r = 0; r < repeats; ++r) {
    const auto start = Clock::now();
    std::unique_ptr<leveldb::Iterator> it(raw->NewIterator(StoreLevelDbOptions::read_options()));
    uint64_t records = 0, bytes = 0;
    for (it->Seek("d"); it->Valid() && it->key().starts_with("d"); it->Next()) {
      ++records;
      bytes += it->value().size();
    }
    MustOk(it->status().ok() ? Status::OK() : Status::IOError(it->status().ToString()), "iterating");
    if (records != expected || bytes == 0) Fail("raw iteration found another count of documents");
    times.push_back(std::chrono::duration<double, std::nano>(Clock::now() - start).count() / records);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

// A scan's cost per document: every page of `query` (a _find body without bookmark) or, with an
// empty query, of list; the median of `repeats`, in nanoseconds per document.
double ScanNs(Database& db, const std::string& query, uint64_t docs, int repeats) {
  std::vector<double> times;
  FindOptions unbounded;
  unbounded.max_examined = 100'000'000;
  unbounded.deadline_ms = 600'000;
  for (int r = 0; r < repeats; ++r) {
    const auto start = Clock::now();
    uint64_t read = 0;
    std::optional<std::string> bookmark;
    do {
      if (query.empty()) {
        ListPage page = Must(db.list("c", ListOptions{kMaxListPage, bookmark.value_or("")}), "list");
        read += page.documents.size();
        bookmark = page.next_start_after;
      } else {
        const std::string body = bookmark ? query.substr(0, query.size() - 1) + R"(,"bookmark":")" + *bookmark + "\"}"
                                          : query;
        FindPage page = Must(db.find("c", body, unbounded), "find");
        read += page.plan.documents_read;
        bookmark = page.bookmark;
      }
    } while (bookmark);
    if (read != docs) Fail("a scan read another count of documents than the collection holds");
    times.push_back(std::chrono::duration<double, std::nano>(Clock::now() - start).count() / docs);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

// The CPU time of the process so far (every thread: LevelDB's compactions are part of a put's cost).
double ProcessCpuMicros() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
}

struct PutCost {
  double wall_us = 0;  // per put
  double cpu_us = 0;   // per put, the process's CPU time
};

// The cost per overwrite of `probe` documents in a fresh database with the given indexes, changing
// both indexed values (`move`: every index moves its entry) or only the unindexed "pad": apart
// from the big collection, whose load leaves compactions running that would charge whichever puts
// come first.
PutCost OverwriteCost(const std::filesystem::path& path, const std::vector<const char*>& indexes, bool move,
                      int probe, int keys);

void CreateIndex(Database& db, const char* fields) {
  Must(db.create_index("c", fields), "index create");
  for (;;) {
    std::vector<IndexInfo> indexes = Must(db.list_indexes("c"), "index list");
    if (std::all_of(indexes.begin(), indexes.end(), [](const IndexInfo& x) { return x.state == "ready"; })) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// Puts documents 0..count-1 with n = i + shift, k = key<(i + shift) % keys>, pad = 60 x `pad`;
// the time per put.
double PutMicros(Database& db, int count, int shift, int keys, char pad = 'x') {
  const auto start = Clock::now();
  for (int i = 0; i < count; ++i) {
    const std::string doc = R"({"n":)" + std::to_string(i + shift) + R"(,"k":"key)" + std::to_string((i + shift) % keys) +
                            R"(","pad":")" + std::string(60, pad) + "\"}";
    MustOk(Must(db.put("c/" + std::to_string(i), doc), "put").empty() ? Status::Internal("empty") : Status::OK(), "put");
  }
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count() / count;
}

PutCost OverwriteCost(const std::filesystem::path& path, const std::vector<const char*>& indexes, bool move,
                      int probe, int keys) {
  std::filesystem::remove_all(path);
  crdtdb::Options options;
  options.path = path.string();
  std::unique_ptr<Database> db = Must(Database::open(options), "open");
  for (const char* fields : indexes) CreateIndex(*db, fields);
  PutMicros(*db, probe, 0, keys);
  PutCost cost;
  const double cpu_start = ProcessCpuMicros();
  cost.wall_us = move ? PutMicros(*db, probe, 1, keys) : PutMicros(*db, probe, 0, keys, 'y');
  cost.cpu_us = (ProcessCpuMicros() - cpu_start) / probe;
  return cost;
}

// The spread of `values` around their median, in percent: (max - min) / median.
double SpreadPercent(const std::vector<double>& values) {
  const auto [min, max] = std::minmax_element(values.begin(), values.end());
  return 100 * (*max - *min) / crdtdb::bench::Median(values);
}

}  // namespace
}  // namespace crdtdb::bench

int main(int argc, char** argv) {
  using namespace crdtdb;
  using namespace crdtdb::bench;
  SetBenchProgram("index_bench");
  WarnIfNotRelease();
  DatabaseDir dir;
  uint64_t docs = 100'000;
  for (int i = 1; i < argc; ++i) {
    if (dir.ParseFlag(argc, argv, &i)) continue;
    if (std::strcmp(argv[i], "--docs") == 0) {
      docs = ParseCount("--docs", i + 1 < argc ? argv[++i] : nullptr);
    } else if (std::strcmp(argv[i], "--quick") == 0) {
      docs = 2'000;
    } else {
      Fail(std::string("unknown argument ") + argv[i]);
    }
  }
  const int n = static_cast<int>(docs);
  const int keys = 1000;  // each key: 0.1% of the documents
  crdtdb::Options options;
  const std::filesystem::path root = dir.Create();
  options.path = (root / "index").string();
  std::unique_ptr<Database> db = Must(Database::open(options), "open");
  const int probe = std::min(n, 10'000);  // the documents of the databases whose puts are timed
  const double load = PutMicros(*db, n, 0, keys);
  const int repeats = 5;

  // Scans against raw LevelDB iterating the same records (the database closed meanwhile).
  db.reset();
  const double raw_ns = RawIterationNs(options.path, docs, repeats);
  db = Must(Database::open(options), "open");
  const double list_ns = ScanNs(*db, "", docs, repeats);
  const double scan_all_ns = ScanNs(*db, R"({"selector":{},"limit":10000})", docs, repeats);
  const double scan_none_ns = ScanNs(*db, R"({"selector":{"k":"none"},"limit":10000})", docs, repeats);

  const std::string equality = R"({"k":"key)" + std::to_string(keys / 2) + "\"}";
  const std::string range = R"({"n":{"$gte":)" + std::to_string(n / 2) + R"(,"$lt":)" +
                            std::to_string(n / 2 + n / 1000) + "}}";
  const QueryRun eq_scan = RunQuery(*db, equality, repeats);
  const QueryRun range_scan = RunQuery(*db, range, repeats);

  auto build_start = Clock::now();
  CreateIndex(*db, "k");
  const double build_one_ms = Ms(Clock::now() - build_start);
  build_start = Clock::now();
  CreateIndex(*db, "n");
  const double build_two_ms = Ms(Clock::now() - build_start);
  const QueryRun eq_index = RunQuery(*db, equality, repeats);
  const QueryRun range_index = RunQuery(*db, range, repeats);

  std::fprintf(stderr, "index_bench: %d documents; index k built in %.0f ms, n in %.0f ms, while idle\n", n, build_one_ms,
              build_two_ms);
  Print("equality", eq_scan, eq_index);
  Print("range", range_scan, range_index);
  std::fprintf(stderr, "scan per document: raw LevelDB %.0f ns | list %.0f ns (%.3fx raw) | find matching all %.0f ns "
              "(%.3fx) | find matching none %.0f ns (%.3fx)\n",
              raw_ns, list_ns, raw_ns / list_ns, scan_all_ns, raw_ns / scan_all_ns, scan_none_ns, raw_ns / scan_none_ns);
  db.reset();
  // Overwrites in fresh databases, the cases in turn so that the machine's load falls on each
  // alike: changing both values (each index moves its entry), then only the unindexed "pad".
  constexpr int kRounds = 5;
  struct Case {
    const char* label;
    std::vector<const char*> indexes;
    bool move;
  };
  const std::vector<Case> cases = {{"no index", {}, true},
                                   {"1 index, moved", {"k"}, true},
                                   {"3 indexes, moved", {"k", "n", "k,n"}, true},
                                   {"no index, kept", {}, false},
                                   {"1 index, kept", {"k"}, false},
                                   {"3 indexes, kept", {"k", "n", "k,n"}, false}};
  const char* const subdirs[] = {"index", "put"};
  std::vector<std::vector<double>> wall(cases.size()), cpu(cases.size());
  for (int round = 0; round < kRounds; ++round) {
    for (size_t i = 0; i < cases.size(); ++i) {
      const PutCost cost = OverwriteCost(root / subdirs[1], cases[i].indexes, cases[i].move, probe, keys);
      wall[i].push_back(cost.wall_us);
      cpu[i].push_back(cost.cpu_us);
    }
  }
  std::fprintf(stderr, "put: load %.1f us; overwrites, %d puts each in a database of %d, median of %d rounds "
              "(spread of the rounds), against no index with the same values changed:\n",
              load, probe, probe, kRounds);
  for (size_t i = 0, base = 0; i < cases.size(); ++i) {
    if (cases[i].indexes.empty()) base = i;
    std::fprintf(stderr, "  %-17s wall %6.1f us (%.2fx, spread %3.0f%%) | cpu %6.1f us (%.2fx, spread %3.0f%%)\n",
                cases[i].label, Median(wall[i]), Median(wall[i]) / Median(wall[base]), SpreadPercent(wall[i]),
                Median(cpu[i]), Median(cpu[i]) / Median(cpu[base]), SpreadPercent(cpu[i]));
  }
  Reporter out;
  std::string prefix = "index_";  // built in place: GCC 12's false -Wrestrict on "literal" + to_string
  prefix += std::to_string(n);
  prefix += '_';
  auto report = [&](const std::string& key, double value, const char* unit, const std::string& baseline = "",
                    double baseline_value = 0) {
    out.Report({prefix + key, value, unit, baseline.empty() ? "" : prefix + baseline, baseline_value});
  };
  report("load_put_us", load, "us");
  report("eq_scan_ms", eq_scan.ms, "ms");
  report("range_scan_ms", range_scan.ms, "ms");
  report("build_k_ms", build_one_ms, "ms");
  report("build_n_ms", build_two_ms, "ms");
  report("eq_index_ms", eq_index.ms, "ms", "eq_scan_ms", eq_scan.ms);
  report("range_index_ms", range_index.ms, "ms", "range_scan_ms", range_scan.ms);
  report("eq_index_docs_read", static_cast<double>(eq_index.plan.documents_read), "docs", "eq_scan_docs_read",
         static_cast<double>(eq_scan.plan.documents_read));
  report("range_index_docs_read", static_cast<double>(range_index.plan.documents_read), "docs",
         "range_scan_docs_read", static_cast<double>(range_scan.plan.documents_read));
  report("list_ns", list_ns, "ns/doc", "raw_iteration_ns", raw_ns);
  report("find_all_ns", scan_all_ns, "ns/doc", "raw_iteration_ns", raw_ns);
  report("find_none_ns", scan_none_ns, "ns/doc", "raw_iteration_ns", raw_ns);
  // Wall time, the unit PouchDB's figures are in; the CPU rows are the steadier signal here.
  const char* const keys_moved[] = {"put_none_us", "put_one_us", "put_three_us"};
  const char* const keys_kept[] = {"put_none_kept_us", "put_one_kept_us", "put_three_kept_us"};
  for (size_t i = 0; i < cases.size(); ++i) {
    const size_t base = i < 3 ? 0 : 3;
    const std::string key = i < 3 ? keys_moved[i] : keys_kept[i - 3];
    const std::string base_key = i < 3 ? keys_moved[0] : keys_kept[0];
    const std::string cpu_key = key.substr(0, key.size() - 3) + "_cpu_us";
    const std::string base_cpu_key = base_key.substr(0, base_key.size() - 3) + "_cpu_us";
    if (i == base) {
      report(key, Median(wall[i]), "us");
      report(cpu_key, Median(cpu[i]), "us");
    } else {
      report(key, Median(wall[i]), "us", base_key, Median(wall[base]));
      report(cpu_key, Median(cpu[i]), "us", base_cpu_key, Median(cpu[base]));
    }
  }
  dir.Remove(subdirs);
  return 0;
}
