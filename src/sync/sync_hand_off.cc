// Copyright (c) crdtdb authors.
//
// The hand-off of the partitions a node holds but no longer owns (SyncScope::handing_off,
// docs/sharding.md, "Moves"): anti-entropy copies each to its new owners, a HandOffRequest asks
// them for their roots of it, and the partition is dropped here once an owner that runs by the
// same placement answers with a root equal to this replica's.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sync/sync_engine.h"
#include "sync/sync_engine_peer.h"

namespace crdtdb::sync {

merkle::Hash SyncEngine::PartitionRoot(cluster::PartitionId partition) const {
  merkle::Hash root;
  for (const merkle::NodeId& node : scope_.partitioning->SubtreesOf(partition)) {
    root = merkle::Xor(root, local_.merkle_node(node));
  }
  return root;
}

void SyncEngine::RequestHandOff(Peer& peer, uint64_t now_ms) {
  if (now_ms < peer.next_hand_off_ms) return;
  const std::vector<cluster::PartitionId> moving = scope_.MovingTo(peer.name).ToVector();
  if (moving.empty()) return;
  HandOffRequest request{scope_.placement_version, {}};
  for (cluster::PartitionId p : moving) request.roots.push_back(sync::PartitionRoot{p, PartitionRoot(p)});
  Send(Outgoing::Kind::kRequest, peer.name, std::move(request));
  peer.next_hand_off_ms = now_ms + options_.anti_entropy_interval_ms;
}

void SyncEngine::OnHandOffAnswer(Peer& peer, const HandOffAnswer& answer) {
  // A new owner that runs by another placement may not own the partition for long, or may think
  // this replica still owns it: nothing is dropped on its word.
  if (answer.placement_version != scope_.placement_version) return;
  auto to = scope_.hand_off_to.find(peer.name);
  if (to == scope_.hand_off_to.end()) return;
  for (const sync::PartitionRoot& theirs : answer.roots) {
    const cluster::PartitionId p = theirs.partition;
    if (!to->second.Contains(p) || !scope_.handing_off.Contains(p) || scope_.owned.Contains(p)) continue;
    // Equal roots: the owner holds every document here as it is here, including every write this
    // replica acknowledged, and no write can come between this comparison and the drop.
    if (theirs.root != PartitionRoot(p)) continue;
    const auto [first, last] = scope_.partitioning->BucketsOf(p);
    Result<uint64_t> dropped = local_.DropBuckets(first, last);
    if (!dropped.ok()) {
      // Asked again every interval: one line a minute says it.
      if (std::optional<uint64_t> count = WarningDue(drop_warnings_, last_now_ms_)) {
        warnings_.push_back("could not drop " + std::to_string(*count) + " partition(s) handed off; they stay " +
                            "here and are asked about again; the last, partition " + std::to_string(p) +
                            " (to " + peer.name + "): " + dropped.status().ToString());
      }
      continue;
    }
    scope_.Dropped(p);
    for (auto& [name, other] : peers_) other->stream.Forget(p);
    ++stats_.partitions_handed_off;
    // A round in progress may still fetch documents of the partition: rounds start again over
    // what is kept now. The next partitions moving to this peer start copying at once.
    for (auto& [name, other] : peers_) {
      if (other->session) {
        other->session.reset();
        other->next_anti_entropy_ms = 0;
      }
    }
    peer.next_anti_entropy_ms = 0;
    notices_.push_back("partition " + std::to_string(p) + " handed off to " + peer.name + ": " +
                       std::to_string(*dropped) + " documents dropped here");
    if (scope_.handing_off.empty() && scope_.owned.empty()) {
      notices_.push_back("this node holds no partition any more: it can be removed from the configuration");
    }
  }
}

}  // namespace crdtdb::sync
