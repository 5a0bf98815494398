// Copyright (c) crdtdb authors.
//
// How a bench program stops when something is wrong: Fail prints "PROGRAM: what" on stderr and
// aborts, so that a wrong answer or a failed call is never reported as a figure; MustOk and Must
// check a crdtdb::Status / leveldb::Status / Result<T> that way. PROGRAM is the name the program
// gives SetBenchProgram first thing in its Main; WarnIfNotRelease says, with it, that a build
// without NDEBUG gives no real numbers.
//
// Shared by the bench programs that check their outcomes this way (net_bench, ae_net_bench,
// sync_bench, store_bench, zipf_bench). Single-threaded setup: SetBenchProgram before any thread.

#ifndef CRDTDB_BENCH_BENCH_FAIL_H_
#define CRDTDB_BENCH_BENCH_FAIL_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

#include "crdtdb/result.h"

namespace crdtdb::bench {

inline const char*& BenchProgramSlot() {
  static const char* name = "bench";
  return name;
}

// The name in front of every failure and warning: "zipf_bench", say.
inline void SetBenchProgram(const char* name) { BenchProgramSlot() = name; }
inline const char* BenchProgram() { return BenchProgramSlot(); }

[[noreturn]] inline void Fail(const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", BenchProgram(), what.c_str());
  std::abort();
}

// The value of a command-line flag that takes a positive count; Fail otherwise (also when the
// value is missing, i.e. null).
inline uint64_t ParseCount(const char* flag, const char* value) {
  char* end = nullptr;
  const unsigned long long v = value ? std::strtoull(value, &end, 10) : 0;
  if (value == nullptr || *end != '\0' || v == 0) Fail(std::string(flag) + " needs a positive number");
  return v;
}

// Fails with "what: error" (or "what key: error") unless `s` is ok. S: crdtdb::Status or
// leveldb::Status. The message is built only on failure, so that checking costs nothing inside a
// timed loop.
template <typename S>
void MustOk(const S& s, std::string_view what, std::string_view key = {}) {
  if (s.ok()) return;
  std::string message(what);
  if (!key.empty()) message.append(" ").append(key);
  Fail(message + ": " + s.ToString());
}

// The value of `r`, or Fail as MustOk.
template <typename T>
T Must(Result<T> r, std::string_view what, std::string_view key = {}) {
  MustOk(r.status(), what, key);
  return std::move(r).value();
}

// The warning on stderr of a build without NDEBUG (its figures are not the real ones).
inline void WarnIfNotRelease() {
#ifndef NDEBUG
  std::fprintf(stderr, "%s: warning: built without NDEBUG; use a Release build\n", BenchProgram());
#endif
}

}  // namespace crdtdb::bench

#endif  // CRDTDB_BENCH_BENCH_FAIL_H_
