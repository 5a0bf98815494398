// Copyright (c) crdtdb authors.

#include "metrics/registry.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace crdtdb::metrics {

namespace {

// Label values escape backslash, double quote and newline; help text backslash and newline.
void AppendEscaped(const std::string& text, bool quote, std::string* out) {
  for (char c : text) {
    if (c == '\\') {
      *out += "\\\\";
    } else if (c == '\n') {
      *out += "\\n";
    } else if (c == '"' && quote) {
      *out += "\\\"";
    } else {
      *out += c;
    }
  }
}

const char* TypeName(Type type) {
  switch (type) {
    case Type::kCounter: return "counter";
    case Type::kGauge: return "gauge";
    case Type::kHistogram: return "histogram";
  }
  return "untyped";
}

// {a="x",b="y"} (with `le` last for a bucket), or nothing without labels.
std::string LabelText(const std::vector<std::string>& names, const std::vector<std::string>& values,
                      const std::string* le = nullptr) {
  if (names.empty() && le == nullptr) return "";
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i] + "=\"";
    AppendEscaped(i < values.size() ? values[i] : "", true, &out);
    out += '"';
  }
  if (le != nullptr) out += (names.empty() ? "le=\"" : ",le=\"") + *le + "\"";
  return out + "}";
}

void Line(const std::string& name, const std::string& labels, const std::string& value,
          std::string* out) {
  *out += name;
  *out += labels;
  *out += ' ';
  *out += value;
  *out += '\n';
}

}  // namespace

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char text[32];
  if (v == std::trunc(v) && std::fabs(v) < 1e15) {
    std::snprintf(text, sizeof text, "%.0f", v);
    return text;
  }
  // The shortest text that reads back as v: 0.1 rather than 0.10000000000000001.
  for (int precision = 15; precision <= 17; ++precision) {
    std::snprintf(text, sizeof text, "%.*g", precision, v);
    if (std::strtod(text, nullptr) == v) break;
  }
  return text;
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double v) {
  const size_t bucket = static_cast<size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());  // first bound >= v
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot s;
  s.bounds = bounds_;
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

std::vector<double> LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

FamilyBase::FamilyBase(std::string name, std::string help, Type type,
                       std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), type_(type),
      label_names_(std::move(label_names)) {}

void FamilyBase::Header(std::string* out) const {
  *out += "# HELP " + name_ + ' ';
  AppendEscaped(help_, false, out);
  *out += "\n# TYPE " + name_ + ' ' + TypeName(type_) + '\n';
}

void FamilyBase::AppendSeries(const std::vector<std::string>& values, const Counter& c,
                              std::string* out) const {
  Line(name_, LabelText(label_names_, values), FormatValue(c.value()), out);
}

void FamilyBase::AppendSeries(const std::vector<std::string>& values, const Gauge& g,
                              std::string* out) const {
  Line(name_, LabelText(label_names_, values), FormatValue(g.value()), out);
}

void FamilyBase::AppendSeries(const std::vector<std::string>& values, const Histogram& h,
                              std::string* out) const {
  // Buckets are cumulative and the count is the +Inf bucket, from one read: consistent even while
  // observations land (the sum may include one more or less).
  const Histogram::Snapshot s = h.Read();
  for (size_t i = 0; i < s.bounds.size(); ++i) {
    const std::string le = FormatValue(s.bounds[i]);
    Line(name_ + "_bucket", LabelText(label_names_, values, &le), std::to_string(s.cumulative[i]),
         out);
  }
  const std::string inf = "+Inf";
  const std::string count = std::to_string(s.cumulative.back());
  Line(name_ + "_bucket", LabelText(label_names_, values, &inf), count, out);
  Line(name_ + "_sum", LabelText(label_names_, values), FormatValue(s.sum), out);
  Line(name_ + "_count", LabelText(label_names_, values), count, out);
}

template <typename T>
Family<T>& Registry::AddFamily(std::unique_ptr<Family<T>> family) {
  Family<T>& ref = *family;
  std::lock_guard lock(mu_);
  families_.push_back(std::move(family));
  return ref;
}

Family<Counter>& Registry::AddCounter(std::string name, std::string help,
                                      std::vector<std::string> label_names) {
  return AddFamily(std::make_unique<Family<Counter>>(std::move(name), std::move(help),
                                                     Type::kCounter, std::move(label_names)));
}

Family<Gauge>& Registry::AddGauge(std::string name, std::string help,
                                  std::vector<std::string> label_names) {
  return AddFamily(std::make_unique<Family<Gauge>>(std::move(name), std::move(help), Type::kGauge,
                                                   std::move(label_names)));
}

Family<Histogram>& Registry::AddHistogram(std::string name, std::string help,
                                          std::vector<std::string> label_names,
                                          std::vector<double> bounds) {
  return AddFamily(std::make_unique<Family<Histogram>>(
      std::move(name), std::move(help), Type::kHistogram, std::move(label_names),
      [bounds = std::move(bounds)] { return std::make_unique<Histogram>(bounds); }));
}

void Registry::AddCollectHook(std::function<void()> hook) {
  std::lock_guard lock(mu_);
  hooks_.push_back(std::move(hook));
}

std::string Registry::Render() const {
  std::lock_guard lock(mu_);
  for (const auto& hook : hooks_) hook();
  std::string out;
  for (const auto& family : families_) family->Render(&out);
  return out;
}

}  // namespace crdtdb::metrics
