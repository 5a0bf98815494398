// Copyright (c) crdtdb authors.
//
// SyncEngine is the replication protocol of one replica as a sans-IO state machine (after etcd
// raft and ScyllaDB's raft::fsm): it consumes messages and timer ticks and produces messages; it
// never touches a socket or a clock. An adapter (ZeroMQ, or the simulated network of the tests)
// feeds it and carries its output. Single-threaded.
//
// It runs three mechanisms (docs/protocol.md):
//   - the delta stream: publishes this replica's own deltas in batches, and heartbeats with its
//     last sequence and Merkle root when idle; applies the deltas peers publish, tracking each
//     origin's sequence numbers;
//   - gap repair: a missing range of a peer's sequence is requested from that peer's delta log
//     (LogRequest); a range the log no longer holds is left to anti-entropy;
//   - anti-entropy: one AntiEntropySession per peer at a time (asking again for what is
//     unanswered after request_timeout_ms, giving up after AntiEntropySession::kMaxRetries), started every
//     anti_entropy_interval_ms, at connect, when a gap cannot be repaired from the log, and when
//     heartbeats show the roots diverging while both streams are idle.
// Received deltas are joined through the local replica's write path and never re-published:
// every replica publishes its own deltas only, and every replica subscribes to every other.
//
// A node of a region of several also hands off the partitions it holds but no longer owns
// (SyncScope::handing_off): anti-entropy copies each to its new owners in the region, and a
// HandOffRequest asks them for their roots of it; in the step an answer shows a new owner, running
// by the same placement, with a root equal to this replica's, the partition is dropped here
// (LocalReplica::DropBuckets). Nothing can be written between that comparison and the drop, since
// the adapter runs client requests on the engine's thread, so every write this replica
// acknowledged is held by the new owner (docs/sharding.md, "Moves").
//
// And such a node asks its peers, the other nodes of its region among them, for the catalog: the
// documents every node keeps whatever its partitions, the index definitions (sync/catalog.h).

#ifndef CRDTDB_SYNC_SYNC_ENGINE_H_
#define CRDTDB_SYNC_SYNC_ENGINE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sync/anti_entropy.h"
#include "sync/local_replica.h"
#include "sync/messages.h"
#include "sync/partition_stream.h"
#include "sync/sync_scope.h"

namespace crdtdb::sync {

struct SyncOptions {
  uint64_t heartbeat_interval_ms = 500;
  uint64_t anti_entropy_interval_ms = 1000;
  uint64_t request_timeout_ms = 1000;  // a LogRequest or anti-entropy round without answer is retried
  size_t publish_bytes_max = size_t{1} << 20;  // per DeltaBatch
  size_t publish_batches_per_tick_max = 16;
  // What this replica keeps and shares with each peer; by default everything with everyone.
  SyncScope scope;
};

// A message for the adapter to send: published to every subscriber, or a request to one peer's
// sync endpoint (whose answer comes back through OnResponse). A published message's bytes start
// with its topic (sync/partition_stream.h), and the adapter sends them as one frame.
struct Outgoing {
  enum class Kind { kPublish, kRequest };
  Kind kind = Kind::kPublish;
  std::string peer;  // for kRequest
  std::string bytes;
};

struct SyncStats {
  uint64_t deltas_sent = 0;
  uint64_t deltas_received = 0;
  uint64_t bytes_sent = 0;
  uint64_t bytes_received = 0;
  uint64_t anti_entropy_rounds = 0;
  uint64_t docs_repaired = 0;
  uint64_t rejected_messages = 0;
  uint64_t log_requests = 0;
  // Updates (deltas, fetched or pushed documents) that could not be applied here
  // (LocalReplica::ApplyRemote); each is also counted on its peer, when the sender is one.
  uint64_t apply_failures = 0;
  // Documents that an anti-entropy round found apart from a peer's with nothing to change on
  // either side (anti_entropy.h); each is also counted on its peer.
  uint64_t futile_repairs = 0;
  // Partitions this replica handed off to a new owner and dropped (docs/sharding.md, "Moves").
  uint64_t partitions_handed_off = 0;
};

// The part of SyncStats exchanged with one peer, for per-peer metrics (docs/http.md, "Metrics").
// The delta stream is one PUB socket for every subscriber, so the deltas this replica publishes
// are counted in SyncStats only; what a peer lacks of them is PeerStatus::unacknowledged_deltas.
struct PeerTraffic {
  uint64_t deltas_received = 0;      // applied from its stream or its log
  uint64_t bytes_received = 0;       // its stream and its answers
  uint64_t bytes_sent = 0;           // requests to it and answers to its requests
  uint64_t anti_entropy_rounds = 0;  // completed with it
  uint64_t docs_repaired = 0;        // joined here from it by anti-entropy (fetched or pushed)
  uint64_t rejected_messages = 0;    // from it
};

struct PeerStatus {
  std::string name;
  bool connected = false;        // heard from within three heartbeat intervals
  uint64_t last_delta_seq = 0;   // every delta of the peer up to this one is applied here
  // How long this replica may have been behind the peer's writes: 0 while it is connected and
  // has applied every delta the peer announced; otherwise the time since that was last true (a
  // gap opened, or the peer went silent). 0 if the peer was never heard from.
  uint64_t lag_ms = 0;
  bool anti_entropy_running = false;
  // Updates from this peer that could not be applied here, and why the last one was refused:
  // documents that stay apart from the peer's until an operator acts (docs/operations.md).
  uint64_t apply_failures = 0;
  std::string last_apply_error;
  // Documents that differ from the peer's while anti-entropy can change neither (a repair that
  // changes nothing), and the path of the last one: they stay apart until an operator acts.
  uint64_t futile_repairs = 0;
  std::string last_futile_repair;
  // Both directions of the stream, in deltas: how many the peer announced that are not applied
  // here, and how many of this replica's own the peer has not acknowledged applying (nullopt
  // until its heartbeat says: docs/protocol.md, "Heartbeat").
  uint64_t behind_deltas = 0;
  std::optional<uint64_t> unacknowledged_deltas;
  PeerTraffic traffic;
};

class SyncEngine {
 public:
  SyncEngine(LocalReplica& local, std::vector<std::string> peers, SyncOptions options);
  ~SyncEngine();

