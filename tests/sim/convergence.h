// Copyright (c) crdtdb authors.
//
// Checks shared by the simulated-network tests: replicas that agree byte for byte, and a
// partition that heals.

#ifndef CRDTDB_TESTS_SIM_CONVERGENCE_H_
#define CRDTDB_TESTS_SIM_CONVERGENCE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "tests/sim/sim_cluster.h"

namespace crdtdb::testing {

// Equal Merkle roots, equal JSON dumps of `collections` and equal canonical bytes of the documents
// `keys` on every replica: the roots alone would hide two states that render or encode apart.
inline void CheckSameEverywhere(SimCluster& cluster, const std::vector<std::string>& collections,
                                const std::vector<std::string>& keys) {
  REQUIRE(cluster.Converged());
  for (const std::string& collection : collections) {
    const std::string dump = cluster.Dump(0, collection);
    for (size_t i = 1; i < cluster.size(); ++i) CHECK(cluster.Dump(i, collection) == dump);
  }
  for (const std::string& key : keys) {
    Result<std::optional<std::string>> state = cluster.db(0).ReadState(key);
    REQUIRE(state.ok());
    for (size_t i = 1; i < cluster.size(); ++i) CHECK(*cluster.db(i).ReadState(key) == *state);
  }
}

// Runs `workload` (anything with Run(duration_ms, interval_ms)) for `before_ms`, then for
// `during_ms` with `replica` cut off while everyone keeps writing, checks that the replicas
// diverged, heals the partition and waits until they converge.
template <typename Workload>
void WriteThroughPartition(SimCluster& cluster, Workload& workload, size_t replica,
                           uint64_t before_ms, uint64_t during_ms) {
  workload.Run(before_ms, 100);
  cluster.Isolate(replica, true);
  workload.Run(during_ms, 100);
  CHECK_FALSE(cluster.Converged());
  cluster.Isolate(replica, false);
  REQUIRE(cluster.RunUntilConverged(30'000));
}

}  // namespace crdtdb::testing

#endif  // CRDTDB_TESTS_SIM_CONVERGENCE_H_
