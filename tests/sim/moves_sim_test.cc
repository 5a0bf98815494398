// Copyright (c) crdtdb authors.
//
// Moves on the simulated network (docs/sharding.md, "Moves"): nodes added, leaving and removed,
// and replication factors changed while writes go on. Each node moves to a new configuration when
// it reloads it, at its own time; a partition it loses is copied to the new owners by anti-entropy
// and dropped here only when a new owner in its region, running by the same placement, holds all
// of it. Invariants, checked as the schedule runs: every acknowledged write is held, at every
// step, by some node of the region that acknowledged it; at the end, every owner of every
// partition holds every write and no node holds a partition it does not own.

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "tests/sim/sim_cluster.h"
#include "tests/support/seed.h"

namespace crdtdb::testing {
namespace {

// Acknowledged writes: key -> (region that acknowledged it, value).
using Written = std::map<std::string, std::pair<std::string, std::string>>;

// Nodes are named REGION-N, spares too: a node's region for these invariants is its name's.
std::string RegionByName(const std::string& node) { return node.substr(0, node.find('-')); }

// Writes `key` through a node of `region` that serves it (owns it, or hands it off), as a router
// that follows redirects would; false if no such node is up (the write is not acknowledged).
bool WriteThroughRegion(SimCluster& cluster, const std::string& region, const std::string& key,
                        Written* written) {
  std::vector<size_t> serving;
  for (size_t i = 0; i < cluster.size(); ++i) {
    if (RegionByName(cluster.name(i)) == region && cluster.Keeps(i, key)) serving.push_back(i);
  }
  if (serving.empty()) return false;
  const size_t node = serving[cluster.rng()() % serving.size()];
  const std::string json = R"({"w":")" + key + R"("})";
  if (!cluster.db(node).put(key, json).ok()) return false;
  (*written)[key] = {region, json};
  return true;
}

// The first acknowledged write that no node of its region holds, checked only for regions whose
// nodes are all up (a node that is down cannot be read, but still holds what it held).
std::optional<std::string> FirstUnheld(SimCluster& cluster, const Written& written) {
  std::map<std::string, bool> all_up;
  for (size_t i = 0; i < cluster.size(); ++i) {
    auto [it, inserted] = all_up.try_emplace(RegionByName(cluster.name(i)), true);
    it->second = it->second && cluster.up(i);
  }
  for (const auto& [key, acked] : written) {
    const auto& [region, json] = acked;
    if (!all_up[region]) continue;
    bool held = false;
    for (size_t i = 0; i < cluster.size() && !held; ++i) {
      if (RegionByName(cluster.name(i)) != region) continue;
      Result<std::string> got = cluster.db(i).get(key);
      held = got.ok() && *got == json;
    }
    if (!held) return key;
  }
  return std::nullopt;
}

// Runs `ms` of virtual time in steps, checking at each that every acknowledged write is held.
void RunChecked(SimCluster& cluster, const Written& written, uint64_t ms) {
  for (uint64_t t = 0; t < ms; t += 50) {
    cluster.RunFor(50);
    std::optional<std::string> lost = FirstUnheld(cluster, written);
    REQUIRE_MESSAGE(!lost, "no node of its region holds " << *lost << " at " << cluster.now_ms());
  }
}

bool Settled(SimCluster& cluster) {
  if (!cluster.Converged()) return false;
  for (size_t i = 0; i < cluster.size(); ++i) {
    if (cluster.HandingOff(i) != 0) return false;
  }
  return true;
}

// Runs until every owner converged and no move is left, checking as RunChecked does.
bool RunUntilSettled(SimCluster& cluster, const Written& written, uint64_t max_ms) {
  for (uint64_t t = 0; t < max_ms; t += 50) {
    RunChecked(cluster, written, 50);
    if (Settled(cluster)) return true;
  }
  return false;
}

// At the end: every owner, in every region, of each acknowledged write holds it; no node holds a
// document of a partition it does not own; no move is left.
void CheckSettled(SimCluster& cluster, const Written& written) {
  const cluster::Placement& placement = cluster.placement();
  for (const auto& [key, acked] : written) {
    const cluster::PartitionId p = placement.partitioning().PartitionOf(key);
    for (const RegionConfig& region : cluster.topology().regions) {
      for (const std::string& owner : placement.Owners(region.name, p)) {
        Result<std::string> got = cluster.db(cluster.IndexOf(owner)).get(key);
        CHECK_MESSAGE(got.ok(), owner << " lacks " << key);
        if (got.ok()) CHECK(*got == acked.second);
      }
    }
  }
  for (size_t i = 0; i < cluster.size(); ++i) {
    CHECK_MESSAGE(cluster.HandingOff(i) == 0, cluster.name(i) << " still hands off");
    for (cluster::PartitionId p = 0; p < placement.partitioning().count(); ++p) {
      if (placement.OwnedBy(cluster.name(i)).Contains(p)) continue;
      CHECK_MESSAGE(cluster.PartitionRoot(i, p) == merkle::Hash{}, cluster.name(i) << " holds partition " << p);
    }
  }
}

ClusterConfig WithLeaving(ClusterConfig config, const std::string& name) {
  for (RegionConfig& r : config.regions) {
    for (NodeConfig& n : r.nodes) {
      if (n.name == name) n.leaving = true;
    }
  }
  return config;
}

ClusterConfig Without(ClusterConfig config, const std::string& name) {
  for (RegionConfig& r : config.regions) {
    std::erase_if(r.nodes, [&](const NodeConfig& n) { return n.name == name; });
  }
  return config;
}

ClusterConfig WithFactor(ClusterConfig config, const std::string& region, int factor) {
  for (RegionConfig& r : config.regions) {
    if (r.name == region) r.replication_factor = factor;
  }
  return config;
}

Written WriteMany(SimCluster& cluster, const std::string& region, int count, int first = 0) {
  Written written;
  for (int k = first; k < first + count; ++k) {
    REQUIRE(WriteThroughRegion(cluster, region, "docs/" + std::to_string(k), &written));
    cluster.RunFor(2);
  }
  return written;
}

TEST_CASE("a node added to a one-node region takes its share, copied from the old owner alone") {
  // One region: the old owner is the only copy, so nothing but the hand-off can fill the new one.
  SimOptions options;
  options.topology = SimTopology(16, {{"a", 1, 1}});
  options.spares = {"a-1"};
  SimCluster cluster(PropertySeeds(1).front() + 201, 2, options);
  Written written = WriteMany(cluster, "a", 300);
  cluster.RunFor(500);

  cluster.SetTopology(WithNode(cluster.topology(), "a", "a-1"));
  cluster.ReloadTopology(1);  // the new node first: it owns its share, empty
  cluster.ReloadTopology(0);  // the old owner: hands that share off
  CHECK(cluster.HandingOff(0) == cluster.placement().OwnedBy("a-1").size());
  // Writes go on during the move, through whichever node serves each key.
  for (int k = 300; k < 400; ++k) {
    REQUIRE(WriteThroughRegion(cluster, "a", "docs/" + std::to_string(k), &written));
    RunChecked(cluster, written, 10);
  }
  REQUIRE(RunUntilSettled(cluster, written, 60'000));
  CheckSettled(cluster, written);
  CHECK(cluster.stats(0).partitions_handed_off == cluster.placement().OwnedBy("a-1").size());
}

TEST_CASE("a partition is not dropped while its new owner runs by another placement") {
  // The old owner hands off only to a node that routes by the same placement: until then clients
  // and nodes of the old placement still find the partition where they look.
  SUBCASE("a new node that has not read the configuration") {
    SimOptions options;
    options.topology = SimTopology(16, {{"a", 1, 1}});
    options.spares = {"a-1"};
    SimCluster cluster(PropertySeeds(1).front() + 202, 2, options);
    Written written = WriteMany(cluster, "a", 100);
    cluster.SetTopology(WithNode(cluster.topology(), "a", "a-1"));
    cluster.ReloadTopology(0);
    const size_t moving = cluster.HandingOff(0);
    REQUIRE(moving > 0);
    RunChecked(cluster, written, 10'000);
    CHECK(cluster.HandingOff(0) == moving);
    cluster.ReloadTopology(1);
    REQUIRE(RunUntilSettled(cluster, written, 60'000));
    CheckSettled(cluster, written);
  }
  SUBCASE("a co-owner that keeps the partition under both placements") {
    // Factor 2 to 1: each node keeps half; the other owner already holds all of it and owns it by
    // the old placement too, so only the placement version tells it has not moved yet.
    SimOptions options;
    options.topology = SimTopology(16, {{"a", 2, 2}});
    SimCluster cluster(PropertySeeds(1).front() + 205, 2, options);
    Written written = WriteMany(cluster, "a", 100);
    REQUIRE(RunUntilSettled(cluster, written, 30'000));
    cluster.SetTopology(WithFactor(cluster.topology(), "a", 1));
    cluster.ReloadTopology(0);
    const size_t moving = cluster.HandingOff(0);
    REQUIRE(moving > 0);
    RunChecked(cluster, written, 10'000);
    CHECK(cluster.HandingOff(0) == moving);
    CHECK(cluster.stats(0).partitions_handed_off == 0);
    cluster.ReloadTopology(1);
    REQUIRE(RunUntilSettled(cluster, written, 60'000));
    CheckSettled(cluster, written);
  }
}

TEST_CASE("a leaving node hands everything off, then is removed; factor changes move partitions") {
  SimOptions options;
  options.topology = SimTopology(16, {{"a", 3, 1}, {"b", 1, 1}});
  SimCluster cluster(PropertySeeds(1).front() + 203, 4, options);
  Written written = WriteMany(cluster, "a", 200);
  REQUIRE(RunUntilSettled(cluster, written, 30'000));

  SUBCASE("leaving, then removed") {
    cluster.SetTopology(WithLeaving(cluster.topology(), "a-2"));
    for (size_t i : {2, 0, 1, 3}) cluster.ReloadTopology(i);
    REQUIRE(RunUntilSettled(cluster, written, 60'000));
    CheckSettled(cluster, written);
    CHECK(cluster.placement().OwnedBy("a-2").empty());
    cluster.SetTopology(Without(cluster.topology(), "a-2"));
    for (size_t i : {0, 1, 3, 2}) cluster.ReloadTopology(i);
    Written more = WriteMany(cluster, "a", 50, 1000);
    written.insert(more.begin(), more.end());
    REQUIRE(RunUntilSettled(cluster, written, 60'000));
    CheckSettled(cluster, written);
  }
  SUBCASE("factor 1 to 2 and back") {
    cluster.SetTopology(WithFactor(cluster.topology(), "a", 2));
    for (size_t i = 0; i < 4; ++i) cluster.ReloadTopology(i);
    REQUIRE(RunUntilSettled(cluster, written, 60'000));
    CheckSettled(cluster, written);
    cluster.SetTopology(WithFactor(cluster.topology(), "a", 1));
    for (size_t i = 0; i < 4; ++i) cluster.ReloadTopology(i);
    REQUIRE(RunUntilSettled(cluster, written, 60'000));
    CheckSettled(cluster, written);
  }
}

TEST_CASE("a move's source or target killed mid-move: the move completes when it is back") {
  SimOptions options;
  options.topology = SimTopology(16, {{"a", 2, 1}});
  options.spares = {"a-2"};
  options.sync.scope.concurrent_moves = 1;  // a slow move, so that the kill lands in it
  SimCluster cluster(PropertySeeds(1).front() + 204, 3, options);
  Written written = WriteMany(cluster, "a", 300);
  cluster.RunFor(500);
  cluster.SetTopology(WithNode(cluster.topology(), "a", "a-2"));
  for (size_t i : {2, 0, 1}) cluster.ReloadTopology(i);
  size_t victim = 0;
  SUBCASE("the source") { victim = 0; }
  SUBCASE("the target") { victim = 2; }
  RunChecked(cluster, written, 300);
  cluster.Crash(victim);
  RunChecked(cluster, written, 3'000);
  cluster.Restart(victim);  // reads the newest configuration; finds what it still holds
  REQUIRE(RunUntilSettled(cluster, written, 60'000));
  CheckSettled(cluster, written);
}

TEST_CASE("randomized moves: nodes added, leaving, removed and factors changed during writes, loss and crashes") {
  for (uint64_t seed : PropertySeeds(150)) {
    CAPTURE(seed);
    SimOptions options;
    options.topology = SimTopology(16, {{"a", 3, 2}, {"b", 2, 1}});
    options.spares = {"a-3", "a-4", "b-2"};
    options.loss = 0.05;
    options.duplicate = 0.05;
    SimCluster cluster(seed, 8, options);
    std::mt19937_64& rng = cluster.rng();
    Written written;
    int next_key = 0;
    std::vector<std::pair<uint64_t, size_t>> reloads;  // (when, replica): pending reloads
    for (int step = 0; step < 60; ++step) {
      for (int w = 0; w < 5; ++w) {
        const std::string region = rng() % 2 == 0 ? "a" : "b";
        (void)WriteThroughRegion(cluster, region, "docs/" + std::to_string(next_key++), &written);
      }
      const uint64_t roll = rng() % 20;
      ClusterConfig topology = cluster.topology();
      if (roll == 0 || roll == 1) {  // add a spare to its region
        for (const std::string spare : {"a-3", "a-4", "b-2"}) {
          if (topology.RegionOfNode(spare) == nullptr) {
            cluster.SetTopology(WithNode(topology, RegionByName(spare), spare));
            break;
          }
        }
      } else if (roll == 2) {  // a node leaves, if the factor still fits
        const std::string region = rng() % 2 == 0 ? "a" : "b";
        const RegionConfig& r = *topology.FindRegion(region);
        std::vector<std::string> staying;
        for (const NodeConfig& n : r.nodes) {
          if (!n.leaving) staying.push_back(n.name);
        }
        if (static_cast<int>(staying.size()) > r.replication_factor) {
          cluster.SetTopology(WithLeaving(topology, staying[rng() % staying.size()]));
        }
      } else if (roll == 3) {  // a leaving node that every node moved past and that holds nothing goes
        for (const RegionConfig& r : topology.regions) {
          for (const NodeConfig& n : r.nodes) {
            const size_t i = cluster.IndexOf(n.name);
            if (n.leaving && cluster.up(i) && cluster.HandingOff(i) == 0 && reloads.empty()) {
              bool empty = true;
              for (cluster::PartitionId p = 0; p < 16; ++p) empty = empty && cluster.PartitionRoot(i, p) == merkle::Hash{};
              if (empty) cluster.SetTopology(Without(topology, n.name));
            }
          }
        }
      } else if (roll == 4) {  // region a's factor between 1 and its staying nodes
        const RegionConfig& r = *topology.FindRegion("a");
        const int staying = static_cast<int>(
            std::count_if(r.nodes.begin(), r.nodes.end(), [](const NodeConfig& n) { return !n.leaving; }));
        cluster.SetTopology(WithFactor(topology, "a", 1 + static_cast<int>(rng() % staying)));
      } else if (roll == 5) {
        const size_t i = rng() % cluster.size();
        cluster.Crash(i);
        RunChecked(cluster, written, rng() % 2'000);
        cluster.Restart(i);
      } else if (roll == 6) {
        const size_t i = rng() % cluster.size();
        cluster.Isolate(i, true);
        RunChecked(cluster, written, rng() % 2'000);
        cluster.Isolate(i, false);
      }
      if (roll <= 4) {  // every node reloads at its own time within two seconds
        for (size_t i = 0; i < cluster.size(); ++i) reloads.push_back({cluster.now_ms() + rng() % 2'000, i});
      }
      RunChecked(cluster, written, 50 + rng() % 300);
      std::erase_if(reloads, [&](const std::pair<uint64_t, size_t>& r) {
        if (r.first > cluster.now_ms()) return false;
        cluster.ReloadTopology(r.second);
        return true;
      });
    }
    for (const auto& [when, i] : reloads) cluster.ReloadTopology(i);
    for (size_t i = 0; i < cluster.size(); ++i) cluster.ReloadTopology(i);
    REQUIRE(RunUntilSettled(cluster, written, 120'000));
    CheckSettled(cluster, written);
  }
}

}  // namespace
}  // namespace crdtdb::testing