  // A new placement (a reload): what this replica keeps and shares, and its peers. A peer no
  // longer listed is forgotten (its stream progress saved first); a new one is tracked from its
  // first message.
  void SetScope(SyncScope scope, std::vector<std::string> peers);
  // What this replica keeps now: handed-off partitions leave it as they are dropped.
  const SyncScope& scope() const { return scope_; }

  // A message from `peer`'s delta stream (its publish endpoint): its topic, then the message.
  void OnPublished(const std::string& peer, std::string_view bytes, uint64_t now_ms);
  // A request on this replica's sync endpoint; returns the answer to send back, if any.
  std::optional<std::string> OnRequest(std::string_view bytes) {
    Result<Message> request = ReceiveRequest(bytes);
    return request.ok() ? OnRequest(*request) : std::nullopt;
  }
  // The same in two steps, for an adapter that looks at a request's sender before it answers
  // (node_admission.cc, Admit), so that a request is decoded once: ReceiveRequest decodes it,
  // counting its bytes, and counts it in rejected_messages if it does not decode; OnRequest
  // answers it.
  Result<Message> ReceiveRequest(std::string_view bytes) { return Receive(nullptr, bytes); }
  std::optional<std::string> OnRequest(const Message& request);
  // The answer of `peer` to a request this engine sent.
  void OnResponse(const std::string& peer, std::string_view bytes, uint64_t now_ms);
  // The link to `peer` is (re)established: run anti-entropy with it at the next tick.
  void OnPeerConnected(const std::string& peer);
  // This replica committed writes of its own: publish them now instead of at the next tick, so a
  // write reaches the peers in one network delay. The adapter calls it after draining the client
  // requests that were waiting, so a burst still leaves in few batches.
  void OnLocalWrites(uint64_t now_ms) { PublishOwnDeltas(now_ms); }
  void OnTick(uint64_t now_ms);

  std::vector<Outgoing> TakeOutgoing();
  // Lines for the operator's log at WARN: updates that could not be applied and repairs that
  // changed nothing, at most one line per peer and cause a minute (later ones are counted into the
  // next line).
  std::vector<std::string> TakeWarnings();
  // Lines for the operator's log at INFO: partitions handed off and dropped.
  std::vector<std::string> TakeNotices() { return std::exchange(notices_, {}); }
  // Counts a message the adapter dropped before it reached the engine (bad framing).
  void CountRejected() { ++stats_.rejected_messages; }
  const SyncStats& stats() const { return stats_; }
  std::vector<PeerStatus> peer_status(uint64_t now_ms) const;
  // The replica id `peer` uses on its delta stream, once heard (an adapter that authenticates the
  // stream, as CURVE does, can then hold the peer's requests to that id).
  std::optional<crdt::ReplicaId> peer_replica_id(const std::string& peer) const;

