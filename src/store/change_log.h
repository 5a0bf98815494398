// Copyright (c) crdtdb authors.
//
// ChangeLog, internal to src/store: the durable change log behind the change feed
// (docs/changes.md). Every document write a commit holds, local or replicated, gets the next
// change sequence, written as a 'c' record in the commit's own WriteBatch, so the log and the
// documents never disagree after a crash, and the log's order is the order this replica applied
// the writes. A record holds the document's key and whether the write came from another replica;
// readers render the document as it is when they read it.
//
// Retention: the log keeps the last max_entries sequences; each commit deletes the oldest ones
// beyond that in its own batch. Sequences are contiguous, so the oldest kept sequence is all a
// reader needs to tell a cursor that is too old (Status::Gone) from one that is not.
//
// Feeds: a cursor names its feed, a random id drawn whenever the store starts a stream epoch
// (store_epoch.cc: after a crash of the machine, or when its files are a copy or a restored
// backup). A crash of the machine may lose the tail of the log; a copy or a backup lacks what
// its original wrote later. Either way the sequences after the loss are issued again for other
// changes, so a cursor is honoured only if its feed is one this store's history holds and its
// sequence is one that feed still has: a cursor of lost changes, of another replica, or of another
// copy of the store is refused (Status::Gone), never misread as a position in this log.
//
// Thread safety: Stage and Published are called by the store's single committer; Head, Resolve
// and Read from any thread.

#ifndef CRDTDB_STORE_CHANGE_LOG_H_
#define CRDTDB_STORE_CHANGE_LOG_H_

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include "crdtdb/result.h"
#include "store/store.h"

namespace crdtdb::store {

class ChangeLog {
 public:
  explicit ChangeLog(uint64_t max_entries) : max_entries_(max_entries) {}

  // Loads the feeds and finds the first and last sequence kept. A writable store whose stream
  // `epoch` is not its current feed's (or that has none yet) starts a new feed, durably.
  Status Open(leveldb::DB* db, uint64_t epoch, bool writable);

  // What one commit adds: the records of `documents` (a write is local when the commit logs a
  // delta of it, `deltas` in the order of their documents) and the deletion of the oldest records
  // past the retention, put into `batch`. Call Published once the batch is written.
  struct Staged {
    uint64_t last = 0;
  };
  Staged Stage(const std::vector<DocumentWrite>& documents,
               const std::vector<std::pair<std::string, std::string>>& deltas, leveldb::WriteBatch* batch);
  void Published(const Staged& staged);

  // For a repaired copy (store_repair.h), which may lack any record: adds to `batch` the deletion
  // of the whole log and of its feeds, so the copy starts a new log under a new feed and every
  // cursor of the damaged store is refused.
  static Status Forget(leveldb::DB* db, leveldb::WriteBatch* batch);

  // Verify's check of the log at `ro`'s snapshot (change_log_verify.cc): reports malformed
  // records, holes, records outside the sequences kept, a log that stops before the last sequence
  // issued, records of documents `document_missing` says are gone, and feeds out of order.
  void Verify(leveldb::DB* db, const leveldb::ReadOptions& ro,
              const std::function<bool(std::string_view key)>& document_missing,
              const std::function<void(std::string)>& problem) const;

  ChangeCursor Head() const;
  // Up to `max_entries` changes of keys starting with `prefix` after `after`, reading at most
  // `max_scanned` records; Gone if `after` is too old or not a position of this log.
  Result<ChangeLogPage> Read(leveldb::DB* db, const ChangeCursor& after, std::string_view prefix,
                             size_t max_entries, size_t max_scanned) const;

 private:
  struct Feed {
    uint64_t id = 0;
    uint64_t epoch = 0;
    uint64_t first = 0;  // its first sequence
    uint64_t last = 0;   // its last sequence once closed; kOpen while current
  };
  static constexpr uint64_t kOpen = ~uint64_t{0};
  // A record's value starts with its origin.
  static constexpr char kLocal = 'L';
  static constexpr char kRemote = 'R';
  static constexpr size_t kMaxFeeds = 64;  // older feeds are forgotten: their cursors are refused

  // The sequence `after` stands for, or why it cannot be served. Holds mu_.
  Result<uint64_t> ResolveLocked(const ChangeCursor& after) const;
  ChangeCursor CursorForLocked(uint64_t sequence) const;
  std::string EncodeFeeds() const;
  Status DecodeFeeds(std::string_view bytes);

  const uint64_t max_entries_;
  mutable std::mutex mu_;
  std::vector<Feed> feeds_;  // oldest first; the last one is current
  uint64_t last_ = 0;        // the last sequence issued (its record may since be trimmed)
  uint64_t oldest_ = 1;      // the oldest sequence kept; last_ + 1 when the log is empty
};

}  // namespace crdtdb::store

#endif  // CRDTDB_STORE_CHANGE_LOG_H_
