// Copyright (c) crdtdb authors.

#include "command/region_diff.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "cluster/owner_rotation.h"
#include "db/diff_walk.h"

namespace crdtdb::command {

namespace {

using Side = sync::DiffSession::Side;
using Pair = std::pair<std::string, std::string>;  // the nodes asked on each side; "" for a whole

}  // namespace

Result<DiffReport> DiffWithNodes(const cluster::Placement& placement, const DiffSide& a,
                                 const DiffSide& b, crdt::ReplicaId sender,
                                 const DiffOptions& options, std::string* why_missing) {
  if (options.limit == 0) return Status::InvalidArgument("the limit of a diff must be at least 1");
  const cluster::Partitioning& partitioning = placement.partitioning();
  const std::array<const DiffSide*, 2> sides{&a, &b};
  std::array<std::optional<cluster::OwnerRotation>, 2> rotations;
  for (size_t i = 0; i < 2; ++i) {
    if (sides[i]->region != nullptr) rotations[i].emplace(placement, sides[i]->region->name);
  }
  std::set<cluster::PartitionId> left;
  for (cluster::PartitionId p = 0; p < partitioning.count(); ++p) left.insert(p);
  db::DiffWalkPlan plan;
  plan.session = db::NewDiffSession();
  plan.sender = sender;
  plan.limit = options.limit;
  std::array<merkle::Fingerprint, 2> roots{0, 0};
  DiffReport report;
  std::vector<cluster::PartitionId> missing;

  while (!left.empty()) {
    // Whom each side asks next for each partition left.
    std::array<std::map<cluster::PartitionId, std::string>, 2> owner;
    for (size_t i = 0; i < 2; ++i) {
      if (!rotations[i]) {
        for (cluster::PartitionId p : left) owner[i][p] = "";
        continue;
      }
      for (const auto& [node, partitions] : rotations[i]->NextAsks()) {
        for (cluster::PartitionId p : partitions) owner[i][p] = node;
      }
    }
    std::map<Pair, std::vector<cluster::PartitionId>> groups;
    for (auto it = left.begin(); it != left.end();) {
      const auto in_a = owner[0].find(*it), in_b = owner[1].find(*it);
      if (in_a == owner[0].end() || in_b == owner[1].end()) {  // every owner on a side failed
        missing.push_back(*it);
        for (auto& rotation : rotations) {
          if (rotation) rotation->Done({*it});
        }
        it = left.erase(it);
        continue;
      }
      groups[Pair{in_a->second, in_b->second}].push_back(*it);
      ++it;
    }
    // A node that failed in this round is asked nothing more in it: its groups go to the next
    // owner in the next round.
    std::array<std::set<std::string>, 2> failed_now;
    for (const auto& [pair, partitions] : groups) {
      const std::array<const std::string*, 2> names{&pair.first, &pair.second};
      if (failed_now[0].count(pair.first) > 0 || failed_now[1].count(pair.second) > 0) continue;
      std::array<std::unique_ptr<SyncTransport>, 2> connections;
      std::array<SyncTransport*, 2> transports{};
      for (size_t i = 0; i < 2; ++i) {
        if (!rotations[i]) {
          transports[i] = sides[i]->whole;
          continue;
        }
        Result<std::unique_ptr<SyncTransport>> connection =
            sides[i]->connect(*sides[i]->region->FindNode(*names[i]));
        if (!connection.ok()) return connection.status();  // keys that cannot be read: no node helps
        connections[i] = std::move(connection).value();
        transports[i] = connections[i].get();
      }
      plan.start.clear();
      for (cluster::PartitionId p : partitions) {
        for (const merkle::NodeId& n : partitioning.SubtreesOf(p)) plan.start.push_back(n);
      }
      Side failed = Side::kA;
      Result<db::DiffWalk> walk = db::WalkDiff(*transports[0], *transports[1], plan, &failed);
      if (!walk.ok()) {
        const size_t i = failed == Side::kA ? 0 : 1;
        if (!rotations[i]) return walk.status();  // a whole replica has no other owner to ask
        rotations[i]->Failed(*names[i]);
        failed_now[i].insert(*names[i]);
        *why_missing = *names[i] + ": " + walk.status().ToString();
        continue;
      }
      roots[0] ^= walk->root_a;
      roots[1] ^= walk->root_b;
      for (DocumentDifference& d : walk->differences) report.differences.push_back(std::move(d));
      report.truncated = report.truncated || walk->truncated;
      for (auto& rotation : rotations) {
        if (rotation) rotation->Done(partitions);
      }
      for (cluster::PartitionId p : partitions) left.erase(p);
    }
  }
  // Each key is in one partition, compared once: the merge has no duplicates.
  std::sort(report.differences.begin(), report.differences.end(),
            [](const DocumentDifference& x, const DocumentDifference& y) { return x.key < y.key; });
  if (report.differences.size() > options.limit) {
    report.differences.resize(options.limit);
    report.truncated = true;
  }
  std::sort(missing.begin(), missing.end());
  report.missing_partitions = std::move(missing);
  if (report.missing_partitions.empty()) {
    report.root_a = db::FingerprintHex(roots[0]);
    report.root_b = db::FingerprintHex(roots[1]);
  }
  return report;
}

}  // namespace crdtdb::command
