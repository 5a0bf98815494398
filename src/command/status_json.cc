// Copyright (c) crdtdb authors.

#include "command/status_json.h"

#include <vector>

#include <nlohmann/json.hpp>

#include "command/index_verbs.h"
#include "command/json_text.h"
#include "command/version.h"

namespace crdtdb::command {

namespace {

using nlohmann::ordered_json;

ordered_json PeerJson(const sync::PeerStatus& p) {
  ordered_json j{
      {"region", p.name},
      {"connected", p.connected},
      {"last_delta_seq", p.last_delta_seq},
      {"lag_ms", p.lag_ms},
      {"anti_entropy_running", p.anti_entropy_running},
      {"behind_deltas", p.behind_deltas},
      {"unacknowledged_deltas",
       p.unacknowledged_deltas ? ordered_json(*p.unacknowledged_deltas) : ordered_json()},
      {"apply_failures", p.apply_failures}};
  if (!p.last_apply_error.empty()) j["last_apply_error"] = p.last_apply_error;
  j["futile_repairs"] = p.futile_repairs;
  if (!p.last_futile_repair.empty()) j["last_futile_repair"] = p.last_futile_repair;
  return j;
}

// `cluster` and `region` are null for an embedded store.
std::string Build(const ordered_json& cluster, const ordered_json& region, const LocalStatus& local,
                  const std::vector<sync::PeerStatus>& peers, const sync::SyncStats& sync,
                  const std::string& data_dir, uint64_t uptime_s) {
  ordered_json j;
  j["cluster"] = cluster;
  j["region"] = region;
  j["replica_id"] = local.replica_id;
  j["documents"] = local.documents;
  j["merkle_root"] = local.merkle_root;
  j["peers"] = ordered_json::array();
  for (const sync::PeerStatus& p : peers) j["peers"].push_back(PeerJson(p));
  j["deltas_sent"] = sync.deltas_sent;
  j["deltas_received"] = sync.deltas_received;
  j["bytes_sent"] = sync.bytes_sent;
  j["bytes_received"] = sync.bytes_received;
  j["anti_entropy_rounds"] = sync.anti_entropy_rounds;
  j["docs_repaired"] = sync.docs_repaired;
  j["rejected_messages"] = sync.rejected_messages;
  j["apply_failures"] = sync.apply_failures;
  j["futile_repairs"] = sync.futile_repairs;
  j["healthy"] = local.healthy;
  j["read_errors"] = local.read_errors;
  j["last_sequence"] = local.last_sequence;
  j["commits"] = local.commits;
  j["documents_written"] = local.documents_written;
  j["clock_ahead_ignored"] = local.clock_ahead_ignored;
  j["indexes"] = ordered_json::array();
  for (const IndexInfo& index : local.indexes) j["indexes"].push_back(IndexInfoJson(index));
  if (!local.index_error.empty()) j["index_error"] = local.index_error;
  if (!local.healthy) j["last_error"] = local.last_error;
  if (local.read_errors > 0) j["first_read_error"] = local.first_read_error;
  j["data_dir"] = data_dir;
  j["version"] = std::string(Version());
  j["uptime_s"] = uptime_s;
  return JsonText(j) + "\n";
}

}  // namespace

std::string StatusJson(const db::ReplicaStatus& s, const std::string& data_dir, uint64_t uptime_s) {
  return Build(s.cluster, s.region, s.local, s.peers, s.sync, data_dir, uptime_s);
}

std::string EmbeddedStatusJson(const LocalStatus& local, const std::string& data_dir) {
  // The store is open only for the command that prints it: its uptime is 0.
  return Build(nullptr, nullptr, local, {}, sync::SyncStats{}, data_dir, 0);
}

}  // namespace crdtdb::command
