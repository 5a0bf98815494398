// Copyright (c) crdtdb authors.

#include "server/node_metrics.h"

#include <filesystem>

#include "command/exit_codes.h"
#include "command/version.h"
#include "metrics/process_metrics.h"

namespace crdtdb::server {

namespace {

using metrics::Counter;
using metrics::Family;
using metrics::Gauge;

// The bytes of the files under `dir` (the store: LevelDB's tables and logs, and ours). At most
// kMaxEntries are looked at, so a scrape stays bounded whatever lies in the directory.
double DirectoryBytes(const std::string& dir) {
  constexpr int kMaxEntries = 100'000;
  std::error_code error;
  double total = 0;
  int seen = 0;
  for (std::filesystem::recursive_directory_iterator it(dir, error), end;
       !error && it != end && seen < kMaxEntries; it.increment(error), ++seen) {
    std::error_code size_error;
    if (it->is_regular_file(size_error)) {
      const uintmax_t size = it->file_size(size_error);
      if (!size_error) total += static_cast<double>(size);
    }
  }
  return total;
}

const char* OutcomeLabel(int exit_code, bool redirected) {
  if (redirected) return "redirect";
  switch (exit_code) {
    case command::kExitOk: return "ok";
    case command::kExitUsage: return "usage";
    case command::kExitNotFound: return "not_found";
    case command::kExitPreconditionFailed: return "precondition_failed";
    default: return "failure";
  }
}

}  // namespace

NodeMetrics::NodeMetrics(metrics::Registry& r, const std::string& cluster, const std::string& region,
                         const std::string& node, std::string data_dir)
    : peer_{&r.AddGauge("crdtdb_peer_connected", "1 when the peer was heard from within three heartbeat intervals.", {"peer"}),
            &r.AddGauge("crdtdb_peer_lag_seconds", "How long this node may have been behind the peer's writes (status lag_ms).", {"peer"}),
            &r.AddGauge("crdtdb_peer_behind_deltas", "Deltas the peer announced that are not applied here (inbound lag).", {"peer"}),
            &r.AddGauge("crdtdb_peer_unacknowledged_deltas", "Deltas of this node the peer has not acknowledged applying (outbound lag); absent until its heartbeat says.", {"peer"}),
            &r.AddCounter("crdtdb_peer_deltas_received_total", "Deltas from the peer applied here.", {"peer"}),
            &r.AddCounter("crdtdb_peer_received_bytes_total", "Bytes received from the peer: its delta stream and its answers.", {"peer"}),
            &r.AddCounter("crdtdb_peer_sent_bytes_total", "Bytes sent to the peer: requests and answers to its requests (the delta stream is counted in crdtdb_sent_bytes_total).", {"peer"}),
            &r.AddCounter("crdtdb_peer_anti_entropy_rounds_total", "Anti-entropy rounds completed with the peer.", {"peer"}),
            &r.AddCounter("crdtdb_peer_repaired_documents_total", "Documents joined here from the peer by anti-entropy.", {"peer"}),
            &r.AddCounter("crdtdb_peer_rejected_messages_total", "Messages from the peer dropped as malformed or out of place.", {"peer"}),
            &r.AddCounter("crdtdb_peer_apply_failures_total", "Updates from the peer that could not be applied here.", {"peer"}),
            &r.AddCounter("crdtdb_peer_futile_repairs_total", "Documents found apart from the peer's with nothing to change on either side.", {"peer"})},
      deltas_sent_(r.AddCounter("crdtdb_deltas_sent_total", "Deltas this node published on its delta stream.").Labels({})),
      deltas_received_(r.AddCounter("crdtdb_deltas_received_total", "Deltas from peers applied here.").Labels({})),
      bytes_sent_(r.AddCounter("crdtdb_sent_bytes_total", "Replication bytes sent: the delta stream, requests and answers.").Labels({})),
      bytes_received_(r.AddCounter("crdtdb_received_bytes_total", "Replication bytes received.").Labels({})),
      anti_entropy_rounds_(r.AddCounter("crdtdb_anti_entropy_rounds_total", "Anti-entropy rounds completed.").Labels({})),
      repaired_(r.AddCounter("crdtdb_repaired_documents_total", "Documents joined here by anti-entropy.").Labels({})),
      rejected_(r.AddCounter("crdtdb_rejected_messages_total", "Replication and client messages dropped as malformed or not admitted.").Labels({})),
      apply_failures_(r.AddCounter("crdtdb_apply_failures_total", "Replicated updates that could not be applied here.").Labels({})),
      documents_(r.AddGauge("crdtdb_storage_documents", "Live documents in the store.").Labels({})),
      healthy_(r.AddGauge("crdtdb_storage_healthy", "1 until a write or a read met a storage error.").Labels({})),
      commits_(r.AddCounter("crdtdb_storage_commits_total", "Group commits of the write queue.").Labels({})),
      documents_written_(r.AddCounter("crdtdb_storage_documents_written_total", "Document writes, local and replicated, the commits held.").Labels({})),
      read_errors_(r.AddCounter("crdtdb_storage_read_errors_total", "Reads that met a storage error.").Labels({})),
      commit_seconds_(r.AddHistogram("crdtdb_storage_commit_seconds", "Time of one commit's LevelDB write, with its fsync when writes are synced.", {}, metrics::LatencyBuckets()).Labels({})),
      fsync_seconds_(r.AddHistogram("crdtdb_storage_fsync_seconds", "Time of one fsync of a file LevelDB writes (log, tables, manifest).", {}, metrics::LatencyBuckets()).Labels({})),
      client_requests_(r.AddHistogram("crdtdb_client_request_duration_seconds", "Requests on the client endpoint (ZeroMQ) by verb and outcome, and the time the event loop spent on each.", {"verb", "outcome"}, metrics::LatencyBuckets())) {
  Gauge& bytes = r.AddGauge("crdtdb_storage_bytes", "Bytes of the files in the node's data_dir.").Labels({});
  r.AddGauge("crdtdb_info", "Always 1: the node's version and place in the cluster as labels.", {"version", "cluster", "region", "node"})
      .Labels({std::string(command::Version()), cluster, region, node})
      .Set(1);
  healthy_.Set(1);
  metrics::AddProcessMetrics(r);
  r.AddCollectHook([&bytes, dir = std::move(data_dir)] { bytes.Set(DirectoryBytes(dir)); });
}

void NodeMetrics::Publish(const db::ReplicaStatus& s) {
  deltas_sent_.Set(static_cast<double>(s.sync.deltas_sent));
  deltas_received_.Set(static_cast<double>(s.sync.deltas_received));
  bytes_sent_.Set(static_cast<double>(s.sync.bytes_sent));
  bytes_received_.Set(static_cast<double>(s.sync.bytes_received));
  anti_entropy_rounds_.Set(static_cast<double>(s.sync.anti_entropy_rounds));
  repaired_.Set(static_cast<double>(s.sync.docs_repaired));
  rejected_.Set(static_cast<double>(s.sync.rejected_messages));
  apply_failures_.Set(static_cast<double>(s.sync.apply_failures));
  documents_.Set(static_cast<double>(s.local.documents));
  healthy_.Set(s.local.healthy ? 1 : 0);
  commits_.Set(static_cast<double>(s.local.commits));
  documents_written_.Set(static_cast<double>(s.local.documents_written));
  read_errors_.Set(static_cast<double>(s.local.read_errors));
  std::set<std::string> now;
  for (const sync::PeerStatus& p : s.peers) {
    PublishPeer(p);
    now.insert(p.name);
  }
  for (const std::string& gone : peers_) {
    if (!now.count(gone)) ForgetPeer(gone);
  }
  peers_ = std::move(now);
}

void NodeMetrics::PublishPeer(const sync::PeerStatus& p) {
  const std::vector<std::string> label{p.name};
  peer_.connected->Labels(label).Set(p.connected ? 1 : 0);
  peer_.lag_seconds->Labels(label).Set(static_cast<double>(p.lag_ms) / 1000);
  peer_.behind_deltas->Labels(label).Set(static_cast<double>(p.behind_deltas));
  if (p.unacknowledged_deltas) {
    peer_.unacknowledged_deltas->Labels(label).Set(static_cast<double>(*p.unacknowledged_deltas));
  } else {
    peer_.unacknowledged_deltas->Remove(label);
  }
  const sync::PeerTraffic& t = p.traffic;
  peer_.deltas_received->Labels(label).Set(static_cast<double>(t.deltas_received));
  peer_.bytes_received->Labels(label).Set(static_cast<double>(t.bytes_received));
  peer_.bytes_sent->Labels(label).Set(static_cast<double>(t.bytes_sent));
  peer_.anti_entropy_rounds->Labels(label).Set(static_cast<double>(t.anti_entropy_rounds));
  peer_.repaired->Labels(label).Set(static_cast<double>(t.docs_repaired));
  peer_.rejected->Labels(label).Set(static_cast<double>(t.rejected_messages));
  peer_.apply_failures->Labels(label).Set(static_cast<double>(p.apply_failures));
  peer_.futile_repairs->Labels(label).Set(static_cast<double>(p.futile_repairs));
}

void NodeMetrics::ForgetPeer(const std::string& name) {
  const std::vector<std::string> label{name};
  for (auto* gauge : {peer_.connected, peer_.lag_seconds, peer_.behind_deltas, peer_.unacknowledged_deltas}) {
    gauge->Remove(label);
  }
  for (auto* counter : {peer_.deltas_received, peer_.bytes_received, peer_.bytes_sent, peer_.anti_entropy_rounds,
                        peer_.repaired, peer_.rejected, peer_.apply_failures, peer_.futile_repairs}) {
    counter->Remove(label);
  }
}

void NodeMetrics::ObserveClientRequest(command::Command::Verb verb, int exit_code, bool redirected,
                                       double seconds) {
  client_requests_.Labels({std::string(command::VerbName(verb)), OutcomeLabel(exit_code, redirected)})
      .Observe(seconds);
}

}  // namespace crdtdb::server
