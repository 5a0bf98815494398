// Copyright (c) crdtdb authors.

#include "sync/walk_requests.h"

namespace crdtdb::sync {

void WalkRequests::Ask(merkle::NodeId id) {
  if (id.level < merkle::kDepth) {
    nodes_to_ask_.push_back(id);
  } else {
    buckets_to_ask_.push_back(id.index);
  }
}

void WalkRequests::SendMore(uint64_t session, std::vector<Body>* out) {
  while (!nodes_to_ask_.empty() && asked_.size() < kMaxItemsInFlight) {
    TreeRequest request{session, {}};
    while (!nodes_to_ask_.empty() && request.nodes.size() < kMaxNodesPerMessage) {
      asked_.insert({nodes_to_ask_.front().level, nodes_to_ask_.front().index});
      request.nodes.push_back(nodes_to_ask_.front());
      nodes_to_ask_.pop_front();
    }
    out->push_back(std::move(request));
  }
  while (!buckets_to_ask_.empty() && asked_.size() < kMaxItemsInFlight) {
    LeafRequest request{session, {}};
    while (!buckets_to_ask_.empty() && request.buckets.size() < kBucketsPerRequest) {
      asked_.insert({merkle::kDepth, buckets_to_ask_.front()});
      request.buckets.push_back(buckets_to_ask_.front());
      buckets_to_ask_.pop_front();
    }
    out->push_back(std::move(request));
  }
  while (!refs_to_fetch_.empty() && awaiting_.size() < kMaxKeysInFlight) {
    DocumentRequest request{session, {}};
    while (!refs_to_fetch_.empty() && request.documents.size() < kKeysPerRequest) {
      if (awaiting_.insert(refs_to_fetch_.front()).second)
        request.documents.push_back(refs_to_fetch_.front());
      refs_to_fetch_.pop_front();
    }
    if (!request.documents.empty()) out->push_back(std::move(request));
  }
}

void WalkRequests::Requeue() {
  for (auto it = asked_.rbegin(); it != asked_.rend(); ++it) {
    if (it->first < merkle::kDepth) {
      nodes_to_ask_.push_front(merkle::NodeId{it->first, it->second});
    } else {
      buckets_to_ask_.push_front(it->second);
    }
  }
  for (auto it = awaiting_.rbegin(); it != awaiting_.rend(); ++it) refs_to_fetch_.push_front(*it);
  asked_.clear();
  awaiting_.clear();
}

}  // namespace crdtdb::sync
