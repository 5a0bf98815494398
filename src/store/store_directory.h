// Copyright (c) crdtdb authors.
//
// What a store directory holds, found before LevelDB is given it. LevelDB, asked to create a
// database where one is damaged (CURRENT missing, say), creates an empty one and then deletes
// the old table files as obsolete; asked to open a directory of other files, it adds its own. So
// the store decides from the listing alone whether it may create a store there (a missing or
// empty directory, or one whose creation crdtdb began), open one, or must refuse and change
// nothing (docs/operations.md, "Damaged stores").

#ifndef CRDTDB_STORE_STORE_DIRECTORY_H_
#define CRDTDB_STORE_STORE_DIRECTORY_H_

#include <string>
#include <string_view>

#include <leveldb/env.h>

#include "crdtdb/result.h"

namespace crdtdb::store {

// The file crdtdb writes into a directory before it creates a store there: a directory holding it
// and nothing but LevelDB's first files is a creation that was cut short, which may be completed.
constexpr const char* kIdentityFileName = "CRDTDB";

enum class DirectoryState {
  kMissing,     // no such directory
  kEmpty,       // an empty directory
  kUnfinished,  // the identity file and at most the files LevelDB writes before CURRENT
  kStore,       // a LevelDB database whose CURRENT names a MANIFEST that is there
};

// The state of `path` as `env` sees it. A directory that holds other files, or a database whose
// CURRENT is missing, empty, malformed or names a missing MANIFEST, is an error (IOError or
// Corruption) that says what is wrong; nothing is written.
Result<DirectoryState> InspectStoreDirectory(leveldb::Env* env, const std::string& path);

// Corruption if the log file that the store's MANIFEST names as current is missing. LevelDB
// treats logs as optional (they are not in its list of live files), so without this check a store
// whose newest log was deleted opens without a word and without the writes the log held.
// Precondition: LevelDB opened the store without error, so the MANIFEST's record checksums are
// good (this parser does not check them).
Status CheckLogPresent(leveldb::Env* env, const std::string& path);

// Whether `name` is one of the files LevelDB keeps in a database directory (CURRENT, LOCK, LOG,
// LOG.old, MANIFEST-N, N.ldb, N.sst, N.log, N.dbtmp). Others, such as the server's identity
// bindings, belong to crdtdb.
bool IsLevelDbFile(std::string_view name);

// Writes the identity file (synced) into the existing directory `path`.
Status WriteIdentityFile(leveldb::Env* env, const std::string& path);

// The file a store whose writes failed leaves in its directory, at once: its next open starts a
// new stream epoch (docs/storage.md, "Stream epochs"), even if the process is killed before it
// closes. A file and not a LevelDB record, since after a failed fsync LevelDB refuses every later
// write. Its presence is what counts: creating an empty file works on a full disk, and on a
// failing one a process crash keeps it in the page cache (a reboot starts a new epoch anyway).
constexpr const char* kFailedWriteFileName = "FAILED-WRITE";

// Creates the failed-write file in `path`, with `why` in it and synced where the disk allows.
// An error only if the file could not be created.
Status WriteFailedWriteFile(leveldb::Env* env, const std::string& path, const std::string& why);

}  // namespace crdtdb::store

#endif  // CRDTDB_STORE_STORE_DIRECTORY_H_
