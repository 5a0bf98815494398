// Copyright (c) crdtdb authors.
//
// An anti-entropy round (sync::AntiEntropySession) against a peer that lies. The input is a
// script of steps; each step is one byte, and for forged answers a message (a part, fuzz_input.h):
//   0: a forged answer: any message the decoder accepts, delivered as it is;
//   1: a forged answer made plausible: the round's session id, tree nodes and leaves whose hashes
//      add up (entries sorted, in the leaf's bucket), so the round follows it deeper;
//   2: the honest peer (fake_replicas.h) answers the oldest request still unanswered;
//   3: a timeout: Retry().
// The first byte decides whether the local replica refuses what the round fetches.
// Properties:
//   - every message the round sends is a valid request or push of its session, within the
//     per-message bounds, pushing local states as they are;
//   - items asked for and unanswered stay within the flow-control bound, whatever the peer says;
//   - a round that is done sends nothing more; one that hears nothing for kMaxRetries + 1
//     timeouts is done; one that heard only the honest peer is never rejected.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>

#include "fuzz/fake_replicas.h"
#include "fuzz/fuzz_input.h"
#include "sync/anti_entropy.h"
#include "sync/responder.h"

namespace {

using namespace crdtdb;
using namespace crdtdb::sync;
using Session = AntiEntropySession;

constexpr uint64_t kSessionId = 7;
constexpr size_t kMaxOutstanding = Session::kMaxItemsInFlight + kMaxNodesPerMessage +
                                   Session::kMaxKeysInFlight + Session::kKeysPerRequest;
// Requests kept for the honest peer to answer; older ones are dropped like lost messages.
constexpr size_t kMaxPendingRequests = 64;

merkle::Hash XorAll(const std::vector<merkle::Hash>& hashes) {
  merkle::Hash sum;
  for (const merkle::Hash& h : hashes) sum = merkle::Xor(sum, h);
  return sum;
}

void MakePlausible(Leaf* leaf) {
  std::vector<LeafEntry>& entries = leaf->entries;
  auto by_key = [](const LeafEntry& a, const LeafEntry& b) { return a.key < b.key; };
  std::sort(entries.begin(), entries.end(), by_key);
  entries.erase(std::unique(entries.begin(), entries.end(),
                            [](const LeafEntry& a, const LeafEntry& b) { return a.key == b.key; }),
                entries.end());
  if (!entries.empty()) leaf->bucket = merkle::BucketOf(entries[0].key);
  std::erase_if(entries,
                [&](const LeafEntry& e) { return merkle::BucketOf(e.key) != leaf->bucket; });
  leaf->hash = merkle::Hash();
  for (const LeafEntry& e : entries)
    leaf->hash = merkle::Xor(leaf->hash, merkle::Contribution(e.key, e.digest));
}

void MakePlausible(Body* body) {
  if (auto* tree = std::get_if<TreeResponse>(body)) {
    tree->session = kSessionId;
    for (TreeNode& node : tree->nodes) node.hash = XorAll(node.children);
  } else if (auto* leaves = std::get_if<LeafResponse>(body)) {
    leaves->session = kSessionId;
    for (Leaf& leaf : leaves->leaves) MakePlausible(&leaf);
  } else if (auto* documents = std::get_if<Documents>(body)) {
    documents->session = kSessionId;
  }
}

// Checks one message the round sent; keeps the requests for the honest peer.
void CheckSent(const Body& sent, const LocalReplica& local, std::deque<Body>* requests) {
  if (const auto* tree = std::get_if<TreeRequest>(&sent)) {
    FUZZ_CHECK(tree->session == kSessionId && !tree->nodes.empty());
    FUZZ_CHECK(tree->nodes.size() <= kMaxNodesPerMessage);
  } else if (const auto* leaf = std::get_if<LeafRequest>(&sent)) {
    FUZZ_CHECK(leaf->session == kSessionId && !leaf->buckets.empty());
    FUZZ_CHECK(leaf->buckets.size() <= Session::kBucketsPerRequest);
  } else if (const auto* fetch = std::get_if<DocumentRequest>(&sent)) {
    FUZZ_CHECK(fetch->session == kSessionId && !fetch->keys.empty());
    FUZZ_CHECK(fetch->keys.size() <= Session::kKeysPerRequest);
  } else {
    const auto& push = std::get<Documents>(sent);
    FUZZ_CHECK(push.session == kSessionId && !push.documents.empty());
    FUZZ_CHECK(push.documents.size() <= Session::kKeysPerRequest);
    for (const DocumentState& d : push.documents) {
      Result<std::optional<std::string>> state = local.ReadState(d.key);
      FUZZ_CHECK(state.ok() && *state == d.state);
    }
    return;  // a push gets no answer
  }
  Result<Message> decoded = Decode(Encode(Message{local.replica_id(), sent}));
  FUZZ_CHECK(decoded.ok() && decoded->body == sent);
  requests->push_back(sent);
  if (requests->size() > kMaxPendingRequests) requests->pop_front();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static testing::FakeReplica local = fuzz::MakeLocal();
  static testing::FakeReplica peer = fuzz::MakePeer();
  fuzz::InputReader input(fuzz::AsView(data, size));
  local.applied.clear();
  local.apply_status = input.Byte() % 2 == 0 ? Status::OK() : Status::IOError("disk full");

  Session session(local, kSessionId);
  std::deque<Body> requests;
  std::vector<Body> sent{session.Start()};
  bool only_honest = true;
  while (true) {
    for (const Body& body : sent) CheckSent(body, local, &requests);
    FUZZ_CHECK(session.outstanding() <= kMaxOutstanding);
    if (input.empty()) break;
    const bool was_done = session.done();
    sent.clear();
    const int step = input.Byte() % 4;
    switch (step) {
      case 0:
      case 1: {
        Result<Message> forged = Decode(input.Part());
        if (!forged.ok()) continue;
        if (step == 1) MakePlausible(&forged->body);
        only_honest = false;
        session.OnResponse(forged->body, &sent);
        break;
      }
      case 2: {
        if (requests.empty()) continue;
        Result<std::optional<Body>> answer = AnswerRequest(peer, requests.front());
        requests.pop_front();
        FUZZ_CHECK(answer.ok() && answer->has_value());
        session.OnResponse(**answer, &sent);
        break;
      }
      case 3: session.Retry(&sent); break;
    }
    FUZZ_CHECK(!was_done || sent.empty());
  }
  FUZZ_CHECK(!only_honest || session.state() != Session::State::kRejected);

  // The peer falls silent: the round must end.
  for (int i = 0; i <= Session::kMaxRetries; ++i) {
    sent.clear();
    session.Retry(&sent);
    for (const Body& body : sent) CheckSent(body, local, &requests);
  }
  FUZZ_CHECK(session.done());
  return 0;
}
