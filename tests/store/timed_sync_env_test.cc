// Copyright (c) crdtdb authors.
//
// StoreOptions::fsync_seconds (store/timed_sync_env.h): every fsync LevelDB makes is observed, and
// only fsyncs are: a commit that is not synced adds none.

#include <string>

#include <doctest/doctest.h>

#include "metrics/registry.h"
#include "store/store.h"
#include "tests/store/store_writes.h"
#include "tests/support/temp_dir.h"

namespace crdtdb::store {
namespace {

uint64_t Count(const metrics::Histogram& h) { return h.Read().cumulative.back(); }

std::unique_ptr<Store> OpenTimed(const std::string& path, bool sync_writes, metrics::Histogram* fsyncs) {
  StoreOptions options;
  options.path = path;
  options.sync_writes = sync_writes;
  options.fsync_seconds = fsyncs;
  return testing::OpenStoreWith(options);
}

TEST_CASE("fsync_seconds observes each fsync of a synced commit, and none of a buffered one") {
  testing::TempDir dir;
  metrics::Histogram fsyncs(metrics::LatencyBuckets());
  {
    std::unique_ptr<Store> buffered = OpenTimed(dir.path() + "/s", /*sync_writes=*/false, &fsyncs);
    const uint64_t opened = Count(fsyncs);
    CHECK(opened > 0);  // creating the store synced its MANIFEST
    for (int i = 0; i < 10; ++i) testing::Put(*buffered, "todos/" + std::to_string(i), crdt::Json{{"n", i}}, 100 + i);
    CHECK(Count(fsyncs) == opened);
  }
  std::unique_ptr<Store> synced = OpenTimed(dir.path() + "/s", /*sync_writes=*/true, &fsyncs);
  const uint64_t before = Count(fsyncs);
  for (int i = 0; i < 10; ++i) testing::Put(*synced, "todos/" + std::to_string(i), crdt::Json{{"n", -i}}, 200 + i);
  CHECK(Count(fsyncs) >= before + 10);  // at least the log's fsync of each commit
  CHECK(fsyncs.Read().sum > 0);
}

TEST_CASE("a read-only open observes nothing: it writes no file") {
  testing::TempDir dir;
  { testing::OpenStore(dir.path() + "/s"); }
  metrics::Histogram fsyncs(metrics::LatencyBuckets());
  StoreOptions options;
  options.path = dir.path() + "/s";
  options.read_only = true;
  options.fsync_seconds = &fsyncs;
  Result<std::unique_ptr<Store>> store = Store::Open(options);
  REQUIRE(store.ok());
  CHECK(Count(fsyncs) == 0);
}

}  // namespace
}  // namespace crdtdb::store