 private:
  struct Peer;

  Peer* FindPeer(const std::string& name);
  // Decodes a message from `peer` (null: a sender that is not a peer, or not known yet).
  Result<Message> Receive(Peer* peer, std::string_view bytes);
  void Send(Outgoing::Kind kind, const std::string& peer, Body body);
  void OnDeltaBatch(Peer& peer, const DeltaBatch& batch, uint64_t now_ms);
  void OnHeartbeat(Peer& peer, const Heartbeat& heartbeat, uint64_t now_ms);
  void OnLogResponse(Peer& peer, const LogResponse& response, uint64_t now_ms);
  // Starts tracking the peer's stream where the local replica last saved its progress, if it did.
  void ResumeStream(Peer& peer);
  // Saves the peer's stream progress if it moved, at most once a second unless `now`.
  void SaveProgress(Peer& peer, uint64_t now_ms, bool now);
  // Notes whether every delta the peer announced is applied here, for PeerStatus::lag_ms.
  void NoteProgress(Peer& peer, uint64_t now_ms);
  void ApplyDeltas(Peer& peer, const std::vector<LoggedDelta>& deltas, uint64_t now_ms);
  // Counts an update from `peer` (null: a sender that is not a peer) that could not be applied.
  void NoteApplyFailure(Peer* peer, const Status& why, uint64_t now_ms);
  // Counts a document that a round with `peer` found apart, with nothing to change on either side.
  void NoteFutileRepair(Peer& peer, const std::string& key, uint64_t now_ms);
  Peer* PeerWithReplicaId(crdt::ReplicaId id);
  void RequestMissing(Peer& peer, uint64_t now_ms);
  void PublishOwnDeltas(uint64_t now_ms);
  // How far this replica has applied each peer's stream, for its heartbeats.
  std::vector<StreamAck> Acknowledgements() const;
  void RunAntiEntropy(Peer& peer, uint64_t now_ms);
  // Asks `peer` for its roots of the partitions moving to it, at most once an anti-entropy
  // interval and after each round with it.
  void RequestHandOff(Peer& peer, uint64_t now_ms);
  void OnHandOffAnswer(Peer& peer, const HandOffAnswer& answer);
  // A node that keeps only some partitions asks `peer` for the catalog documents it lacks
  // (sync/catalog.h) once an anti-entropy interval, and for the next page at once.
  void RequestCatalog(Peer& peer, uint64_t now_ms);
  void AskCatalog(Peer& peer, std::string after, uint64_t now_ms);
  void OnCatalogAnswer(Peer& peer, const CatalogAnswer& answer, uint64_t now_ms);
  // A request for the responder (sync/responder.h), its pushes applied.
  std::optional<std::string> OnAnswerableRequest(const Message& request);
  // This replica's root of `partition`: the XOR of its subtrees.
  merkle::Hash PartitionRoot(cluster::PartitionId partition) const;
  void FinishSession(Peer& peer, uint64_t now_ms);

  LocalReplica& local_;
  const SyncOptions options_;
  SyncScope scope_;
  std::map<std::string, std::unique_ptr<Peer>> peers_;
  std::vector<Outgoing> outgoing_;
  std::vector<std::string> warnings_;
  std::vector<std::string> notices_;
  // Per sender and cause: when a warning was last logged, and occurrences since.
  struct WarningState {
    std::optional<uint64_t> last_ms;
    uint64_t unreported = 0;
  };
  // Counts an occurrence; returns how many to report if a line is due (one a minute), else nullopt.
  static std::optional<uint64_t> WarningDue(WarningState& w, uint64_t now_ms);
  std::map<std::pair<std::string, Status::Code>, WarningState> apply_warnings_;
  std::map<std::string, WarningState> futile_warnings_;  // per peer
  WarningState drop_warnings_;
  uint64_t last_now_ms_ = 0;  // the latest time an input carried, for inputs that carry none
  SyncStats stats_;
  uint64_t published_upto_;
  PartitionChains chains_;  // of the deltas published, per partition
  bool splits_stream_;      // SplitsStream(scope_): one batch per partition
  uint64_t last_publish_ms_ = 0;
  uint64_t last_heartbeat_ms_ = 0;
  uint64_t published_at_last_heartbeat_;  // what the next heartbeat announces while busy
};

}  // namespace crdtdb::sync

#endif  // CRDTDB_SYNC_SYNC_ENGINE_H_
