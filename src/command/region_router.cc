// Copyright (c) crdtdb authors.

#include "command/region_router.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cluster/owner_rotation.h"
#include "command/exit_codes.h"
#include "command/find_merge.h"
#include "db/key.h"
#include "net/client_call.h"

namespace crdtdb::command {

namespace {

Outcome Failure(int code, std::string error) { return Outcome{code, "", std::move(error), {}, {}}; }

// "a, b, c"
std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// The id of one NDJSON line of a listing: {"id": ID, "doc": {...}}.
std::optional<std::string> IdOf(const std::string& line) {
  nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("id") || !j["id"].is_string()) return std::nullopt;
  return j["id"].get<std::string>();
}

}  // namespace

RegionRouter::RegionRouter(const ClusterConfig& config, const RegionConfig& region,
                           RouterOptions options)
    : config_(config),
      region_(region),
      options_(std::move(options)),
      placement_(cluster::Placement::Compute(config)),
      pool_(options_.pooled_connections > 0
                ? std::make_unique<ConnectionPool>(options_.pooled_connections)
                : nullptr) {}

Result<Outcome> RegionRouter::Call(const NodeConfig& node, const Command& command, bool* sent) const {
  *sent = false;
  const InProcessNode* in_process =
      options_.in_process && options_.in_process->client == node.client ? &*options_.in_process : nullptr;
  std::optional<net::CurveClientKeys> curve;
  if (options_.keys && in_process == nullptr) {
    Result<std::optional<net::CurveClientKeys>> keys = options_.keys(node);
    if (!keys.ok()) return keys.status();
    curve = std::move(keys).value();
  }
  const std::string& endpoint = in_process != nullptr ? in_process->endpoint : node.client;
  // A pooled connection is one to the same endpoint with the same keys.
  const std::string pool_key = endpoint + (curve ? " " + curve->server_public_key : "");
  std::unique_ptr<net::ClientConnection> connection = pool_ ? pool_->Take(pool_key) : nullptr;
  if (!connection) {
    connection = std::make_unique<net::ClientConnection>(
        endpoint, options_.timeout_ms, std::move(curve), std::min(options_.connect_timeout_ms, options_.timeout_ms),
        /*cancel=*/nullptr, in_process != nullptr ? in_process->context : nullptr);
  }
  Result<std::string> answer = connection->Exchange(EncodeCommand(command));
  *sent = connection->sent();
  if (!answer.ok()) return answer.status();  // the connection is dropped: a late answer is never read
  if (pool_) pool_->Give(pool_key, std::move(connection));
  return DecodeOutcome(*answer);
}

const NodeConfig* RegionRouter::NodeByClientEndpoint(const std::string& endpoint) const {
  for (const NodeConfig& node : region_.nodes) {
    if (node.client == endpoint) return &node;
  }
  return nullptr;
}

Outcome RegionRouter::Execute(const Command& command) {
  switch (command.verb) {
    case Command::Verb::kGet: case Command::Verb::kPut: case Command::Verb::kPatch:
    case Command::Verb::kDelete: case Command::Verb::kInc: case Command::Verb::kSetAdd:
    case Command::Verb::kSetRemove:
      return ExecuteKeyed(command);
    case Command::Verb::kList: return ExecuteList(command);
    case Command::Verb::kFind:
      return command.explain ? ExplainFind(command) : ExecuteFind(command);
    case Command::Verb::kIndexCreate: case Command::Verb::kIndexList: case Command::Verb::kIndexDrop:
      return ExecuteOnEveryNode(command);
    case Command::Verb::kStatus: case Command::Verb::kVerify: break;
    case Command::Verb::kWatch:
      // A region-wide watch is a session of pages on every node, not one command
      // (command/region_watch.h; the CLI runs it).
      return Failure(kExitUsage, "watch through region " + region_.name + " runs as a region watch session");
  }
  return Failure(kExitUsage, "this verb runs against one node of region " + region_.name +
                                 ": give its --endpoint");
}

Outcome RegionRouter::ExecuteKeyed(const Command& command) {
  Result<std::string> key = db::NormalizeKey(command.path);
  if (!key.ok()) return Failure(ExitCodeFor(key.status()), key.status().message());
  const cluster::PartitionId partition = placement_.partitioning().PartitionOf(*key);
  std::vector<std::string> candidates = placement_.Owners(region_.name, partition);
  std::set<std::string> tried;
  std::string last_error;
  // Owners in preference order, then once the owners a node redirected to (its placement is
  // another configuration's, during a change).
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (!tried.insert(candidates[i]).second) continue;
    const NodeConfig* node = region_.FindNode(candidates[i]);
    if (node == nullptr) continue;
    bool sent = false;
    Result<Outcome> outcome = Call(*node, command, &sent);
    if (outcome.ok() && outcome->redirect.empty()) return std::move(outcome).value();
    if (outcome.ok()) {
      for (const Redirect& to : outcome->redirect) {
        if (const NodeConfig* owner = NodeByClientEndpoint(to.endpoint)) candidates.push_back(owner->name);
      }
      last_error = outcome->error;
      continue;
    }
    last_error = outcome.status().message();
    if (sent && command.verb == Command::Verb::kInc) {
      return Failure(kExitFailure, last_error + "; the increment may or may not have been applied: " +
                                       "check with get before running it again");
    }
  }
  return Failure(kExitFailure, "partition " + std::to_string(partition) + " of region " +
                                   region_.name + " is unavailable: no owner (" +
                                   Join(placement_.Owners(region_.name, partition)) +
                                   ") answered; the last error: " + last_error);
}

