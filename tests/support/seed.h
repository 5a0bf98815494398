// Copyright (c) crdtdb authors.
//
// Seeds for property tests. Every property runs a number of cases, each from its own seed; a
// failing case prints its seed, and CRDTDB_SEED=<n> replays exactly that case.
// CRDTDB_PROPERTY_CASES=<n> scales the number of cases (long runs, quick local runs).

#ifndef CRDTDB_TESTS_SUPPORT_SEED_H_
#define CRDTDB_TESTS_SUPPORT_SEED_H_

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <doctest/doctest.h>

namespace crdtdb::testing {

inline std::vector<uint64_t> PropertySeeds(uint64_t default_cases) {
  if (const char* seed = std::getenv("CRDTDB_SEED")) return {std::stoull(seed)};
  uint64_t cases = default_cases;
  if (const char* n = std::getenv("CRDTDB_PROPERTY_CASES")) cases = std::stoull(n);
  std::vector<uint64_t> seeds;
  for (uint64_t i = 1; i <= cases; ++i) seeds.push_back(i * 0x9E3779B97F4A7C15ull);
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
