// Copyright (c) crdtdb authors.
//
// feed_bench's remote figures: a watcher over a served region's client endpoint, exactly as
// `crdtdb --endpoint E watch /PREFIX` follows one (command/watch.h's WatchSession, each page one
// request, held by the node up to kWatchMaxWaitMs while nothing changes), the region served on a
// thread of this process as `crdtdb serve` serves it (served_region.h), and a watcher on another
// region than the writer's, so that each change reaches it through replication first.
//
// - feed.remote_backlog_rate: N puts through the client endpoint first, then the watcher reads
//   them from its cursor (changes/s; baseline: those puts per second).
// - feed.remote_delay_p50/p99: a writer puts N documents at a steady rate, the watcher follows
//   live; each delay runs from the put's request (the commit comes between it and its
//   acknowledgement) to the arrival of the page holding its change (baseline: the put's round
//   trip, same percentile: a ratio below 1 means the watcher heard of the write before the writer).
// - feed.region_delay_p50/p99: the same with the writer on region a and the watcher on region b
//   (baseline: the same-region figure). The delay adds a's delta stream to b and b's apply.
// - feed.region_burst_rate: N puts to a as fast as one writer goes, the watcher on b; changes
//   delivered per second from the first put to the last delivery (baseline: a's puts per second).

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "bench_fail.h"
#include "command/command.h"
#include "command/watch.h"
#include "feed_bench.h"
#include "net/client_call.h"
#include "served_region.h"

