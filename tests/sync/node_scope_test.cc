// Copyright (c) crdtdb authors.

#include "sync/node_scope.h"

#include <doctest/doctest.h>

#include "tests/sync/fake_replica.h"

namespace crdtdb::sync {
namespace {

ClusterConfig Topology(const std::vector<std::string>& a_nodes, int a_factor) {
  ClusterConfig config;
  config.partitions = 16;
  for (const auto& [name, nodes, factor] :
       {std::tuple{std::string("a"), a_nodes, a_factor}, std::tuple{std::string("b"), std::vector<std::string>{"b-0"}, 1}}) {
    RegionConfig region;
    region.name = name;
    region.replication_factor = factor;
    region.listed_nodes = true;
    for (const std::string& n : nodes) {
      NodeConfig node;
      node.name = n;
      region.nodes.push_back(std::move(node));
    }
    config.regions.push_back(std::move(region));
  }
  return config;
}

TEST_CASE("a node keeps what it owns and hands off what it holds besides, to its region's owners") {
  const cluster::Placement placement = cluster::Placement::Compute(Topology({"a-0", "a-1"}, 1));
  cluster::PartitionSet held = cluster::PartitionSet::All(16);  // a-0 held everything before a-1 came
  const NodeScope scope = ScopeOfNode(placement, "a", "a-0", held);
  CHECK(scope.scope.owned == placement.OwnedBy("a-0"));
  CHECK(scope.scope.placement_version == placement.version());
  for (cluster::PartitionId p = 0; p < 16; ++p) {
    CHECK(scope.scope.handing_off.Contains(p) == !placement.OwnedBy("a-0").Contains(p));
  }
  // Handed to a-1, the region's owner of those partitions, never to region b's.
  REQUIRE(scope.scope.hand_off_to.size() == 1);
  CHECK(scope.scope.hand_off_to.at("a-1") == placement.OwnedBy("a-1"));
  CHECK(scope.peers == std::vector<std::string>{"a-1", "b-0"});
  // A key of a partition handed off is still kept; once dropped, it is not.
  const cluster::PartitionId moving = placement.OwnedBy("a-1").ToVector().front();
  SyncScope after = scope.scope;
  after.Dropped(moving);
  CHECK_FALSE(after.handing_off.Contains(moving));
  CHECK_FALSE(after.hand_off_to.at("a-1").Contains(moving));

  // Holding nothing beyond its own partitions, it hands nothing off.
  const NodeScope quiet = ScopeOfNode(placement, "a", "a-0", placement.OwnedBy("a-0"));
  CHECK(quiet.scope.handing_off.empty());
  CHECK(quiet.scope.hand_off_to.empty());
  // The other node of its region stays a peer, sharing no partition: they exchange the catalog.
  CHECK(quiet.peers == std::vector<std::string>{"a-1", "b-0"});
  CHECK(quiet.scope.shared.at("a-1").empty());
  CHECK(quiet.scope.SubtreesWith("a-1").empty());
}

TEST_CASE("anti-entropy with a hand-off target covers the partitions moving to it, a few at a time") {
  const cluster::Placement placement = cluster::Placement::Compute(Topology({"a-0", "a-1"}, 1));
  NodeScope scope = ScopeOfNode(placement, "a", "a-0", cluster::PartitionSet::All(16));
  scope.scope.concurrent_moves = 2;
  const cluster::PartitionSet moving = scope.scope.MovingTo("a-1");
  CHECK(moving.size() == 2);
  // The two lowest partitions handed off, and nothing a-0 owns: a-0 and a-1 share no partition.
  const std::vector<cluster::PartitionId> handed = scope.scope.handing_off.ToVector();
  CHECK(moving.ToVector() == std::vector<cluster::PartitionId>{handed[0], handed[1]});
  std::vector<merkle::NodeId> expected;
  for (cluster::PartitionId p : moving.ToVector()) {
    for (const merkle::NodeId& n : placement.partitioning().SubtreesOf(p)) expected.push_back(n);
  }
  CHECK(scope.scope.SubtreesWith("a-1") == expected);
  scope.scope.Dropped(handed[0]);
  CHECK(scope.scope.MovingTo("a-1").ToVector() == std::vector<cluster::PartitionId>{handed[1], handed[2]});
  CHECK(scope.scope.Moving(handed[1]));
  CHECK_FALSE(scope.scope.Moving(handed[3]));
}

TEST_CASE("a node holds the partitions whose subtrees are not empty") {
  const cluster::Partitioning partitioning(16);
  const KeptEverywhere none = [](std::string_view) { return false; };
  testing::FakeReplica replica(1);
  CHECK(HeldPartitions(partitioning, replica, none).empty());
  replica.AddDocument("docs/1", "state");
  const cluster::PartitionSet held = HeldPartitions(partitioning, replica, none);
  CHECK(held.size() == 1);
  CHECK(held.Contains(partitioning.PartitionOf("docs/1")));
}

TEST_CASE("documents every node keeps do not make their partition held") {
  const cluster::Partitioning partitioning(16);
  const KeptEverywhere definitions = [](std::string_view key) { return key.starts_with("_indexes/"); };
  testing::FakeReplica replica(1);
  replica.AddDocument("_indexes/0123456789abcdef", "definition");
  const cluster::PartitionId p = partitioning.PartitionOf("_indexes/0123456789abcdef");
  CHECK(HeldPartitions(partitioning, replica, definitions).empty());
  // Another document of the same partition (in the same bucket or not) makes it held.
  for (int i = 0;; ++i) {
    REQUIRE(i < 100'000);
    const std::string key = "docs/" + std::to_string(i);
    if (partitioning.PartitionOf(key) != p) continue;
    replica.AddDocument(key, "state");
    break;
  }
  const cluster::PartitionSet held = HeldPartitions(partitioning, replica, definitions);
  CHECK(held.size() == 1);
  CHECK(held.Contains(p));
}

}  // namespace
}  // namespace crdtdb::sync
