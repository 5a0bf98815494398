// Copyright (c) crdtdb authors.
//
// The LevelDB options src/store/store.cc gives crdtdb's own LevelDB, for the raw-LevelDB baselines
// of store_bench and zipf_bench: paranoid checks, a 10-bit Bloom filter, an 8 MiB block cache
// (Options::cache_bytes), and reads that verify checksums as the store's do. Everything else is
// LevelDB's default (4 MiB write buffer, Snappy).
//
// StoreLevelDbOptions owns the cache and the filter policy that options() points to, so it must
// outlive every DB opened with them. StoreLevelDb is such a DB with its own StoreLevelDbOptions,
// opened (created if missing) at a path; failing to open it is a Fail (bench_fail.h). Not
// thread-safe to construct; the DB they configure is.

#ifndef CRDTDB_BENCH_STORE_LEVELDB_H_
#define CRDTDB_BENCH_STORE_LEVELDB_H_

#include <cstddef>
#include <filesystem>
#include <memory>

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>
#include <leveldb/options.h>

#include "bench_fail.h"

namespace crdtdb::bench {

constexpr size_t kStoreCacheBytes = size_t{8} << 20;  // as Options::cache_bytes and store.cc

class StoreLevelDbOptions {
 public:
  StoreLevelDbOptions()
      : cache_(leveldb::NewLRUCache(kStoreCacheBytes)),
        filter_(leveldb::NewBloomFilterPolicy(10)) {}

  leveldb::Options options() const {
    leveldb::Options lo;
    lo.create_if_missing = true;
    lo.paranoid_checks = true;
    lo.block_cache = cache_.get();
    lo.filter_policy = filter_.get();
    return lo;
  }

  static leveldb::ReadOptions read_options() {
    leveldb::ReadOptions ro;
    ro.verify_checksums = true;
    return ro;
  }

 private:
  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<const leveldb::FilterPolicy> filter_;
};

// Raw LevelDB at `path`, opened as src/store/store.cc opens crdtdb's; closed when destroyed.
class StoreLevelDb {
 public:
  explicit StoreLevelDb(const std::filesystem::path& path) {
    leveldb::DB* raw = nullptr;
    MustOk(leveldb::DB::Open(options_.options(), path.string(), &raw), "opening LevelDB",
           path.string());
    db_.reset(raw);
  }

  leveldb::DB* operator->() const { return db_.get(); }

 private:
  StoreLevelDbOptions options_;  // declared before db_ so that it outlives it
  std::unique_ptr<leveldb::DB> db_;
};

}  // namespace crdtdb::bench

#endif  // CRDTDB_BENCH_STORE_LEVELDB_H_
