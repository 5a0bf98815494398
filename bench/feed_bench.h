// Copyright (c) crdtdb authors.
//
// feed_bench's parts (feed_bench.cc: the embedded database; feed_bench_remote.cc: a watcher over
// a served region's client endpoint, and one on another region than the writer's;
// feed_bench_region_watch.cc: a region watch over a region of three nodes).

#ifndef CRDTDB_BENCH_FEED_BENCH_H_
#define CRDTDB_BENCH_FEED_BENCH_H_

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "bench_fail.h"
#include "bench_harness.h"
#include "command/command.h"

namespace crdtdb::bench {

using FeedClock = std::chrono::steady_clock;

// The document every feed figure writes: ~80 bytes of JSON.
inline std::string FeedDoc(int i) {
  return R"({"n":)" + std::to_string(i) + R"(,"pad":")" + std::string(60, 'x') + "\"}";
}

// The delays in microseconds from each `from` to the `to` of the same index, sorted; 0 where `to`
// came first (an embedded commit noted after its callback ran).
inline std::vector<double> SortedDelaysUs(const std::vector<FeedClock::time_point>& from,
                                          const std::vector<FeedClock::time_point>& to) {
  std::vector<double> delays(from.size());
  for (size_t i = 0; i < from.size(); ++i) {
    delays[i] = std::max(0.0, std::chrono::duration<double, std::micro>(to[i] - from[i]).count());
  }
  std::sort(delays.begin(), delays.end());
  return delays;
}

// The p-th fraction (0.5, 0.99) of sorted, non-empty `v`.
inline double At(const std::vector<double>& v, double p) {
  return v[std::min(v.size() - 1, static_cast<size_t>(static_cast<double>(v.size()) * p))];
}

// How long one remote figure may wait for its changes, at most.
constexpr auto kFeedBound = std::chrono::seconds(120);

inline double SecondsSince(FeedClock::time_point start) {
  return std::chrono::duration<double>(FeedClock::now() - start).count();
}

// `a` then `b`, appended piece by piece: "literal" + std::string trips GCC 12's false -Wrestrict.
inline std::string Cat(std::string a, const std::string& b) {
  a += b;
  return a;
}

// The put of document <collection>/<i>.
inline command::Command FeedPut(const std::string& collection, int i) {
  command::Command c;
  c.verb = command::Command::Verb::kPut;
  c.path = Cat(collection + "/", std::to_string(i));
  c.json = FeedDoc(i);
  return c;
}

// When each put of PutAll was sent and acknowledged.
struct Puts {
  std::vector<FeedClock::time_point> sent, acked;
};

// Runs the puts of documents [0, n) of `collection`, one at a time, at `rate` per second (0: as
// fast as they go).
inline Puts PutAll(const std::function<void(const command::Command&)>& run, const std::string& collection, int n,
                   int rate) {
  Puts puts{std::vector<FeedClock::time_point>(static_cast<size_t>(n)),
            std::vector<FeedClock::time_point>(static_cast<size_t>(n))};
  const auto start = FeedClock::now();
  for (int i = 0; i < n; ++i) {
    if (rate > 0) std::this_thread::sleep_until(start + std::chrono::microseconds(int64_t{i} * 1'000'000 / rate));
    puts.sent[i] = FeedClock::now();
    run(FeedPut(collection, i));
    puts.acked[i] = FeedClock::now();
  }
  return puts;
}

struct Delays {
  double p50 = 0, p99 = 0;
};

inline Delays Percentiles(const std::vector<double>& sorted) { return {At(sorted, 0.5), At(sorted, 0.99)}; }

// A remote watcher of collection `collection`: notes when the change of each document
// <collection>/<i>, i < expected, arrived (its first arrival), following on a thread of its own.
class FeedFollower {
 public:
  FeedFollower(const std::string& collection, int expected)
      : marker_(Cat(Cat("\"path\":\"/", collection), "/")), arrived_(static_cast<size_t>(expected)) {}
  virtual ~FeedFollower() = default;  // Finish joins the thread first
  FeedFollower(const FeedFollower&) = delete;
  FeedFollower& operator=(const FeedFollower&) = delete;

  // Follows on a thread of its own, a page (or round) after the other, until every change came
  // or kFeedBound passed.
  void Start() {
    deadline_ = FeedClock::now() + kFeedBound;
    thread_ = std::thread([this] {
      while (!done() && FeedClock::now() < deadline_) Next();
    });
  }
  // Waits for the thread: when each change arrived. Fails unless every one did within kFeedBound.
  const std::vector<FeedClock::time_point>& Finish() {
    thread_.join();
    if (count_ < arrived_.size()) {
      Fail(Cat("a remote watcher got ", std::to_string(count_)) + " of " + std::to_string(arrived_.size()) +
           " changes within " + std::to_string(kFeedBound.count()) + " s");
    }
    return arrived_;
  }
  FeedClock::time_point last() const { return last_; }

 protected:
  // Whether every change came; until when the thread follows.
  bool done() const { return count_ >= arrived_.size(); }
  FeedClock::time_point deadline() const { return deadline_; }
  // Reads the next page (or round, or pages until done()) and notes their changes.
  virtual void Next() = 0;
  // Notes the arrival, now, of the changes of the change lines `lines`.
  void Note(const std::string& lines) {
    const auto now = FeedClock::now();
    for (size_t at = lines.find(marker_); at != std::string::npos; at = lines.find(marker_, at + 1)) {
      const long i = std::strtol(lines.c_str() + at + marker_.size(), nullptr, 10);
      if (i < 0 || static_cast<size_t>(i) >= arrived_.size()) Fail(Cat("a change of a document not written: ", lines));
      if (arrived_[i] == FeedClock::time_point{}) {
        arrived_[i] = now;
        last_ = now;
        ++count_;
      }
    }
  }

 private:
  const std::string marker_;  // what precedes a document's number in a change line
  std::vector<FeedClock::time_point> arrived_;
  size_t count_ = 0;
  FeedClock::time_point last_;
  FeedClock::time_point deadline_;
  std::thread thread_;
};

struct RemoteFeedOptions {
  int changes = 5'000;        // per figure
  int paced_rate = 1'000;     // writes per second of the delay figures
  int quiet_changes = 200;    // per figure of a region watch while the region is mostly quiet
  int quiet_rate = 20;        // writes per second of those
};

// The figures of a watcher of a one-node region, the baselines of the region watch's.
struct OneNodeFeed {
  double backlog_rate = 0;  // feed.remote_backlog_rate
  Delays from_ack;          // at paced_rate, from each put's acknowledgement to its arrival
};

// The remote figures (feed_bench_remote.cc), each region served in this process under `root`:
// feed.remote_* (a watcher on the writer's region, over its client endpoint) and feed.region_*
// (the writer on region a, the watcher on region b: the delay includes replication).
OneNodeFeed RemoteFeedFigures(const std::filesystem::path& root, const RemoteFeedOptions& options, Reporter& out);

// The region watch's figures (feed_bench_region_watch.cc): feed.region_watch_rf<R>_*, on a
// region of three `crdtdb serve` processes (`binary`) under `root`, with one and two owners per
// partition.
void RegionWatchFigures(const std::string& binary, const std::filesystem::path& root, const RemoteFeedOptions& options,
                        const OneNodeFeed& one_node, Reporter& out);

}  // namespace crdtdb::bench

#endif  // CRDTDB_BENCH_FEED_BENCH_H_
