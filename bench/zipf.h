// Copyright (c) crdtdb authors.
//
// Skewed and uniform draws for the benches that pick documents the way real writers do
// (zipf_bench, scale_bench): a few documents take most of the writes. Deterministic in the seed,
// so that a run can be repeated. Plain values; const ones may be shared by threads.

#ifndef CRDTDB_BENCH_ZIPF_H_
#define CRDTDB_BENCH_ZIPF_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "bench_harness.h"

namespace crdtdb::bench {

// Zipf(s) over ranks [0, n): rank r drawn with probability proportional to 1 / (r + 1)^s, by
// inverting the cumulative distribution. The caller maps a rank to a document whose key is a
// hash, so that the hot documents are spread over the key space.
class Zipf {
 public:
  Zipf(uint64_t n, double s) : cdf_(n) {
    double sum = 0;
    for (uint64_t r = 0; r < n; ++r) {
      sum += 1.0 / std::pow(static_cast<double>(r + 1), s);
      cdf_[r] = sum;
    }
    for (double& c : cdf_) c /= sum;
  }
  // u in [0, 1).
  uint64_t Rank(double u) const {
    const auto it = std::upper_bound(cdf_.begin(), cdf_.end(), u);
    return std::min<uint64_t>(static_cast<uint64_t>(it - cdf_.begin()), cdf_.size() - 1);
  }

 private:
  std::vector<double> cdf_;
};

// Draw i of `seed`, uniform in [0, 1).
inline double Uniform(uint64_t seed, uint64_t i) {
  return static_cast<double>(Mix(seed * 0x100000001B3ull + i) >> 11) * 0x1.0p-53;
}

}  // namespace crdtdb::bench

#endif  // CRDTDB_BENCH_ZIPF_H_
