// Copyright (c) crdtdb authors.

#include "server/node_requests.h"

#include <utility>

#include <nlohmann/json.hpp>

#include "command/exit_codes.h"
#include "db/key.h"

namespace crdtdb::server {

NodeRequests::NodeRequests(const RegionConfig& region, const NodeConfig& self,
                           const cluster::Placement& placement)
    : region_(region), self_(self), placement_(placement), owned_(placement.OwnedBy(self.name)) {}

std::optional<command::Outcome> NodeRequests::RedirectUnlessKept(const command::Command& command,
                                                                 const sync::SyncScope& scope) const {
  using Verb = command::Command::Verb;
  switch (command.verb) {
    case Verb::kGet: case Verb::kPut: case Verb::kPatch: case Verb::kDelete: case Verb::kInc:
    case Verb::kSetAdd: case Verb::kSetRemove: break;
    case Verb::kList: case Verb::kFind: case Verb::kStatus: case Verb::kVerify: case Verb::kWatch:
    case Verb::kIndexCreate: case Verb::kIndexList: case Verb::kIndexDrop: return std::nullopt;
  }
  if (owned_.full()) return std::nullopt;
  Result<std::string> key = db::NormalizeKey(command.path);
  if (!key.ok()) return std::nullopt;
  const cluster::PartitionId partition = placement_.partitioning().PartitionOf(*key);
  if (owned_.Contains(partition) || scope.handing_off.Contains(partition)) return std::nullopt;
  command::Outcome outcome;
  outcome.exit_code = command::kExitFailure;
  std::string names;
  for (const std::string& owner : placement_.Owners(region_.name, partition)) {
    const NodeConfig& node = *region_.FindNode(owner);
    outcome.redirect.push_back(command::Redirect{node.client, node.public_key.value_or("")});
    names += (names.empty() ? "" : ", ") + owner;
  }
  outcome.error = "node " + self_.name + " does not own partition " + std::to_string(partition) +
                  " of " + command.path + "; its owners: " + names;
  return outcome;
}

void NodeRequests::ScopeListing(command::Command* command) const {
  const bool scan = command->verb == command::Command::Verb::kList ||
                    command->verb == command::Command::Verb::kFind;
  if (!scan || !command->partitions.empty() || owned_.full()) {
    return;
  }
  command->partitions = owned_.ToVector();
  command->partition_count = placement_.partitioning().count();
}

Status NodeRequests::PrintStatus(const std::string& replica_status, const db::DatabaseImpl& db,
                                 const sync::SyncScope& scope, const std::vector<uint32_t>& asked,
                                 std::ostream& out) const {
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(replica_status);
  j["node"] = self_.name;
  j["leaving"] = self_.leaving;
  j["partitions"] = owned_.ToVector();
  j["placement_version"] = placement_.version();
  const cluster::Partitioning& partitioning = placement_.partitioning();
  nlohmann::ordered_json moves = nlohmann::ordered_json::array();
  for (cluster::PartitionId p : scope.handing_off.ToVector()) {
    const auto [first, last] = partitioning.BucketsOf(p);
    Result<uint64_t> live = db.CountLiveInBuckets(first, last);
    if (!live.ok()) return live.status();
    moves.push_back({{"partition", p},
                     {"to", placement_.Owners(region_.name, p)},
                     {"copying", scope.Moving(p)},
                     {"documents", *live}});
  }
  j["handing_off"] = std::move(moves);
  nlohmann::ordered_json roots = nlohmann::ordered_json::object();
  nlohmann::ordered_json documents = nlohmann::ordered_json::object();
  for (uint32_t p : asked) {
    if (!owned_.Contains(p)) continue;
    merkle::Hash root;
    for (const merkle::NodeId& node : partitioning.SubtreesOf(p)) root = merkle::Xor(root, db.merkle_node(node));
    const auto [first, last] = partitioning.BucketsOf(p);
    Result<uint64_t> live = db.CountLiveInBuckets(first, last);
    if (!live.ok()) return live.status();
    roots[std::to_string(p)] = root.ToHex();
    documents[std::to_string(p)] = *live;
  }
  if (!asked.empty()) {
    j["partition_roots"] = std::move(roots);
    j["partition_documents"] = std::move(documents);
  }
  out << j.dump() << "\n";
  return Status::OK();
}

}  // namespace crdtdb::server
