// Copyright (c) crdtdb authors.
//
// An anti-entropy round (sync::AntiEntropySession) against a peer that lies. The input is a
// script of steps; each step is one byte, and for forged answers a message (a part, fuzz_input.h):
//   0: a forged answer: any message the decoder accepts, delivered as it is;
//   1: a forged answer made plausible: the round's session id, tree nodes whose children's
//      fingerprints add up to the node's, and leaves whose entries are ascending and add up to
//      the leaf's fingerprint, so the round follows it deeper. A leaf entry below
//      KnownDocuments().size() stands for the fingerprint of that real document (fake_replicas.h)
//      in the round's session (its 32-bit window of the entry's hash, merkle::FingerprintOf),
//      which a fuzzer could not guess, and the first one names the leaf's bucket;
//   2: the honest peer (fake_replicas.h) answers the oldest request still unanswered;
//   3: a timeout: Retry().
// The first byte decides whether the local replica refuses what the round fetches (bit 0), and
// the round's session id, kFirstSession + bits 1-2, so that rounds look through each of the four
// fingerprint windows (session % 4).
// Properties:
//   - every message the round sends is a valid request or push of its session, within the
//     per-message bounds, pushing local states as they are (and no `missing` list);
//   - items asked for and unanswered stay within the flow-control bound, whatever the peer says;
//   - a round that is done sends nothing more; one that hears nothing for kMaxRetries + 1
//     timeouts is done; one that heard only the honest peer is never rejected;
//   - while it has heard only the honest peer, it fetches only documents the peer holds and the
//     local replica does not hold as they are, and pushes no state the peer already holds.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <set>
#include <vector>

#include "crdt/codec.h"
#include "fuzz/fake_replicas.h"
#include "fuzz/fuzz_input.h"
#include "sync/anti_entropy.h"
#include "sync/responder.h"

