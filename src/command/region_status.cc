// Copyright (c) crdtdb authors.

#include "command/region_status.h"

#include <cstdio>
#include <map>
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include "command/exit_codes.h"
#include "crdt/digest.h"

namespace crdtdb::command {

namespace {

using Json = nlohmann::ordered_json;

std::optional<crdt::Digest> DigestFromHex(const std::string& hex) {
  if (hex.size() != 32) return std::nullopt;
  crdt::Digest d;
  for (size_t i = 0; i < 32; ++i) {
    const char c = hex[i];
    const int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) return std::nullopt;
    uint64_t& half = i < 16 ? d.high : d.low;
    half = half << 4 | static_cast<uint64_t>(v);
  }
  return d;
}

// The counters of interfaces.md section 3 that add up over nodes.
constexpr const char* kSummedCounters[] = {
    "deltas_sent",   "deltas_received",   "bytes_sent",     "bytes_received", "anti_entropy_rounds",
    "docs_repaired", "rejected_messages", "apply_failures", "futile_repairs"};

}  // namespace

Outcome RegionStatus(const RegionRouter& router, const ClusterConfig& config,
                     const RegionConfig& region, const std::string& node) {
  const cluster::Placement& placement = router.placement();
  const uint32_t count = placement.partitioning().count();
  Command ask;
  ask.verb = Command::Verb::kStatus;
  for (uint32_t p = 0; p < count; ++p) ask.partitions.push_back(p);
  ask.partition_count = count;

  if (!node.empty()) {
    const NodeConfig* only = region.FindNode(node);
    if (only == nullptr) {
      return Outcome{kExitUsage, "", "no node \"" + node + "\" in region " + region.name, {}, {}};
    }
    bool sent = false;
    Result<Outcome> outcome = router.Call(*only, ask, &sent);
    if (!outcome.ok()) return Outcome{kExitFailure, "", outcome.status().message(), {}, {}};
    return std::move(outcome).value();
  }

  Json out;
  out["cluster"] = config.cluster;
  out["region"] = region.name;
  Json nodes = Json::array();
  std::map<std::string, Json> answered;  // node name -> its status
  bool healthy = true;
  for (const NodeConfig& n : region.nodes) {
    bool sent = false;
    Result<Outcome> outcome = router.Call(n, ask, &sent);
    Json status = outcome.ok() && outcome->exit_code == kExitOk
                      ? Json::parse(outcome->out, nullptr, /*allow_exceptions=*/false)
                      : Json();
    if (!status.is_object()) {
      healthy = false;
      nodes.push_back(Json{{"name", n.name},
                           {"reachable", false},
                           {"healthy", false},
                           {"partitions", placement.OwnedBy(n.name).ToVector()},
                           {"documents", nullptr},
                           {"peers", Json::array()},
                           {"error", outcome.ok() ? outcome->error : outcome.status().message()}});
      continue;
    }
    healthy = healthy && status.value("healthy", false);
    answered[n.name] = status;
    Json shown = status;
    shown.erase("partition_roots");
    shown.erase("partition_documents");
    Json entry{{"name", n.name}, {"reachable", true}};
    entry.update(shown);
    nodes.push_back(std::move(entry));
  }
  crdt::Digest root;
  uint64_t documents = 0;
  Json unavailable = Json::array();
  for (uint32_t p = 0; p < count; ++p) {
    bool found = false;
    for (const std::string& owner : placement.Owners(region.name, p)) {
      auto it = answered.find(owner);
      if (it == answered.end()) continue;
      const std::string id = std::to_string(p);
      const Json& roots = it->second["partition_roots"];
      const Json& docs = it->second["partition_documents"];
      if (!roots.is_object() || !roots.contains(id) || !roots[id].is_string() ||
          !docs.is_object() || !docs.contains(id) || !docs[id].is_number_unsigned()) {
        continue;
      }
      std::optional<crdt::Digest> partition_root = DigestFromHex(roots[id].get<std::string>());
      if (!partition_root) continue;
      root = crdt::Digest{root.high ^ partition_root->high, root.low ^ partition_root->low};
      documents += docs[id].get<uint64_t>();
      found = true;
      break;
    }
    if (!found) unavailable.push_back(p);
  }
  out["documents"] = documents;
  out["merkle_root"] = unavailable.empty() ? Json(root.ToHex()) : Json();
  out["healthy"] = healthy && unavailable.empty();
  out["partitions"] = count;
  out["replication_factor"] = region.replication_factor;
  for (const char* counter : kSummedCounters) {
    uint64_t sum = 0;
    for (const auto& [name, status] : answered) {
      if (status.contains(counter) && status[counter].is_number_unsigned()) sum += status[counter].get<uint64_t>();
    }
    out[counter] = sum;
  }
  // Moves in progress (docs/sharding.md, "Moves"): what each node still holds without owning it.
  Json moves = Json::array();
  Json stale = Json::array();  // nodes that run by another placement than this configuration's
  for (const auto& [name, status] : answered) {
    if (status.contains("placement_version") && status["placement_version"] != placement.version()) {
      stale.push_back(name);
    }
    if (!status.contains("handing_off") || !status["handing_off"].is_array()) continue;
    for (const Json& move : status["handing_off"]) {
      Json entry{{"from", name}};
      entry.update(move);
      moves.push_back(std::move(entry));
    }
  }
  out["nodes"] = std::move(nodes);
  out["moves"] = std::move(moves);
  out["nodes_on_another_placement"] = std::move(stale);
  out["unavailable_partitions"] = unavailable;
  Outcome outcome{kExitOk, out.dump() + "\n", "", {}, {}};
  if (!unavailable.empty()) {
    outcome.exit_code = kExitFailure;
    outcome.error = std::to_string(unavailable.size()) + " partition(s) of region " + region.name +
                    " have no owner that answers: see unavailable_partitions";
  }
  return outcome;
}

}  // namespace crdtdb::command
