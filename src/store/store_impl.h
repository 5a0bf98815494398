// Copyright (c) crdtdb authors.
//
// Store::Impl, internal to src/store: the LevelDB database, the in-memory Merkle tree and
// counters that mirror it, and the lock that guards them. store.cc holds opening (format, stream
// epochs), reads and the commit path; store_recovery.cc the checkpoint of the Merkle leaves and
// counters and their rebuild after an unclean close; store_verify.cc the consistency check;
// store_drop.cc the removal of a partition's documents.

#ifndef CRDTDB_STORE_STORE_IMPL_H_
#define CRDTDB_STORE_STORE_IMPL_H_

#include <atomic>
#include <bitset>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/filter_policy.h>
#include <leveldb/write_batch.h>

#include "merkle/merkle_tree.h"
#include "store/change_log.h"
#include "store/key_filter.h"
#include "store/pread_env.h"
#include "store/store.h"

namespace crdtdb::store {

// A LevelDB status as a crdtdb Status, `what` naming the operation that failed.
Status FromLevelDb(const leveldb::Status& s, std::string_view what);

// A u64 metadata value: 8 bytes big-endian.
std::string EncodeU64(uint64_t v);

// The counters record: u64 clock, u64 sequence, u64 live documents (store_recovery.cc).
std::string EncodeCounters(const Metadata& m);

// What an open LevelDB database uses and must outlive it (store_open.cc).
struct LevelDbParts {
  std::unique_ptr<leveldb::Env> pread_env;    // null when the caller's StoreOptions::env is used
  std::unique_ptr<leveldb::Env> overlay_env;  // read-only opens only (overlay_env.h)
  std::unique_ptr<leveldb::Env> timed_sync_env;  // with StoreOptions::fsync_seconds (timed_sync_env.h)
  std::unique_ptr<leveldb::Logger> info_log;  // read-only opens only
  std::unique_ptr<leveldb::Cache> cache;
  std::unique_ptr<const leveldb::FilterPolicy> filter;
};

// Adds `changes` to `batch` (store_index.cc).
void AddIndexChanges(const std::vector<IndexChange>& changes, leveldb::WriteBatch* batch);
// Adds to `batch` the deletion of every index entry and build state of `db` (repair).
Status DropIndexRecords(leveldb::DB* db, leveldb::WriteBatch* batch);

class Store::Impl {
 public:
  Impl(std::unique_ptr<leveldb::DB> db, LevelDbParts parts, const StoreOptions& options);

  // A clean close of a loaded, writable store: checkpoints the Merkle leaves and counters; the
  // next open needs no recovery and no new epoch (unless a write failed). A read-only store, or
  // one whose Load failed, writes nothing.
  ~Impl();

  // Reads the store's format and identity, and after an unclean close rebuilds what is derived
  // from its records; a writable store is then marked open (MarkOpen).
  Status Load();
  // Only the format and identity records: what a writable open checks on a read-only view of the
  // files before LevelDB may change them (store_open.cc).
  Status CheckIdentity() const;
  // Fills key_filter_ from the bucket entries in a background thread; reads consult the filter
  // once it holds every key.
  void StartKeyFilterFill();
  void WaitForKeyFilter() {
    if (key_filter_fill_.joinable()) key_filter_fill_.join();
  }
  Result<std::optional<StoredDocument>> Read(std::string_view key) const;
  Status Scan(std::string_view prefix, std::string_view start_after,
              const std::function<bool(std::string_view, std::string_view)>& fn) const;
  Result<std::vector<DeltaLogEntry>> ReadDeltaLog(uint64_t from, size_t max_entries,
                                                  size_t max_bytes) const;
  Result<std::optional<std::string>> ReadEncodedState(std::string_view key) const;
  Result<std::vector<std::pair<std::string, crdt::Digest>>> ReadBucket(uint32_t bucket) const;
  Result<uint64_t> CountLiveInBuckets(uint32_t first, uint32_t last) const;
  Status Commit(const WriteSet& writes);
  Result<uint64_t> DropBuckets(uint32_t first, uint32_t last, const DroppedIndexEntries& index_entries,
                               const KeptOnDrop& keep);
  Result<std::optional<uint64_t>> ReadStreamProgress(crdt::ReplicaId origin) const;
  void RefuseWrites(const std::string& why);
  Status SaveStreamProgress(crdt::ReplicaId origin, uint64_t sequence);
  Result<StoreVerification> Verify() const;
  // Secondary indexes (store_index.cc).
  std::unique_ptr<StoreSnapshot> NewSnapshot() const;
  Result<std::vector<std::pair<std::string, std::string>>> ReadIndexStates() const;
  bool read_only() const { return options_.read_only; }

