// Copyright (c) crdtdb authors.
//
// A small timing and reporting harness for crdt_bench. Every figure is reported beside a baseline
// measured in the same run, because only side-by-side ratios survive a noisy, shared machine:
// MeasurePair alternates the two measurements `reps` times and keeps the median of each.
//
// A Run is a callable `double(uint64_t n)` that performs n operations and returns the seconds it
// spent on them; it may do untimed setup (copies of an input, say) between its own timed sections.
// Rate() calls it with growing n until one call takes at least `min_seconds`.
//
// Output: Report prints one JSON object per row on stdout as soon as the row is known, and
// PrintTable writes the same rows as a Markdown table on stderr, so stdout stays JSON lines.
// Single-threaded; nothing here is shared.

#ifndef CRDTDB_BENCH_BENCH_HARNESS_H_
#define CRDTDB_BENCH_BENCH_HARNESS_H_

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace crdtdb::bench {

struct Options {
  double min_seconds = 0.3;  // per timed sample
  int reps = 3;              // alternated samples per pair; the median is reported
  bool quick = false;
};

// Keeps the compiler from dropping a computation whose result is otherwise unused.
template <typename T>
inline void DoNotOptimize(const T& value) {
  asm volatile("" : : "r,m"(value) : "memory");
}

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

// Times `op(i)` for i in [0, n).
template <typename Op>
double TimeLoop(uint64_t n, Op&& op) {
  Stopwatch watch;
  for (uint64_t i = 0; i < n; ++i) op(i);
  return watch.Seconds();
}

// Operations per second of `run`, from the first call that lasts at least min_seconds.
template <typename Run>
double Rate(Run&& run, double min_seconds) {
  uint64_t n = 1;
  for (;;) {
    const double seconds = run(n);
    if (seconds >= min_seconds) return static_cast<double>(n) / seconds;
    const double grow = seconds > 0 ? 1.4 * min_seconds / seconds : 100.0;
    n = static_cast<uint64_t>(static_cast<double>(n) * std::clamp(grow, 2.0, 100.0));
  }
}

// One sample of a figure (an operation rate, say).
using Sampler = std::function<double()>;

// A Sampler of Rate(run, opts.min_seconds). Whatever `run` refers to must outlive the Sampler.
template <typename Run>
Sampler RateSampler(const Options& opts, Run run) {
  return [&opts, run]() mutable { return Rate(run, opts.min_seconds); };
}

// A Sampler of op(i) called in a plain loop.
template <typename Op>
Sampler LoopSampler(const Options& opts, Op op) {
  return RateSampler(opts, [op](uint64_t n) mutable { return TimeLoop(n, op); });
}

struct PairResult {
  double value = 0;
  double baseline = 0;
};

inline double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t mid = v.size() / 2;
  return v.size() % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

// Samples `value` and `baseline` alternately, opts.reps times each; medians of both.
inline PairResult MeasurePair(const Sampler& value, const Sampler& baseline, const Options& opts) {
  std::vector<double> a, b;
  for (int r = 0; r < opts.reps; ++r) {
    a.push_back(value());
    b.push_back(baseline());
  }
  return {Median(a), Median(b)};
}

struct Row {
  std::string bench;
  double value = 0;
  std::string unit;
  std::string baseline;
  double baseline_value = 0;

  double ratio() const { return baseline_value != 0 ? value / baseline_value : 0; }
};

// Four significant digits: the noise of a shared machine is far above that. Whole numbers (byte
// counts) stay exact.
inline double Round4(double x) {
  if (x == std::trunc(x) && std::fabs(x) < 9e15) return x;
  if (x == 0 || !std::isfinite(x)) return x;
  const double scale = std::pow(10.0, 3 - static_cast<int>(std::floor(std::log10(std::fabs(x)))));
  return std::round(x * scale) / scale;
}

inline nlohmann::json Number(double x) {
  const double r = Round4(x);
  if (r == std::trunc(r) && std::fabs(r) < 9e15) return static_cast<int64_t>(r);
  return r;
}

class Reporter {
 public:
  void Report(Row row) {
    nlohmann::ordered_json line = {{"bench", row.bench},
                                   {"value", Number(row.value)},
                                   {"unit", row.unit},
                                   {"baseline", row.baseline},
                                   {"baseline_value", Number(row.baseline_value)},
                                   {"ratio", Number(row.ratio())}};
    std::printf("%s\n", line.dump().c_str());
    std::fflush(stdout);
    rows_.push_back(std::move(row));
  }

  void PrintTable(std::FILE* out) const {
    std::fprintf(out, "| bench | value | unit | baseline | baseline value | ratio |\n");
    std::fprintf(out, "|---|---:|---|---|---:|---:|\n");
    for (const Row& row : rows_) {
      std::fprintf(out, "| %s | %s | %s | %s | %s | %s |\n", row.bench.c_str(),
                   Number(row.value).dump().c_str(), row.unit.c_str(), row.baseline.c_str(),
                   Number(row.baseline_value).dump().c_str(), Number(row.ratio()).dump().c_str());
    }
  }

 private:
  std::vector<Row> rows_;
};

// splitmix64: a bijection, so distinct indexes give distinct ids.
inline uint64_t Mix(uint64_t x) {
  uint64_t z = (x + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// `v` as `digits` lowercase hex digits (the low ones).
inline std::string Hex(uint64_t v, int digits) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out(static_cast<size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i, v >>= 4) out[static_cast<size_t>(i)] = kDigits[v & 15];
  return out;
}

// Document i at `version`: a JSON object of 5 fields (name, email, age, city, bio),
// exactly `json_bytes` long, the same in every benchmark so their figures compare.
inline std::string DocJson(uint64_t i, uint64_t version, size_t json_bytes) {
  const std::string user = Hex(Mix(i) >> 32, 8);
  std::string json = "{\"name\":\"user-" + user + "\",\"email\":\"user-" + user +
                     "@example.com\",\"age\":" + std::to_string(version % 100) +
                     ",\"city\":\"city-" + std::to_string(i % 1000) + "\",\"bio\":\"";
  uint64_t bits = Mix(i ^ (version << 40));
  while (json.size() < json_bytes - 2) {
    json += static_cast<char>('a' + bits % 26);
    bits = bits * 6364136223846793005ull + 1442695040888963407ull;
    bits ^= bits >> 29;
  }
  json += "\"}";
  return json;
}

}  // namespace crdtdb::bench

#endif  // CRDTDB_BENCH_BENCH_HARNESS_H_
