// Copyright (c) crdtdb authors.
//
// feed_bench's region-watch figures: `crdtdb watch /PREFIX --config F --region R` on a region of
// three nodes, each a `crdtdb serve` process (node_process.h), followed as cli/watch.cc follows
// it: command::FollowRegionWatch, every node asked on a thread of its own through a RegionRouter
// (options as the CLI's: one connection kept per node). Beside it, the watch as it was before:
// rounds, each node asked once the one before it answered, held 100 ms while the last round
// printed nothing, a connection per page: the before/after of the same run. The writer puts through a RegionRouter of its own,
// each put to its first owner.
// For R = 1 and 2 owners per partition:
//
// - feed.region_watch_rfR_backlog_rate: N puts first, then the region watch reads them from its
//   cursor, until the last one arrives (changes/s; baseline: feed.remote_backlog_rate, a one-node
//   region's watcher).
// - feed.region_watch_rfR_delay_p50/p99: a writer puts N documents at a steady rate, the region
//   watch follows live; each delay runs from the put's acknowledgement to the end of the round
//   that held its change (baseline: a one-node region's watcher, from the acknowledgement too).
// - feed.region_watch_rfR_before_delay_p50/p99: the same, followed as before (baseline: the
//   figure above).
// - feed.region_watch_rfR_quiet_delay_p50/p99: the same at a few puts per second, so that most
//   pages are held by quiet nodes (baseline: followed as before).

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bench_fail.h"
#include "command/region_router.h"
#include "command/region_watch.h"
#include "command/region_watch_follow.h"
#include "config/cluster_config.h"
#include "feed_bench.h"
#include "node_process.h"
#include "region_yaml.h"

namespace crdtdb::bench {
namespace {

constexpr int kNodes = 3;

enum class Follow { kNow, kBefore };

// The CLI's router options for a region watch: one connection kept per node (a connection per
// page before).
command::RouterOptions RouterOptionsOf(Follow follow) {
  command::RouterOptions options;
  options.pooled_connections = follow == Follow::kNow ? 1 : 0;
  return options;
}

// How long a node held the page of the region watch before FollowRegionWatch while it was quiet.
constexpr uint32_t kBeforeWaitMs = 100;

// Follows collection `collection` of `region` as a region watch.
class RegionWatcher : public FeedFollower {
 public:
  // Reads every node's first page of a watch from now before returning: every change committed
  // after the constructor returns is seen.
  RegionWatcher(const ClusterConfig& config, const RegionConfig& region, const std::string& collection, int expected,
                Follow follow)
      : FeedFollower(collection, expected),
        region_(region),
        router_(config, region, RouterOptionsOf(follow)),
        watch_(Must(command::RegionWatch::Start(router_.placement(), region, Cat("/", collection), ""), "watch")),
        follow_(follow),
        call_([this](const NodeConfig& node, const command::Command& page) {
          bool sent = false;
          return router_.Call(node, page, &sent);
        }) {
    Round(0);
  }

 private:
  void Next() override {
    if (follow_ == Follow::kBefore) {
      Round(printed_ ? 0 : kBeforeWaitMs);
      return;
    }
    command::RegionWatchOutput output;
    output.print = [this](const std::string& lines) {
      Note(lines);
      return done() || FeedClock::now() > deadline() ? Status::Internal("done") : Status::OK();
    };
    output.silent = [](const std::string& node, const Status& why) {
      Fail(Cat(Cat("region watch: node ", node), ": ") + why.ToString());
    };
    const Status end = command::FollowRegionWatch(region_, watch_, call_, output);
    if (end.message() != "done") Fail(Cat("region watch: ", end.ToString()));
  }

  // One round of the watch before: each node asked once the one before it answered, its pages
  // printed at the end of the round.
  void Round(uint32_t wait_ms) {
    std::string lines;
    for (const NodeConfig& node : region_.nodes) {
      const command::Outcome answer = Must(call_(node, watch_.PageFor(node.name, wait_ms)), "region watch page");
      lines += Must(watch_.AcceptPage(node.name, answer), "region watch page");
    }
    printed_ = !lines.empty();
    Note(lines);
  }

  const RegionConfig& region_;
  const command::RegionRouter router_;
  command::RegionWatch watch_;
  const Follow follow_;
  const command::NodeCall call_;
  bool printed_ = false;  // the last round of the watch before printed
};

// A region of kNodes `crdtdb serve` processes, from the moment every node answers status until
// it is destroyed, and a router that puts to it.
class ServedNodes {
 public:
  ServedNodes(const std::string& binary, const std::filesystem::path& dir, int replication_factor) {
    std::filesystem::create_directories(dir);
    const std::filesystem::path yaml = dir / "region.yaml";
    std::ofstream(yaml) << "cluster: feed-bench\npartitions: 64\nanti_entropy_interval_ms: 1000\nregions:\n" +
                               RegionEntryYaml("w", kNodes, replication_factor);
    config_ = Must(LoadClusterConfig(yaml.string()), "config");
    for (const NodeConfig& node : region().nodes) {
      nodes_.push_back(std::make_unique<NodeProcess>(binary, yaml.string(), "w", node.name, node.client,
                                                     (dir / (node.name + ".log")).string()));
    }
    command::RouterOptions options;
    options.pooled_connections = 1;  // the writer's connections are not what is measured
    writer_ = std::make_unique<command::RegionRouter>(config_, region(), std::move(options));
  }

