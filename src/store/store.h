// Copyright (c) crdtdb authors.
//
// Store keeps one replica's state in LevelDB (the only module that includes LevelDB): document
// states, the Merkle tree over their digests, the delta log of the replica's own writes, and the
// replica's metadata. Key layout: key_schema.h and docs/storage.md.
//
// Every change is one WriteSet committed as ONE leveldb::WriteBatch: new document states, their
// Merkle leaves and ancestors, delta-log entries and counters land together or not at all, so a
// crash at any instant leaves them agreeing.
//
// Thread safety: Read, Scan, ReadDeltaLog, merkle_root and metadata may be called from any thread
// at any time; they see committed data only and never wait for a commit in progress. Commit and
// DropBuckets must be called by one thread at a time (the database serializes them: its write
// queue, and drop_gate.h). After a failed
// commit the store is unhealthy and refuses further commits until reopened, since LevelDB's state
// after a failed sync is unknown.

#ifndef CRDTDB_STORE_STORE_H_
#define CRDTDB_STORE_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crdt/digest.h"
#include "crdt/document.h"
#include "crdt/hlc.h"
#include "crdtdb/result.h"
#include "merkle/merkle_tree.h"

namespace leveldb {
class Env;
}

namespace crdtdb::metrics {
class Histogram;  // metrics/registry.h
}  // namespace crdtdb::metrics

