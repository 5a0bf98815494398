// Copyright (c) crdtdb authors.
//
// The region-wide watch (command/region_watch.h): the composite cursor's text, malformed cursors
// refused with a message naming what is wrong, each partition's changes taken from one owner that
// answered, fail-over to the next owner, and the composite cursor each printed line carries.

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "command/exit_codes.h"
#include "command/region_watch.h"
#include "tests/command/three_node_region.h"

namespace crdtdb::command {
namespace {

std::string Feed(int node) { return "00000000000000a" + std::to_string(node); }

// A node's page: one change line per path (cursors FEED-1, FEED-2, ...), then its next line.
Outcome Page(int node, const std::vector<std::string>& paths, int after = 0) {
  Outcome o;
  int seq = after;
  for (const std::string& path : paths) {
    o.out += nlohmann::json{{"cursor", Feed(node) + "-" + std::to_string(++seq)}, {"path", path}, {"doc", {}}}.dump() +
             "\n";
  }
  o.out += nlohmann::json{{"next", Feed(node) + "-" + std::to_string(seq)}}.dump() + "\n";
  return o;
}

std::vector<nlohmann::json> Lines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    lines.push_back(nlohmann::json::parse(text.substr(start, end - start)));
  }
  return lines;
}

// A key in a partition whose first owner is `first` (and, with a replication factor of 2, whose
// second owner is `second` when given).
std::string KeyOwnedBy(const cluster::Placement& placement, const std::string& first, const std::string& second = "") {
  for (int i = 0; i < 10000; ++i) {
    const std::string key = "t/" + std::to_string(i);
    const auto& owners = placement.Owners("r", placement.partitioning().PartitionOf(key));
    if (owners[0] == first && (second.empty() || (owners.size() > 1 && owners[1] == second))) return key;
  }
  FAIL("no key owned by " << first);
  return "";
}

TEST_CASE("a composite cursor round-trips, and a malformed one is refused naming what is wrong") {
  const std::map<std::string, std::string> nodes{{"a", Feed(1) + "-4"}, {"b", ""}, {"c-2", Feed(3) + "-0"}};
  const std::string text = FormatRegionCursor(nodes);
  CHECK(text == "R1.a=00000000000000a1-4.b=.c-2=00000000000000a3-0");
  CHECK(IsRegionCursor(text));
  Result<std::map<std::string, std::string>> parsed = ParseRegionCursor(text);
  REQUIRE(parsed.ok());
  CHECK(*parsed == nodes);

  const std::vector<std::pair<std::string, std::string>> bad{
      {"R1.", "is not NODE=CURSOR"},
      {"R1.a", "is not NODE=CURSOR"},
      {"R1.A=", "is not a node name"},
      {"R1.a=nope", "node a"},
      {"R1.a=.a=", "appears twice"},
      {"R1.a=.", "ends with '.'"},
      {"R2.a=", "does not start with R1."},
  };
  for (const auto& [cursor, why] : bad) {
    Result<std::map<std::string, std::string>> r = ParseRegionCursor(cursor);
    REQUIRE_MESSAGE(!r.ok(), cursor);
    CHECK(r.status().IsInvalidArgument());
    CHECK_MESSAGE(r.status().message().find(why) != std::string::npos, cursor << ": " << r.status().message());
    CHECK(ExitCodeFor(r.status()) == kExitUsage);
  }
}

TEST_CASE("a region watch refuses a node's cursor, another region's cursor and a malformed one (exit 2)") {
  const ClusterConfig config = ThreeNodes(1);
  const cluster::Placement placement = cluster::Placement::Compute(config);
  for (const std::string& since : {Feed(1) + "-3", std::string("R1.a=.z="), std::string("R1.a=x")}) {
    Result<RegionWatch> watch = RegionWatch::Start(placement, config.regions[0], "/t", since);
    REQUIRE_MESSAGE(!watch.ok(), since);
    CHECK(ExitCodeFor(watch.status()) == kExitUsage);
  }
  Result<RegionWatch> other = RegionWatch::Start(placement, config.regions[0], "/t", "R1.a=.z=");
  CHECK(other.status().message().find("node z") != std::string::npos);
}

