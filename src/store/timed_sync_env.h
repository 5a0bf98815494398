// Copyright (c) crdtdb authors.
//
// TimedSyncEnv, internal to src/store: a leveldb::Env that observes how long each fsync of a
// file it opened for writing takes (the write-ahead log, tables written by compactions, the
// MANIFEST). A commit's latency (StoreOptions::commit_seconds) mixes the fsync with LevelDB's
// queueing and memtable insert; the disk's own health is the fsync alone, and LevelDB does not
// expose it, so it is measured where LevelDB calls it: WritableFile::Sync.
//
// Everything else goes to the wrapped Env unchanged.

#ifndef CRDTDB_STORE_TIMED_SYNC_ENV_H_
#define CRDTDB_STORE_TIMED_SYNC_ENV_H_

#include <memory>

#include <leveldb/env.h>

#include "metrics/registry.h"

namespace crdtdb::store {

// A TimedSyncEnv over `base` observing into `fsync_seconds` (neither owned; both must outlive
// the returned Env and every file it opened). Thread-safe as `base` is.
std::unique_ptr<leveldb::Env> NewTimedSyncEnv(leveldb::Env* base, metrics::Histogram* fsync_seconds);

}  // namespace crdtdb::store

#endif  // CRDTDB_STORE_TIMED_SYNC_ENV_H_
