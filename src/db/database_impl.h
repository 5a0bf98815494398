// Copyright (c) crdtdb authors.
//
// DatabaseImpl implements the public crdtdb::Database over a Store: it validates input, turns
// every write into a delta mutator run on the document's state under the document's lock,
// commits it through the WriteQueue, and materializes JSON for reads.

#ifndef CRDTDB_DB_DATABASE_IMPL_H_
#define CRDTDB_DB_DATABASE_IMPL_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "crdt/document.h"
#include "crdt/json_sink.h"
#include "crdt/mutators.h"
#include "crdtdb/database.h"
#include "db/drop_gate.h"
#include "db/index_manager.h"
#include "db/key_locks.h"
#include "db/live_syncs.h"
#include "db/pending_states.h"
#include "db/push_cursors.h"
#include "db/subscriptions.h"
#include "db/write_clock.h"
#include "db/write_queue.h"
#include "store/store.h"
#include "sync/local_replica.h"

namespace crdtdb::db {

// It is also the sync::LocalReplica the replication protocol runs against: remote updates take
// the same write queue as local writes.
class DatabaseImpl;

// What Database::open returns, as the implementation: for the verbs that need more than the
// public API (a sync with a region of several nodes, command/region_sync.h).
Result<std::unique_ptr<DatabaseImpl>> OpenDatabaseImpl(const Options& options);

// The NotFound of a document that does not exist or is deleted.
Status DocumentNotFound(std::string_view key);

class DatabaseImpl final : public Database, public sync::LocalReplica {
 public:
  // `clock_ms` is the physical clock of the hybrid logical clock (ms since the Unix epoch).
  DatabaseImpl(std::unique_ptr<store::Store> store, std::function<uint64_t()> clock_ms);

  Result<std::string> get(std::string_view key) override;
  // get, with the document handed to `out` as events (crdt/json_sink.h): the typed get_value builds
  // its Value from them, with no JSON text in between. On an error, `out` holds a part to discard.
  Status GetInto(std::string_view key, crdt::JsonSink& out);
  Result<std::string> get_with_conflicts(std::string_view key) override;
  Result<std::string> put(std::string_view key, std::string_view json) override;
  // One commit for every document (database_batch.cc).
  Status put_many(const std::vector<std::pair<std::string, std::string>>& documents) override;
  Result<std::string> patch(std::string_view key, std::string_view json) override;
  // put and patch, with the document after the write handed to `answer` as events (as GetInto).
  Status PutInto(std::string_view key, std::string_view json, crdt::JsonSink& answer);
  Status PatchInto(std::string_view key, std::string_view json, crdt::JsonSink& answer);
  Status remove(std::string_view key) override;
  Result<std::string> increment(std::string_view key, std::string_view field, int64_t by) override;
  Result<std::string> set_add(std::string_view key, std::string_view field, std::string_view element_json) override;
  Result<std::string> set_remove(std::string_view key, std::string_view field,
                                 std::string_view element_json) override;
  Result<ListPage> list(std::string_view collection, const ListOptions& options) override;
  Result<FindPage> find(std::string_view collection, std::string_view query,
                        const FindOptions& options) override;
  std::unique_ptr<Subscription> subscribe(std::string prefix, std::function<void(const Change&)> callback) override;
  // The change feed (database_changes.cc).
  Result<ChangePage> changes(std::string_view prefix, std::string_view since, size_t limit) override;
  Result<std::unique_ptr<Subscription>> subscribe(std::string prefix, SubscribeOptions options,
                                                  std::function<void(const Change&)> callback) override;
  using Database::sync_with;
  // database_sync.cc.
  Result<SyncReport> sync_with(SyncTransport& transport) override;
  // The same over the Merkle subtrees under `start` only: the partitions one node of a region of
  // several owns (docs/sharding.md, "Routing").
  Result<SyncReport> SyncSubtrees(SyncTransport& transport, std::vector<merkle::NodeId> start);
  Result<DiffReport> diff_with(SyncTransport& transport, const DiffOptions& options) override;
  Result<IndexInfo> create_index(std::string_view collection, std::string_view fields) override;
  Result<std::vector<IndexInfo>> list_indexes(std::string_view collection) override;
  Status drop_index(std::string_view collection, std::string_view name) override;
  LocalStatus status() override;
  // Successful commits since open: a server wakes the watches it holds when it moves.
  uint64_t commit_count() const { return queue_.commits(); }
  // The change log's head, and the keys of up to `max` changes after `after` (not rendered): a
  // server wakes only the watches whose prefix a commit changed (server/parked_watches.h).
  store::ChangeCursor change_log_head() const { return store_->ChangeLogHead(); }
  Result<store::ChangeLogPage> changed_keys(const store::ChangeCursor& after, size_t max) const {
    return store_->ReadChangeLog(after, "", max, max);
  }
  Status check_storage() override;
  Result<VerifyReport> verify() override;

