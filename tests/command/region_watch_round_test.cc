// Copyright (c) crdtdb authors.
//
// A region watch's round (command/region_watch_round.h): every node is asked its page at once,
// each page with the watch's cursor of that node and the hold of the round, and a node that does
// not answer is named with its error beside the others' answers.

#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <utility>

#include <nlohmann/json.hpp>

#include "command/region_watch_round.h"

namespace crdtdb::command {
namespace {

ClusterConfig ThreeNodes() {
  ClusterConfig config;
  config.partitions = 16;
  RegionConfig region;
  region.name = "r";
  region.replication_factor = 1;
  region.listed_nodes = true;
  for (const char* name : {"a", "b", "c"}) {
    NodeConfig node;
    node.name = name;
    region.nodes.push_back(node);
  }
  config.regions.push_back(region);
  return config;
}

// An empty page of node `name`'s feed ending at FEED-`seq`.
Outcome EmptyPage(const std::string& name, int seq) {
  Outcome o;
  o.out = nlohmann::json{{"next", "00000000000000a" + std::string(1, name[0] - 'a' + '1') + "-" +
                                      std::to_string(seq)}}.dump() + "\n";
  return o;
}

// Nodes that answer a page only once every node has been asked (or after a bound, failing that
// page): asked one after the other, no node could answer.
class AskedTogether {
 public:
  explicit AskedTogether(size_t nodes) : nodes_(nodes) {}

  Result<Outcome> Call(const NodeConfig& node, const Command& page) {
    std::unique_lock lock(mu_);
    pages_.emplace(node.name, page);
    if (++asked_ % nodes_ == 0) all_asked_.notify_all();
    const size_t round_end = (asked_ + nodes_ - 1) / nodes_ * nodes_;
    if (!all_asked_.wait_for(lock, std::chrono::seconds(5), [&] { return asked_ >= round_end; })) {
      return Status::IOError("node " + node.name + " was asked alone");
    }
    if (node.name == "c") return Status::IOError("c is down");
    return EmptyPage(node.name, static_cast<int>(asked_ / nodes_));
  }
  std::map<std::string, Command> TakePages() {
    std::lock_guard lock(mu_);
    return std::exchange(pages_, {});
  }

 private:
  const size_t nodes_;
  std::mutex mu_;
  std::condition_variable all_asked_;
  size_t asked_ = 0;
  std::map<std::string, Command> pages_;  // the last round's, by node
};

TEST_CASE("a region watch round asks every node at once, each with its own cursor and the round's hold") {
  const ClusterConfig config = ThreeNodes();
  const RegionConfig& region = config.regions[0];
  const cluster::Placement placement = cluster::Placement::Compute(config);
  Result<RegionWatch> watch = RegionWatch::Start(placement, region, "/t", "");
  REQUIRE(watch.ok());
  AskedTogether nodes(region.nodes.size());
  const NodeCall call = [&](const NodeConfig& node, const Command& page) { return nodes.Call(node, page); };

  RoundAnswers round = AskEveryNode(region, *watch, call);
  REQUIRE(round.answers.size() == 2);  // without every node asked at once, none answers
  CHECK(round.answers.contains("a"));
  CHECK(round.answers.contains("b"));
  REQUIRE(round.failures.size() == 1);
  CHECK(round.failures.at("c").message() == "c is down");
  std::map<std::string, Command> pages = nodes.TakePages();
  REQUIRE(pages.size() == 3);
  for (const auto& [name, page] : pages) {
    CHECK(page.verb == Command::Verb::kWatch);
    CHECK(page.wait_ms == 0);  // the first round only learns each node's cursor
    CHECK(page.start_after.empty());
  }
  REQUIRE(watch->AcceptRound(round.answers).ok());

  // A quiet round: the next pages are held, each from its node's cursor.
  round = AskEveryNode(region, *watch, call);
  CHECK(round.answers.size() == 2);
  pages = nodes.TakePages();
  REQUIRE(pages.size() == 3);
  CHECK(pages.at("a").wait_ms == kRegionWatchWaitMs);
  CHECK(pages.at("b").wait_ms == kRegionWatchWaitMs);
  CHECK(pages.at("a").start_after == "00000000000000a1-1");
  CHECK(pages.at("b").start_after == "00000000000000a2-1");
  CHECK(pages.at("c").start_after.empty());  // c never answered: it starts when it does
}

}  // namespace
}  // namespace crdtdb::command