namespace crdtdb::bench {
namespace {

// How long one figure may wait for its changes, at most.
constexpr auto kFeedBound = std::chrono::seconds(120);

double SecondsSince(FeedClock::time_point start) {
  return std::chrono::duration<double>(FeedClock::now() - start).count();
}

// `a` then `b`, appended piece by piece: "literal" + std::string trips GCC 12's false -Wrestrict.
std::string Cat(std::string a, const std::string& b) {
  a += b;
  return a;
}

command::Command Put(const std::string& collection, int i) {
  command::Command c;
  c.verb = command::Command::Verb::kPut;
  c.path = Cat(collection + "/", std::to_string(i));
  c.json = FeedDoc(i);
  return c;
}

// Follows collection `collection` on a region's client endpoint and notes when the change of
// each document <collection>/<i>, i < expected, arrived (its first arrival).
class RemoteWatcher {
 public:
  // Reads the first page of a watch from now before returning: every change committed after the
  // constructor returns is seen.
  RemoteWatcher(const std::string& endpoint, const std::string& collection, int expected)
      : client_(endpoint, /*timeout_ms=*/10'000),
        session_(Cat("/", collection), ""),
        marker_(Cat(Cat("\"path\":\"/", collection), "/")),
        arrived_(static_cast<size_t>(expected)) {
    Page(0);
  }
  ~RemoteWatcher() {
    if (thread_.joinable()) thread_.join();
  }
  RemoteWatcher(const RemoteWatcher&) = delete;
  RemoteWatcher& operator=(const RemoteWatcher&) = delete;

  // Follows on a thread of its own; each page may be held up to `wait_ms` while nothing comes.
  void Start(uint32_t wait_ms) {
    thread_ = std::thread([this, wait_ms] {
      const auto deadline = FeedClock::now() + kFeedBound;
      while (count_ < arrived_.size() && FeedClock::now() < deadline) Page(wait_ms);
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

 private:
  void Page(uint32_t wait_ms) {
    const std::string answer =
        Must(client_.Exchange(command::EncodeCommand(session_.NextPage(wait_ms))), "watch request");
    const std::string lines = Must(session_.Accept(Must(command::DecodeOutcome(answer), "watch answer")), "watch");
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

  net::ClientConnection client_;
  command::WatchSession session_;
  const std::string marker_;  // what precedes a document's number in a change line
  std::vector<FeedClock::time_point> arrived_;
  size_t count_ = 0;
  FeedClock::time_point last_;
  std::thread thread_;
};

// When each put of PutAll was sent and acknowledged.
struct Puts {
  std::vector<FeedClock::time_point> sent, acked;
};

// Puts documents [0, n) of `collection` to `region`, one at a time, at `rate` per second (0: as
// fast as they go).
Puts PutAll(ServedRegion& region, const std::string& collection, int n, int rate) {
  Puts puts{std::vector<FeedClock::time_point>(static_cast<size_t>(n)),
            std::vector<FeedClock::time_point>(static_cast<size_t>(n))};
  const auto start = FeedClock::now();
  for (int i = 0; i < n; ++i) {
    if (rate > 0) std::this_thread::sleep_until(start + std::chrono::microseconds(int64_t{i} * 1'000'000 / rate));
    puts.sent[i] = FeedClock::now();
    region.Run(Put(collection, i));
    puts.acked[i] = FeedClock::now();
  }
  return puts;
}

struct Delays {
  double p50 = 0, p99 = 0;
};

// A paced writer on `writer`, a live watcher on `endpoint`: the delays, and the puts' round trips
// into `round_trip` when given.
Delays PacedDelays(ServedRegion& writer, const std::string& endpoint, const std::string& collection,
                   const RemoteFeedOptions& options, Delays* round_trip) {
  RemoteWatcher watcher(endpoint, collection, options.changes);
  watcher.Start(command::kWatchMaxWaitMs);
  const Puts puts = PutAll(writer, collection, options.changes, options.paced_rate);
  const std::vector<double> delays = SortedDelaysUs(puts.sent, watcher.Finish());
  if (round_trip != nullptr) {
    const std::vector<double> trips = SortedDelaysUs(puts.sent, puts.acked);
    *round_trip = {At(trips, 0.5), At(trips, 0.99)};
  }
  return {At(delays, 0.5), At(delays, 0.99)};
}

}  // namespace

void RemoteFeedFigures(const std::filesystem::path& root, const RemoteFeedOptions& options, Reporter& out) {
  const int n = options.changes;
  const std::string rate = Cat(Cat(" at ", std::to_string(options.paced_rate)), " puts/s");
  Delays remote, trip;
  {
    const RegionEndpoints a_endpoints = NewRegion("a");
    const ClusterConfig cluster = MakeClusterConfig({a_endpoints}, root / "remote");
    ServedRegion a(cluster, a_endpoints);

    RemoteWatcher backlog(a_endpoints.client, "rb", n);
    auto start = FeedClock::now();
    PutAll(a, "rb", n, 0);
    const double put_rate = n / SecondsSince(start);
    start = FeedClock::now();
    backlog.Start(0);
    backlog.Finish();
    out.Report({"feed.remote_backlog_rate", n / SecondsSince(start), "changes/s", "remote_put_rate", put_rate});

    remote = PacedDelays(a, a_endpoints.client, "rl", options, &trip);
    out.Report({"feed.remote_delay_p50", remote.p50, "us", Cat("put_round_trip_p50", rate), trip.p50});
    out.Report({"feed.remote_delay_p99", remote.p99, "us", Cat("put_round_trip_p99", rate), trip.p99});
  }
  {
    const RegionEndpoints a_endpoints = NewRegion("a"), b_endpoints = NewRegion("b");
    const ClusterConfig cluster = MakeClusterConfig({a_endpoints, b_endpoints}, root / "regions");
    ServedRegion a(cluster, a_endpoints);
    ServedRegion b(cluster, b_endpoints);
    {
      // Until b has one write of a: a delta published before b's subscription was connected
      // reaches b only by anti-entropy (a second later), which the figures must not measure.
      RemoteWatcher warm(b_endpoints.client, "warm", 1);
      warm.Start(command::kWatchMaxWaitMs);
      a.Run(Put("warm", 0));
      warm.Finish();
    }

    const Delays region = PacedDelays(a, b_endpoints.client, "xl", options, nullptr);
    out.Report({"feed.region_delay_p50", region.p50, "us", Cat("feed.remote_delay_p50", rate), remote.p50});
    out.Report({"feed.region_delay_p99", region.p99, "us", Cat("feed.remote_delay_p99", rate), remote.p99});

    RemoteWatcher burst(b_endpoints.client, "xb", n);
    burst.Start(command::kWatchMaxWaitMs);
    const auto start = FeedClock::now();
    PutAll(a, "xb", n, 0);
    const double put_rate = n / SecondsSince(start);
    burst.Finish();
    const double delivered = n / std::chrono::duration<double>(burst.last() - start).count();
    out.Report({"feed.region_burst_rate", delivered, "changes/s", "region_a_put_rate", put_rate});
  }
}

}  // namespace crdtdb::bench
