// Copyright (c) crdtdb authors.
//
// index_bench: find by equality and by range on one collection, by scan (the baseline) and with a
// secondary index, in the same run on the same data; and the cost of a put without and with two
// indexes (docs/benchmarks.md, "Indexes").
//
//   index_bench [--docs N] [--quick] [--dir DIR] [--keep]
//
// N documents {"n": i, "k": "key<i % 1000>", "pad": 60 bytes}: the equality query {"k": K}
// and the range query {"n": {"$gte": a, "$lt": a + N/1000}} each select 0.1% of them. The puts
// timed are overwrites that change both indexed values, before and after the indexes exist.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "bench_dir.h"
#include "bench_fail.h"
#include "crdtdb/crdtdb.hpp"

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
  std::printf("%-10s %8llu found | scan: %8llu docs read %9.2f ms | index %-4s: %6llu keys %6llu docs read %8.3f ms"
              " | %6.0fx fewer docs, %6.1fx faster\n",
              what, static_cast<unsigned long long>(indexed.found),
              static_cast<unsigned long long>(scan.plan.documents_read), scan.ms, indexed.plan.index.c_str(),
              static_cast<unsigned long long>(indexed.plan.keys_read),
              static_cast<unsigned long long>(indexed.plan.documents_read), indexed.ms,
              static_cast<double>(scan.plan.documents_read) / std::max<uint64_t>(1, indexed.plan.documents_read),
              scan.ms / std::max(indexed.ms, 1e-6));
  if (scan.found != indexed.found) Fail(std::string(what) + ": the index found another count than the scan");
}

// Puts documents 0..count-1 with n = i + shift, k = key<(i + shift) % keys>; the time per put.
double PutMicros(Database& db, int count, int shift, int keys) {
  const auto start = Clock::now();
  for (int i = 0; i < count; ++i) {
    const std::string doc = R"({"n":)" + std::to_string(i + shift) + R"(,"k":"key)" + std::to_string((i + shift) % keys) +
                            R"(","pad":")" + std::string(60, 'x') + "\"}";
    MustOk(Must(db.put("c/" + std::to_string(i), doc), "put").empty() ? Status::Internal("empty") : Status::OK(), "put");
  }
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count() / count;
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
  Options options;
  options.path = (dir.Create() / "index").string();
  std::unique_ptr<Database> db = Must(Database::open(options), "open");
  const int probe = std::min(n, 10'000);  // puts timed on either side of the index creation
  const double load = PutMicros(*db, n, 0, keys);
  const double put_plain = PutMicros(*db, probe, 1, keys);
  const std::string equality = R"({"k":"key)" + std::to_string(keys / 2) + "\"}";
  const std::string range = R"({"n":{"$gte":)" + std::to_string(n / 2) + R"(,"$lt":)" +
                            std::to_string(n / 2 + n / 1000) + "}}";
  const int repeats = 5;
  const QueryRun eq_scan = RunQuery(*db, equality, repeats);
  const QueryRun range_scan = RunQuery(*db, range, repeats);

  const auto build_start = Clock::now();
  Must(db->create_index("c", "k"), "index create");
  Must(db->create_index("c", "n"), "index create");
  for (;;) {
    std::vector<IndexInfo> indexes = Must(db->list_indexes("c"), "index list");
    if (std::all_of(indexes.begin(), indexes.end(), [](const IndexInfo& x) { return x.state == "ready"; })) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const double build_ms = Ms(Clock::now() - build_start);
  const QueryRun eq_index = RunQuery(*db, equality, repeats);
  const QueryRun range_index = RunQuery(*db, range, repeats);
  // Overwrites that change both values: each moves its two entries.
  const double put_indexed = PutMicros(*db, probe, 2, keys);

  std::printf("index_bench: %d documents, 2 indexes (k, n) built in %.0f ms while idle\n", n, build_ms);
  Print("equality", eq_scan, eq_index);
  Print("range", range_scan, range_index);
  std::printf("put: load %.1f us; overwrite %.1f us without indexes, %.1f us with 2 indexes (%d puts each)\n", load,
              put_plain, put_indexed, probe);
  db.reset();
  const char* const subdirs[] = {"index"};
  dir.Remove(subdirs);
  return 0;
}
