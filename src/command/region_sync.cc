// Copyright (c) crdtdb authors.

#include "command/region_sync.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "net/client_call.h"

namespace crdtdb::command {

Result<SyncReport> SyncWithNodes(
    db::DatabaseImpl& db, const cluster::Placement& placement, const RegionConfig& region,
    const std::function<Result<std::optional<net::CurveClientKeys>>(const NodeConfig&)>& keys,
    int timeout_ms) {
  const auto started = std::chrono::steady_clock::now();
  const cluster::Partitioning& partitioning = placement.partitioning();
  std::map<cluster::PartitionId, size_t> next_owner;  // partitions left, and their next owner
  for (cluster::PartitionId p = 0; p < partitioning.count(); ++p) next_owner[p] = 0;
  std::set<std::string> failed;
  SyncReport total;
  total.in_sync = true;
  std::vector<cluster::PartitionId> missing;
  Status last_error;
  while (!next_owner.empty()) {
    std::map<std::string, std::vector<cluster::PartitionId>> asks;
    for (auto it = next_owner.begin(); it != next_owner.end();) {
      const std::vector<std::string>& owners = placement.Owners(region.name, it->first);
      while (it->second < owners.size() && failed.count(owners[it->second]) > 0) ++it->second;
      if (it->second == owners.size()) {
        missing.push_back(it->first);
        it = next_owner.erase(it);
        continue;
      }
      asks[owners[it->second]].push_back(it->first);
      ++it;
    }
    for (const auto& [name, partitions] : asks) {
      const NodeConfig& node = *region.FindNode(name);
      Result<std::optional<net::CurveClientKeys>> curve = keys(node);
      if (!curve.ok()) return curve.status();
      net::ClientConnection connection(node.sync, timeout_ms, std::move(curve).value());
      std::vector<merkle::NodeId> subtrees;
      for (cluster::PartitionId p : partitions) {
        for (const merkle::NodeId& n : partitioning.SubtreesOf(p)) subtrees.push_back(n);
      }
      Result<SyncReport> report = db.SyncSubtrees(connection, std::move(subtrees));
      if (!report.ok()) {
        // What it committed stays; its partitions are synced again with their next owner.
        failed.insert(name);
        last_error = report.status();
        continue;
      }
      total.documents_sent += report->documents_sent;
      total.documents_received += report->documents_received;
      total.bytes_sent += report->bytes_sent;
      total.bytes_received += report->bytes_received;
      total.rounds += report->rounds;
      total.in_sync = total.in_sync && report->in_sync;
      for (cluster::PartitionId p : partitions) next_owner.erase(p);
    }
  }
  total.duration_ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::steady_clock::now() - started)
                                                .count());
  if (!missing.empty()) {
    std::sort(missing.begin(), missing.end());
    std::string ids;
    for (cluster::PartitionId p : missing) ids += (ids.empty() ? "" : ", ") + std::to_string(p);
    return Status::Unavailable("partitions " + ids + " of region " + region.name +
                               " were not synced: no owner answered (" + last_error.ToString() +
                               ")");
  }
  return total;
}

}  // namespace crdtdb::command
