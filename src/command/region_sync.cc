// Copyright (c) crdtdb authors.

#include "command/region_sync.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "cluster/owner_rotation.h"
#include "net/client_call.h"

namespace crdtdb::command {

Result<SyncReport> SyncWithNodes(
    db::DatabaseImpl& db, const cluster::Placement& placement, const RegionConfig& region,
    const std::function<Result<std::optional<net::CurveClientKeys>>(const NodeConfig&)>& keys,
    int timeout_ms, const std::atomic<bool>* cancel) {
  const auto started = std::chrono::steady_clock::now();
  const cluster::Partitioning& partitioning = placement.partitioning();
  cluster::OwnerRotation rotation(placement, region.name);
  SyncReport total;
  total.in_sync = true;
  Status last_error;
  for (auto asks = rotation.NextAsks(); !asks.empty(); asks = rotation.NextAsks()) {
    for (const auto& [name, partitions] : asks) {
      if (cancel != nullptr && cancel->load()) return Status::Unavailable("sync with region " + region.name + " stopped");
      const NodeConfig& node = *region.FindNode(name);
      Result<std::optional<net::CurveClientKeys>> curve = keys(node);
      if (!curve.ok()) return curve.status();
      net::ClientConnection connection(node.sync, timeout_ms, std::move(curve).value(), std::nullopt, cancel);
      std::vector<merkle::NodeId> subtrees;
      for (cluster::PartitionId p : partitions) {
        for (const merkle::NodeId& n : partitioning.SubtreesOf(p)) subtrees.push_back(n);
      }
      Result<SyncReport> report = db.SyncSubtrees(connection, std::move(subtrees));
      if (!report.ok()) {
        // What it committed stays; its partitions are synced again with their next owner.
        rotation.Failed(name);
        last_error = report.status();
        continue;
      }
      total.documents_sent += report->documents_sent;
      total.documents_received += report->documents_received;
      total.bytes_sent += report->bytes_sent;
      total.bytes_received += report->bytes_received;
      total.rounds += report->rounds;
      total.in_sync = total.in_sync && report->in_sync;
      rotation.Done(partitions);
    }
  }
  total.duration_ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::steady_clock::now() - started)
                                                .count());
  if (!rotation.missing().empty()) {
    std::string ids;
    for (cluster::PartitionId p : rotation.missing()) ids += (ids.empty() ? "" : ", ") + std::to_string(p);
    return Status::Unavailable("partitions " + ids + " of region " + region.name +
                               " were not synced: no owner answered (" + last_error.ToString() +
                               ")");
  }
  return total;
}

}  // namespace crdtdb::command
