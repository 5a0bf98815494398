// Copyright (c) crdtdb authors.
//
// Replica is the replica core of a region: it composes the database (store, local and remote
// writes) with the replication protocol's state machine, and exposes the figures of `status`
// (docs/cli.md). Like the engine it is single-threaded and sans-IO: an adapter (the ZeroMQ event
// loop of `crdtdb serve`, or the simulated network of the tests) feeds it messages and ticks and
// carries what it sends. The database itself may be used from other threads meanwhile.

#ifndef CRDTDB_DB_REPLICA_H_
#define CRDTDB_DB_REPLICA_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "db/database_impl.h"
#include "sync/sync_engine.h"

namespace crdtdb::db {

// The figures of `status` for a region (interfaces: cluster, region, replica id, documents,
// Merkle root, peers, replication counters) plus health.
struct ReplicaStatus {
  std::string cluster;
  std::string region;
  LocalStatus local;
  std::vector<sync::PeerStatus> peers;
  sync::SyncStats sync;
};

class Replica {
 public:
  Replica(std::unique_ptr<DatabaseImpl> db, std::string cluster, std::string region,
          std::vector<std::string> peers, sync::SyncOptions options);

  DatabaseImpl& database() { return *db_; }

  void OnPublished(const std::string& peer, std::string_view bytes, uint64_t now_ms) {
    engine_.OnPublished(peer, bytes, now_ms);
  }
  std::optional<std::string> OnRequest(std::string_view bytes) { return engine_.OnRequest(bytes); }
  // A request decoded once for both the adapter's admission check and the answer
  // (sync::SyncEngine::ReceiveRequest).
  Result<sync::Message> ReceiveRequest(std::string_view bytes) {
    return engine_.ReceiveRequest(bytes);
  }
  std::optional<std::string> OnRequest(const sync::Message& request) {
    return engine_.OnRequest(request);
  }
  void OnResponse(const std::string& peer, std::string_view bytes, uint64_t now_ms) {
    engine_.OnResponse(peer, bytes, now_ms);
  }
  void OnPeerConnected(const std::string& peer) { engine_.OnPeerConnected(peer); }
  void OnLocalWrites(uint64_t now_ms) { engine_.OnLocalWrites(now_ms); }
  void OnTick(uint64_t now_ms) { engine_.OnTick(now_ms); }
  std::vector<sync::Outgoing> TakeOutgoing() { return engine_.TakeOutgoing(); }
  std::vector<std::string> TakeWarnings() { return engine_.TakeWarnings(); }
  std::vector<std::string> TakeNotices() { return engine_.TakeNotices(); }
  // A new placement (sync::SyncEngine::SetScope).
  void SetScope(sync::SyncScope scope, std::vector<std::string> peers) {
    engine_.SetScope(std::move(scope), std::move(peers));
  }
  const sync::SyncScope& scope() const { return engine_.scope(); }
  void CountRejected() { engine_.CountRejected(); }

  const sync::SyncStats& sync_stats() const { return engine_.stats(); }
  std::optional<crdt::ReplicaId> peer_replica_id(const std::string& peer) const { return engine_.peer_replica_id(peer); }
  ReplicaStatus status(uint64_t now_ms) const;

 private:
  std::unique_ptr<DatabaseImpl> db_;
  const std::string cluster_;
  const std::string region_;
  sync::SyncEngine engine_;
};

}  // namespace crdtdb::db

#endif  // CRDTDB_DB_REPLICA_H_
