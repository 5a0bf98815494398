// Copyright (c) crdtdb authors.
//
// WalkRequests is what one walk of one peer's Merkle tree has to ask (anti_entropy.h,
// diff_session.h): nodes, leaves and documents queued, and those asked and not answered yet. It
// batches queued items into requests within the flow-control bounds, and puts everything
// unanswered back in front of its queue when a walk retries. A value, not thread-safe.

#ifndef CRDTDB_SYNC_WALK_REQUESTS_H_
#define CRDTDB_SYNC_WALK_REQUESTS_H_

#include <cstdint>
#include <deque>
#include <set>
#include <utility>
#include <vector>

#include "merkle/merkle_tree.h"
#include "sync/messages.h"

namespace crdtdb::sync {

class WalkRequests {
 public:
  // Flow control: at most this many nodes and leaves, and documents, asked for and unanswered
  // (checked before each request, so one request may go past the bound by less than its size).
  static constexpr size_t kMaxItemsInFlight = 4 * kMaxNodesPerMessage;
  static constexpr size_t kMaxKeysInFlight = 64;
  static constexpr size_t kBucketsPerRequest = 64;
  static constexpr size_t kKeysPerRequest = 16;
  // A walk that retried this many times without an answer resolving anything gives up.
  static constexpr int kMaxRetries = 5;

  // Queues an inner node, or a leaf (level kDepth), to be asked for.
  void Ask(merkle::NodeId id);
  // Queues a document to be fetched.
  void Fetch(DocumentRef ref) { refs_to_fetch_.push_back(ref); }

  // Marks an answered node or leaf; false if it was not asked for (a duplicate or late answer).
  bool Answered(merkle::NodeId id) { return asked_.erase({id.level, id.index}) > 0; }
  // The same for a document.
  bool Answered(const DocumentRef& ref) { return awaiting_.erase(ref) > 0; }

  // Appends requests of `session` for what is queued, within the bounds.
  void SendMore(uint64_t session, std::vector<Body>* out);
  // Puts everything unanswered back in front of its queue, to be asked again.
  void Requeue();

  // Items asked for and not answered yet.
  size_t outstanding() const { return asked_.size() + awaiting_.size(); }
  // Nothing queued and nothing unanswered.
  bool idle() const {
    return outstanding() == 0 && nodes_to_ask_.empty() && buckets_to_ask_.empty() &&
           refs_to_fetch_.empty();
  }

 private:
  std::set<std::pair<int, uint32_t>> asked_;  // nodes and leaves asked for, unanswered
  std::set<DocumentRef> awaiting_;            // documents asked for, unanswered
  std::deque<merkle::NodeId> nodes_to_ask_;
  std::deque<uint32_t> buckets_to_ask_;
  std::deque<DocumentRef> refs_to_fetch_;
};

}  // namespace crdtdb::sync

#endif  // CRDTDB_SYNC_WALK_REQUESTS_H_
