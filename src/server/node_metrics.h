// Copyright (c) crdtdb authors.
//
// The metrics of one `crdtdb serve` node (docs/http.md, "Metrics"): replication per peer and in
// all, storage, client-endpoint requests, and the process. The event loop owns the replica, so it
// publishes the replica's counters here (Publish, a few times a second: a copy of some atomics)
// instead of a scrape reading the replica; an HTTP worker that renders /metrics never enters or
// waits for the loop. The store records its commit times itself (StoreOptions::commit_seconds).

#ifndef CRDTDB_SERVER_NODE_METRICS_H_
#define CRDTDB_SERVER_NODE_METRICS_H_

#include <cstdint>
#include <set>
#include <string>

#include "command/command.h"
#include "db/replica.h"
#include "metrics/registry.h"

namespace crdtdb::server {

// How often the event loop publishes the replica's counters.
constexpr uint64_t kMetricsIntervalMs = 250;

class NodeMetrics {
 public:
  // Adds the node's families to `registry` (which must outlive this). `data_dir` is measured at
  // each scrape for crdtdb_storage_bytes.
  NodeMetrics(metrics::Registry& registry, const std::string& cluster, const std::string& region,
              const std::string& node, std::string data_dir);

  // From the event loop: the replica's status now. Peers no longer in it lose their series.
  void Publish(const db::ReplicaStatus& status);
  // From the event loop: a request on the client endpoint, answered with `exit_code` after
  // `seconds`; `redirected` when the node answered that another node owns the document.
  void ObserveClientRequest(command::Command::Verb verb, int exit_code, bool redirected,
                            double seconds);

  metrics::Histogram& commit_seconds() { return commit_seconds_; }
  metrics::Histogram& fsync_seconds() { return fsync_seconds_; }

 private:
  struct PeerFamilies {
    metrics::Family<metrics::Gauge>* connected;
    metrics::Family<metrics::Gauge>* lag_seconds;
    metrics::Family<metrics::Gauge>* behind_deltas;
    metrics::Family<metrics::Gauge>* unacknowledged_deltas;
    metrics::Family<metrics::Counter>* deltas_received;
    metrics::Family<metrics::Counter>* bytes_received;
    metrics::Family<metrics::Counter>* bytes_sent;
    metrics::Family<metrics::Counter>* anti_entropy_rounds;
    metrics::Family<metrics::Counter>* repaired;
    metrics::Family<metrics::Counter>* rejected;
    metrics::Family<metrics::Counter>* apply_failures;
    metrics::Family<metrics::Counter>* futile_repairs;
  };
  void PublishPeer(const sync::PeerStatus& p);
  void ForgetPeer(const std::string& name);

  PeerFamilies peer_;
  metrics::Counter &deltas_sent_, &deltas_received_, &bytes_sent_, &bytes_received_;
  metrics::Counter &anti_entropy_rounds_, &repaired_, &rejected_, &apply_failures_;
  metrics::Gauge &documents_, &healthy_;
  metrics::Counter &commits_, &documents_written_, &read_errors_;
  metrics::Histogram& commit_seconds_;
  metrics::Histogram& fsync_seconds_;
  metrics::Family<metrics::Histogram>& client_requests_;
  std::set<std::string> peers_;  // those with series
};

}  // namespace crdtdb::server

#endif  // CRDTDB_SERVER_NODE_METRICS_H_
