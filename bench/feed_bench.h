// Copyright (c) crdtdb authors.
//
// feed_bench's parts (feed_bench.cc: the embedded database; feed_bench_remote.cc: a watcher over
// a served region's client endpoint, and one on another region than the writer's).

#ifndef CRDTDB_BENCH_FEED_BENCH_H_
#define CRDTDB_BENCH_FEED_BENCH_H_

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_harness.h"

namespace crdtdb::bench {

using FeedClock = std::chrono::steady_clock;

// The document every feed figure writes: ~80 bytes of JSON.
inline std::string FeedDoc(int i) {
  return R"({"n":)" + std::to_string(i) + R"(,"pad":")" + std::string(60, 'x') + "\"}";
}

// The delays in microseconds from each `from` to the `to` of the same index, sorted; 0 where `to`
// came first (an embedded commit noted after its callback ran).
inline std::vector<double> SortedDelaysUs(const std::vector<FeedClock::time_point>& from,
                                          const std::vector<FeedClock::time_point>& to) {
  std::vector<double> delays(from.size());
  for (size_t i = 0; i < from.size(); ++i) {
    delays[i] = std::max(0.0, std::chrono::duration<double, std::micro>(to[i] - from[i]).count());
  }
  std::sort(delays.begin(), delays.end());
  return delays;
}

// The p-th fraction (0.5, 0.99) of sorted, non-empty `v`.
inline double At(const std::vector<double>& v, double p) {
  return v[std::min(v.size() - 1, static_cast<size_t>(static_cast<double>(v.size()) * p))];
}

struct RemoteFeedOptions {
  int changes = 5'000;        // per figure
  int paced_rate = 1'000;     // writes per second of the delay figures
};

// The remote figures (feed_bench_remote.cc), each region served in this process under `root`:
// feed.remote_* (a watcher on the writer's region, over its client endpoint) and feed.region_*
// (the writer on region a, the watcher on region b: the delay includes replication).
void RemoteFeedFigures(const std::filesystem::path& root, const RemoteFeedOptions& options, Reporter& out);

}  // namespace crdtdb::bench

#endif  // CRDTDB_BENCH_FEED_BENCH_H_
