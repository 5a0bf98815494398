// Copyright (c) crdtdb authors.
//
// SyncEngine::Peer, internal to src/sync: what a SyncEngine knows of one peer, its stream, its
// anti-entropy round, its hand-off and its counters. sync_engine.cc runs the engine;
// sync_delta_stream.cc publishes and applies the delta streams; sync_hand_off.cc hands partitions
// off to their new owners.

#ifndef CRDTDB_SYNC_SYNC_ENGINE_PEER_H_
#define CRDTDB_SYNC_SYNC_ENGINE_PEER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "crdt/dot.h"
#include "sync/anti_entropy.h"
#include "sync/origin_stream.h"
#include "sync/sync_engine.h"

namespace crdtdb::sync {

struct SyncEngine::Peer {
  std::string name;
  uint64_t apply_failures = 0;
  std::string last_apply_error;
  uint64_t futile_repairs = 0;
  std::string last_futile_repair;
  std::optional<crdt::ReplicaId> replica_id;  // learned from its messages
  bool stream_started = false;
  OriginStream stream;
  uint64_t progress_saved = 0;  // the stream progress last saved (LocalReplica::SaveStreamProgress)
  std::optional<uint64_t> acknowledged;  // how far the peer has applied this replica's stream
  uint64_t progress_saved_ms = 0;
  std::optional<uint64_t> log_request_sent_ms;
  uint64_t log_request_from = 0;  // of the request sent
  std::unique_ptr<AntiEntropySession> session;
  // The rounds started with this peer: the next one's session id. Counted per peer, so that
  // consecutive rounds with one peer look through every fingerprint window in turn
  // (merkle::FingerprintOf), however many peers there are and in whatever order their rounds start.
  uint64_t rounds_started = 0;
  uint64_t session_activity_ms = 0;
  uint64_t next_anti_entropy_ms = 0;  // 0: at the next tick
  uint64_t next_hand_off_ms = 0;      // when to ask it about the partitions moving to it
  // The catalog exchange (sync/catalog.h): the request awaiting its answer, since when, and when
  // to ask again.
  std::optional<CatalogRequest> catalog_asked;
  uint64_t catalog_asked_ms = 0;
  uint64_t next_catalog_ms = 0;
  std::optional<uint64_t> last_heard_ms;
  std::optional<uint64_t> behind_since_ms;  // set while a delta it announced is not applied here
  // A root mismatch seen in a heartbeat while both streams were idle: (peer seq, own seq).
  std::optional<std::pair<uint64_t, uint64_t>> idle_mismatch;
  PeerTraffic traffic;
};

}  // namespace crdtdb::sync

#endif  // CRDTDB_SYNC_SYNC_ENGINE_PEER_H_
