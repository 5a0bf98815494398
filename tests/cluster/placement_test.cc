// Copyright (c) crdtdb authors.

#include "cluster/placement.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <string>

#include <doctest/doctest.h>

#include "cluster/owner_rotation.h"

namespace crdtdb::cluster {
namespace {

std::vector<std::string> Names(size_t n, size_t first = 0) {
  std::vector<std::string> names;
  for (size_t i = first; i < first + n; ++i) names.push_back("node-" + std::to_string(i));
  return names;
}

// Owner names per partition, each list sorted (for comparing two placements as sets).
std::vector<std::set<std::string>> OwnerSets(const std::vector<std::vector<size_t>>& owners,
                                             const std::vector<std::string>& names) {
  std::vector<std::set<std::string>> sets;
  for (const auto& list : owners) {
    std::set<std::string> s;
    for (size_t n : list) s.insert(names[n]);
    sets.push_back(std::move(s));
  }
  return sets;
}

// How many (partition, owner) pairs of `after` are not in `before`: the partition copies a change
// of placement makes.
size_t Moves(const std::vector<std::set<std::string>>& before,
             const std::vector<std::set<std::string>>& after) {
  size_t moves = 0;
  for (size_t p = 0; p < after.size(); ++p) {
    for (const std::string& owner : after[p]) moves += before[p].count(owner) == 0;
  }
  return moves;
}

TEST_CASE("every partition gets replication_factor distinct owners and every node its share") {
  for (uint32_t partitions : {1u, 16u, 64u, 256u, 4096u}) {
    for (size_t nodes = 1; nodes <= 12; ++nodes) {
      for (int rf = 1; rf <= 3; ++rf) {
        CAPTURE(partitions);
        CAPTURE(nodes);
        CAPTURE(rf);
        const std::vector<std::vector<size_t>> owners = AssignOwners(partitions, Names(nodes), rf);
        const size_t wanted = std::min<size_t>(rf, nodes);
        std::vector<size_t> load(nodes, 0);
        for (const auto& list : owners) {
          REQUIRE(list.size() == wanted);
          CHECK(std::set<size_t>(list.begin(), list.end()).size() == wanted);
          for (size_t n : list) ++load[n];
        }
        const size_t share = partitions * wanted / nodes;
        const auto [least, most] = std::minmax_element(load.begin(), load.end());
        CAPTURE(*least);
        CAPTURE(*most);
        CHECK(*least >= share);
        CHECK(*most <= share + 1);
      }
    }
  }
}

TEST_CASE("placement is deterministic and ignores the order nodes are listed in") {
  std::vector<std::string> names = Names(5);
  const auto a = OwnerSets(AssignOwners(256, names, 2), names);
  std::reverse(names.begin(), names.end());
  const auto b = OwnerSets(AssignOwners(256, names, 2), names);
  CHECK(a == b);
}

TEST_CASE("adding or removing a node moves few partitions besides its own") {
  for (int rf = 1; rf <= 2; ++rf) {
    for (size_t nodes = 2; nodes <= 10; ++nodes) {
      CAPTURE(rf);
      CAPTURE(nodes);
      const std::vector<std::string> before_names = Names(nodes);
      const std::vector<std::string> after_names = Names(nodes + 1);
      const auto before = OwnerSets(AssignOwners(256, before_names, rf), before_names);
      const auto after = OwnerSets(AssignOwners(256, after_names, rf), after_names);
      // The new node must take its share; every other copy made is overhead.
      const double share = 256.0 * rf / static_cast<double>(nodes + 1);
      const size_t added = Moves(before, after);
      const size_t removed = Moves(after, before);
      MESSAGE("rf " << rf << ", " << nodes << " -> " << nodes + 1 << " nodes: " << added
                    << " copies for a share of " << share << "; back: " << removed);
      CHECK(static_cast<double>(added) <= 1.4 * share + 2);
      CHECK(static_cast<double>(removed) <= 1.4 * share + 2);
    }
  }
}

ClusterConfig Config(uint32_t partitions, std::vector<std::pair<std::string, std::vector<std::string>>> regions,
                     int rf) {
  ClusterConfig config;
  config.partitions = partitions;
  for (auto& [name, nodes] : regions) {
    RegionConfig region;
    region.name = name;
    region.replication_factor = std::min<int>(rf, static_cast<int>(nodes.size()));
    for (const std::string& node : nodes) {
      NodeConfig n;
      n.name = node;
      region.nodes.push_back(std::move(n));
    }
    config.regions.push_back(std::move(region));
  }
  return config;
}

TEST_CASE("a one-node region's node owns every partition and replicates with every node") {
  const Placement placement = Placement::Compute(
      Config(64, {{"us-east", {"us-east"}}, {"eu-west", {"eu-west-1", "eu-west-2", "eu-west-3"}}}, 1));
  CHECK(placement.OwnedBy("us-east").full());
  CHECK(placement.OwnedBy("nobody").empty());
  size_t total = 0;
  for (const std::string node : {"eu-west-1", "eu-west-2", "eu-west-3"}) {
    total += placement.OwnedBy(node).size();
    // Replication factor 1: nodes of one region share nothing.
    CHECK(placement.PeersOf(node).size() == 1);
    CHECK(placement.PeersOf(node).at("us-east") == placement.OwnedBy(node));
  }
  CHECK(total == 64);
  CHECK(placement.PeersOf("us-east").size() == 3);
  for (PartitionId p = 0; p < 64; ++p) {
    REQUIRE(placement.Owners("eu-west", p).size() == 1);
    CHECK(placement.OwnedBy(placement.Owners("eu-west", p)[0]).Contains(p));
    CHECK(placement.Owners("us-east", p) == std::vector<std::string>{"us-east"});
  }
  CHECK(placement.Owners("nowhere", 0).empty());
}

TEST_CASE("replicas inside a region are peers for the partitions they share") {
  const Placement placement =
      Placement::Compute(Config(256, {{"r", {"a", "b", "c"}}}, 2));
  for (const std::string node : {"a", "b", "c"}) {
    const auto peers = placement.PeersOf(node);
    CHECK(peers.size() == 2);
    for (const auto& [peer, shared] : peers) {
      CHECK(shared == placement.OwnedBy(node).Intersect(placement.OwnedBy(peer)));
    }
  }
}

TEST_CASE("a region's nodes are listed as the configuration lists them, leaving ones too") {
  ClusterConfig config = Config(64, {{"r", {"c", "a", "b"}}, {"s", {"d"}}}, 1);
  config.regions[0].nodes[2].leaving = true;
  const Placement placement = Placement::Compute(config);
  CHECK(placement.NodesOf("r") == std::vector<std::string>{"c", "a", "b"});
  CHECK(placement.OwnedBy("b").empty());
  CHECK(placement.NodesOf("s") == std::vector<std::string>{"d"});
  CHECK(placement.NodesOf("nowhere").empty());
}

TEST_CASE("the placement version follows what placement depends on, and only that") {
  const uint64_t base = Placement::Compute(Config(64, {{"r", {"a", "b"}}}, 1)).version();
  CHECK(Placement::Compute(Config(64, {{"r", {"b", "a"}}}, 1)).version() == base);
  CHECK(Placement::Compute(Config(64, {{"r", {"a", "b", "c"}}}, 1)).version() != base);
  CHECK(Placement::Compute(Config(64, {{"r", {"a", "b"}}}, 2)).version() != base);
  CHECK(Placement::Compute(Config(128, {{"r", {"a", "b"}}}, 1)).version() != base);
  CHECK(Placement::Compute(Config(64, {{"s", {"a", "b"}}}, 1)).version() != base);
}

TEST_CASE("a leaving node owns nothing, and the others place as if it were gone") {
  ClusterConfig leaving = Config(64, {{"r", {"a", "b", "c"}}, {"s", {"d"}}}, 1);
  leaving.regions[0].nodes[2].leaving = true;
  const Placement with = Placement::Compute(leaving);
  const Placement without = Placement::Compute(Config(64, {{"r", {"a", "b"}}, {"s", {"d"}}}, 1));
  CHECK(with.OwnedBy("c").empty());
  CHECK(with.OwnedBy("c").universe() == 64);
  for (PartitionId p = 0; p < 64; ++p) CHECK(with.Owners("r", p) == without.Owners("r", p));
  CHECK(with.PeersOf("c").empty());
  // Removing it from the file once it holds nothing changes no placement: nothing moves again.
  CHECK(with.version() == without.version());
}

TEST_CASE("an owner rotation asks each partition of one owner, passing over failed nodes") {
  const Placement placement = Placement::Compute(Config(16, {{"r", {"a", "b", "c"}}}, 2));
  OwnerRotation rotation(placement, "r");
  auto asks = rotation.NextAsks();
  size_t asked = 0;
  for (const auto& [node, partitions] : asks) {
    for (PartitionId p : partitions) CHECK(placement.Owners("r", p).front() == node);
    asked += partitions.size();
  }
  CHECK(asked == 16);
  // "a" fails: its partitions go to their other owner; the rest are done.
  const std::vector<PartitionId> first_asked_of_a = asks["a"];
  REQUIRE_FALSE(first_asked_of_a.empty());
  rotation.Failed("a");
  for (const auto& [node, partitions] : asks) {
    if (node != "a") rotation.Done(partitions);
  }
  asks = rotation.NextAsks();
  CHECK(asks.count("a") == 0);
  std::vector<PartitionId> again;
  for (const auto& [node, partitions] : asks) {
    for (PartitionId p : partitions) CHECK(placement.Owners("r", p)[1] == node);
    again.insert(again.end(), partitions.begin(), partitions.end());
  }
  std::sort(again.begin(), again.end());
  CHECK(again == first_asked_of_a);
  asked = again.size();
  // Then every other owner fails too: those partitions are missing, in order.
  for (const auto& [node, partitions] : asks) rotation.Failed(node);
  CHECK(rotation.NextAsks().empty());
  CHECK(std::is_sorted(rotation.missing().begin(), rotation.missing().end()));
  CHECK(rotation.missing().size() == asked);
}

}  // namespace
}  // namespace crdtdb::cluster
