// Copyright (c) crdtdb authors.
//
// Seeds for property tests. Every property runs a number of cases, each from its own seed; a
// failing case prints its seed, and CRDTDB_SEED=<n> replays exactly that case.
// CRDTDB_PROPERTY_CASES=<n> sets the number of cases of every property (long runs, quick local
// runs); CRDTDB_PROPERTY_CASES_PERCENT=<p> scales each property's own default instead (at least
// one case), which the sanitizer preset uses: its runs are several times slower, and the dev preset and
// CI's randomized campaign run every case without it.
//
// By default the seeds are one fixed sequence, so that a run is deterministic. A campaign that
// should explore cases no run tried before sets CRDTDB_PROPERTY_SEED: to a number, the base its
// seeds derive from, or to "random" for a fresh base. The base is printed on stderr, so that
// CRDTDB_PROPERTY_SEED=<base> replays the whole campaign (and CRDTDB_SEED one failing case).

#ifndef CRDTDB_TESTS_SUPPORT_SEED_H_
#define CRDTDB_TESTS_SUPPORT_SEED_H_

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

namespace crdtdb::testing {

// SplitMix64's finalizer (Steele et al., 2014): spreads consecutive inputs over all 64 bits.
inline uint64_t MixSeed(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// The base of this process's seeds from CRDTDB_PROPERTY_SEED (read and printed once), or
// nullopt when it is unset: then the seeds are the fixed default sequence.
inline std::optional<uint64_t> PropertyBaseSeed() {
  static const std::optional<uint64_t> base = []() -> std::optional<uint64_t> {
    const char* text = std::getenv("CRDTDB_PROPERTY_SEED");
    if (text == nullptr) return std::nullopt;
    uint64_t value = 0;
    if (std::string_view(text) == "random") {
      std::random_device device;
      value = (uint64_t{device()} << 32) | device();
    } else {
      value = std::stoull(text);
    }
    std::fprintf(stderr, "property seeds from base CRDTDB_PROPERTY_SEED=%llu\n",
                 static_cast<unsigned long long>(value));
    return value;
  }();
  return base;
}

inline std::vector<uint64_t> PropertySeeds(uint64_t default_cases) {
  if (const char* seed = std::getenv("CRDTDB_SEED")) return {std::stoull(seed)};
  uint64_t cases = default_cases;
  if (const char* percent = std::getenv("CRDTDB_PROPERTY_CASES_PERCENT")) {
    cases = std::max<uint64_t>(1, cases * std::stoull(percent) / 100);
  }
  if (const char* n = std::getenv("CRDTDB_PROPERTY_CASES")) cases = std::stoull(n);
  const std::optional<uint64_t> base = PropertyBaseSeed();
  std::vector<uint64_t> seeds;
  for (uint64_t i = 1; i <= cases; ++i) {
    seeds.push_back(base ? MixSeed(*base + i) : i * 0x9E3779B97F4A7C15ull);
  }
  return seeds;
}

// The one-line command that replays the running test with `seed`, for failure messages:
// INFO("replay: " << ReplayCommand(seed)).
inline std::string ReplayCommand(uint64_t seed) {
  const doctest::ContextOptions* options = doctest::getContextOptions();
  std::string command = "CRDTDB_SEED=" + std::to_string(seed) + " " + options->binary_name.c_str();
  if (options->currentTest != nullptr) command += std::string(" -tc=\"") + options->currentTest->m_name + "\"";
  return command;
}

}  // namespace crdtdb::testing

#endif  // CRDTDB_TESTS_SUPPORT_SEED_H_
