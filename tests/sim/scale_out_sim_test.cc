// Copyright (c) crdtdb authors.
//
// Regions of several nodes on the simulated network (docs/sharding.md): each node keeps the
// partitions its placement gives it and replicates them, by the delta stream, gap repair and
// anti-entropy of the shared subtrees, with every node that owns one of them, in its region and
// in the others. Each mechanism is proven on its own, then together through loss and crashes.

#include <doctest/doctest.h>

#include <map>
#include <string>

#include "tests/sim/sim_cluster.h"
#include "tests/support/seed.h"

namespace crdtdb::testing {
namespace {

// Three regions of 3, 2 and 1 nodes, with replication factors 2, 1 and 1: different node counts,
// factors and placements, matched partition by partition.
SimOptions ThreeRegions() {
  SimOptions options;
  options.topology = SimTopology(16, {{"a", 3, 2}, {"b", 2, 1}, {"c", 1, 1}});
  return options;
}
constexpr size_t kNodes = 6;
const char* const kRegions[] = {"a", "b", "c"};

// Writes `count` documents, each once, each through an owner of its partition in a region taken
// in turn (the rank-th owner, where a partition has several), and remembers what was written.
std::map<std::string, std::string> WriteEach(SimCluster& cluster, int count, int first = 0) {
  std::map<std::string, std::string> written;
  for (int k = first; k < first + count; ++k) {
    const std::string key = "docs/" + std::to_string(k);
    const std::string region = kRegions[k % 3];
    const size_t owners = cluster.placement()
                              .Owners(region, cluster.placement().partitioning().PartitionOf(key))
                              .size();
    const size_t node = cluster.Owner(region, key, static_cast<size_t>(k / 3) % owners);
    const std::string json = R"({"k":)" + std::to_string(k) + "}";
    REQUIRE(cluster.db(node).put(key, json).ok());
    written[key] = json;
    cluster.RunFor(5);
  }
  return written;
}

// Every owner of each written key, in every region, holds exactly what was written; no node
// holds a document of a partition it does not own; the regions' roots are equal.
void CheckEveryOwnerHolds(SimCluster& cluster, const std::map<std::string, std::string>& written) {
  const cluster::Placement& placement = cluster.placement();
  for (const auto& [key, json] : written) {
    for (const char* region : kRegions) {
      for (const std::string& owner : placement.Owners(region, placement.partitioning().PartitionOf(key))) {
        Result<std::string> got = cluster.db(cluster.IndexOf(owner)).get(key);
        CHECK_MESSAGE(got.ok(), owner << " lacks " << key);
        if (got.ok()) CHECK(*got == json);
      }
    }
  }
  for (size_t i = 0; i < cluster.size(); ++i) {
    ListOptions options;
    options.limit = kMaxListPage;
    Result<ListPage> page = cluster.db(i).list("docs", options);
    REQUIRE(page.ok());
    const std::string name = cluster.status(i).region;
    for (const ListedDocument& d : page->documents) {
      CHECK_MESSAGE(placement.OwnedBy(name).Contains(placement.partitioning().PartitionOf("docs/" + d.id)),
                    name << " holds docs/" << d.id << " outside its partitions");
    }
  }
  CHECK(cluster.RegionRoot("a") == cluster.RegionRoot("b"));
  CHECK(cluster.RegionRoot("b") == cluster.RegionRoot("c"));
}

TEST_CASE("the delta stream alone replicates each partition to its owners in every region") {
  SimOptions options = ThreeRegions();
  options.anti_entropy = false;
  SimCluster cluster(PropertySeeds(1).front() + 101, kNodes, options);
  cluster.RunFor(1'000);  // every stream heard from before the first write
  const auto written = WriteEach(cluster, 120);
  REQUIRE(cluster.RunUntilConverged(10'000));
  CheckEveryOwnerHolds(cluster, written);
  CHECK(cluster.anti_entropy_dropped() > 0);
  for (size_t i = 0; i < kNodes; ++i) CHECK(cluster.stats(i).docs_repaired == 0);
}

TEST_CASE("gap repair alone fills what a node's stream lost, partition by partition") {
  SimOptions options = ThreeRegions();
  options.anti_entropy = false;
  options.loss = 0.15;
  options.duplicate = 0.1;
  SimCluster cluster(PropertySeeds(1).front() + 102, kNodes, options);
  cluster.RunFor(1'000);
  const auto written = WriteEach(cluster, 120);
  REQUIRE(cluster.RunUntilConverged(30'000));
  CheckEveryOwnerHolds(cluster, written);
  uint64_t log_requests = 0;
  for (size_t i = 0; i < kNodes; ++i) log_requests += cluster.stats(i).log_requests;
  CHECK(log_requests > 0);
}

TEST_CASE("anti-entropy alone converges nodes that share only some partitions") {
  SimOptions options = ThreeRegions();
  options.stream = false;
  SimCluster cluster(PropertySeeds(1).front() + 103, kNodes, options);
  const auto written = WriteEach(cluster, 120);
  REQUIRE(cluster.RunUntilConverged(30'000));
  CheckEveryOwnerHolds(cluster, written);
  uint64_t repaired = 0;
  for (size_t i = 0; i < kNodes; ++i) {
    CHECK(cluster.stats(i).deltas_received == 0);
    repaired += cluster.stats(i).docs_repaired;
  }
  CHECK(repaired > 0);
}

TEST_CASE("with replication factor 2, a node down leaves every partition writable in its region") {
  SimOptions options = ThreeRegions();
  options.loss = 0.05;
  SimCluster cluster(PropertySeeds(1).front() + 104, kNodes, options);
  cluster.RunFor(1'000);
  const size_t down = cluster.IndexOf("a-1");
  cluster.Crash(down);
  std::map<std::string, std::string> written;
  for (int k = 0; k < 90; ++k) {
    const std::string key = "docs/" + std::to_string(k);
    // The first owner of the partition in region a that is up: one always is.
    size_t node = cluster.Owner("a", key, 0);
    if (node == down) node = cluster.Owner("a", key, 1);
    REQUIRE(node != down);
    const std::string json = R"({"k":)" + std::to_string(k) + "}";
    REQUIRE(cluster.db(node).put(key, json).ok());
    written[key] = json;
    cluster.RunFor(5);
  }
  cluster.RunFor(3'000);
  cluster.Restart(down);  // it catches up by anti-entropy with its replicas and the other regions
  REQUIRE(cluster.RunUntilConverged(30'000));
  CheckEveryOwnerHolds(cluster, written);
}

TEST_CASE("an in-sync check between nodes costs messages by the partitions shared, not documents") {
  // Idle traffic once converged: heartbeats and anti-entropy rounds that find every shared
  // partition equal. It must not grow with the documents held.
  std::vector<uint64_t> idle_messages, idle_bytes;
  for (int documents : {50, 2'000}) {
    SimOptions options = ThreeRegions();
    SimCluster cluster(PropertySeeds(1).front() + 105, kNodes, options);
    cluster.RunFor(1'000);
    for (int k = 0; k < documents; ++k) {
      const std::string key = "docs/" + std::to_string(k);
      REQUIRE(cluster.db(cluster.Owner(kRegions[k % 3], key)).put(key, "{}").ok());
    }
    REQUIRE(cluster.RunUntilConverged(60'000));
    cluster.RunFor(2'000);  // repairs and gap requests settle
    uint64_t bytes_before = 0;
    for (size_t i = 0; i < kNodes; ++i) bytes_before += cluster.stats(i).bytes_sent;
    const uint64_t messages_before = cluster.messages_delivered();
    const uint64_t rounds_before = [&] {
      uint64_t r = 0;
      for (size_t i = 0; i < kNodes; ++i) r += cluster.stats(i).anti_entropy_rounds;
      return r;
    }();
    cluster.RunFor(10'000);
    uint64_t bytes = 0, rounds = 0;
    for (size_t i = 0; i < kNodes; ++i) {
      bytes += cluster.stats(i).bytes_sent;
      rounds += cluster.stats(i).anti_entropy_rounds;
    }
    CHECK(rounds > rounds_before);  // rounds ran, and found nothing to repair
    idle_messages.push_back(cluster.messages_delivered() - messages_before);
    idle_bytes.push_back(bytes - bytes_before);
  }
  MESSAGE("idle 10 s: " << idle_messages[0] << " messages, " << idle_bytes[0] << " bytes with 50 "
          "documents; " << idle_messages[1] << " messages, " << idle_bytes[1] << " bytes with 2,000");
  CHECK(idle_messages[1] <= idle_messages[0] + idle_messages[0] / 10);
  CHECK(idle_bytes[1] <= idle_bytes[0] + idle_bytes[0] / 5);
}

TEST_CASE("randomized schedules: writes in every region, loss, duplication, crashes and partitions") {
  for (uint64_t seed : PropertySeeds(100)) {
    CAPTURE(seed);
    INFO("replay: " << ReplayCommand(seed));
    SimOptions options = ThreeRegions();
    options.loss = 0.05;
    options.duplicate = 0.05;
    SimCluster cluster(seed, kNodes, options);
    std::mt19937_64& rng = cluster.rng();
    for (int step = 0; step < 300; ++step) {
      const uint64_t dice = rng() % 100;
      if (dice < 4) {
        const size_t i = rng() % kNodes;
        if (cluster.up(i)) cluster.Crash(i); else cluster.Restart(i);
        continue;
      }
      if (dice < 7) {
        cluster.Isolate(rng() % kNodes, (rng() & 1) != 0);
        continue;
      }
      const std::string key = "docs/" + std::to_string(rng() % 60);
      const std::string region = kRegions[rng() % 3];
      const size_t node = cluster.Owner(region, key, 0);
      if (!cluster.up(node)) continue;
      const std::string json = R"({"step":)" + std::to_string(step) + "}";
      REQUIRE(cluster.db(node).put(key, json).ok());
      cluster.RunFor(rng() % 40);
    }
    for (size_t i = 0; i < kNodes; ++i) {
      cluster.Restart(i);
      cluster.Isolate(i, false);
    }
    REQUIRE(cluster.RunUntilConverged(60'000));
    CHECK(cluster.RegionRoot("a") == cluster.RegionRoot("b"));
    CHECK(cluster.RegionRoot("a") == cluster.RegionRoot("c"));
    CHECK(cluster.apply_failures() == 0);
    CHECK(cluster.futile_repairs() == 0);
  }
}

}  // namespace
}  // namespace crdtdb::testing
