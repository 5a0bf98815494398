// Copyright (c) crdtdb authors.

#include "http/metrics_route.h"

#include <algorithm>

namespace crdtdb::http {

namespace {

const char* MethodLabel(const std::string& method) {
  static constexpr const char* kMethods[] = {"GET", "HEAD", "PUT", "PATCH", "DELETE", "POST", "OPTIONS"};
  for (const char* known : kMethods) {
    if (method == known) return known;
  }
  return "other";
}

}  // namespace

HttpMetrics::HttpMetrics(metrics::Registry& registry)
    : registry_(registry),
      requests_(registry.AddHistogram(
          "crdtdb_http_request_duration_seconds",
          "HTTP API requests by method, route and status code, and the time from a request's first "
          "byte to the end of its answer.",
          {"method", "route", "code"}, metrics::LatencyBuckets())) {}

const char* HttpMetrics::RouteLabel(const std::string& path) {
  if (path == kMetricsPath) return "metrics";
  if (path == "/v1/status") return "status";
  constexpr std::string_view kDocs = "/v1/docs/";
  if (path.size() > kDocs.size() && path.compare(0, kDocs.size(), kDocs) == 0) {
    const auto slashes = std::count(path.begin() + static_cast<long>(kDocs.size()), path.end(), '/');
    if (slashes == 0) return "page";
    if (slashes == 1 && path.back() != '/') return "document";
  }
  return "other";
}

void HttpMetrics::Observe(const std::string& method, const std::string& path, int status,
                          double seconds) {
  requests_.Labels({MethodLabel(method), RouteLabel(path), std::to_string(status)}).Observe(seconds);
}

Answer HttpMetrics::Serve(const std::string& method, std::string* content_type) const {
  if (method != "GET" && method != "HEAD") {
    Answer a = ErrorAnswer(405, "allowed here: GET, HEAD");
    a.headers.emplace_back("Allow", "GET, HEAD");
    return a;
  }
  *content_type = metrics::kContentType;
  return Answer{200, {}, registry_.Render()};
}

}  // namespace crdtdb::http
