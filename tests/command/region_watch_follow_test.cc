// Copyright (c) crdtdb authors.
//
// A region watch followed over the network (command/region_watch_follow.h): a node's change is
// printed while another node still holds its page, a node that does not answer is said once and
// passed over, a node's error or an output that refuses ends the watch, and so does a region where
// no node answers.

#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include <nlohmann/json.hpp>

#include "command/exit_codes.h"
#include "command/region_watch_follow.h"
#include "tests/command/three_node_region.h"

namespace crdtdb::command {
namespace {

// A page of node a's feed: `path`'s change (when given) after FEED-`seq`.
Outcome PageOfA(int seq, const std::string& path = "") {
  const std::string feed = "00000000000000a1-";
  Outcome o;
  if (!path.empty()) {
    o.out = nlohmann::json{{"cursor", feed + std::to_string(++seq)}, {"path", path}, {"doc", {}}}.dump() + "\n";
  }
  o.out += nlohmann::json{{"next", feed + std::to_string(seq)}}.dump() + "\n";
  return o;
}

std::string KeyOwnedBy(const cluster::Placement& placement, const std::string& node) {
  for (int i = 0; i < 10000; ++i) {
    const std::string key = "t/" + std::to_string(i);
    if (placement.Owners("r", placement.partitioning().PartitionOf(key))[0] == node) return key;
  }
  FAIL("no key owned by " << node);
  return "";
}

TEST_CASE("a followed region watch prints a node's change while another node holds its page") {
  const ClusterConfig config = ThreeNodes(1);
  const RegionConfig& region = config.regions[0];
  const cluster::Placement placement = cluster::Placement::Compute(config);
  Result<RegionWatch> watch = RegionWatch::Start(placement, region, "/t", "");
  REQUIRE(watch.ok());
  const std::string key = "/" + KeyOwnedBy(placement, "a");

  std::mutex mu;
  std::condition_variable cv;
  bool printed = false;       // a's change was printed
  bool b_holding = false;     // b holds a page
  bool b_released = false;    // b's held page ended because a's change was printed
  int a_pages = 0, c_calls = 0;
  std::string silent;
  const NodeCall call = [&](const NodeConfig& node, const Command& page) -> Result<Outcome> {
    std::unique_lock lock(mu);
    if (node.name == "c") {
      ++c_calls;
      cv.notify_all();
      return Status::IOError("c is down");
    }
    if (node.name == "a") {
      ++a_pages;
      if (a_pages == 2) {  // the change, after the first page's cursor, once b holds a page and c failed
        cv.wait_for(lock, std::chrono::seconds(5), [&] { return b_holding && c_calls > 0; });
        return PageOfA(0, key);
      }
      if (a_pages > 2) cv.wait_for(lock, std::chrono::seconds(5), [&] { return printed; });
      return PageOfA(a_pages == 1 ? 0 : 1);
    }
    // b holds every page after its first one until a's change is printed (bounded).
    if (!page.start_after.empty()) {
      b_holding = true;
      cv.notify_all();
      b_released = cv.wait_for(lock, std::chrono::seconds(5), [&] { return printed; }) || b_released;
    }
    Outcome empty;
    empty.out = nlohmann::json{{"next", "00000000000000a2-0"}}.dump() + "\n";
    return empty;
  };
  std::string out;
  RegionWatchOutput output;
  output.print = [&](const std::string& lines) {
    out += lines;
    if (lines.empty()) return Status::OK();
    std::lock_guard lock(mu);
    printed = true;
    cv.notify_all();
    return Status::Internal("enough");
  };
  output.silent = [&](const std::string& node, const Status& why) { silent += node + ": " + why.message() + "\n"; };

  const Status end = FollowRegionWatch(region, *watch, call, output);
  CHECK(end.message() == "enough");
  CHECK(b_released);  // asked one after the other, or a round at a time, a's change waited for b
  const nlohmann::json line = nlohmann::json::parse(out);
  CHECK(line["path"] == key);
  CHECK(line["cursor"].get<std::string>().starts_with("R1.a=00000000000000a1-1.b="));
  CHECK(silent == "c: c is down\n");  // said once, however often c was asked
  CHECK(c_calls >= 1);
}

TEST_CASE("a followed region watch ends with a node's error, and when no node answers") {
  const ClusterConfig config = ThreeNodes(1);
  const RegionConfig& region = config.regions[0];
  const cluster::Placement placement = cluster::Placement::Compute(config);
  RegionWatchOutput output;
  output.print = [](const std::string&) { return Status::OK(); };
  output.silent = [](const std::string&, const Status&) {};

  Result<RegionWatch> watch = RegionWatch::Start(placement, region, "/t", "");
  REQUIRE(watch.ok());
  const Status gone = FollowRegionWatch(region, *watch, [](const NodeConfig& node, const Command&) -> Result<Outcome> {
    if (node.name == "b") return Outcome{kExitGone, "", "the cursor is too old", {}, ""};
    return PageOfA(0);
  }, output);
  CHECK(gone.IsGone());
  CHECK(gone.message() == "node b: the cursor is too old");

  watch = RegionWatch::Start(placement, region, "/t", "");
  REQUIRE(watch.ok());
  const Status none = FollowRegionWatch(region, *watch, [](const NodeConfig& node, const Command&) -> Result<Outcome> {
    return Status::IOError(node.name + " is down");
  }, output);
  CHECK(none.IsIOError());
  CHECK(none.message().find("no node of region r answers") == 0);
}

}  // namespace
}  // namespace crdtdb::command
