// Copyright (c) crdtdb authors.

#ifndef CRDTDB_INCLUDE_OPTIONS_H_
#define CRDTDB_INCLUDE_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace crdtdb {

// When a write is acknowledged (docs/operations.md, "Durability").
enum class Durability {
  // Acknowledged once in the operating system's page cache: survives a crash of the process
  // (kill -9), may lose the last writes on a power loss or OS crash. The default.
  kBuffered,
  // Acknowledged once fsync'd: survives power loss. Concurrent writers share one fsync (group
  // commit), so throughput grows with the number of writing threads.
  kSync,
};

struct Options {
  // Directory of the database; created if missing (with its parents) when create_if_missing. A
  // database is created only in a missing or empty directory; a directory holding other files, or
  // a damaged database, is refused and left as it is (docs/operations.md, "Damaged stores").
  std::string path = "crdtdb-data";
  bool create_if_missing = true;
  // Opens an existing database without changing any of its files (what LevelDB does at open stays
  // in memory); every write fails. A missing database is an error then, never created.
  bool read_only = false;
  Durability durability = Durability::kBuffered;

  // How many of this replica's own deltas the delta log keeps for peers that missed them. Older
  // deltas are dropped; a peer further behind repairs by anti-entropy instead. At least 1 (Open
  // refuses 0 with InvalidArgument).
  uint64_t delta_log_max_entries = 100'000;

  // How many changes the change log keeps for watchers (docs/changes.md); a watcher whose
  // cursor is older gets Gone and resyncs. Each costs one record of its key's size plus 10 bytes.
  // At least 1 (Open refuses 0 with InvalidArgument).
  uint64_t change_log_max_entries = 1'000'000;

  // LevelDB block cache, in bytes.
  size_t cache_bytes = size_t{8} << 20;

  // The physical clock for hybrid-logical-clock timestamps, in ms since the Unix epoch. Null means
  // the system clock; tests set it to make timestamps deterministic.
  uint64_t (*clock_ms)() = nullptr;
};

}  // namespace crdtdb

#endif  // CRDTDB_INCLUDE_OPTIONS_H_