RegionRouter::Gathered RegionRouter::GatherPartitions(const Command& command) const {
  const uint32_t count = placement_.partitioning().count();
  cluster::OwnerRotation rotation(placement_, region_.name);
  Gathered gathered;
  std::string last_error;
  for (auto asks = rotation.NextAsks(); !asks.empty(); asks = rotation.NextAsks()) {
    for (const auto& [name, partitions] : asks) {
      Command part = command;
      part.partitions = partitions;
      part.partition_count = count;
      bool sent = false;
      Result<Outcome> outcome = Call(*region_.FindNode(name), part, &sent);
      if (!outcome.ok()) {
        rotation.Failed(name);
        last_error = outcome.status().message();
        continue;
      }
      if (outcome->exit_code != kExitOk) {  // the same for every node
        gathered.failed = std::move(outcome).value();
        return gathered;
      }
      gathered.outputs.push_back(std::move(outcome->out));
      gathered.nodes.push_back(name);
      rotation.Done(partitions);
    }
  }
  if (!rotation.missing().empty()) {
    std::string ids;
    for (cluster::PartitionId p : rotation.missing()) ids += (ids.empty() ? "" : ", ") + std::to_string(p);
    gathered.missing = "the " + std::string(command.verb == Command::Verb::kFind ? "query" : "listing") +
                       " lacks partitions " + ids + " of region " + region_.name +
                       ": no owner answered (the last error: " + last_error + ")";
  }
  return gathered;
}

Outcome RegionRouter::Finish(Outcome merged, const Gathered& gathered) const {
  if (gathered.missing.empty()) return merged;
  merged.error = gathered.missing;
  if (!options_.allow_partial) merged.exit_code = kExitFailure;
  return merged;
}

Outcome RegionRouter::ExecuteList(const Command& command) {
  Gathered gathered = GatherPartitions(command);
  if (gathered.failed) return std::move(*gathered.failed);
  std::vector<std::string> lines;
  for (const std::string& out : gathered.outputs) {
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) lines.push_back(std::move(line));
    }
  }
  // Merged in id order, as one replica lists; each node gave at most `limit` lines, so the first
  // `limit` of the merge are the first `limit` of the region.
  std::vector<std::pair<std::string, std::string>> by_id;
  for (std::string& line : lines) {
    std::optional<std::string> id = IdOf(line);
    if (!id) return Failure(kExitFailure, "malformed listing from a node of region " + region_.name);
    by_id.emplace_back(std::move(*id), std::move(line));
  }
  std::sort(by_id.begin(), by_id.end());
  by_id.erase(std::unique(by_id.begin(), by_id.end(),
                          [](const auto& a, const auto& b) { return a.first == b.first; }),
              by_id.end());
  if (command.limit && by_id.size() > *command.limit) by_id.resize(*command.limit);
  Outcome outcome;
  for (const auto& [id, line] : by_id) outcome.out += line + "\n";
  return Finish(std::move(outcome), gathered);
}

Outcome RegionRouter::ExecuteFind(const Command& command) {
  // The nodes answer with whole documents, so that the merge can place each by its sort fields;
  // the projection is applied to the merged page.
  nlohmann::json unprojected = nlohmann::json::parse(command.json, nullptr, /*allow_exceptions=*/false);
  if (!unprojected.is_object()) return Failure(kExitUsage, "the query must be a JSON object");
  unprojected.erase("fields");
  Command ask = command;
  ask.json = unprojected.dump();
  Gathered gathered = GatherPartitions(ask);
  if (gathered.failed) return std::move(*gathered.failed);
  Result<std::string> merged = MergeFindPages(command.json, gathered.outputs);
  if (!merged.ok()) {
    return Failure(ExitCodeFor(merged.status()),
                   merged.status().message() + " (from the nodes of region " + region_.name + ")");
  }
  return Finish(Outcome{kExitOk, std::move(merged).value(), "", {}, ""}, gathered);
}

Outcome RegionRouter::ExplainFind(const Command& command) {
  Gathered gathered = GatherPartitions(command);
  if (gathered.failed) return std::move(*gathered.failed);
  // {"explain": {"nodes": [{"node": N, <that node's explain>}...], and the sums of the counts}}:
  // the merged first page keeps at most `limit` of the documents the nodes returned.
  nlohmann::ordered_json nodes = nlohmann::ordered_json::array();
  uint64_t keys = 0, read = 0, returned = 0;
  for (size_t i = 0; i < gathered.outputs.size(); ++i) {
    const nlohmann::ordered_json line = nlohmann::ordered_json::parse(gathered.outputs[i], nullptr, false);
    const auto plan = line.is_object() ? line.find("explain") : line.end();
    if (plan == line.end() || !plan->is_object() || !(*plan)["keys_read"].is_number_unsigned() ||
        !(*plan)["documents_read"].is_number_unsigned() || !(*plan)["documents_returned"].is_number_unsigned()) {
      return Failure(kExitFailure, "malformed explain from node " + gathered.nodes[i] + " of region " + region_.name);
    }
    nlohmann::ordered_json node{{"node", gathered.nodes[i]}};
    node.update(*plan);
    keys += (*plan)["keys_read"].get<uint64_t>();
    read += (*plan)["documents_read"].get<uint64_t>();
    returned += (*plan)["documents_returned"].get<uint64_t>();
    nodes.push_back(std::move(node));
  }
  nlohmann::ordered_json all{{"nodes", std::move(nodes)}, {"keys_read", keys}, {"documents_read", read},
                             {"documents_returned", returned}};
  return Finish(Outcome{kExitOk, nlohmann::ordered_json{{"explain", std::move(all)}}.dump() + "\n", "", {}, ""},
                gathered);
}

}  // namespace crdtdb::command
