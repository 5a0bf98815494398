// Copyright (c) crdtdb authors.
//
// Per-partition stream topics on the simulated network (docs/sharding.md, "Per-partition stream
// topics"), which filters every published message by its subscribers' topics as a ZeroMQ PUB
// does: a node receives only the deltas of the partitions it keeps, and each partition's chain
// tells it what it lost of that partition alone. A writer region of one node streams to a region
// of four nodes (factor 1) and to a one-node region.

#include <doctest/doctest.h>

#include <map>
#include <string>

#include "tests/sim/sim_cluster.h"
#include "tests/support/seed.h"

namespace crdtdb::testing {
namespace {

// Nodes are numbered in the order of the topology's regions.
constexpr size_t kWriter = 0;      // region w, one node
constexpr size_t kFirstShard = 1;  // region r: nodes 1 to 4, each a quarter of the partitions
constexpr size_t kWhole = 5;       // region s, one node: every partition
constexpr size_t kNodes = 6;

SimOptions WriterAndReaders() {
  SimOptions options;
  options.topology = SimTopology(16, {{"w", 1, 1}, {"r", 4, 1}, {"s", 1, 1}});
  return options;
}

std::map<std::string, std::string> Write(SimCluster& cluster, int count, int first = 0) {
  std::map<std::string, std::string> written;
  for (int k = first; k < first + count; ++k) {
    const std::string key = "docs/" + std::to_string(k);
    const std::string json = R"({"k":)" + std::to_string(k) + "}";
    REQUIRE(cluster.db(kWriter).put(key, json).ok());
    written[key] = json;
    cluster.RunFor(5);
  }
  return written;
}

// Every owner of each key in the reader regions holds what was written.
void CheckOwnersHold(SimCluster& cluster, const std::map<std::string, std::string>& written) {
  const cluster::Placement& placement = cluster.placement();
  for (const auto& [key, json] : written) {
    for (const char* region : {"r", "s"}) {
      const size_t owner = cluster.Owner(region, key);
      Result<std::string> got = cluster.db(owner).get(key);
      CHECK_MESSAGE(got.ok(), region << " node " << owner << " lacks " << key << " (partition "
                                     << placement.partitioning().PartitionOf(key) << ")");
      if (got.ok()) CHECK(*got == json);
    }
  }
}

TEST_CASE("topics: a node is sent only its partitions' deltas, and a quarter of the stream") {
  SimOptions options = WriterAndReaders();
  options.anti_entropy = false;
  SimCluster cluster(PropertySeeds(1).front() + 181, kNodes, options);
  REQUIRE(cluster.IndexOf("w-0") == kWriter);
  REQUIRE(cluster.IndexOf("r-0") == kFirstShard);
  REQUIRE(cluster.IndexOf("s-0") == kWhole);
  cluster.RunFor(1'000);
  const auto written = Write(cluster, 400);
  REQUIRE(cluster.RunUntilConverged(10'000));
  CheckOwnersHold(cluster, written);
  // The network filtered by topic: no batch of a partition a node does not keep reached it.
  CHECK(cluster.unkept_batches_received() == 0);
  // Each of the four nodes receives about a quarter of what the node keeping everything does.
  const double whole = static_cast<double>(cluster.stream_bytes_received(kWhole));
  for (size_t i = kFirstShard; i < kFirstShard + 4; ++i) {
    const double ratio = static_cast<double>(cluster.stream_bytes_received(i)) / whole;
    CAPTURE(i);
    CHECK(ratio > 0.1);
    CHECK(ratio < 0.45);
  }
}

TEST_CASE("topics: a lost tail of one partition is found by the heartbeat's head and repaired") {
  SimOptions options = WriterAndReaders();
  options.anti_entropy = false;
  SimCluster cluster(PropertySeeds(1).front() + 182, kNodes, options);
  cluster.RunFor(1'000);
  auto written = Write(cluster, 40);
  cluster.RunFor(1'000);
  // The last write of one partition, its batch lost on the way to its owner in r; nothing is
  // written after it, so only the heartbeats' heads can tell the owner what it lacks.
  const std::string key = "docs/lost-tail";
  const size_t owner = cluster.Owner("r", key);
  cluster.DropNextPublished(kWriter, owner, 1);
  REQUIRE(cluster.db(kWriter).put(key, R"({"lost":true})").ok());
  written[key] = R"({"lost":true})";
  REQUIRE(cluster.RunUntilConverged(10'000));
  CheckOwnersHold(cluster, written);
  CHECK(cluster.stats(owner).log_requests > 0);
}

TEST_CASE("topics: gap repair alone under loss and duplication, partition by partition") {
  SimOptions options = WriterAndReaders();
  options.anti_entropy = false;
  options.loss = 0.2;
  options.duplicate = 0.1;
  SimCluster cluster(PropertySeeds(1).front() + 183, kNodes, options);
  cluster.RunFor(1'000);
  const auto written = Write(cluster, 200);
  REQUIRE(cluster.RunUntilConverged(30'000));
  CheckOwnersHold(cluster, written);
  for (size_t i = 0; i < kNodes; ++i) CHECK(cluster.stats(i).docs_repaired == 0);
}

TEST_CASE("topics: anti-entropy alone still converges every partition") {
  SimOptions options = WriterAndReaders();
  options.stream = false;
  SimCluster cluster(PropertySeeds(1).front() + 184, kNodes, options);
  const auto written = Write(cluster, 120);
  REQUIRE(cluster.RunUntilConverged(30'000));
  CheckOwnersHold(cluster, written);
  for (size_t i = 0; i < kNodes; ++i) CHECK(cluster.stats(i).deltas_received == 0);
}

}  // namespace
}  // namespace crdtdb::testing