  const ClusterConfig& config() const { return config_; }
  const RegionConfig& region() const { return config_.regions[0]; }
  std::function<void(const command::Command&)> Writer() {
    return [this](const command::Command& put) {
      const command::Outcome outcome = writer_->Execute(put);
      if (outcome.exit_code != 0) Fail(Cat(Cat("put ", put.path), ": ") + outcome.error);
    };
  }

 private:
  ClusterConfig config_;
  std::vector<std::unique_ptr<NodeProcess>> nodes_;
  std::unique_ptr<command::RegionRouter> writer_;
};

// `changes` puts at `rate` per second, a region watch following them live: the delays from each
// put's acknowledgement to its change's arrival.
Delays Paced(ServedNodes& nodes, const std::string& collection, int changes, int rate, Follow follow) {
  RegionWatcher watcher(nodes.config(), nodes.region(), collection, changes, follow);
  watcher.Start();
  const Puts puts = PutAll(nodes.Writer(), collection, changes, rate);
  return Percentiles(SortedDelaysUs(puts.acked, watcher.Finish()));
}

}  // namespace

void RegionWatchFigures(const std::string& binary, const std::filesystem::path& root, const RemoteFeedOptions& options,
                        const OneNodeFeed& one_node, Reporter& out) {
  const int n = options.changes;
  const std::string paced = Cat(Cat(" at ", std::to_string(options.paced_rate)), " puts/s");
  const std::string quiet = Cat(Cat(" at ", std::to_string(options.quiet_rate)), " puts/s");
  for (int rf : {1, 2}) {
    const std::string name = Cat("rf", std::to_string(rf));
    ServedNodes nodes(binary, root / Cat("rwatch-", name), rf);
    const std::string row = Cat("feed.region_watch_", name);

    RegionWatcher backlog(nodes.config(), nodes.region(), Cat("b", name), n, Follow::kNow);
    PutAll(nodes.Writer(), Cat("b", name), n, 0);
    const auto start = FeedClock::now();
    backlog.Start();
    backlog.Finish();  // after the last arrival, the other nodes' held pages end too
    const double rate = n / std::chrono::duration<double>(backlog.last() - start).count();
    out.Report({Cat(row, "_backlog_rate"), rate, "changes/s", "feed.remote_backlog_rate", one_node.backlog_rate});

    const Delays at_once = Paced(nodes, Cat("p", name), n, options.paced_rate, Follow::kNow);
    const Delays before = Paced(nodes, Cat("s", name), n, options.paced_rate, Follow::kBefore);
    const Delays quiet_at_once = Paced(nodes, Cat("q", name), options.quiet_changes, options.quiet_rate, Follow::kNow);
    const Delays quiet_before =
        Paced(nodes, Cat("r", name), options.quiet_changes, options.quiet_rate, Follow::kBefore);
    out.Report({Cat(row, "_delay_p50"), at_once.p50, "us", Cat("one_node_watch_from_ack_p50", paced),
                one_node.from_ack.p50});
    out.Report({Cat(row, "_delay_p99"), at_once.p99, "us", Cat("one_node_watch_from_ack_p99", paced),
                one_node.from_ack.p99});
    out.Report({Cat(row, "_before_delay_p50"), before.p50, "us", Cat("followed_now_p50", paced), at_once.p50});
    out.Report({Cat(row, "_before_delay_p99"), before.p99, "us", Cat("followed_now_p99", paced), at_once.p99});
    out.Report({Cat(row, "_quiet_delay_p50"), quiet_at_once.p50, "us", Cat("followed_before_p50", quiet),
                quiet_before.p50});
    out.Report({Cat(row, "_quiet_delay_p99"), quiet_at_once.p99, "us", Cat("followed_before_p99", quiet),
                quiet_before.p99});
    std::fprintf(stderr,
                 "feed_bench: region watch, %d nodes, rf %d: backlog %.0f changes/s; ack-to-delivery p50/p99 "
                 "%.1f/%.1f ms%s (before: %.1f/%.1f ms), %.1f/%.1f ms%s (before: %.1f/%.1f ms)\n",
                 kNodes, rf, rate, at_once.p50 / 1e3, at_once.p99 / 1e3, paced.c_str(), before.p50 / 1e3,
                 before.p99 / 1e3, quiet_at_once.p50 / 1e3, quiet_at_once.p99 / 1e3, quiet.c_str(),
                 quiet_before.p50 / 1e3, quiet_before.p99 / 1e3);
  }
}

}  // namespace crdtdb::bench