namespace crdtdb::store {

struct StoreOptions {
  std::string path;
  // A store is created only in a missing or empty directory (store_directory.h).
  bool create_if_missing = true;
  // Opens an existing store without changing any of its files: LevelDB's work at open stays in
  // memory (overlay_env.h), nothing is written at close, and Commit fails. A missing store is an
  // error, never created.
  bool read_only = false;
  bool sync_writes = false;  // fsync every commit
  // When set, each Commit's LevelDB write (with its fsync under sync_writes) is observed here,
  // in seconds; it must outlive the store. Recorded from the committing thread, lock-free.
  metrics::Histogram* commit_seconds = nullptr;
  // When set, each fsync LevelDB makes of a file it writes (log, tables, MANIFEST) is observed
  // here, in seconds, from the syncing thread (timed_sync_env.h); it must outlive the store.
  metrics::Histogram* fsync_seconds = nullptr;
  uint64_t delta_log_max_entries = 100'000;  // at least 1; Open refuses 0
  uint64_t change_log_max_entries = 1'000'000;  // change_log.h; at least 1; Open refuses 0
  // The documents DropBuckets removes per commit: it bounds the size of one WriteBatch (and the
  // time one commit takes) whatever the partition's size. At least 1; Open refuses 0.
  size_t drop_chunk_documents = 1'000;
  size_t cache_bytes = size_t{8} << 20;
  leveldb::Env* env = nullptr;  // null: the default Env. Tests inject faults through it.
  // The replica id a new store gets; 0 draws a random one. Simulations set it to be replayable.
  crdt::ReplicaId new_replica_id = 0;
  // The id of this boot of the machine; nullopt reads the kernel's
  // (/proc/sys/kernel/random/boot_id). Tests set another one to play a reboot, or "" to play a
  // machine whose boot id cannot be read (then every unclean close may have been a power loss).
  std::optional<std::string> boot_id;
};

using crdt::kEpochShift;  // crdt/dot.h

// A document as stored: its state and the digest of its canonical encoding.
struct StoredDocument {
  crdt::Document state;
  crdt::Digest digest;
};

struct Metadata {
  crdt::ReplicaId replica_id = 0;
  crdt::Timestamp clock = 0;   // the last timestamp the replica issued or observed
  uint64_t sequence = 0;       // the last delta-log sequence number
  uint64_t live_documents = 0;
  // Raised when the store reopens after a crash of the machine (or a failed write) that may
  // have lost acknowledged writes: the replica then issues sequences and dots above any it may
  // have issued before (docs/storage.md, "Stream epochs").
  uint64_t epoch = 0;
};

struct DeltaLogEntry {
  uint64_t sequence = 0;
  std::string key;
  std::string delta;  // canonical delta encoding (crdt::EncodeDelta); empty when gone
  // Logged by reference to a document that DropBuckets has removed since: the entry keeps its
  // sequence and key, but there is no delta to send (docs/storage.md, "Dropping buckets").
  bool gone = false;
};

// A position in the change log (change_log.h): after the change `sequence` of the change feed
// `feed`. {0, 0} is the log's beginning.
struct ChangeCursor {
  uint64_t feed = 0;
  uint64_t sequence = 0;
  friend bool operator==(const ChangeCursor&, const ChangeCursor&) = default;
};

struct ChangeLogEntry {
  ChangeCursor cursor;  // the position right after this change
  std::string key;
  bool remote = false;  // the write came from another replica
};

struct ChangeLogPage {
  std::vector<ChangeLogEntry> entries;
  uint64_t read_through = 0;  // the last sequence read, matching the prefix or not
  ChangeCursor next;          // where the next read goes on: right after read_through
};

// A change of an index record (store_index.h): an entry or a build state, put (value set) or
// deleted.
struct IndexChange {
  std::string key;  // IndexEntryKey or IndexStateKey (key_schema.h)
  std::optional<std::string> value;
};

// Adds to `out` the index records that describe document `key` in state `state` (the database
// knows them: db/index_entries.h), for DropBuckets to remove with it.
using DroppedIndexEntries =
    std::function<void(std::string_view key, const crdt::Document& state, std::vector<IndexChange>* out)>;
// Whether DropBuckets keeps document `key` of the range it drops.
using KeptOnDrop = std::function<bool(std::string_view key)>;

// One document's new state, encoded for a commit. The database builds it before it enters the
// write queue, so that writers encode in parallel and the queue only stages and commits.
struct DocumentWrite {
  std::string key;
  std::string encoded;  // canonical state encoding (crdt::EncodeDocument)
  crdt::Digest digest;
  std::optional<crdt::Digest> previous_digest;  // of the record it replaces, if any
  bool was_live = false;
  bool live = false;
  // The entries of secondary indexes the new state removes and adds: committed in the same batch.
  std::vector<IndexChange> index_changes;
};

// Encodes `state` as the new state of `key`; `previous` is the record it replaces (null if new).
// InvalidArgument if the encoded state exceeds `max_bytes`: crdt::kMaxWriteBytes for what a local
// write makes, crdt::kMaxEncodedBytes (the most a store holds) for a join of remote states; also if
// its causal context holds more than crdt::kMaxContextRanges ranges (the decoder's bound).
Result<DocumentWrite> EncodeDocumentWrite(std::string key, const crdt::Document& state,
                                          const StoredDocument* previous, size_t max_bytes);

// What one Commit changes. Built by the single writer, then committed atomically.
class WriteSet {
 public:
  void PutDocument(DocumentWrite write) { documents_.push_back(std::move(write)); }
  // EncodeDocumentWrite up to crdt::kMaxEncodedBytes, then PutDocument; returns the new digest.
  Result<crdt::Digest> PutDocument(std::string key, const crdt::Document& state, const StoredDocument* previous);
  // Appends a delta of this replica to the delta log; it gets the next sequence number.
  void AppendLocalDelta(std::string key, const crdt::Document& delta);
  // The same, for a delta already encoded (crdt::EncodeDelta). Call it after the PutDocument of
  // the delta's document. The delta of a document that had no record is logged as a reference to
  // its new state (which is the delta), so its encoding is ignored and may be left empty.
  void AppendEncodedLocalDelta(std::string key, std::string encoded_delta);
  void SetClock(crdt::Timestamp clock) { clock_ = clock; }
  // Index records changed apart from a document's write (an index build or drop).
  void ChangeIndex(IndexChange change) { index_changes_.push_back(std::move(change)); }
  bool empty() const { return documents_.empty() && deltas_.empty() && index_changes_.empty(); }
  size_t document_count() const { return documents_.size(); }

