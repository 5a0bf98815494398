// Copyright (c) crdtdb authors.
//
// PreadEnv, internal to src/store: a leveldb::Env that maps table files only up to a budget of
// bytes and reads the others with pread(2). LevelDB's default Env mmaps up to 1,000 table files
// on 64-bit, and serves blocks of a mapped table from the mapping: every page touched then counts
// in the process's RSS (at 10M documents, 450 of 487 MiB of VmRSS were table pages). Read with
// pread, index and filter blocks live on the heap (bounded by the table cache) and data blocks in
// the block cache (bounded by StoreOptions::cache_bytes); the file pages stay in the kernel's
// page cache, shared and reclaimable, out of the process's RSS. But a pread costs a system call
// and a copy per block-cache miss where a mapping costs neither (random gets ran ~0.69x of
// LevelDB's speed instead of ~0.8x), so tables are still mapped while the mapped bytes stay
// within a MapBudget: a small database reads as fast as with LevelDB's Env, and a large one adds
// at most the budget to the RSS.
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
#include <cstdint>
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

// Bytes of table files that may be mapped at once. Thread-safe.
class MapBudget {
 public:
  explicit MapBudget(uint64_t bytes) : left_(bytes) {}
  MapBudget(const MapBudget&) = delete;
  MapBudget& operator=(const MapBudget&) = delete;

  // The budget every PreadEnv of the process shares by default: 32 MiB (16 tables of LevelDB's
  // 2 MiB). Never destroyed, so it outlives every file.
  static MapBudget* ProcessWide();

  // True if `bytes` were granted; then Release(bytes) must follow.
  bool Acquire(uint64_t bytes);
  void Release(uint64_t bytes);
  uint64_t left() const { return left_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> left_;
};

// A PreadEnv over `base` (not owned; it, `limiter` and `budget` must outlive the returned Env and
// every file it opened).
std::unique_ptr<leveldb::Env> NewPreadEnv(leveldb::Env* base, FdLimiter* limiter = FdLimiter::ProcessWide(),
                                          MapBudget* budget = MapBudget::ProcessWide());

}  // namespace crdtdb::store

#endif  // CRDTDB_STORE_PREAD_ENV_H_
