// Copyright (c) crdtdb authors.
//
// Merkle anti-entropy, the backstop that makes replicas converge whatever the delta stream lost.
//
// AntiEntropySession is the initiator's state machine for one round with one peer. It asks for the
// peer's root and its children, descends only into children whose fingerprints differ from the
// local tree, fetches the contents of differing leaves (one fingerprint per document), and
// compares them with its own documents of the bucket. It then fetches the peer's documents it
// does not hold as they are, joins them, and pushes its own state of a document only where the
// peer lacks something of it: the peer has no such document, or the join holds more than the
// peer's state. So after one round both sides hold the join, and a document changed on one side
// only crosses the wire once. Messages cost O(differences x depth); an in-sync check is one round
// trip.
//
// A repair that changes nothing is a failure: a fetched document whose join changed nothing here
// (this side holds all of the peer's state) while the two still differ, and of which the push
// would change nothing there either, would be fetched and pushed again by every round, forever.
// Neither side can make them equal (a broken apply path, or two encodings of one state), so the
// round counts it instead of pushing it (documents_futile), for the engine to report.
//
// Every answer is checked on its own: children must XOR to their parent, leaf contents to their
// leaf, fetched documents must be ones asked for, and only nodes that were asked for may be answered. A
// forged or inconsistent tree ends the round as rejected; it is never followed. (Across answers
// the peer's tree may change, as it keeps accepting writes; the round then descends into what
// differs now.) The number of items asked for and unanswered is bounded (kMaxItemsInFlight,
// kMaxKeysInFlight), so a round cannot flood the peer or starve its write path.
//
// The responder side is stateless: responder.h.

#ifndef CRDTDB_SYNC_ANTI_ENTROPY_H_
#define CRDTDB_SYNC_ANTI_ENTROPY_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sync/local_replica.h"
#include "sync/messages.h"
#include "sync/walk_requests.h"

namespace crdtdb::sync {

struct AntiEntropyStats {
  uint64_t nodes_compared = 0;
  uint64_t leaves_compared = 0;
  uint64_t documents_pushed = 0;
  uint64_t documents_fetched = 0;  // fetched and joined here
  uint64_t documents_failed = 0;   // fetched but not applied here (LocalReplica::ApplyRemote)
  uint64_t documents_futile = 0;   // fetched and still apart, with nothing either side can change
};

class AntiEntropySession {
 public:
  enum class State { kRunning, kInSync, kRepaired, kRejected, kFailed };

  // Flow control (walk_requests.h).
  static constexpr size_t kMaxItemsInFlight = WalkRequests::kMaxItemsInFlight;
  static constexpr size_t kMaxKeysInFlight = WalkRequests::kMaxKeysInFlight;
  static constexpr size_t kBucketsPerRequest = WalkRequests::kBucketsPerRequest;
  static constexpr size_t kKeysPerRequest = WalkRequests::kKeysPerRequest;
  // Retry() re-sends what is unanswered; after this many retries without progress the round fails.
  static constexpr int kMaxRetries = WalkRequests::kMaxRetries;

  // A round over the subtrees under `start` (inner nodes): the whole tree by default, the
  // partitions two nodes share otherwise (sync_scope.h).
  AntiEntropySession(LocalReplica& local, uint64_t session_id,
                     std::vector<merkle::NodeId> start = {merkle::NodeId{0, 0}})
      : local_(local), id_(session_id), start_(std::move(start)) {}

  // The first request: the peer's start nodes and their children.
  Body Start();
  // Handles an answer of this session; appends the requests (and document pushes) it leads to.
  // Answers may arrive twice or late (the network duplicates and reorders): parts that resolve
  // nothing asked for are ignored.
  void OnResponse(const Body& response, std::vector<Body>* out);
  // Called when answers stop coming: asks again for everything unanswered.
  void Retry(std::vector<Body>* out);

  uint64_t id() const { return id_; }
  State state() const { return state_; }
  bool done() const { return state_ != State::kRunning; }
  const std::string& error() const { return error_; }
  const AntiEntropyStats& stats() const { return stats_; }
  // Why the last fetched document that could not be applied was refused; OK if none was.
  const Status& last_apply_error() const { return last_apply_error_; }
  // The key of the last document counted in documents_futile; empty if none was.
  const std::string& last_futile_repair() const { return last_futile_repair_; }
  // Items (nodes, leaves, documents) asked for and not answered yet.
  size_t outstanding() const { return requests_.outstanding(); }

 private:
  void OnTree(const TreeResponse& response);
  void OnLeaves(const LeafResponse& response, std::vector<Body>* out);
  void OnDocuments(const Documents& response, std::vector<Body>* out);
  void CompareLeaf(const Leaf& theirs, std::vector<Body>* out);
  // What the fetches of a round learned of one peer document: its digest and causal context, its
  // encoding (in the answer being handled: fetched entries are settled before OnDocuments
  // returns), and whether it was joined here without changing the local document.
  struct PeerState {
    crdt::Digest digest;
    crdt::DotContext context;
    std::string_view state;
    bool unchanged_here = false;
  };
  // Pushes the local state of `key` (if any) unless it equals the peer's; with the peer's state
  // known, only the part of the local state the peer lacks (crdt::DeltaSince). A document that
  // still differs from the peer's, which neither its fetch nor its push changes, is counted as
  // futile instead.
  void PushUnlessEqual(const std::string& key, const PeerState* theirs, std::vector<Body>* out);
  // Whether pushing `delta` changes the peer's state; `theirs` must be a fetched one.
  Result<bool> PushChanges(const PeerState& theirs, const crdt::Document& delta) const;
  void CountFutile(const std::string& key);
  // After a fetch answer: pushes what the bucket's answered fetches showed the peer lacks.
  void SettleBucket(uint32_t bucket, std::vector<Body>* out);
  // Queues a local state for the peer; full batches go out at once, the rest with FlushPushes.
  void Push(DocumentState state, std::vector<Body>* out);
  void FlushPushes(std::vector<Body>* out);
  void Reject(std::string why);
  void Fail(std::string why);

  LocalReplica& local_;
  const uint64_t id_;
  const std::vector<merkle::NodeId> start_;
  State state_ = State::kRunning;
  std::string error_;
  AntiEntropyStats stats_;
  Status last_apply_error_;
  std::string last_futile_repair_;
  int retries_without_progress_ = 0;

  // A bucket whose comparison waits for fetched documents: the local documents that differ from
  // every peer entry, and what was learned of the peer's documents fetched so far (by key).
  struct PendingBucket {
    size_t fetches = 0;
    std::set<std::string> local_keys;
    std::map<std::string, PeerState> fetched;
  };

  WalkRequests requests_;
  std::map<uint32_t, PendingBucket> pending_;
  Documents pushes_;  // local states for the peer, batched across leaves
  size_t pushes_bytes_ = 0;
};

}  // namespace crdtdb::sync

#endif  // CRDTDB_SYNC_ANTI_ENTROPY_H_