TEST_CASE("a region watch takes each partition from its first owner that answers, and fails over") {
  const ClusterConfig config = ThreeNodes(2);
  const cluster::Placement placement = cluster::Placement::Compute(config);
  const std::string ab = KeyOwnedBy(placement, "a", "b");
  const std::string ba = KeyOwnedBy(placement, "b", "a");
  Result<RegionWatch> watch = RegionWatch::Start(placement, config.regions[0], "/t", "R1.a=" + Feed(1) + "-0.b=" +
                                                                                       Feed(2) + "-0.c=" + Feed(3) + "-0");
  REQUIRE(watch.ok());
  CHECK(watch->PageFor("b", 100).start_after == Feed(2) + "-0");
  CHECK(watch->missing() == 16);  // no node has answered yet

  // b answers first: until a does, b serves a's partitions too.
  Result<std::string> page = watch->AcceptPage("b", Page(2, {"/" + ba, "/" + ab}));
  REQUIRE(page.ok());
  std::vector<nlohmann::json> lines = Lines(*page);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0]["path"] == "/" + ba);
  CHECK(lines[0]["cursor"] == "R1.a=" + Feed(1) + "-0.b=" + Feed(2) + "-1.c=" + Feed(3) + "-0");
  CHECK(lines[1]["path"] == "/" + ab);
  CHECK(lines[1]["cursor"] == "R1.a=" + Feed(1) + "-0.b=" + Feed(2) + "-2.c=" + Feed(3) + "-0");
  CHECK(watch->missing() == 16 - placement.OwnedBy("b").size());  // those of a and c only

  // a answers: each change is printed once, from its first owner (b's page of them came before).
  page = watch->AcceptPage("a", Page(1, {"/" + ab, "/" + ba}));
  REQUIRE(page.ok());
  lines = Lines(*page);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["path"] == "/" + ab);
  CHECK(lines[0]["cursor"] == "R1.a=" + Feed(1) + "-1.b=" + Feed(2) + "-2.c=" + Feed(3) + "-0");
  page = watch->AcceptPage("b", Page(2, {"/" + ba, "/" + ab}, 2));
  REQUIRE(page.ok());
  lines = Lines(*page);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["path"] == "/" + ba);
  REQUIRE(watch->AcceptPage("a", Page(1, {}, 2)).ok());  // a answers: it serves what b passed to it
  CHECK(watch->cursor() == "R1.a=" + Feed(1) + "-2.b=" + Feed(2) + "-4.c=" + Feed(3) + "-0");

  // b passes over a change of a's partition: a's page in flight goes unanswered, so b prints it.
  page = watch->AcceptPage("b", Page(2, {"/" + ab}, 4));
  REQUIRE(page.ok());
  CHECK(page->empty());
  const std::string late = watch->NodeSilent("a");
  lines = Lines(late);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["path"] == "/" + ab);
  CHECK(lines[0]["cursor"] == "R1.a=" + Feed(1) + "-2.b=" + Feed(2) + "-5.c=" + Feed(3) + "-0");
  // Until a answers again, b serves a's partitions, and a's cursor waits for it.
  page = watch->AcceptPage("b", Page(2, {"/" + ab}, 5));
  REQUIRE(page.ok());
  CHECK(Lines(*page).size() == 1);
  CHECK(watch->PageFor("a", 100).start_after == Feed(1) + "-2");
  CHECK(watch->NodeSilent("a").empty());  // nothing passed to a since

  // a is back with what it applied meanwhile: a repeat is allowed, a gap is not.
  page = watch->AcceptPage("a", Page(1, {"/" + ab}, 2));
  REQUIRE(page.ok());
  CHECK(Lines(*page).size() == 1);
  // b passes a's partitions over again, and a's answer settles them: nothing is printed twice.
  page = watch->AcceptPage("b", Page(2, {"/" + ab}, 6));
  REQUIRE(page.ok());
  CHECK(page->empty());
  page = watch->AcceptPage("a", Page(1, {}, 3));
  REQUIRE(page.ok());
  CHECK(watch->NodeSilent("a").empty());

  // A resumed watch starts every node where the cursor left it.
  Result<RegionWatch> resumed = RegionWatch::Start(placement, config.regions[0], "/t", watch->cursor());
  REQUIRE(resumed.ok());
  CHECK(resumed->cursor() == watch->cursor());
  CHECK(resumed->PageFor("a", 100).start_after == Feed(1) + "-3");
}

TEST_CASE("a region watch with one owner per partition waits for a silent owner, and a node's error fails it") {
  const ClusterConfig config = ThreeNodes(1);
  const cluster::Placement placement = cluster::Placement::Compute(config);
  Result<RegionWatch> watch = RegionWatch::Start(placement, config.regions[0], "/t", "");
  REQUIRE(watch.ok());
  CHECK(watch->PageFor("a", 100).wait_ms == 0);  // from now: the first page only learns the cursor
  REQUIRE(watch->AcceptPage("a", Page(1, {})).ok());
  Result<std::string> page = watch->AcceptPage("b", Page(2, {}));
  REQUIRE(page.ok());
  CHECK(page->empty());
  CHECK(watch->NodeSilent("c").empty());
  CHECK(watch->missing() == placement.OwnedBy("c").size());
  CHECK(watch->cursor() == "R1.a=" + Feed(1) + "-0.b=" + Feed(2) + "-0.c=");

  const std::string before = watch->cursor();
  page = watch->AcceptPage("b", Outcome{kExitGone, "", "the cursor is too old", {}, ""});
  REQUIRE(!page.ok());
  CHECK(page.status().IsGone());
  CHECK(page.status().message().find("node b") != std::string::npos);
  CHECK(watch->cursor() == before);  // nothing moved: the page may be asked again
}

}  // namespace
}  // namespace crdtdb::command
