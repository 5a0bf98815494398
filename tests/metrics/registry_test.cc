// Copyright (c) crdtdb authors.

#include "metrics/registry.h"

#include <cmath>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "metrics/process_metrics.h"
#include "tests/support/exposition.h"

namespace crdtdb::metrics {
namespace {

using testing::ParseExposition;

TEST_CASE("metrics: counters, gauges and histograms render as valid exposition text") {
  Registry registry;
  Family<Counter>& requests =
      registry.AddCounter("test_requests_total", "Requests.\nSecond line \\ here.", {"method", "code"});
  Gauge& up = registry.AddGauge("test_up", "Whether it is up.").Labels({});
  Family<Histogram>& latency =
      registry.AddHistogram("test_latency_seconds", "Latency.", {"method"}, {0.1, 0.5, 1});
  requests.Labels({"GET", "200"}).Increment();
  requests.Labels({"GET", "200"}).Increment(2);
  requests.Labels({"PUT", "4\"0\\0\n"}).Increment();  // a label value that needs escaping
  up.Set(1);
  for (double v : {0.05, 0.1, 0.3, 0.7, 3.0}) latency.Labels({"GET"}).Observe(v);

  const std::string text = registry.Render();
  const testing::Exposition e = ParseExposition(text);
  CHECK_MESSAGE(e.problems.empty(), text);
  CHECK(e.types.at("test_requests_total") == "counter");
  CHECK(e.types.at("test_latency_seconds") == "histogram");
  CHECK(e.help.at("test_requests_total") == "Requests.\\nSecond line \\\\ here.");
  CHECK(e.Value("test_requests_total", {{"method", "GET"}, {"code", "200"}}) == 3);
  CHECK(e.Value("test_requests_total", {{"method", "PUT"}, {"code", "4\"0\\0\n"}}) == 1);
  CHECK(e.Value("test_up") == 1);
  // A value equal to a bound counts in that bound's bucket (le: less or equal).
  CHECK(e.Value("test_latency_seconds_bucket", {{"le", "0.1"}}) == 2);
  CHECK(e.Value("test_latency_seconds_bucket", {{"le", "0.5"}}) == 3);
  CHECK(e.Value("test_latency_seconds_bucket", {{"le", "1"}}) == 4);
  CHECK(e.Value("test_latency_seconds_bucket", {{"le", "+Inf"}}) == 5);
  CHECK(e.Value("test_latency_seconds_count") == 5);
  CHECK(std::fabs(*e.Value("test_latency_seconds_sum") - 4.15) < 1e-9);
}

TEST_CASE("metrics: the exposition checker catches what breaks the format") {
  // The checker is what the /metrics tests rely on: each of these must be reported.
  const char* broken[] = {
      "no_type 1\n",
      "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1} 1\n",
      "# HELP a_total A.\n# TYPE a_total counter\na_total one\n",
      "# HELP a A.\n# TYPE a counter\na 1\n",  // a counter not named *_total
      "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 3\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 2\n",
      "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n",
      "# HELP g G.\n# TYPE g gauge\ng 1\ng 2\n",
      "# HELP g G.\n# TYPE g gauge\ng{a=\"\\x\"} 1\n",
  };
  for (const char* text : broken) CHECK_MESSAGE(!ParseExposition(text).problems.empty(), text);
}

TEST_CASE("metrics: values are formatted as the format writes them") {
  CHECK(FormatValue(0) == "0");
  CHECK(FormatValue(12345678901) == "12345678901");
  CHECK(FormatValue(0.25) == "0.25");
  CHECK(FormatValue(INFINITY) == "+Inf");
  CHECK(FormatValue(-INFINITY) == "-Inf");
  CHECK(FormatValue(NAN) == "NaN");
}

TEST_CASE("metrics: concurrent increments and observations are all counted") {
  Registry registry;
  Counter& counter = registry.AddCounter("c_total", "C.").Labels({});
  Histogram& histogram = registry.AddHistogram("h_seconds", "H.", {}, LatencyBuckets()).Labels({});
  constexpr int kThreads = 4, kEach = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        counter.Increment();
        histogram.Observe(0.001 * (i % 50));
      }
    });
  }
  // Scrapes while the writers run: each must be valid.
  for (int i = 0; i < 20; ++i) {
    const testing::Exposition e = ParseExposition(registry.Render());
    CHECK(e.problems.empty());
  }
  for (std::thread& t : threads) t.join();
  const testing::Exposition e = ParseExposition(registry.Render());
  CHECK(e.Value("c_total") == kThreads * kEach);
  CHECK(e.Value("h_seconds_count") == kThreads * kEach);
}

TEST_CASE("metrics: a removed series is gone from the exposition") {
  Registry registry;
  Family<Gauge>& connected = registry.AddGauge("peer_connected", "C.", {"peer"});
  connected.Labels({"a"}).Set(1);
  connected.Labels({"b"}).Set(0);
  connected.Remove({"a"});
  const testing::Exposition e = ParseExposition(registry.Render());
  CHECK(e.problems.empty());
  CHECK(!e.Value("peer_connected", {{"peer", "a"}}));
  CHECK(e.Value("peer_connected", {{"peer", "b"}}) == 0);
}

TEST_CASE("metrics: process metrics read this process") {
  Registry registry;
  AddProcessMetrics(registry);
  const testing::Exposition e = ParseExposition(registry.Render());
  CHECK(e.problems.empty());
  CHECK(*e.Value("process_resident_memory_bytes") > 0);
  CHECK(*e.Value("process_open_fds") >= 3);  // stdin, stdout, stderr at least
  CHECK(*e.Value("process_max_fds") >= *e.Value("process_open_fds"));
  const double now = static_cast<double>(std::time(nullptr));
  CHECK(*e.Value("process_start_time_seconds") > now - 3600);
  CHECK(*e.Value("process_start_time_seconds") <= now + 1);
}

}  // namespace
}  // namespace crdtdb::metrics
