// Copyright (c) crdtdb authors.
//
// mulberry32, as the peers' rng() in bench/peers/*.js: the same stream of doubles in [0, 1) for a
// seed, so that a workload and its peers' copy make the same items and choices.

#ifndef CRDTDB_BENCH_MULBERRY32_H_
#define CRDTDB_BENCH_MULBERRY32_H_

#include <cstdint>

namespace crdtdb::bench {

class Mulberry32 {
 public:
  explicit Mulberry32(uint32_t seed) : a_(seed) {}
  double operator()() {
    a_ += 0x6D2B79F5u;
    uint32_t t = a_;
    t = (t ^ (t >> 15)) * (t | 1u);
    t ^= t + (t ^ (t >> 7)) * (t | 61u);
    return static_cast<double>(t ^ (t >> 14)) / 4294967296.0;
  }
  // Math.floor(rng() * n).
  uint64_t Below(uint64_t n) { return static_cast<uint64_t>((*this)() * static_cast<double>(n)); }

 private:
  uint32_t a_;
};

}  // namespace crdtdb::bench

#endif  // CRDTDB_BENCH_MULBERRY32_H_
