// Copyright (c) crdtdb authors.

#include "sync/diff_session.h"

#include <cstdlib>
#include <utility>

#include "crdt/codec.h"
#include "sync/tree_answers.h"

namespace crdtdb::sync {

namespace {

std::pair<int, uint32_t> ItemKey(merkle::NodeId id) { return {id.level, id.index}; }

}  // namespace

DiffSession::DiffSession(uint64_t session_id, size_t limit, std::vector<merkle::NodeId> start)
    : id_(session_id), limit_(limit), start_(std::move(start)) {
  if (limit_ == 0) std::abort();  // a broken precondition: the caller checks the user's limit
  for (const merkle::NodeId& node : start_) start_items_.insert(ItemKey(node));
}

void DiffSession::Start(std::vector<Request>* out) {
  for (SideState& s : sides_) {
    for (const merkle::NodeId& node : start_) s.requests.Ask(node);
  }
  SendMore(out);
}

std::optional<merkle::Fingerprint> DiffSession::root(Side side) const {
  const SideState& s = sides_[Index(side)];
  if (s.starts_answered < start_.size()) return std::nullopt;
  return s.starts_xor;
}

size_t DiffSession::outstanding() const {
  size_t n = 0;
  for (const SideState& s : sides_) n += s.requests.outstanding();
  return n;
}

void DiffSession::OnAnswer(Side side, const Body& answer, std::vector<Request>* out) {
  if (done()) return;
  const size_t before = outstanding();
  if (const auto* tree = std::get_if<TreeResponse>(&answer)) {
    if (tree->session != id_) return;
    OnTree(side, *tree);
  } else if (const auto* leaves = std::get_if<LeafResponse>(&answer)) {
    if (leaves->session != id_) return;
    OnLeaves(side, *leaves);
  } else if (const auto* docs = std::get_if<Documents>(&answer)) {
    if (docs->session != id_) return;
    OnDocuments(side, *docs);
  } else {
    Reject(std::string("unexpected ") + TypeName(answer) + " in a diff");
  }
  if (done()) return;
  if (outstanding() < before) retries_without_progress_ = 0;
  SendMore(out);
  if (sides_[0].requests.idle() && sides_[1].requests.idle()) state_ = State::kDone;
}

void DiffSession::Retry(std::vector<Request>* out) {
  if (done()) return;
  if (++retries_without_progress_ > kMaxRetries) {
    state_ = State::kFailed;
    error_ = "a replica stopped answering";
    return;
  }
  for (SideState& s : sides_) s.requests.Requeue();
  SendMore(out);
}

void DiffSession::OnTree(Side side, const TreeResponse& response) {
  for (const TreeNode& node : response.nodes) {
    if (std::optional<std::string> problem = ProblemOf(node)) return Reject(*std::move(problem));
    if (!sides_[Index(side)].requests.Answered(node.id)) continue;  // a duplicate or late answer
    if (start_items_.count(ItemKey(node.id)) > 0) {
      sides_[Index(side)].starts_xor ^= node.hash;
      ++sides_[Index(side)].starts_answered;
    }
    Answered(side, node.id, node.children);
  }
}

void DiffSession::OnLeaves(Side side, const LeafResponse& response) {
  for (const Leaf& leaf : response.leaves) {
    if (std::optional<std::string> problem = ProblemOf(leaf)) return Reject(*std::move(problem));
    const merkle::NodeId id{merkle::kDepth, leaf.bucket};
    if (!sides_[Index(side)].requests.Answered(id)) continue;
    Answered(side, id, leaf.entries);
  }
}

void DiffSession::Answered(Side side, merkle::NodeId id,
                           std::vector<merkle::Fingerprint> fingerprints) {
  SideState& other = sides_[Index(Other(side))];
  auto theirs = other.answered.find(ItemKey(id));
  if (theirs == other.answered.end()) {
    sides_[Index(side)].answered[ItemKey(id)] = std::move(fingerprints);
    return;
  }
  const std::vector<merkle::Fingerprint>& a = side == Side::kA ? fingerprints : theirs->second;
  const std::vector<merkle::Fingerprint>& b = side == Side::kA ? theirs->second : fingerprints;
  if (id.level < merkle::kDepth) {
    CompareNodes(id, a, b);
  } else {
    CompareLeaves(id.index, a, b);
  }
  other.answered.erase(theirs);
}

void DiffSession::CompareNodes(merkle::NodeId id, const std::vector<merkle::Fingerprint>& a,
                               const std::vector<merkle::Fingerprint>& b) {
  for (const merkle::NodeId child : DifferingChildren(id, a, b)) {
    // Every document under a differing child is one more difference than the limit lets through.
    if (refs_queued_ >= 2 * limit_) {
      truncated_ = true;
      return;
    }
    for (SideState& s : sides_) s.requests.Ask(child);
  }
}

void DiffSession::CompareLeaves(uint32_t bucket, const std::vector<merkle::Fingerprint>& a,
                                const std::vector<merkle::Fingerprint>& b) {
  // Merge two ascending lists: a fingerprint on one side only names a document that side holds
  // and the other does not hold in that state.
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (j == b.size() || (i < a.size() && a[i] < b[j])) {
      Fetch(Side::kA, DocumentRef{bucket, a[i++]});
    } else if (i == a.size() || b[j] < a[i]) {
      Fetch(Side::kB, DocumentRef{bucket, b[j++]});
    } else {
      ++i;
      ++j;
    }
  }
}

void DiffSession::Fetch(Side side, DocumentRef ref) {
  if (refs_queued_ >= 2 * limit_) {
    truncated_ = true;
    return;
  }
  ++refs_queued_;
  sides_[Index(side)].requests.Fetch(ref);
}

void DiffSession::OnDocuments(Side side, const Documents& response) {
  SideState& s = sides_[Index(side)];
  for (const DocumentState& d : response.documents) {
    Result<crdt::Document> state = crdt::DecodeDocument(d.state);
    if (!state.ok())
      return Reject("a replica sent a malformed document: " + state.status().message());
    const crdt::Digest digest = crdt::DigestOf(d.state);
    if (!s.requests.Answered(RefOf(d.key, digest, id_)))
      continue;  // not asked, or answered already
    Difference& found = found_[d.key];
    found.key = d.key;
    (side == Side::kA ? found.a : found.b) = Held{digest, !state->live()};
  }
  // Changed since its leaf answer: what it holds now is newer than the walk.
  for (const DocumentRef& ref : response.missing) s.requests.Answered(ref);
}

void DiffSession::SendMore(std::vector<Request>* out) {
  for (Side side : {Side::kA, Side::kB}) {
    std::vector<Body> bodies;
    sides_[Index(side)].requests.SendMore(id_, &bodies);
    for (Body& body : bodies) out->push_back(Request{side, std::move(body)});
  }
}

std::vector<DiffSession::Difference> DiffSession::differences() const {
  std::vector<Difference> out;
  for (const auto& [key, difference] : found_) {
    if (out.size() == limit_) break;
    out.push_back(difference);
  }
  return out;
}

void DiffSession::Reject(std::string why) {
  state_ = State::kRejected;
  error_ = std::move(why);
}

}  // namespace crdtdb::sync
