// Copyright (c) crdtdb authors.
//
// feed_bench: the change feed (docs/changes.md, docs/benchmarks.md "Change feed"): how fast a
// watcher with a cursor is handed changes, and the delay from a commit to its delivery, for an
// embedded database (here), for a watcher over a served region's client endpoint, on the
// writer's region and on another one (feed_bench_remote.cc), and for a region watch over a region
// of three nodes (feed_bench_region_watch.cc).
//
//   feed_bench [--docs N] [--remote N] [--rate R] [--quick] [--crdtdb BINARY] [--dir DIR] [--keep]
//
// --docs: changes of each embedded figure (20,000); --remote: of each remote figure (5,000);
// --rate: puts per second of the remote delay figures (1,000); --quick: 1,000, 300 and 1,000,
// and 30 changes of each quiet region-watch figure (200, at 20 puts/s); --crdtdb: the binary that
// serves the region watch's nodes (default: the one built beside this program).
//
// - rate: N puts committed first, then a subscriber from the cursor before them reads the backlog
//   (changes delivered per second); baseline in the same run: the puts themselves (per second).
// - delay: a subscriber follows while one writer puts N documents, one after the other; each
//   change's delay is from the put's return (committed) to its callback; p50 and p99.
// Rows: one JSON object per line on stdout (bench_harness.h's), a summary on stderr.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "bench_dir.h"
#include "bench_fail.h"
#include "crdtdb/crdtdb.hpp"
#include "feed_bench.h"

namespace crdtdb::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

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
  RemoteFeedOptions remote;
  std::string crdtdb = CRDTDB_BINARY;
  for (int i = 1; i < argc; ++i) {
    if (dir.ParseFlag(argc, argv, &i)) continue;
    if (std::strcmp(argv[i], "--docs") == 0) {
      docs = ParseCount("--docs", i + 1 < argc ? argv[++i] : nullptr);
    } else if (std::strcmp(argv[i], "--remote") == 0) {
      remote.changes = static_cast<int>(ParseCount("--remote", i + 1 < argc ? argv[++i] : nullptr));
    } else if (std::strcmp(argv[i], "--rate") == 0) {
      remote.paced_rate = static_cast<int>(ParseCount("--rate", i + 1 < argc ? argv[++i] : nullptr));
    } else if (std::strcmp(argv[i], "--crdtdb") == 0 && i + 1 < argc) {
      crdtdb = argv[++i];
    } else if (std::strcmp(argv[i], "--quick") == 0) {
      docs = 1'000;
      remote.changes = 300;
      remote.quiet_changes = 30;
    } else {
      Fail(std::string("unknown argument ") + argv[i]);
    }
  }
  const int n = static_cast<int>(docs);
  crdtdb::Options options;
  const std::filesystem::path root = dir.Create();
  options.path = (root / "feed").string();
  std::unique_ptr<Database> db = Must(Database::open(options), "open");

  // Rate: the backlog of n committed puts, read by a subscriber from the cursor before them.
  const std::string before = Must(db->changes("c/", "", 1), "changes").cursor;
  const auto put_start = Clock::now();
  for (int i = 0; i < n; ++i) Must(db->put("c/" + std::to_string(i), FeedDoc(i)), "put");
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
      Must(db->put("d/" + std::to_string(i), FeedDoc(i)), "put");
      committed[i] = Clock::now();
    }
    WaitFor(mu, cv, live, n, "live");
  }
  const std::vector<double> delays = SortedDelaysUs(committed, seen);
  const double p50 = At(delays, 0.5);
  const double p99 = At(delays, 0.99);

  Reporter out;
  out.Report({"feed.backlog_rate", feed_rate, "changes/s", "put_rate", put_rate});
  out.Report({"feed.delay_p50", p50, "us", "", 0});
  out.Report({"feed.delay_p99", p99, "us", "", 0});
  std::fprintf(stderr,
               "feed_bench: %d changes; backlog delivered at %.0f changes/s (puts: %.0f/s); "
               "commit-to-callback delay p50 %.0f us, p99 %.0f us (live subscriber, one writer)\n",
               n, feed_rate, put_rate, p50, p99);
  db.reset();
  const OneNodeFeed one_node = RemoteFeedFigures(root, remote, out);
  RegionWatchFigures(crdtdb, root, remote, one_node, out);
  out.PrintTable(stderr);
  const char* const subdirs[] = {"feed", "remote", "regions", "rwatch-rf1", "rwatch-rf2"};
  dir.Remove(subdirs);
  return 0;
}
