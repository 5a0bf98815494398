// Copyright (c) crdtdb authors.
//
// Store::Open: decides from the directory whether a store may be created, opened, or must be
// refused (store_directory.h), and never lets LevelDB change the files of a store it would refuse.
//
// LevelDB's DB::Open is not read-only even when it succeeds: it renames LOG, replays the log into
// a new table, writes a new MANIFEST and CURRENT, deletes the files that made obsolete, and may
// start a compaction. When it fails halfway (a corrupt log record past the first few MiB), some
// of that is done already. So a read-only open runs it over an OverlayEnv (overlay_env.h), where
// all of it stays in memory; and a writable open of an existing store first opens the same files
// that way and checks the store's identity, and lets LevelDB at the real files only if that
// succeeded. What a writable open of a sound store then changes is LevelDB's ordinary work above,
// which moves data into new files before it deletes the old ones (docs/operations.md).

#include <filesystem>
#include <system_error>

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>

#include "store/overlay_env.h"
#include "store/store_directory.h"
#include "store/store_impl.h"
#include "store/timed_sync_env.h"

namespace crdtdb::store {

namespace {

Status OpenError(const leveldb::Status& s, const std::string& path) {
  if (s.ToString().find("lock") != std::string::npos) {
    return Status::IOError("database " + path + " is already open (by this or another process)");
  }
  if (s.IsCorruption()) {
    return Status::Corruption(
        "the store in " + path + " is damaged: " + s.ToString() +
        "; crdtdb changed nothing in it; see 'crdtdb repair' (docs/operations.md)");
  }
  return FromLevelDb(s, "opening " + path);
}

// Opens LevelDB at options.path, through an OverlayEnv if options.read_only.
Result<std::unique_ptr<Store::Impl>> OpenLevelDb(const StoreOptions& options, bool create) {
  LevelDbParts parts;
  leveldb::Options lo;
  lo.create_if_missing = create;
  lo.paranoid_checks = true;  // a corrupt log record is an error, not a skipped write
  parts.cache.reset(leveldb::NewLRUCache(options.cache_bytes));
  parts.filter.reset(leveldb::NewBloomFilterPolicy(10));
  lo.block_cache = parts.cache.get();
  lo.filter_policy = parts.filter.get();
  // Tables are read with pread, not mmap'd, so their pages stay out of the RSS (store/pread_env.h).
  // An injected Env is used as it is: it may have no real files to pread (tests use in-memory
  // ones).
  if (options.env != nullptr) {
    lo.env = options.env;
  } else {
    parts.pread_env = NewPreadEnv(leveldb::Env::Default());
    lo.env = parts.pread_env.get();
  }
  if (options.fsync_seconds != nullptr && !options.read_only) {  // a read-only open writes nothing
    parts.timed_sync_env = NewTimedSyncEnv(lo.env, options.fsync_seconds);
    lo.env = parts.timed_sync_env.get();
  }
  if (options.read_only) {
    parts.overlay_env = NewOverlayEnv(lo.env);
    lo.env = parts.overlay_env.get();
    parts.info_log = NewDiscardLogger();
    lo.info_log = parts.info_log.get();
  }
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(lo, options.path, &raw);
  if (!s.ok()) return OpenError(s, options.path);
  auto impl =
      std::make_unique<Store::Impl>(std::unique_ptr<leveldb::DB>(raw), std::move(parts), options);
  // After LevelDB checked the MANIFEST, and on the files as they are on disk: a read-only open,
  // which precedes every writable open of an existing store, has changed none of them.
  if (options.read_only) {
    leveldb::Env* disk = options.env != nullptr ? options.env : leveldb::Env::Default();
    if (Status present = CheckLogPresent(disk, options.path); !present.ok()) return present;
  }
  return impl;
}

// Makes `options.path` a directory holding the identity file, for LevelDB to create a store in.
Status PrepareNewStore(const StoreOptions& options, DirectoryState state) {
  leveldb::Env* env = options.env != nullptr ? options.env : leveldb::Env::Default();
  if (state == DirectoryState::kMissing) {
    // An injected Env owns its own namespace, so the real file system is left alone then.
    if (options.env != nullptr) {
      if (leveldb::Status s = env->CreateDir(options.path); !s.ok())
        return FromLevelDb(s, "creating " + options.path);
    } else {
      std::error_code ec;
      std::filesystem::create_directories(options.path, ec);
      if (ec) return Status::IOError("cannot create " + options.path + ": " + ec.message());
    }
  }
  if (state == DirectoryState::kUnfinished) return Status::OK();
  return WriteIdentityFile(env, options.path);
}

}  // namespace

Result<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  // Retention deletes sequence s - max with each append: with 0, the delta just appended.
  if (options.delta_log_max_entries == 0) {
    return Status::InvalidArgument(
        "delta_log_max_entries must be at least 1: with 0 every delta would be dropped as it is logged, "
        "and the stream would have nothing to publish");
  }
  if (options.change_log_max_entries == 0) {
    return Status::InvalidArgument("change_log_max_entries must be at least 1: the change log keeps its last change");
  }
  if (options.drop_chunk_documents == 0) {
    return Status::InvalidArgument("drop_chunk_documents must be at least 1: a drop would never progress");
  }
  leveldb::Env* env = options.env != nullptr ? options.env : leveldb::Env::Default();
  Result<DirectoryState> state = InspectStoreDirectory(env, options.path);
  if (!state.ok()) return state.status();
  const bool exists = *state == DirectoryState::kStore;
  if (!exists && (options.read_only || !options.create_if_missing)) {
    return Status::IOError("no crdtdb store in " + options.path +
                           (options.read_only ? " (a write creates one)" : ""));
  }
  if (!exists) {
    if (Status s = PrepareNewStore(options, *state); !s.ok()) return s;
  } else if (!options.read_only) {
    StoreOptions check = options;
    check.read_only = true;
    Result<std::unique_ptr<Impl>> view = OpenLevelDb(check, /*create=*/false);
    if (!view.ok()) return view.status();
    if (Status s = (*view)->CheckIdentity(); !s.ok()) return s.WithContext(options.path);
    // A store created before crdtdb wrote the identity file gets one, so that from now on a copy
    // of its files can be told from them (store_instance.h).
    if (!env->FileExists(options.path + "/" + kIdentityFileName)) {
      if (Status s = WriteIdentityFile(env, options.path); !s.ok()) return s;
    }
  }
  Result<std::unique_ptr<Impl>> impl = OpenLevelDb(options, /*create=*/!exists);
  if (!impl.ok()) return impl.status();
  if (Status load = (*impl)->Load(); !load.ok()) return load.WithContext(options.path);
  (*impl)->StartKeyFilterFill();
  return std::unique_ptr<Store>(new Store(std::move(impl).value()));
}

}  // namespace crdtdb::store