namespace {

using namespace crdtdb;
using namespace crdtdb::sync;
using Session = AntiEntropySession;

// Sessions kFirstSession..kFirstSession + 3 look through the four fingerprint windows.
constexpr uint64_t kFirstSession = 7;
constexpr int kWindows = 4;
constexpr size_t kMaxOutstanding = Session::kMaxItemsInFlight + kMaxNodesPerMessage +
                                   Session::kMaxKeysInFlight + Session::kKeysPerRequest;
// Requests kept for the honest peer to answer; older ones are dropped like lost messages.
constexpr size_t kMaxPendingRequests = 64;

merkle::Fingerprint XorAll(const std::vector<merkle::Fingerprint>& fingerprints) {
  merkle::Fingerprint sum = 0;
  for (merkle::Fingerprint f : fingerprints) sum ^= f;
  return sum;
}

const std::vector<LeafEntry>& Known() {
  static const std::vector<LeafEntry> known = fuzz::KnownDocuments();
  return known;
}

// The (bucket, fingerprint) of every document a replica holds (of the keys KnownDocuments names),
// as the round `session` names them.
std::set<DocumentRef> RefsOf(const LocalReplica& replica, uint64_t session) {
  std::set<DocumentRef> refs;
  for (const LeafEntry& known : Known()) {
    Result<std::vector<LeafEntry>> leaf = replica.ReadLeaf(merkle::BucketOf(known.key));
    FUZZ_CHECK(leaf.ok());
    for (const LeafEntry& e : *leaf)
      refs.insert(DocumentRef{merkle::BucketOf(e.key), EntryFingerprint(e, session)});
  }
  return refs;
}

void MakePlausible(Leaf* leaf, uint64_t session) {
  std::vector<merkle::Fingerprint>& entries = leaf->entries;
  if (!entries.empty() && entries[0] < Known().size())
    leaf->bucket = merkle::BucketOf(Known()[entries[0]].key);
  for (merkle::Fingerprint& f : entries) {
    if (f < Known().size()) f = EntryFingerprint(Known()[f], session);
  }
  // Equal entries are kept: two documents may share a fingerprint, and the round asks once.
  std::sort(entries.begin(), entries.end());
  leaf->hash = XorAll(entries);
}

void MakePlausible(Body* body, uint64_t session) {
  if (auto* tree = std::get_if<TreeResponse>(body)) {
    tree->session = session;
    for (TreeNode& node : tree->nodes) node.hash = XorAll(node.children);
  } else if (auto* leaves = std::get_if<LeafResponse>(body)) {
    leaves->session = session;
    for (Leaf& leaf : leaves->leaves) MakePlausible(&leaf, session);
  } else if (auto* documents = std::get_if<Documents>(body)) {
    documents->session = session;
  }
}

// What the round may send while it has heard only the honest peer: the documents it may fetch
// (the peer's, unless the local replica holds them as they are) and the states it may push (any
// but the peer's own). Neither replica changes during a run (FakeReplica::ApplyRemote records).
// Documents are named as the round's session names them: there is one for each window.
struct HonestBounds {
  std::set<DocumentRef> fetchable;
  const LocalReplica* peer = nullptr;
};

// Checks one message the round sent; keeps the requests for the honest peer.
// `honest` is set while the round has heard only the honest peer.
void CheckSent(const Body& sent, uint64_t session, const LocalReplica& local,
               const HonestBounds* honest, std::deque<Body>* requests) {
  if (const auto* tree = std::get_if<TreeRequest>(&sent)) {
    FUZZ_CHECK(tree->session == session && !tree->nodes.empty());
    FUZZ_CHECK(tree->nodes.size() <= kMaxNodesPerMessage);
  } else if (const auto* leaf = std::get_if<LeafRequest>(&sent)) {
    FUZZ_CHECK(leaf->session == session && !leaf->buckets.empty());
    FUZZ_CHECK(leaf->buckets.size() <= Session::kBucketsPerRequest);
  } else if (const auto* fetch = std::get_if<DocumentRequest>(&sent)) {
    FUZZ_CHECK(fetch->session == session && !fetch->documents.empty());
    FUZZ_CHECK(fetch->documents.size() <= Session::kKeysPerRequest);
    FUZZ_CHECK(std::set<DocumentRef>(fetch->documents.begin(), fetch->documents.end()).size() ==
               fetch->documents.size());
    for (const DocumentRef& ref : fetch->documents) {
      FUZZ_CHECK(!honest || honest->fetchable.contains(ref));
    }
  } else {
    const auto& push = std::get<Documents>(sent);
    FUZZ_CHECK(push.session == session && !push.documents.empty() && push.missing.empty());
    FUZZ_CHECK(push.documents.size() <= Session::kKeysPerRequest);
    for (const DocumentState& d : push.documents) {
      // The local state, or the part of it the peer lacks (after a fetch): a well-formed state
      // that holds nothing the local state does not.
      Result<std::optional<std::string>> state = local.ReadState(d.key);
      FUZZ_CHECK(state.ok() && state->has_value());
      if (**state != d.state) {
        Result<crdt::Document> mine = crdt::DecodeDocument(**state);
        Result<crdt::Document> part = crdt::DecodeDocument(d.state);
        FUZZ_CHECK(mine.ok() && part.ok());
        crdt::Document joined = *mine;
        joined.Join(*part);
        FUZZ_CHECK(joined == *mine);
      }
      if (honest) {
        Result<std::optional<std::string>> theirs = honest->peer->ReadState(d.key);
        FUZZ_CHECK(theirs.ok() && *theirs != d.state);
      }
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
  static const std::vector<HonestBounds> bounds_of_window = [] {
    std::vector<HonestBounds> all;
    for (int w = 0; w < kWindows; ++w) {
      const uint64_t id = kFirstSession + static_cast<uint64_t>(w);
      HonestBounds b{{}, &peer};
      const std::set<DocumentRef> local_refs = RefsOf(local, id);
      for (const DocumentRef& ref : RefsOf(peer, id)) {
        if (!local_refs.contains(ref)) b.fetchable.insert(ref);
      }
      // The peer's k5..k9 and p0..p9: no window hides one of these few documents (2^-32 each),
      // else these bounds would let through a fetch they should catch.
      FUZZ_CHECK(b.fetchable.size() == 15);
      all.push_back(std::move(b));
    }
    return all;
  }();
  fuzz::InputReader input(fuzz::AsView(data, size));
  local.applied.clear();
  const uint8_t first = input.Byte();
  local.apply_status = first % 2 == 0 ? Status::OK() : Status::IOError("disk full");
  const int window = (first >> 1) % kWindows;
  const uint64_t session_id = kFirstSession + static_cast<uint64_t>(window);
  const HonestBounds& bounds = bounds_of_window[static_cast<size_t>(window)];

  Session session(local, session_id);
  std::deque<Body> requests;
  std::vector<Body> sent{session.Start()};
  bool only_honest = true;
  while (true) {
    for (const Body& body : sent)
      CheckSent(body, session_id, local, only_honest ? &bounds : nullptr, &requests);
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
        if (step == 1) MakePlausible(&forged->body, session_id);
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
    for (const Body& body : sent)
      CheckSent(body, session_id, local, only_honest ? &bounds : nullptr, &requests);
  }
  FUZZ_CHECK(session.done());
  return 0;
}
