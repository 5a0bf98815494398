// Copyright (c) crdtdb authors.
//
// sync::AnswerRequest, the stateless responder of the sync endpoint, on every request a decoder
// accepts from arbitrary bytes, against a small fake replica (fake_replicas.h). Properties:
//   - only requests are answered: any other message, a tree request naming a leaf, and a push
//     with a state that does not decode are InvalidArgument; an accepted push is joined whole;
//   - every answer is bounded as docs/protocol.md says (deltas asked, at most 1,024; the nodes,
//     leaves and documents asked, no more), echoes the session, holds tree nodes whose children
//     add up, and is a valid message: it encodes within kMaxMessageBytes and decodes to itself.

#include <algorithm>
#include <cstddef>
#include <cstdint>

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

void CheckAnswer(const TreeRequest& request, const TreeResponse& answer) {
  FUZZ_CHECK(answer.session == request.session && answer.nodes.size() == request.nodes.size());
  for (const TreeNode& node : answer.nodes) {
    merkle::Hash sum;
    for (const merkle::Hash& child : node.children) sum = merkle::Xor(sum, child);
    FUZZ_CHECK(sum == node.hash);
  }
}

void CheckAnswer(const LeafRequest& request, const LeafResponse& answer) {
  FUZZ_CHECK(answer.session == request.session && answer.leaves.size() == request.buckets.size());
}

void CheckAnswer(const DocumentRequest& request, const Documents& answer) {
  FUZZ_CHECK(answer.session == request.session && answer.documents.size() <= request.keys.size());
  for (const DocumentState& d : answer.documents) {
    FUZZ_CHECK(std::find(request.keys.begin(), request.keys.end(), d.key) != request.keys.end());
  }
}

// The answer a request must get, when it is valid, checked against the request.
void CheckAnswer(const Body& request, const Body& answer, const LocalReplica& local) {
  if (const auto* log = std::get_if<LogRequest>(&request)) {
    CheckAnswer(*log, std::get<LogResponse>(answer), local);
  } else if (const auto* tree = std::get_if<TreeRequest>(&request)) {
    CheckAnswer(*tree, std::get<TreeResponse>(answer));
  } else if (const auto* leaf = std::get_if<LeafRequest>(&request)) {
    CheckAnswer(*leaf, std::get<LeafResponse>(answer));
  } else {
    CheckAnswer(std::get<DocumentRequest>(request), std::get<Documents>(answer));
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
