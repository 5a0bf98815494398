// Copyright (c) crdtdb authors.
//
// PreadEnv, internal to src/store: a leveldb::Env that reads table files with pread(2) instead of
// mapping them. LevelDB's default Env mmaps up to 1,000 table files on 64-bit, and serves the
// index and filter blocks of a mapped table from the mapping: every page touched then counts in
// the process's RSS (at 10M documents, 450 of 487 MiB of VmRSS were table pages). Read with
// pread, those blocks live on the heap (bounded by the table cache) and the data blocks in the
// block cache (bounded by StoreOptions::cache_bytes); the file pages stay in the kernel's page
// cache, shared and reclaimable, out of the process's RSS.
//
// File descriptors: LevelDB keeps up to Options::max_open_files (default 1,000) tables open, while
// the default soft RLIMIT_NOFILE is 1,024 and the server also holds ZeroMQ sockets. So, as
// LevelDB's own PosixRandomAccessFile does, a table keeps its descriptor open only while an
// FdLimiter grants it a permit; without one, each Read opens, reads and closes the file.
//
// Everything but NewRandomAccessFile goes to the wrapped Env, which must be backed by the real
// file system (an in-memory Env has no files to pread).

#ifndef CRDTDB_STORE_PREAD_ENV_H_
#define CRDTDB_STORE_PREAD_ENV_H_

#include <atomic>
#include <memory>

#include <leveldb/env.h>

namespace crdtdb::store {

// Hands out at most `max_permits` permits, each for one descriptor kept open. Thread-safe.
class FdLimiter {
 public:
  explicit FdLimiter(int max_permits) : permits_(max_permits) {}
  FdLimiter(const FdLimiter&) = delete;
  FdLimiter& operator=(const FdLimiter&) = delete;

  // The limiter every PreadEnv of the process shares by default: 20% of the soft RLIMIT_NOFILE
  // (as LevelDB's PosixEnv), at least 16. Never destroyed, so it outlives every file.
  static FdLimiter* ProcessWide();

  // True if a permit was granted; then Release() must follow.
  bool Acquire();
  void Release();
  int available() const { return permits_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int> permits_;
};

// A PreadEnv over `base` (not owned; it and `limiter` must outlive the returned Env and every file
// it opened).
std::unique_ptr<leveldb::Env> NewPreadEnv(leveldb::Env* base, FdLimiter* limiter = FdLimiter::ProcessWide());

}  // namespace crdtdb::store

#endif  // CRDTDB_STORE_PREAD_ENV_H_
