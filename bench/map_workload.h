// Copyright (c) crdtdb authors.
//
// The peers' map workload (shared/peers/map_workload.js), ported for map_bench: the keys and
// values it writes, its PRNG (mulberry32, checked against node's output), and the process's
// resident memory as the peers read theirs.

#ifndef CRDTDB_BENCH_MAP_WORKLOAD_H_
#define CRDTDB_BENCH_MAP_WORKLOAD_H_

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <nlohmann/json.hpp>

namespace crdtdb::bench {

// prefix + decimal n. (Not `"literal" + std::to_string(n)`: GCC 12 warns -Wrestrict on it falsely.)
inline std::string Numbered(const char* prefix, uint64_t n) {
  std::string out = prefix;
  out += std::to_string(n);
  return out;
}

// The value W1 writes in operation i.
inline nlohmann::json FillValue(uint64_t i) {
  using Json = nlohmann::json;
  return i % 2 == 0 ? Json(static_cast<int64_t>(i)) : Json(Numbered("val-", i));
}

// mulberry32, as map_workload.js's rng(): Math.imul and `>>> 0` are uint32 arithmetic.
class Mulberry32 {
 public:
  explicit Mulberry32(uint32_t seed) : a_(seed) {}
  uint32_t Next() {
    a_ += 0x6D2B79F5u;
    uint32_t t = a_;
    t = (t ^ (t >> 15)) * (t | 1u);
    t ^= t + (t ^ (t >> 7)) * (t | 61u);
    return t ^ (t >> 14);
  }
  // Math.floor(rng() * k): rng() is Next() / 2^32, and Next() * k < 2^53 is exact in a double.
  uint64_t Below(uint64_t k) { return (static_cast<uint64_t>(Next()) * k) >> 32; }

 private:
  uint32_t a_;
};

// The first keys and the key sum of 50,000 draws, as node printed them for map_workload.js.
inline bool Mulberry32MatchesNode() {
  struct Expected {
    uint32_t seed;
    uint64_t first[5];
    uint64_t sum;
  };
  for (const Expected& e : {Expected{42, {6011, 4482, 8524, 6697, 1748}, 250599742},
                            Expected{43, {9998, 2764, 5294, 591, 633}, 250993864}}) {
    Mulberry32 rng(e.seed);
    uint64_t sum = 0;
    for (uint64_t i = 0; i < 50'000; ++i) {
      const uint64_t k = rng.Below(10'000);
      if (i < 5 && k != e.first[i]) return false;
      sum += k;
    }
    if (sum != e.sum) return false;
  }
  return true;
}

// VmRSS in MiB after returning free memory to the system, the counterpart of the peers' gc().
inline double RssMiB() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
  }
  return 0;
}

}  // namespace crdtdb::bench

#endif  // CRDTDB_BENCH_MAP_WORKLOAD_H_