  Metadata metadata() const {
    std::lock_guard lock(mu_);
    return meta_;
  }
  merkle::Hash merkle_root() const {
    std::lock_guard lock(mu_);
    return tree_.root();
  }
  merkle::Hash merkle_node(merkle::NodeId id) const {
    std::lock_guard lock(mu_);
    return tree_.node(id);
  }
  std::vector<merkle::Hash> merkle_children(merkle::NodeId id) const {
    std::lock_guard lock(mu_);
    return tree_.children(id);
  }
  std::string health_error() const {
    std::lock_guard lock(mu_);
    return health_error_;
  }
  StoreHealth health() const {
    std::lock_guard lock(mu_);
    return StoreHealth{health_error_, read_errors_, first_read_error_, last_read_error_};
  }
  Status CheckStorage() const;
  const std::string& new_epoch_reason() const { return new_epoch_reason_; }
  const ChangeLog& change_log() const { return change_log_; }
  leveldb::DB* db() const { return db_.get(); }

 private:
  Status LoadRecords();
  Result<std::optional<uint64_t>> ReadMetaU64(std::string_view name) const;
  Result<std::optional<std::string>> ReadMeta(std::string_view name) const;
  // Loads the record of dropped bucket ranges (store_drop.cc).
  Status LoadDroppedRanges();
  // Whether the document `key`, referred to by the delta-log entry `sequence`, may be missing
  // because DropBuckets removed it: a drop of its bucket came after the entry was logged.
  bool Dropped(std::string_view key, uint64_t sequence) const;
  // Verify's check of one delta-log record (its value) read at `ro`'s snapshot: a reference to a
  // missing document that no drop explains is reported to `problem`.
  void CheckReference(const leveldb::ReadOptions& ro, uint64_t sequence, std::string_view value,
                      const std::function<void(std::string)>& problem) const;
  // The oldest sequence the delta log holds; the next one to be issued if it is empty.
  Result<uint64_t> OldestLogSequence() const;
  // Removes up to drop_chunk_documents documents of the bucket entries from `*from` up to `end`
  // (exclusive) in one batch that also holds `extra`; advances `*from` past them and returns how
  // many it removed (store_drop.cc); with the index records `index_entries` names, and without the
  // documents `keep` names.
  Result<uint64_t> DropChunk(std::string* from, const std::string& end, const leveldb::WriteBatch& extra,
                             const DroppedIndexEntries& index_entries, const KeptOnDrop& keep);
  // Loads the checkpointed counters and Merkle leaves (valid after a clean close).
  Status LoadCheckpoint();
  // After an unclean close: rebuilds the Merkle leaves and the live count from the bucket
  // entries, and the last sequence from the delta log (store_recovery.cc).
  Status Recover();
  // Marks the store open by this boot and records its instance identity; after an unclean close
  // by another boot, if its writes `failed` (store_directory.h, kFailedWriteFileName), or when its
  // files are a copy, first starts a new epoch. `opened_by` is what the previous process left.
  Status MarkOpen(const std::optional<std::string>& opened_by, bool failed);
  // The Env of the store's files as they are on disk (not the read-only overlay).
  leveldb::Env* DiskEnv() const {
    return options_.env != nullptr ? options_.env : leveldb::Env::Default();
  }
  // Adds to `batch` the Merkle leaves changed since the last checkpoint and the counters.
  void AddCheckpoint(leveldb::WriteBatch* batch) const;
  void FillKeyFilter();
  // False if the store certainly has no record of `key`: then a read need not ask LevelDB.
  bool MayHold(std::string_view key) const {
    return !key_filter_ready_.load(std::memory_order_acquire) || key_filter_.MayContain(key);
  }
  leveldb::ReadOptions ReadOpts() const {
    leveldb::ReadOptions ro;
    ro.verify_checksums = true;
    return ro;
  }
  // Returns `s`; if it is a storage error (not NotFound), first records it in the health.
  Status NoteRead(Status s) const;

  LevelDbParts parts_;  // declared before db_ so it outlives it
  std::unique_ptr<leveldb::DB> db_;
  const StoreOptions options_;
  const std::string boot_id_;
  bool loaded_ = false;  // Load succeeded: the destructor may checkpoint
  std::string new_epoch_reason_;  // set by Load (MarkOpen), constant afterwards
  ChangeLog change_log_{options_.change_log_max_entries};

  // Guards meta_, tree_, stale_leaves_, health_error_, dropped_ and the read errors.
  mutable std::mutex mu_;
  Metadata meta_;
  merkle::MerkleTree tree_;
  // Leaves whose persisted record (the checkpoint) may differ from tree_.
  std::bitset<merkle::kLeafCount> stale_leaves_;
  std::string health_error_;
  // The bucket ranges DropBuckets emptied, as persisted in `m` `dropped` (store_drop.cc).
  struct DroppedRange {
    uint32_t first = 0, last = 0;
    uint64_t sequence = 0;  // the last delta-log sequence when the drop began
  };
  std::vector<DroppedRange> dropped_;
  // Storage errors that reads met since open: they do not stop writes, but status reports them.
  mutable uint64_t read_errors_ = 0;
  mutable std::string first_read_error_, last_read_error_;

  // Every document key with a record: Commit adds its keys before writing them, and the fill
  // thread those already stored, so once ready_ is set a "no" is certain.
  KeyFilter key_filter_;
  std::atomic<bool> key_filter_ready_{false};
  std::atomic<bool> closing_{false};
  std::thread key_filter_fill_;
};

}  // namespace crdtdb::store

#endif  // CRDTDB_STORE_STORE_IMPL_H_
