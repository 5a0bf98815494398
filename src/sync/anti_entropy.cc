// Copyright (c) crdtdb authors.

#include "sync/anti_entropy.h"

#include <algorithm>
#include <utility>

#include "crdt/codec.h"
#include "crdt/delta_since.h"
#include "crdt/digest.h"
#include "sync/responder.h"
#include "sync/tree_answers.h"

namespace crdtdb::sync {

Body AntiEntropySession::Start() {
  for (const merkle::NodeId& node : start_) requests_.Ask(node);
  std::vector<Body> first;
  requests_.SendMore(id_, &first);
  return std::move(first.front());
}

void AntiEntropySession::OnResponse(const Body& response, std::vector<Body>* out) {
  if (done()) return;
  const size_t before = outstanding();
  if (const auto* tree = std::get_if<TreeResponse>(&response)) {
    OnTree(*tree);
  } else if (const auto* leaves = std::get_if<LeafResponse>(&response)) {
    OnLeaves(*leaves, out);
  } else if (const auto* docs = std::get_if<Documents>(&response)) {
    OnDocuments(*docs, out);
  } else {
    Reject(std::string("unexpected ") + TypeName(response) + " in an anti-entropy round");
  }
  if (done()) return;
  if (outstanding() < before) retries_without_progress_ = 0;
  requests_.SendMore(id_, out);
  if (requests_.idle() && pending_.empty()) {
    const uint64_t touched = stats_.documents_pushed + stats_.documents_fetched + stats_.documents_failed;
    state_ = touched > 0 ? State::kRepaired : State::kInSync;
  }
}

void AntiEntropySession::Retry(std::vector<Body>* out) {
  if (done()) return;
  if (++retries_without_progress_ > kMaxRetries) return Fail("the peer stopped answering");
  requests_.Requeue();
  requests_.SendMore(id_, out);
}

void AntiEntropySession::OnTree(const TreeResponse& response) {
  for (const TreeNode& node : response.nodes) {
    if (std::optional<std::string> problem = ProblemOf(node)) return Reject(*std::move(problem));
    if (!requests_.Answered(node.id)) continue;  // a duplicate or late answer
    ++stats_.nodes_compared;
    if (node.hash == merkle::FingerprintOf(local_.merkle_node(node.id), id_)) continue;  // in sync
    std::vector<merkle::Fingerprint> mine;
    for (const merkle::Hash& h : local_.merkle_children(node.id))
      mine.push_back(merkle::FingerprintOf(h, id_));
    for (const merkle::NodeId child : DifferingChildren(node.id, mine, node.children))
      requests_.Ask(child);
  }
}

void AntiEntropySession::OnLeaves(const LeafResponse& response, std::vector<Body>* out) {
  for (const Leaf& leaf : response.leaves) {
    if (std::optional<std::string> problem = ProblemOf(leaf)) return Reject(*std::move(problem));
    if (!requests_.Answered(merkle::NodeId{merkle::kDepth, leaf.bucket}))
      continue;  // not asked now
    ++stats_.leaves_compared;
    CompareLeaf(leaf, out);
    if (done()) return;
  }
  FlushPushes(out);  // one message for the differing documents of all leaves of this answer
}

void AntiEntropySession::CompareLeaf(const Leaf& theirs, std::vector<Body>* out) {
  Result<std::vector<LeafEntry>> mine = local_.ReadLeaf(theirs.bucket);
  if (!mine.ok()) return Fail(mine.status().ToString());
  std::vector<std::pair<merkle::Fingerprint, const std::string*>> local;
  for (const LeafEntry& e : *mine) local.emplace_back(EntryFingerprint(e, id_), &e.key);
  std::sort(local.begin(), local.end());
  // Merge two fingerprint-sorted lists. A local document without an equal peer entry differs or
  // is missing there; a peer entry without an equal local one is fetched.
  PendingBucket pending;
  size_t a = 0, b = 0;
  while (a < local.size() || b < theirs.entries.size()) {
    if (b == theirs.entries.size() || (a < local.size() && local[a].first < theirs.entries[b])) {
      pending.local_keys.insert(*local[a++].second);
    } else if (a == local.size() || theirs.entries[b] < local[a].first) {
      const merkle::Fingerprint f = theirs.entries[b++];
      if (b >= 2 && theirs.entries[b - 2] == f) continue;  // asked once
      requests_.Fetch(DocumentRef{theirs.bucket, f});
      ++pending.fetches;
    } else {
      ++a;
      ++b;
    }
  }
  if (pending.fetches > 0) {
    pending_[theirs.bucket] = std::move(pending);  // the pushes wait for what the fetches show
    return;
  }
  for (const std::string& key : pending.local_keys) {
    PushUnlessEqual(key, nullptr, out);
    if (done()) return;
  }
}

void AntiEntropySession::PushUnlessEqual(const std::string& key, const PeerState* theirs, std::vector<Body>* out) {
  Result<std::optional<std::string>> state = local_.ReadState(key);
  if (!state.ok()) return Fail(state.status().ToString());
  if (!state->has_value()) {
    // The peer's document was joined here without making one.
    if (theirs != nullptr && theirs->unchanged_here) CountFutile(key);
    return;
  }
  if (theirs == nullptr) return Push(DocumentState{key, std::move(**state)}, out);
  // Equal after the join: the peer's state held everything the local one did.
  if (crdt::DigestOf(**state) == theirs->digest) return;
  // Otherwise the peer lacks part of it: that part, a well-formed state the peer joins as any.
  Result<crdt::Document> mine = crdt::DecodeDocument(**state, /*check_canonical=*/false);
  if (!mine.ok()) return Fail(mine.status().ToString());
  crdt::Document delta = crdt::DeltaSince(*mine, theirs->context);
  if (theirs->unchanged_here) {
    // This side holds all of the peer's state and differs from it, so the peer's must grow. With
    // a sound join and canonical encodings it always does (the join with the delta is the local
    // state); a push that would not change it is a repair that changes nothing.
    Result<bool> changes = PushChanges(*theirs, delta);
    if (!changes.ok()) return Fail(changes.status().ToString());
    if (!*changes) return CountFutile(key);
  }
  Push(DocumentState{key, crdt::EncodeDocument(delta)}, out);
}

Result<bool> AntiEntropySession::PushChanges(const PeerState& theirs,
                                             const crdt::Document& delta) const {
  Result<crdt::Document> peer = crdt::DecodeDocument(theirs.state);
  if (!peer.ok()) return peer.status();
  return peer->Join(delta);
}

void AntiEntropySession::CountFutile(const std::string& key) {
  ++stats_.documents_futile;
  last_futile_repair_ = key;
}

void AntiEntropySession::SettleBucket(uint32_t bucket, std::vector<Body>* out) {
  auto it = pending_.find(bucket);
  if (it == pending_.end()) return;
  PendingBucket& p = it->second;
  for (const auto& [key, theirs] : p.fetched) {
    // A document this side held differently may need a push; one it did not hold is repaired by
    // the fetch alone, unless the fetch changed nothing here.
    if (p.local_keys.erase(key) > 0 || theirs.unchanged_here) PushUnlessEqual(key, &theirs, out);
    if (done()) return;
  }
  p.fetched.clear();
  if (p.fetches > 0) return;
  // Every fetch is answered: the peer holds no document of the remaining keys.
  for (const std::string& key : p.local_keys) {
    PushUnlessEqual(key, nullptr, out);
    if (done()) return;
  }
  pending_.erase(it);
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

void AntiEntropySession::OnDocuments(const Documents& response, std::vector<Body>* out) {
  std::vector<RemoteUpdate> updates;
  std::vector<PeerState*> learned;  // per update, where the round keeps what it learned (or null)
  std::set<uint32_t> settled;
  auto answered = [&](const DocumentRef& ref) {
    if (!requests_.Answered(ref)) return false;  // a duplicate or late answer
    if (auto it = pending_.find(ref.bucket); it != pending_.end() && it->second.fetches > 0)
      --it->second.fetches;
    settled.insert(ref.bucket);
    return true;
  };
  for (const DocumentState& d : response.documents) {
    Result<crdt::Document> state = crdt::DecodeDocument(d.state);
    if (!state.ok()) return Reject("the peer sent a malformed document: " + state.status().message());
    const crdt::Digest digest = crdt::DigestOf(d.state);
    const DocumentRef ref = RefOf(d.key, digest, id_);
    if (!answered(ref)) continue;
    PeerState* peer = nullptr;
    if (auto it = pending_.find(ref.bucket); it != pending_.end()) {
      peer = &it->second.fetched[d.key];
      *peer = PeerState{digest, state->context(), d.state};
    }
    learned.push_back(peer);
    updates.push_back(RemoteUpdate{d.key, std::move(state).value(), /*is_state=*/true});
  }
  for (const DocumentRef& ref : response.missing) answered(ref);
  // A document that cannot be applied here fails alone; the round goes on with the others.
  const ApplyResult applied = local_.ApplyRemote(std::move(updates));
  for (size_t i = 0; i < applied.updates.size(); ++i) {
    if (applied.updates[i].ok()) {
      ++stats_.documents_fetched;
      if (learned[i] != nullptr) learned[i]->unchanged_here = !applied.changed[i];
    } else {
      ++stats_.documents_failed;
      last_apply_error_ = applied.updates[i];
    }
  }
  for (uint32_t bucket : settled) {
    SettleBucket(bucket, out);
    if (done()) return;
  }
  FlushPushes(out);
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