 private:
  friend class Store;
  std::vector<DocumentWrite> documents_;
  std::vector<std::pair<std::string, std::string>> deltas_;  // key, encoded delta
  std::vector<IndexChange> index_changes_;
  std::optional<crdt::Timestamp> clock_;
};

// What went wrong with the storage since the store was opened.
struct StoreHealth {
  std::string write_error;   // the failed commit that made the store refuse writes; empty if none
  uint64_t read_errors = 0;  // reads that met a storage error (Corruption, I/O)
  std::string first_read_error, last_read_error;
  bool healthy() const { return write_error.empty() && read_errors == 0; }
};

// Disagreements found by Store::Verify; empty when the store is consistent.
class StoreSnapshot;

struct StoreVerification {
  uint64_t documents = 0;
  std::vector<std::string> problems;
};

class Store {
 public:
  // Opens or creates the store (store_open.cc). A directory that is neither missing, empty nor a
  // store, or a store whose files are incomplete or damaged, is refused with an error that says
  // so, and then no file in it was created, changed or removed: before a writable open lets
  // LevelDB change anything, the same files are opened read-only first.
  static Result<std::unique_ptr<Store>> Open(const StoreOptions& options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The stored document, nullopt if the key was never written. Corruption if the record fails
  // its checks (format version, canonical encoding, checksum).
  Result<std::optional<StoredDocument>> Read(std::string_view key) const;

  // Calls `fn(key, state)` for documents whose key starts with `prefix`, in key order, from the
  // first key after `start_after` (if not empty), until `fn` returns false. `state` is the
  // canonical encoding of the document's state, its checksum checked, valid during the call only.
  Status Scan(std::string_view prefix, std::string_view start_after,
              const std::function<bool(std::string_view, std::string_view)>& fn) const;

  // The canonical encoding of a document's state, its checksum checked, without decoding it;
  // nullopt if the key was never written. Reads render JSON straight from it (crdt/state_json.h).
  Result<std::optional<std::string>> ReadEncodedState(std::string_view key) const;

  // The documents of one Merkle bucket and their digests, in key order.
  Result<std::vector<std::pair<std::string, crdt::Digest>>> ReadBucket(uint32_t bucket) const;
  // How many live documents the buckets first..last (inclusive) hold, from their bucket entries
  // alone (no document is read): a partition's count (docs/sharding.md). An entry of a format-1
  // store, which has no live flag, counts as live.
  Result<uint64_t> CountLiveInBuckets(uint32_t first, uint32_t last) const;

  // Up to `max_entries` delta-log entries with sequence >= `from`, in order, whose key and delta
  // bytes add up to at most `max_bytes` (the first entry is returned whatever its size, so that a
  // reader always makes progress); an entry logged by reference counts with its document's state,
  // or with its key alone when DropBuckets removed that document (then it is returned `gone`).
  // The budget bounds the reads too: past it, the reader reads at most the one entry that passes
  // it. Entries older than the retention bound are gone; the first returned sequence tells the
  // caller where the log starts.
  Result<std::vector<DeltaLogEntry>> ReadDeltaLog(uint64_t from, size_t max_entries,
                                                  size_t max_bytes) const;

  // Every document write of a commit also gets the next sequence of the change log, in the same
  // batch (change_log.h, docs/changes.md).
  Status Commit(const WriteSet& writes);

  // The change log's head: a cursor right after the last change committed.
  ChangeCursor ChangeLogHead() const;
  // Up to `max_entries` changes of documents whose key starts with `prefix`, in the order they
  // were committed, after `after`, reading at most `max_scanned` records (at least 1 each).
  // Gone when `after` is older than the log keeps, or not a position of this store's log (another
  // replica's, another copy's, or of changes a crash lost); Corruption if the log has a hole.
  Result<ChangeLogPage> ReadChangeLog(const ChangeCursor& after, std::string_view prefix,
                                      size_t max_entries, size_t max_scanned) const;

  // Removes every document of the Merkle buckets first..last (inclusive) — live or deleted
  // (tombstones) — with its bucket entry and its Merkle contribution, and updates the live count;
  // returns how many documents it removed. For a node that no longer owns a partition, once its
  // new owner holds it (docs/sharding.md): the documents are not deleted in the CRDT sense (no
  // delta is logged, no peer hears of it), this replica only stops holding them.
  //
  // It commits in chunks of at most StoreOptions::drop_chunk_documents documents, each one atomic
  // batch after which the store is consistent (Verify finds nothing): a failure or a crash midway
  // leaves fewer documents, never a broken store, and a new call finishes the drop. The buckets'
  // range is recorded first (in the first chunk), so that a delta-log entry logged by reference to
  // a dropped document reads as gone (DeltaLogEntry::gone), not as corruption, in ReadDeltaLog
  // and Verify. The key filter keeps the dropped keys: a read of one asks LevelDB, as for any
  // false positive.
  //
  // Like Commit, called by one thread at a time, never concurrently with Commit; readers on other
  // threads see each chunk whole or not at all. InvalidArgument unless first <= last <
  // merkle::kLeafCount; an error if the store is read-only or refuses writes, and a failed chunk
  // makes it refuse writes, as a failed Commit does.
  //
  // `index_entries`, when set, says which secondary index records (key_schema.h) describe a
  // document it drops: they are removed in the same chunk as the document, so no index keeps an
  // entry of a document that is gone. `keep`, when set, names documents of the range that stay,
  // with their Merkle contributions: those every node keeps whatever it owns (the database's index
  // definitions).
  Result<uint64_t> DropBuckets(uint32_t first, uint32_t last, const DroppedIndexEntries& index_entries = {},
                               const KeptOnDrop& keep = {});

  // How far this replica has applied the delta stream of replica `origin`: every delta of it up
  // to this sequence, as last saved; nullopt if never saved. A lower bound (it is saved now and
  // then), from which gap repair resumes after a restart.
  Result<std::optional<uint64_t>> ReadStreamProgress(crdt::ReplicaId origin) const;
  // Refuses every later write with `why`, as after a failed commit, so that the next open starts
  // a new stream epoch. For a replica that learns its store is older than what it already issued
  // (restored from a backup, or copied): writing on would issue its dots and sequences again.
  void RefuseWrites(const std::string& why);
  // Saves it. Call it only once the deltas it covers are committed: they then precede it in
  // LevelDB's log, so a crash that keeps the record kept them too.
  Status SaveStreamProgress(crdt::ReplicaId origin, uint64_t sequence);

  Metadata metadata() const;
  merkle::Hash merkle_root() const;
  merkle::Hash merkle_node(merkle::NodeId id) const;
  std::vector<merkle::Hash> merkle_children(merkle::NodeId id) const;
  // Empty while healthy; otherwise why the store refuses writes.
  std::string health_error() const;
  // The write failure, if any, and the storage errors that reads met.
  StoreHealth health() const;

  // Why this open started a new stream epoch (docs/storage.md, "Stream epochs"): the store was
  // not closed cleanly by this boot, its writes had failed, or its files are a copy or a restored
  // backup (store_instance.h). Empty if it started none. A server logs it.
  const std::string& new_epoch_reason() const;

  // Blocks until the key filter filled after open holds every stored key (or its scan failed):
  // from then on a read of a key the filter has not seen skips LevelDB. Reads are correct before
  // and after; tests wait so that their reads go through the filter.
  void WaitForKeyFilter();

  // Reads every record once, verifying LevelDB's block checksums, without decoding anything: the
  // first storage error found, which is also recorded in health().
  Status CheckStorage() const;

  // Recomputes every digest, the live count and the Merkle tree from the documents and compares
  // them with what is stored; also checks the delta log has no hole, and that every entry logged by
  // reference has its document unless DropBuckets removed it.
  Result<StoreVerification> Verify() const;

  // Secondary indexes (store_snapshot.h, store_index.cc): a consistent view to read index entries
  // and documents together, and this replica's build state of every index it has one of.
  std::unique_ptr<StoreSnapshot> NewSnapshot() const;
  Result<std::vector<std::pair<std::string, std::string>>> ReadIndexStates() const;
  bool read_only() const;

  // Defined in store_impl.h, which only src/store includes; named here so that its files can
  // build one outside a member function (store_open.cc).
  class Impl;

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace crdtdb::store

#endif  // CRDTDB_STORE_STORE_H_
