// Copyright (c) crdtdb authors.
//
// sync::AnswerRequest, the stateless responder of the sync endpoint, on every request a decoder
// accepts from arbitrary bytes, against a small fake replica (fake_replicas.h). Properties:
//   - only requests are answered: any other message, a tree request naming a leaf, and a push
//     with a state that does not decode are InvalidArgument; an accepted push is joined whole;
//   - every answer is bounded as docs/protocol.md says (deltas asked, at most 1,024; the nodes,
//     leaves and documents asked, no more), echoes the session, holds tree nodes whose children's
//     fingerprints add up to the node's and leaves whose ascending entries add up to the leaf's,
//     and is a valid message: it encodes within kMaxMessageBytes and decodes to itself;
//   - every fingerprint is the replica's, through the 32-bit window the request's session
//     chooses (merkle::FingerprintOf): a tree node's and its children's, a leaf's and its entries;
//   - a document answer holds only documents the request named by (bucket, fingerprint in the
//     request's session), in their current state, and lists in `missing` only named documents the
//     replica does not hold; a named document is left out of both only when the answer's bytes
//     bound is reached.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crdt/digest.h"
#include "fuzz/fake_replicas.h"
#include "fuzz/fuzz_input.h"
#include "sync/responder.h"

namespace {

using namespace crdtdb;
using namespace crdtdb::sync;

void CheckAnswer(const LogRequest& request, const LogResponse& answer, const LocalReplica& local) {
  FUZZ_CHECK(answer.last_sequence == local.last_sequence());
  FUZZ_CHECK(answer.deltas.size() <=
             std::clamp<size_t>(request.max_deltas, 1, kMaxDeltasPerMessage));
  uint64_t previous = std::max<uint64_t>(request.from_sequence, 1) - 1;
  for (const LoggedDelta& d : answer.deltas) {
    FUZZ_CHECK(d.sequence > previous);
    previous = d.sequence;
  }
}

merkle::Fingerprint XorAll(const std::vector<merkle::Fingerprint>& fingerprints) {
  merkle::Fingerprint sum = 0;
  for (merkle::Fingerprint f : fingerprints) sum ^= f;
  return sum;
}

void CheckAnswer(const TreeRequest& request, const TreeResponse& answer,
                 const LocalReplica& local) {
  FUZZ_CHECK(answer.session == request.session && answer.nodes.size() == request.nodes.size());
  for (size_t i = 0; i < answer.nodes.size(); ++i) {
    const TreeNode& node = answer.nodes[i];
    FUZZ_CHECK(node.id == request.nodes[i]);
    FUZZ_CHECK(node.children.size() == static_cast<size_t>(merkle::kFanout));
    FUZZ_CHECK(XorAll(node.children) == node.hash);
    FUZZ_CHECK(node.hash == merkle::FingerprintOf(local.merkle_node(node.id), request.session));
    const std::vector<merkle::Hash> children = local.merkle_children(node.id);
    for (int c = 0; c < merkle::kFanout; ++c) {
      FUZZ_CHECK(node.children[c] == merkle::FingerprintOf(children[c], request.session));
    }
  }
}

void CheckAnswer(const LeafRequest& request, const LeafResponse& answer,
                 const LocalReplica& local) {
  FUZZ_CHECK(answer.session == request.session && answer.leaves.size() == request.buckets.size());
  for (size_t i = 0; i < answer.leaves.size(); ++i) {
    const Leaf& leaf = answer.leaves[i];
    FUZZ_CHECK(leaf.bucket == request.buckets[i]);
    FUZZ_CHECK(std::is_sorted(leaf.entries.begin(), leaf.entries.end()));
    FUZZ_CHECK(XorAll(leaf.entries) == leaf.hash);
    FUZZ_CHECK(leaf.hash ==
               merkle::FingerprintOf(local.merkle_node(merkle::NodeId{merkle::kDepth, leaf.bucket}),
                                     request.session));
    Result<std::vector<LeafEntry>> held = local.ReadLeaf(leaf.bucket);
    FUZZ_CHECK(held.ok());
    std::vector<merkle::Fingerprint> expected;
    for (const LeafEntry& e : *held) expected.push_back(EntryFingerprint(e, request.session));
    std::sort(expected.begin(), expected.end());
    FUZZ_CHECK(leaf.entries == expected);
  }
}

// The state of the document the replica holds as `ref` names it in the round `session`, if any.
std::optional<std::string> Named(const LocalReplica& local, const DocumentRef& ref,
                                 uint64_t session) {
  Result<std::vector<LeafEntry>> leaf = local.ReadLeaf(ref.bucket);
  FUZZ_CHECK(leaf.ok());
  for (const LeafEntry& e : *leaf) {
    if (EntryFingerprint(e, session) != ref.fingerprint) continue;
    Result<std::optional<std::string>> state = local.ReadState(e.key);
    FUZZ_CHECK(state.ok());
    return *state;
  }
  return std::nullopt;
}

void CheckAnswer(const DocumentRequest& request, const Documents& answer,
                 const LocalReplica& local) {
  FUZZ_CHECK(answer.session == request.session);
  FUZZ_CHECK(answer.documents.size() + answer.missing.size() <= request.documents.size());
  // How many times each document is named and not yet accounted for by the answer.
  std::map<DocumentRef, size_t> named;
  for (const DocumentRef& ref : request.documents) ++named[ref];
  auto account = [&](const DocumentRef& ref) {
    auto it = named.find(ref);
    FUZZ_CHECK(it != named.end() && it->second > 0);
    if (--it->second == 0) named.erase(it);
  };
  size_t bytes = 0;
  for (const DocumentState& d : answer.documents) {
    const DocumentRef ref{
        merkle::BucketOf(d.key),
        EntryFingerprint(LeafEntry{d.key, crdt::DigestOf(d.state)}, request.session)};
    account(ref);
    Result<std::optional<std::string>> state = local.ReadState(d.key);
    FUZZ_CHECK(state.ok() && *state == d.state);
    bytes += d.state.size();
  }
  for (const DocumentRef& ref : answer.missing) {
    account(ref);
    FUZZ_CHECK(!Named(local, ref, request.session).has_value());
  }
  // What is left out is held, and did not fit.
  for (const auto& [ref, count] : named) {
    const std::optional<std::string> state = Named(local, ref, request.session);
    FUZZ_CHECK(state.has_value());
    FUZZ_CHECK(!answer.documents.empty() && bytes + state->size() > kDocumentBytesPerAnswer);
  }
}

// The answer a request must get, when it is valid, checked against the request.
void CheckAnswer(const Body& request, const Body& answer, const LocalReplica& local) {
  if (const auto* log = std::get_if<LogRequest>(&request)) {
    CheckAnswer(*log, std::get<LogResponse>(answer), local);
  } else if (const auto* tree = std::get_if<TreeRequest>(&request)) {
    CheckAnswer(*tree, std::get<TreeResponse>(answer), local);
  } else if (const auto* leaf = std::get_if<LeafRequest>(&request)) {
    CheckAnswer(*leaf, std::get<LeafResponse>(answer), local);
  } else {
    CheckAnswer(std::get<DocumentRequest>(request), std::get<Documents>(answer), local);
  }
  const std::string bytes = Encode(Message{local.replica_id(), answer});
  FUZZ_CHECK(bytes.size() <= kMaxMessageBytes);
  Result<Message> again = Decode(bytes);
  FUZZ_CHECK(again.ok() && again->body == answer);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static testing::FakeReplica local = fuzz::MakeLocal();
  Result<Message> request = Decode(fuzz::AsView(data, size));
  if (!request.ok()) return 0;

  local.applied.clear();
  Result<std::optional<Body>> answer = AnswerRequest(local, request->body);
  if (const auto* push = std::get_if<Documents>(&request->body)) {
    FUZZ_CHECK(answer.ok() ? !answer->has_value() && local.applied.size() == push->documents.size()
                           : answer.status().IsInvalidArgument() && local.applied.empty());
    return 0;
  }
  if (!answer.ok()) {
    FUZZ_CHECK(answer.status().IsInvalidArgument());
    const bool is_request = std::holds_alternative<LogRequest>(request->body) ||
                            std::holds_alternative<TreeRequest>(request->body) ||
                            std::holds_alternative<LeafRequest>(request->body) ||
                            std::holds_alternative<DocumentRequest>(request->body);
    FUZZ_CHECK(!is_request || std::holds_alternative<TreeRequest>(request->body));  // naming a leaf
    return 0;
  }
  FUZZ_CHECK(answer->has_value());
  CheckAnswer(request->body, **answer, local);
  return 0;
}
