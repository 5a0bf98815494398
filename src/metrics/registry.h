// Copyright (c) crdtdb authors.
//
// A small metrics registry for the Prometheus text exposition format, version 0.0.4
// (docs/http.md, "Metrics"). Counters, gauges and histograms with fixed buckets, each in a family
// of one name, help text and label names; one series per set of label values.
//
// The hot path is lock-free: a series is a few relaxed atomics, and a caller that records often
// (a request, a commit) keeps the reference `Labels()` returns, which stays valid for the
// registry's life unless the series is removed. Only creating, removing and rendering series take
// the family's mutex, so the replication loop never waits on a scrape for longer than a lookup.
// No dependency: the text is written here, and the format's rules (names, escaping, cumulative
// buckets, +Inf equal to _count) hold by construction.

#ifndef CRDTDB_METRICS_REGISTRY_H_
#define CRDTDB_METRICS_REGISTRY_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

namespace crdtdb::metrics {

// A monotonic count. Set() mirrors a count kept elsewhere (the sync engine's, the store's), which
// must itself never decrease.
// Counts are doubles, as in the format (CPU seconds are counted too); integers stay exact to 2^53.
class Counter {
 public:
  void Increment(double n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  void Set(double total) { value_.store(total, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double d) { value_.fetch_add(d, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted in fixed buckets: bucket i counts values <= bounds[i] (and above the
// bound before it); the last, implicit bucket (+Inf) those above every bound.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);  // ascending, finite
  void Observe(double v);

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // per bound, then +Inf; the last is the count
    double sum = 0;
  };
  Snapshot Read() const;

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1, not cumulative
  std::atomic<double> sum_{0};
};

// Bucket bounds for latencies in seconds: 100 us to 10 s, roughly x2.5 apart.
std::vector<double> LatencyBuckets();

enum class Type { kCounter, kGauge, kHistogram };

class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, Type type, std::vector<std::string> label_names);
  virtual ~FamilyBase() = default;
  // Appends the HELP and TYPE lines and every series, label values in sorted order.
  virtual void Render(std::string* out) const = 0;
  const std::string& name() const { return name_; }

 protected:
  void Header(std::string* out) const;
  // One series' sample lines.
  void AppendSeries(const std::vector<std::string>& values, const Counter& c, std::string* out) const;
  void AppendSeries(const std::vector<std::string>& values, const Gauge& g, std::string* out) const;
  void AppendSeries(const std::vector<std::string>& values, const Histogram& h,
                    std::string* out) const;

  const std::string name_, help_;
  const Type type_;
  const std::vector<std::string> label_names_;
  mutable std::mutex mu_;
};

template <typename T>
class Family final : public FamilyBase {
 public:
  Family(std::string name, std::string help, Type type, std::vector<std::string> label_names,
         std::function<std::unique_ptr<T>()> make = {})
      : FamilyBase(std::move(name), std::move(help), type, std::move(label_names)),
        make_(std::move(make)) {}

  // The series of these label values (as many as the family has label names), created at 0.
  T& Labels(const std::vector<std::string>& values) {
    std::lock_guard lock(mu_);
    std::unique_ptr<T>& series = series_[values];
    if (!series) {
      if constexpr (std::is_default_constructible_v<T>) {
        series = make_ ? make_() : std::make_unique<T>();
      } else {
        series = make_();  // a histogram: its family knows the bounds
      }
    }
    return *series;
  }
  // Forgets a series (a peer no longer configured); references to it become invalid.
  void Remove(const std::vector<std::string>& values) {
    std::lock_guard lock(mu_);
    series_.erase(values);
  }
  // The label values of every series.
  std::vector<std::vector<std::string>> Keys() const {
    std::lock_guard lock(mu_);
    std::vector<std::vector<std::string>> out;
    for (const auto& [values, series] : series_) out.push_back(values);
    return out;
  }
  void Render(std::string* out) const override {
    std::lock_guard lock(mu_);
    Header(out);
    for (const auto& [values, series] : series_) AppendSeries(values, *series, out);
  }

 private:
  std::function<std::unique_ptr<T>()> make_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> series_;
};

// The metrics of one process. Families are created once, at startup; rendering runs the collect
// hooks first (gauges read at scrape time: the process's memory, the size of a directory).
class Registry {
 public:
  Family<Counter>& AddCounter(std::string name, std::string help,
                              std::vector<std::string> label_names = {});
  Family<Gauge>& AddGauge(std::string name, std::string help,
                          std::vector<std::string> label_names = {});
  Family<Histogram>& AddHistogram(std::string name, std::string help,
                                  std::vector<std::string> label_names, std::vector<double> bounds);
  void AddCollectHook(std::function<void()> hook);

  // The exposition: every family in the order added. Safe from any thread.
  std::string Render() const;

 private:
  template <typename T>
  Family<T>& AddFamily(std::unique_ptr<Family<T>> family);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<FamilyBase>> families_;
  std::vector<std::function<void()>> hooks_;
};

// The Content-Type of the exposition.
constexpr char kContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// A sample value as the format writes it: integers without a fraction, +Inf, -Inf, NaN.
std::string FormatValue(double v);

}  // namespace crdtdb::metrics

#endif  // CRDTDB_METRICS_REGISTRY_H_
