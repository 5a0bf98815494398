// Copyright (c) crdtdb authors.
//
// feed_bench: the change feed of an embedded database (docs/changes.md, docs/benchmarks.md
// "Change feed"): how fast a subscriber with a cursor is handed changes, and the delay from a
// commit to its delivery.
//
//   feed_bench [--docs N] [--quick] [--dir DIR] [--keep]
//
// - rate: N puts committed first, then a subscriber from the cursor before them reads the backlog
//   (changes delivered per second); baseline in the same run: the puts themselves (per second).
// - delay: a subscriber follows while one writer puts N documents, one after the other; each
//   change's delay is from the put's return (committed) to its callback; p50 and p99.
// Rows: one JSON object per line on stdout ({"bench","value","unit","baseline",...}), a summary on
// stderr.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_dir.h"
#include "bench_fail.h"
#include "crdtdb/crdtdb.hpp"

namespace crdtdb::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

void Row(const std::string& bench, double value, const std::string& unit, const std::string& baseline = "",
         double baseline_value = 0) {
  nlohmann::json row{{"bench", bench}, {"value", value}, {"unit", unit}};
  if (!baseline.empty()) {
    row["baseline"] = baseline;
    row["baseline_value"] = baseline_value;
    row["ratio"] = baseline_value > 0 ? value / baseline_value : 0;
  }
  std::printf("%s\n", row.dump().c_str());
}

std::string Doc(int i) { return R"({"n":)" + std::to_string(i) + R"(,"pad":")" + std::string(60, 'x') + "\"}"; }

// Waits (bounded) until `count` reaches `want`.
void WaitFor(std::mutex& mu, std::condition_variable& cv, const size_t& count, size_t want, const char* what) {
  std::unique_lock lock(mu);
  if (!cv.wait_for(lock, std::chrono::seconds(30), [&] { return count >= want; })) {
    Fail(std::string(what) + ": the subscriber got " + std::to_string(count) + " of " + std::to_string(want) +
         " changes");
  }
}

}  // namespace
}  // namespace crdtdb::bench

int main(int argc, char** argv) {
  using namespace crdtdb;
  using namespace crdtdb::bench;
  SetBenchProgram("feed_bench");
  WarnIfNotRelease();
  DatabaseDir dir;
  uint64_t docs = 20'000;
  for (int i = 1; i < argc; ++i) {
    if (dir.ParseFlag(argc, argv, &i)) continue;
    if (std::strcmp(argv[i], "--docs") == 0) {
      docs = ParseCount("--docs", i + 1 < argc ? argv[++i] : nullptr);
    } else if (std::strcmp(argv[i], "--quick") == 0) {
      docs = 1'000;
    } else {
      Fail(std::string("unknown argument ") + argv[i]);
    }
  }
  const int n = static_cast<int>(docs);
  Options options;
  options.path = (dir.Create() / "feed").string();
  std::unique_ptr<Database> db = Must(Database::open(options), "open");

  // Rate: the backlog of n committed puts, read by a subscriber from the cursor before them.
  const std::string before = Must(db->changes("c/", "", 1), "changes").cursor;
  const auto put_start = Clock::now();
  for (int i = 0; i < n; ++i) Must(db->put("c/" + std::to_string(i), Doc(i)), "put");
  const double put_rate = n / Seconds(Clock::now() - put_start);
  std::mutex mu;
  std::condition_variable cv;
  size_t delivered = 0;
  const auto ended = [](const Status& s) { Fail("the subscription ended: " + s.ToString()); };
  SubscribeOptions from_cursor;
  from_cursor.since = before;
  from_cursor.on_end = ended;
  const auto read_start = Clock::now();
  {
    auto sub = Must(db->subscribe("c/", from_cursor,
                                  [&](const Change&) {
                                    std::lock_guard lock(mu);
                                    if (++delivered == static_cast<size_t>(n)) cv.notify_all();
                                  }),
                    "subscribe");
    WaitFor(mu, cv, delivered, n, "backlog");
  }
  const double feed_rate = n / Seconds(Clock::now() - read_start);

  // Delay: from each put's return to its change's callback, a subscriber following live.
  std::vector<Clock::time_point> committed(n), seen(n);
  size_t live = 0;
  SubscribeOptions from_now;
  from_now.on_end = ended;
  {
    auto sub = Must(db->subscribe("d/", from_now,
                                  [&](const Change& change) {
                                    const auto now = Clock::now();
                                    const int i = std::stoi(change.key.substr(2));
                                    std::lock_guard lock(mu);
                                    seen[i] = now;
                                    if (++live == static_cast<size_t>(n)) cv.notify_all();
                                  }),
                    "subscribe");
    for (int i = 0; i < n; ++i) {
      Must(db->put("d/" + std::to_string(i), Doc(i)), "put");
      committed[i] = Clock::now();
    }
    WaitFor(mu, cv, live, n, "live");
  }
  std::vector<double> delays(n);
  for (int i = 0; i < n; ++i) delays[i] = std::max(0.0, Seconds(seen[i] - committed[i]) * 1e6);
  std::sort(delays.begin(), delays.end());
  const double p50 = delays[n / 2];
  const double p99 = delays[std::min(n - 1, n * 99 / 100)];

  Row("feed.backlog_rate", feed_rate, "changes/s", "put_rate", put_rate);
  Row("feed.delay_p50", p50, "us");
  Row("feed.delay_p99", p99, "us");
  std::fprintf(stderr,
               "feed_bench: %d changes; backlog delivered at %.0f changes/s (puts: %.0f/s); "
               "commit-to-callback delay p50 %.0f us, p99 %.0f us (live subscriber, one writer)\n",
               n, feed_rate, put_rate, p50, p99);
  db.reset();
  const char* const subdirs[] = {"feed"};
  dir.Remove(subdirs);
  return 0;
}
