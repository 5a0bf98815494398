// Copyright (c) crdtdb authors.

#include "sync/anti_entropy.h"

#include <algorithm>
#include <utility>

#include "crdt/codec.h"
#include "sync/responder.h"

namespace crdtdb::sync {

namespace {

std::pair<int, uint32_t> Key(merkle::NodeId id) { return {id.level, id.index}; }

merkle::Hash XorAll(const std::vector<merkle::Hash>& hashes) {
  merkle::Hash sum;
  for (const merkle::Hash& h : hashes) sum = merkle::Xor(sum, h);
  return sum;
}

}  // namespace

Body AntiEntropySession::Start() {
  asked_.insert(Key(merkle::NodeId{0, 0}));
  return TreeRequest{id_, {merkle::NodeId{0, 0}}};
}

void AntiEntropySession::OnResponse(const Body& response, std::vector<Body>* out) {
  if (done()) return;
  const size_t before = outstanding();
  if (const auto* tree = std::get_if<TreeResponse>(&response)) {
    OnTree(*tree);
  } else if (const auto* leaves = std::get_if<LeafResponse>(&response)) {
    OnLeaves(*leaves, out);
  } else if (const auto* docs = std::get_if<Documents>(&response)) {
    OnDocuments(*docs);
  } else {
    Reject(std::string("unexpected ") + TypeName(response) + " in an anti-entropy round");
  }
  if (done()) return;
  if (outstanding() < before) retries_without_progress_ = 0;
  SendMore(out);
  if (outstanding() == 0 && nodes_to_ask_.empty() && buckets_to_ask_.empty() && keys_to_fetch_.empty()) {
    state_ = stats_.documents_pushed + stats_.documents_fetched > 0 ? State::kRepaired : State::kInSync;
  }
}

void AntiEntropySession::Retry(std::vector<Body>* out) {
  if (done()) return;
  if (++retries_without_progress_ > kMaxRetries) return Fail("the peer stopped answering");
  // Everything unanswered goes back to the front of its queue and is asked again.
  for (auto it = asked_.rbegin(); it != asked_.rend(); ++it) {
    if (it->first < merkle::kDepth) {
      nodes_to_ask_.push_front(merkle::NodeId{it->first, it->second});
    } else {
      buckets_to_ask_.push_front(it->second);
    }
  }
  for (const std::string& key : awaiting_) keys_to_fetch_.push_front(key);
  asked_.clear();
  awaiting_.clear();
  SendMore(out);
}

void AntiEntropySession::OnTree(const TreeResponse& response) {
  for (const TreeNode& node : response.nodes) {
    if (!(XorAll(node.children) == node.hash)) return Reject("the peer's tree node does not add up");
    if (asked_.erase(Key(node.id)) == 0) continue;  // a duplicate or late answer
    ++stats_.nodes_compared;
    if (node.id.level == 0 && node.hash == local_.merkle_root()) return;  // in sync: one round trip
    const std::vector<merkle::Hash> mine = local_.merkle_children(node.id);
    for (int i = 0; i < merkle::kFanout; ++i) {
      if (node.children[i] == mine[i]) continue;
      const merkle::NodeId child{node.id.level + 1, node.id.index * merkle::kFanout + static_cast<uint32_t>(i)};
      if (child.level < merkle::kDepth) {
        nodes_to_ask_.push_back(child);
      } else {
        buckets_to_ask_.push_back(child.index);
      }
    }
  }
}

void AntiEntropySession::OnLeaves(const LeafResponse& response, std::vector<Body>* out) {
  for (const Leaf& leaf : response.leaves) {
    merkle::Hash sum;
    for (size_t i = 0; i < leaf.entries.size(); ++i) {
      const LeafEntry& e = leaf.entries[i];
      if (i > 0 && !(leaf.entries[i - 1].key < e.key)) return Reject("leaf entries are not sorted");
      if (merkle::BucketOf(e.key) != leaf.bucket) return Reject("a leaf lists a key of another bucket");
      sum = merkle::Xor(sum, merkle::Contribution(e.key, e.digest));
    }
    if (!(sum == leaf.hash)) return Reject("the peer's leaf contents do not add up to its leaf");
    if (asked_.erase(Key(merkle::NodeId{merkle::kDepth, leaf.bucket})) == 0) continue;  // not asked now
    ++stats_.leaves_compared;
    CompareLeaf(leaf, out);
    if (done()) return;
  }
  FlushPushes(out);  // one message for the differing documents of all leaves of this answer
}

void AntiEntropySession::CompareLeaf(const Leaf& theirs, std::vector<Body>* out) {
  Result<std::vector<LeafEntry>> mine = local_.ReadLeaf(theirs.bucket);
  if (!mine.ok()) return Fail(mine.status().ToString());
  // Merge two key-sorted lists: a key that differs, or that one side lacks, needs repair.
  size_t a = 0, b = 0;
  auto push_mine = [&](const std::string& key) {
    Result<std::optional<std::string>> state = local_.ReadState(key);
    if (!state.ok()) return Fail(state.status().ToString());
    if (state->has_value()) Push(DocumentState{key, std::move(**state)}, out);
  };
  while (a < mine->size() || b < theirs.entries.size()) {
    if (b == theirs.entries.size() || (a < mine->size() && (*mine)[a].key < theirs.entries[b].key)) {
      push_mine((*mine)[a++].key);
    } else if (a == mine->size() || theirs.entries[b].key < (*mine)[a].key) {
      keys_to_fetch_.push_back(theirs.entries[b++].key);
    } else {
      if (!((*mine)[a].digest == theirs.entries[b].digest)) {
        push_mine((*mine)[a].key);
        keys_to_fetch_.push_back(theirs.entries[b].key);
      }
      ++a;
      ++b;
    }
    if (done()) return;
  }
}

void AntiEntropySession::Push(DocumentState state, std::vector<Body>* out) {
  // Bounded by count and bytes, like the responder's answers: every push fits in one message.
  if (pushes_bytes_ + state.state.size() > kDocumentBytesPerAnswer) FlushPushes(out);
  pushes_.session = id_;
  pushes_bytes_ += state.key.size() + state.state.size();
  pushes_.documents.push_back(std::move(state));
  if (pushes_.documents.size() == kKeysPerRequest) FlushPushes(out);
}

void AntiEntropySession::FlushPushes(std::vector<Body>* out) {
  if (pushes_.documents.empty()) return;
  stats_.documents_pushed += pushes_.documents.size();
  pushes_bytes_ = 0;
  out->push_back(std::exchange(pushes_, Documents{}));
}

void AntiEntropySession::OnDocuments(const Documents& response) {
  std::vector<RemoteUpdate> updates;
  for (const DocumentState& d : response.documents) {
    Result<crdt::Document> state = crdt::DecodeDocument(d.state);
    if (!state.ok()) return Reject("the peer sent a malformed document: " + state.status().message());
    if (awaiting_.erase(d.key) == 0) continue;  // a duplicate or late answer
    updates.push_back(RemoteUpdate{d.key, std::move(state).value(), /*is_state=*/true});
  }
  stats_.documents_fetched += updates.size();
  if (Status s = local_.ApplyRemote(std::move(updates)); !s.ok()) Fail(s.ToString());
}

void AntiEntropySession::SendMore(std::vector<Body>* out) {
  while (!nodes_to_ask_.empty() && asked_.size() < kMaxItemsInFlight) {
    TreeRequest request{id_, {}};
    while (!nodes_to_ask_.empty() && request.nodes.size() < kMaxNodesPerMessage) {
      asked_.insert(Key(nodes_to_ask_.front()));
      request.nodes.push_back(nodes_to_ask_.front());
      nodes_to_ask_.pop_front();
    }
    out->push_back(std::move(request));
  }
  while (!buckets_to_ask_.empty() && asked_.size() < kMaxItemsInFlight) {
    LeafRequest request{id_, {}};
    while (!buckets_to_ask_.empty() && request.buckets.size() < kBucketsPerRequest) {
      asked_.insert(Key(merkle::NodeId{merkle::kDepth, buckets_to_ask_.front()}));
      request.buckets.push_back(buckets_to_ask_.front());
      buckets_to_ask_.pop_front();
    }
    out->push_back(std::move(request));
  }
  while (!keys_to_fetch_.empty() && awaiting_.size() < kMaxKeysInFlight) {
    DocumentRequest request{id_, {}};
    while (!keys_to_fetch_.empty() && request.keys.size() < kKeysPerRequest) {
      if (awaiting_.insert(keys_to_fetch_.front()).second) request.keys.push_back(keys_to_fetch_.front());
      keys_to_fetch_.pop_front();
    }
    if (!request.keys.empty()) out->push_back(std::move(request));
  }
}

void AntiEntropySession::Reject(std::string why) {
  state_ = State::kRejected;
  error_ = std::move(why);
}

void AntiEntropySession::Fail(std::string why) {
  state_ = State::kFailed;
  error_ = std::move(why);
}

}  // namespace crdtdb::sync
