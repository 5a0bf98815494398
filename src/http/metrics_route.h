// Copyright (c) crdtdb authors.
//
// GET /metrics (docs/http.md, "Metrics"): the process's metrics registry in the Prometheus text
// format, behind the same authentication as the API. And the HTTP API's own metric: every answer,
// by method, route and status, with the time from the request's first byte to its last answer
// byte (crdtdb_http_request_duration_seconds; its _count is the count of requests).

#ifndef CRDTDB_HTTP_METRICS_ROUTE_H_
#define CRDTDB_HTTP_METRICS_ROUTE_H_

#include <string>

#include "http/routes.h"
#include "metrics/registry.h"

namespace crdtdb::http {

constexpr char kMetricsPath[] = "/metrics";

class HttpMetrics {
 public:
  // Adds the API's families to `registry`, which must outlive this.
  explicit HttpMetrics(metrics::Registry& registry);

  // One answered request. The labels are bounded whatever the request: an unknown method is
  // "other", and the route is a name ("document", "page", "status", "metrics", "other"), never
  // the path itself.
  void Observe(const std::string& method, const std::string& path, int status, double seconds);

  // The answer to a request for kMetricsPath: 200 with the exposition (content type in
  // `content_type`), or 405 for a method other than GET and HEAD.
  Answer Serve(const std::string& method, std::string* content_type) const;

  // The route label of a path.
  static const char* RouteLabel(const std::string& path);

 private:
  metrics::Registry& registry_;
  metrics::Family<metrics::Histogram>& requests_;
};

}  // namespace crdtdb::http

#endif  // CRDTDB_HTTP_METRICS_ROUTE_H_
