// Copyright (c) crdtdb authors.
//
// ClientSession is an offline-first client's side of a sync with a region (docs/protocol.md): it
// runs push-pull anti-entropy rounds against the region until a round finds both sides equal (at
// most kMaxRounds), so the client's own writes reach the region and the region's reach the
// client. Sans-IO like the engine: it returns requests to send and consumes answers; pushes
// (Documents) need no answer. A session cut off at any point loses nothing: what was received is
// committed, what was pushed is joined at the region, and the next session redoes the diff.
//
// Resuming (per-peer state, docs/protocol.md "Resuming a sync"): when the first round's root
// answer shows the two sides apart, the session asks its caller what the region lacks by what the
// caller remembers of it (`changed_since`, given the region's replica id): the local states changed
// since the last sync that ended equal. If the caller knows, they are pushed and the session starts
// over with a new round, which then finds both sides equal when the region held everything else,
// or walks the tree as without them wherever they still differ. So a resync costs O(changes), not
// a walk to each change and a fetch of the region's older state; and a hint that was wrong (the
// region lost documents since) costs only the push, anti-entropy repairing the rest.

#ifndef CRDTDB_SYNC_CLIENT_SESSION_H_
#define CRDTDB_SYNC_CLIENT_SESSION_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crdtdb/sync_report.h"
#include "sync/anti_entropy.h"
#include "sync/local_replica.h"

namespace crdtdb::sync {

class ClientSession {
 public:
  static constexpr int kMaxRounds = 3;

  // The local states a region is known to lack, by the caller's per-peer state: those changed
  // since the last sync with the region `peer` that ended equal, each whole (the region's state is
  // not known); nullopt when the caller does not know (never synced with it, or too much changed).
  using ChangedSince = std::function<std::optional<std::vector<DocumentState>>(crdt::ReplicaId peer)>;

  // Each round compares the subtrees under `start` (inner Merkle nodes): the whole tree by
  // default; the partitions a node of a region of several owns (docs/sharding.md).
  // `changed_since` may be empty: every session then walks the tree.
  ClientSession(LocalReplica& local, uint64_t first_session_id,
                std::vector<merkle::NodeId> start = {merkle::NodeId{0, 0}},
                ChangedSince changed_since = {});

  // A message for the region, and whether it expects an answer (pushed documents do not).
  struct Outgoing {
    std::string bytes;
    bool expects_answer = true;
  };

  // The first requests.
  std::vector<Outgoing> Start();
  // An answer of the region; returns the messages it leads to.
  std::vector<Outgoing> OnAnswer(std::string_view bytes);
  // No answer came for a while: the requests to send again (empty once the round gave up).
  std::vector<Outgoing> Retry();

  bool done() const { return done_; }
  // Requests sent whose answers have not arrived (0 when done or cut off).
  size_t outstanding() const { return round_ ? round_->outstanding() : 0; }
  // Set when a round failed or the region sent something malformed or forged.
  const Status& error() const { return error_; }
  // Figures so far; duration_ms is the caller's to fill.
  const SyncReport& report() const { return report_; }
  // The region's replica id, once an answer told it.
  std::optional<crdt::ReplicaId> peer() const { return peer_; }

 private:
  std::vector<Outgoing> StartRound();
  // After the first round's first answer, with the sides apart: the pushes of what the region is
  // known to lack and a new round, or nothing when the caller does not know what it lacks.
  std::vector<Outgoing> PushChangedSince(crdt::ReplicaId peer);
  // Ends the session if the round failed or was rejected.
  void CheckRoundFailed();
  std::vector<Outgoing> Encode(std::vector<Body> bodies);

  LocalReplica& local_;
  uint64_t next_session_id_;
  const std::vector<merkle::NodeId> start_;
  ChangedSince changed_since_;
  std::optional<crdt::ReplicaId> peer_;
  bool resume_tried_ = false;  // changed_since_ is asked once, at the first answer
  std::unique_ptr<AntiEntropySession> round_;
  SyncReport report_;
  Status error_;
  bool done_ = false;
};

}  // namespace crdtdb::sync

#endif  // CRDTDB_SYNC_CLIENT_SESSION_H_