  // sync::LocalReplica
  crdt::ReplicaId replica_id() const override;
  uint64_t last_sequence() const override;
  merkle::Hash merkle_root() const override;
  merkle::Hash merkle_node(merkle::NodeId id) const override;
  // Live documents in the Merkle buckets first..last (store::Store::CountLiveInBuckets).
  Result<uint64_t> CountLiveInBuckets(uint32_t first, uint32_t last) const {
    return store_->CountLiveInBuckets(first, last);
  }
  std::vector<merkle::Hash> merkle_children(merkle::NodeId id) const override;
  // Leaves out the entries whose document was dropped (store::DeltaLogEntry::gone).
  Result<std::vector<sync::LoggedDelta>> ReadLog(uint64_t from, size_t max,
                                                 size_t max_bytes) const override;
  Result<std::vector<sync::LeafEntry>> ReadLeaf(uint32_t bucket) const override;
  Result<std::optional<std::string>> ReadState(const std::string& key) const override;
  // The catalog is the index definitions (docs/sharding.md, "Indexes").
  bool InCatalog(std::string_view key) const override { return IsIndexDefinition(key); }
  Result<std::vector<sync::DocumentState>> ReadCatalog(std::string_view after, size_t max) const override;
  sync::ApplyResult ApplyRemote(std::vector<sync::RemoteUpdate> updates) override;
  std::optional<uint64_t> StreamProgress(crdt::ReplicaId origin) const override;
  void SaveStreamProgress(crdt::ReplicaId origin, uint64_t sequence) override;
  void OnOwnStreamAcknowledged(const std::string& peer, uint64_t sequence) override;
  // store::Store::DropBuckets, serialized with every write by the DropGate: it waits for the
  // writes in progress to commit and holds off new ones until it returns, so no write built on a
  // dropped state commits after it. Subscribers hear nothing: the documents are not deleted, this
  // replica stops holding them.
  Result<uint64_t> DropBuckets(uint32_t first, uint32_t last) override;

  // Builds the delta of one write from the document's current state (a bottom() delta is a no-op).
  using DeltaMaker = std::function<Result<crdt::Document>(const crdt::Document&, crdt::WriteStamp)>;
  // For the calls of crdtdb/lists.h (database_lists.cc): one write of `key` (normalized) built by
  // `make`, as every write is; and the committed state of a live document (NotFound otherwise).
  Result<std::string> Edit(const std::string& key, const DeltaMaker& make) { return Mutate(key, make); }
  Result<crdt::Document> ReadLive(std::string_view key);

  // The live syncs running on this database (Database::start_sync, src/net/live_sync_runner.h).
  LiveSyncs& live_syncs() { return live_syncs_; }

 private:
  // The write path (database_write.cc). Runs `make` on `key`, commits the delta and returns the document's JSON after the write ("null"
  // once deleted); with `must_exist`, NotFound if the document is not live before it.
  Result<std::string> Mutate(const std::string& key, const DeltaMaker& make, bool must_exist = false);
  // The same, the document after the write handed to `answer` (if not null) as events.
  Status MutateInto(const std::string& key, const DeltaMaker& make, bool must_exist, crdt::JsonSink* answer);
  // The write of `delta` (not bottom) on `previous`, the state LoadForWrite gave: the document's
  // next state in *next and its write, checked against the limits of a write, with its index
  // changes. Hands the document to *answer when `answer` is not null, and renders its JSON when
  // someone subscribed (the change then carries it; the answer is read from that text).
  Result<PreparedWrite> PrepareWrite(const std::string& key, const PendingStates::State& previous,
                                     crdt::Document delta, crdt::Document* next, crdt::JsonSink* answer);
  // The states of the documents under `start` changed since the last sync with `peer` over `start`
  // that ended equal (push_cursors.h); nullopt when not known, or too many to push.
  std::optional<std::vector<sync::DocumentState>> ChangedSince(crdt::ReplicaId peer,
                                                              const std::vector<merkle::NodeId>& start) const;
  // Every index with its build progress, for status (empty if the catalog cannot be read).
  std::vector<IndexInfo> IndexStatus() const;
  // The state a write of `key` builds on, under the key's lock: its newest queued state, else the
  // stored one; null if it was never written.
  Result<PendingStates::State> LoadForWrite(std::string_view key) const;

  std::unique_ptr<store::Store> store_;
  Subscriptions subscriptions_;
  WriteClock clock_;
  DropGate drop_gate_;  // taken before key_locks_
  KeyLocks key_locks_;
  PendingStates pending_;
  WriteQueue queue_;
  PushCursors push_cursors_;
  IndexManager indexes_;  // its thread stops before the rest goes
  // Last, so destroyed first: every live sync stops before anything it uses goes away (the index
  // manager included).
  LiveSyncs live_syncs_;
};

}  // namespace crdtdb::db

#endif  // CRDTDB_DB_DATABASE_IMPL_H_
