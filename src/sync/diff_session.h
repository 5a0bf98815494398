// Copyright (c) crdtdb authors.
//
// DiffSession lists the documents that differ between two replicas, A and B, by walking both of
// their Merkle trees with the anti-entropy requests (TreeRequest, LeafRequest, DocumentRequest)
// that every replica's sync endpoint answers (responder.h). It is read-only: it sends no pushes and
// joins nothing, so neither replica changes. Sans-IO like AntiEntropySession: it returns requests
// tagged with the side they are for, and consumes answers; the adapter carries them (a socket to a
// region, or the responder called in-process for a local store).
//
// The walk descends only where the two trees differ: a node is compared once both sides have
// answered it, and its differing children are asked of both. In a differing leaf, a fingerprint
// that one side holds and the other does not names a document that differs (or exists on one side
// only); since leaf answers carry no keys, such documents are fetched from the side that holds
// them to learn their keys, digests and whether they are deleted (a fetched state that does not
// decode is refused as in anti-entropy). A document held differently by both sides is fetched from
// each. Cost: O(differences x depth) nodes and leaves per side, and at most 2 x limit documents.
//
// Bounds: a difference is found once its fingerprint differs, and fetches stop after 2 x limit
// refs (each document has at most one ref per side, so that names at least `limit` documents);
// what is left unwalked or unfetched makes the result truncated. Flow control is anti-entropy's
// (walk_requests.h), per side; after kMaxRetries retries without progress the walk fails. Every
// answer is checked as there (tree_answers.h); a forged answer ends the walk as rejected.
//
// Fingerprints are 32 bits, so two different documents or subtrees look equal with probability
// 2^-32 per comparison (docs/protocol.md); a diff run again, with a new session id, looks through
// another window. Both replicas keep accepting writes during the walk: a document written meanwhile
// may be missed or shown in its newer state.

#ifndef CRDTDB_SYNC_DIFF_SESSION_H_
#define CRDTDB_SYNC_DIFF_SESSION_H_

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "crdt/digest.h"
#include "sync/messages.h"
#include "sync/walk_requests.h"

namespace crdtdb::sync {

class DiffSession {
 public:
  enum class Side { kA = 0, kB = 1 };
  enum class State { kRunning, kDone, kRejected, kFailed };
  static constexpr int kMaxRetries = WalkRequests::kMaxRetries;

  struct Request {
    Side side;
    Body body;
  };
  // How one side holds a document: its state's digest, and whether it is deleted (a tombstone).
  struct Held {
    crdt::Digest digest;
    bool deleted = false;
  };
  // A document that differs: how each side holds it, nullopt where a side does not.
  struct Difference {
    std::string key;
    std::optional<Held> a;
    std::optional<Held> b;
  };

  // Preconditions: limit >= 1; `start` holds distinct inner nodes, no one under another.
  DiffSession(uint64_t session_id, size_t limit,
              std::vector<merkle::NodeId> start = {merkle::NodeId{0, 0}});

  // The first requests: both sides' start nodes.
  void Start(std::vector<Request>* out);
  // An answer from `side`; appends the requests it leads to. Answers of another session, and parts
  // that resolve nothing asked for (duplicates, late answers), are ignored.
  void OnAnswer(Side side, const Body& answer, std::vector<Request>* out);
  // Answers stopped coming: asks again for everything unanswered, or fails after kMaxRetries.
  void Retry(std::vector<Request>* out);

  uint64_t id() const { return id_; }
  State state() const { return state_; }
  bool done() const { return state_ != State::kRunning; }
  const std::string& error() const { return error_; }

  // The XOR of a side's start nodes' fingerprints (in this session's window), once all answered:
  // its root for a walk of the whole tree.
  std::optional<merkle::Fingerprint> root(Side side) const;
  // When done: the differing documents found, in key order, at most `limit`.
  std::vector<Difference> differences() const;
  // When done: whether documents that differ were left out (the limit was reached).
  bool truncated() const { return truncated_ || found_.size() > limit_; }

 private:
  // What is asked of one side and what it answered that the other side has not yet.
  struct SideState {
    merkle::Fingerprint starts_xor = 0;
    size_t starts_answered = 0;
    WalkRequests requests;
    std::map<std::pair<int, uint32_t>, std::vector<merkle::Fingerprint>>
        answered;  // children or entries
  };

  static size_t Index(Side side) { return side == Side::kA ? 0 : 1; }
  static Side Other(Side side) { return side == Side::kA ? Side::kB : Side::kA; }
  size_t outstanding() const;
  void OnTree(Side side, const TreeResponse& response);
  void OnLeaves(Side side, const LeafResponse& response);
  void OnDocuments(Side side, const Documents& response);
  // Keeps an answered node or leaf until the other side answers it too, then compares the two.
  void Answered(Side side, merkle::NodeId id, std::vector<merkle::Fingerprint> fingerprints);
  void CompareNodes(merkle::NodeId id, const std::vector<merkle::Fingerprint>& a,
                    const std::vector<merkle::Fingerprint>& b);
  void CompareLeaves(uint32_t bucket, const std::vector<merkle::Fingerprint>& a,
                     const std::vector<merkle::Fingerprint>& b);
  void Fetch(Side side, DocumentRef ref);
  void SendMore(std::vector<Request>* out);
  void Reject(std::string why);

  const uint64_t id_;
  const size_t limit_;
  const std::vector<merkle::NodeId> start_;
  std::set<std::pair<int, uint32_t>> start_items_;  // start_, to look answers up
  State state_ = State::kRunning;
  std::string error_;
  int retries_without_progress_ = 0;
  std::array<SideState, 2> sides_;
  size_t refs_queued_ = 0;  // across both sides; bounded by 2 x limit
  bool truncated_ = false;
  std::map<std::string, Difference> found_;
};

}  // namespace crdtdb::sync

#endif  // CRDTDB_SYNC_DIFF_SESSION_H_
