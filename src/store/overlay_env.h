// Copyright (c) crdtdb authors.
//
// OverlayEnv, internal to src/store: a leveldb::Env that reads the files of another Env but keeps
// every change in memory. A store opened read-only runs LevelDB over it, so LevelDB's own work at
// open (replaying the log into a table, writing a new MANIFEST and CURRENT, deleting the files
// that made obsolete, renaming LOG, compacting) happens as usual but reaches no file on disk:
// new files live in memory, a removed or renamed file of the base is only hidden. So a read-only
// open leaves every file of the directory, and the directory listing, exactly as it found them.
//
// Locks: LockFile locks a LOCK file that exists in the base (so a read-only open still excludes a
// process that has the store open for writing, and vice versa), and otherwise hands out an
// in-memory lock rather than create the file.
//
// Thread-safe, as LevelDB requires. Memory: whatever LevelDB writes while the store is open (a
// table per replayed log, at most a few MiB, and the output of background compactions, which a
// close stops). Schedule, StartThread and the clock go to the base.

#ifndef CRDTDB_STORE_OVERLAY_ENV_H_
#define CRDTDB_STORE_OVERLAY_ENV_H_

#include <memory>

#include <leveldb/env.h>

namespace crdtdb::store {

// An OverlayEnv over `base` (not owned; it must outlive the returned Env and every file it opened).
std::unique_ptr<leveldb::Env> NewOverlayEnv(leveldb::Env* base);

// A LevelDB info log that writes nothing, for opens that must not create or rename LOG files.
std::unique_ptr<leveldb::Logger> NewDiscardLogger();

}  // namespace crdtdb::store

#endif  // CRDTDB_STORE_OVERLAY_ENV_H_
