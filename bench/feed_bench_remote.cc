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
#include <functional>
#include <string>
#include <vector>

#include "bench_fail.h"
#include "command/command.h"
#include "command/watch.h"
#include "feed_bench.h"
#include "net/client_call.h"
#include "served_region.h"

namespace crdtdb::bench {
namespace {

// Follows collection `collection` on a region's client endpoint, a page after the other.
class RemoteWatcher : public FeedFollower {
 public:
  // Reads the first page of a watch from now before returning: every change committed after the
  // constructor returns is seen. Each page may be held up to `wait_ms` while nothing comes.
  RemoteWatcher(const std::string& endpoint, const std::string& collection, int expected, uint32_t wait_ms)
      : FeedFollower(collection, expected),
        client_(endpoint, /*timeout_ms=*/10'000),
        session_(Cat("/", collection), ""),
        wait_ms_(wait_ms) {
    Next();
  }

 private:
  void Next() override {
    const std::string answer =
        Must(client_.Exchange(command::EncodeCommand(session_.NextPage(wait_ms_))), "watch request");
    Note(Must(session_.Accept(Must(command::DecodeOutcome(answer), "watch answer")), "watch"));
  }

  net::ClientConnection client_;
  command::WatchSession session_;
  const uint32_t wait_ms_;
};

// Runs each put on `region`.
std::function<void(const command::Command&)> On(ServedRegion& region) {
  return [&region](const command::Command& put) { region.Run(put); };
}

// A paced writer on `writer`, a live watcher on `endpoint`: the delays from each put's request,
// and into `from_ack` (when given) from its acknowledgement, and into `round_trip` the puts' round
// trips.
Delays PacedDelays(ServedRegion& writer, const std::string& endpoint, const std::string& collection,
                   const RemoteFeedOptions& options, Delays* from_ack, Delays* round_trip) {
  RemoteWatcher watcher(endpoint, collection, options.changes, command::kWatchMaxWaitMs);
  watcher.Start();
  const Puts puts = PutAll(On(writer), collection, options.changes, options.paced_rate);
  const std::vector<FeedClock::time_point>& arrived = watcher.Finish();
  if (from_ack != nullptr) *from_ack = Percentiles(SortedDelaysUs(puts.acked, arrived));
  if (round_trip != nullptr) *round_trip = Percentiles(SortedDelaysUs(puts.sent, puts.acked));
  return Percentiles(SortedDelaysUs(puts.sent, arrived));
}

}  // namespace

OneNodeFeed RemoteFeedFigures(const std::filesystem::path& root, const RemoteFeedOptions& options, Reporter& out) {
  const int n = options.changes;
  const std::string rate = Cat(Cat(" at ", std::to_string(options.paced_rate)), " puts/s");
  OneNodeFeed one_node;
  Delays remote, trip;
  {
    const RegionEndpoints a_endpoints = NewRegion("a");
    const ClusterConfig cluster = MakeClusterConfig({a_endpoints}, root / "remote");
    ServedRegion a(cluster, a_endpoints);

    RemoteWatcher backlog(a_endpoints.client, "rb", n, 0);
    auto start = FeedClock::now();
    PutAll(On(a), "rb", n, 0);
    const double put_rate = n / SecondsSince(start);
    start = FeedClock::now();
    backlog.Start();
    backlog.Finish();
    one_node.backlog_rate = n / SecondsSince(start);
    out.Report({"feed.remote_backlog_rate", one_node.backlog_rate, "changes/s", "remote_put_rate", put_rate});

    remote = PacedDelays(a, a_endpoints.client, "rl", options, &one_node.from_ack, &trip);
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
      RemoteWatcher warm(b_endpoints.client, "warm", 1, command::kWatchMaxWaitMs);
      warm.Start();
      a.Run(FeedPut("warm", 0));
      warm.Finish();
    }

    const Delays region = PacedDelays(a, b_endpoints.client, "xl", options, nullptr, nullptr);
    out.Report({"feed.region_delay_p50", region.p50, "us", Cat("feed.remote_delay_p50", rate), remote.p50});
    out.Report({"feed.region_delay_p99", region.p99, "us", Cat("feed.remote_delay_p99", rate), remote.p99});

    RemoteWatcher burst(b_endpoints.client, "xb", n, command::kWatchMaxWaitMs);
    burst.Start();
    const auto start = FeedClock::now();
    PutAll(On(a), "xb", n, 0);
    const double put_rate = n / SecondsSince(start);
    burst.Finish();
    const double delivered = n / std::chrono::duration<double>(burst.last() - start).count();
    out.Report({"feed.region_burst_rate", delivered, "changes/s", "region_a_put_rate", put_rate});
  }
  return one_node;
}

}  // namespace crdtdb::bench
