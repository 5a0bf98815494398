// Copyright (c) crdtdb authors.

#include "server/status_json.h"

#include <nlohmann/json.hpp>

#include "command/version.h"

namespace crdtdb::server {

std::string StatusJson(const db::ReplicaStatus& s, const std::string& data_dir, uint64_t uptime_s) {
  nlohmann::ordered_json j;
  j["cluster"] = s.cluster;
  j["region"] = s.region;
  j["replica_id"] = s.local.replica_id;
  j["documents"] = s.local.documents;
  j["merkle_root"] = s.local.merkle_root;
  j["peers"] = nlohmann::ordered_json::array();
  for (const sync::PeerStatus& p : s.peers) {
    j["peers"].push_back({{"region", p.name},
                          {"connected", p.connected},
                          {"last_delta_seq", p.last_delta_seq},
                          {"lag_ms", p.lag_ms},
                          {"anti_entropy_running", p.anti_entropy_running},
                          {"behind_deltas", p.behind_deltas},
                          {"unacknowledged_deltas", p.unacknowledged_deltas ? nlohmann::ordered_json(*p.unacknowledged_deltas)
                                                                            : nlohmann::ordered_json()},
                          {"apply_failures", p.apply_failures}});
    if (!p.last_apply_error.empty()) j["peers"].back()["last_apply_error"] = p.last_apply_error;
    j["peers"].back()["futile_repairs"] = p.futile_repairs;
    if (!p.last_futile_repair.empty()) j["peers"].back()["last_futile_repair"] = p.last_futile_repair;
  }
  j["deltas_sent"] = s.sync.deltas_sent;
  j["deltas_received"] = s.sync.deltas_received;
  j["bytes_sent"] = s.sync.bytes_sent;
  j["bytes_received"] = s.sync.bytes_received;
  j["anti_entropy_rounds"] = s.sync.anti_entropy_rounds;
  j["docs_repaired"] = s.sync.docs_repaired;
  j["rejected_messages"] = s.sync.rejected_messages;
  j["apply_failures"] = s.sync.apply_failures;
  j["futile_repairs"] = s.sync.futile_repairs;
  j["healthy"] = s.local.healthy;
  j["read_errors"] = s.local.read_errors;
  j["last_sequence"] = s.local.last_sequence;
  j["commits"] = s.local.commits;
  j["documents_written"] = s.local.documents_written;
  if (!s.local.healthy) j["last_error"] = s.local.last_error;
  if (s.local.read_errors > 0) j["first_read_error"] = s.local.first_read_error;
  j["data_dir"] = data_dir;
  j["version"] = std::string(command::Version());
  j["uptime_s"] = uptime_s;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace crdtdb::server
