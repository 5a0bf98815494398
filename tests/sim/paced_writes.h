// Copyright (c) crdtdb authors.
//
// A workload's pace on the simulated network: writes at a fixed rate of virtual time, the network
// running between them.

#ifndef CRDTDB_TESTS_SIM_PACED_WRITES_H_
#define CRDTDB_TESTS_SIM_PACED_WRITES_H_

#include <cstdint>
#include <functional>

#include "tests/sim/sim_cluster.h"

namespace crdtdb::testing {

// Calls `write` `per_second` times per second of virtual time for `ms`.
inline void RunPaced(SimCluster& cluster, uint64_t ms, uint64_t per_second, const std::function<void()>& write) {
  const uint64_t step = 1000 / per_second;
  for (uint64_t t = 0; t < ms; t += step) {
    write();
    cluster.RunFor(step);
  }
}

}  // namespace crdtdb::testing

#endif  // CRDTDB_TESTS_SIM_PACED_WRITES_H_
