// Copyright (c) crdtdb authors.
//
// The process metrics every Prometheus client library exports, under the same names
// (process_resident_memory_bytes, process_open_fds, process_start_time_seconds, ...), read from
// /proc/self at each scrape. On a system without /proc they are left out of nothing: they stay 0.

#ifndef CRDTDB_METRICS_PROCESS_METRICS_H_
#define CRDTDB_METRICS_PROCESS_METRICS_H_

#include "metrics/registry.h"

namespace crdtdb::metrics {

// Adds the process_* families to `registry` and a hook that refreshes them at each render.
void AddProcessMetrics(Registry& registry);

}  // namespace crdtdb::metrics

#endif  // CRDTDB_METRICS_PROCESS_METRICS_H_
