// Copyright (c) crdtdb authors.
//
// What the router tests ask of one request: the route it becomes, or the status of the JSON error
// it is refused with (docs/http.md, "Errors").

#ifndef CRDTDB_TESTS_HTTP_ROUTE_CHECKS_H_
#define CRDTDB_TESTS_HTTP_ROUTE_CHECKS_H_

#include <string>
#include <variant>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "http/routes.h"

namespace crdtdb::http::testing {

inline Route Routed(const Request& r) {
  std::variant<Route, Answer> routed = RouteOf(r);
  REQUIRE_MESSAGE(std::holds_alternative<Route>(routed), r.method << " " << r.path);
  return std::get<Route>(routed);
}

// The status of a refused request; its body must be the JSON error whose reason names `about`.
inline int Refused(const Request& r, const std::string& about = "") {
  std::variant<Route, Answer> routed = RouteOf(r);
  REQUIRE_MESSAGE(std::holds_alternative<Answer>(routed), r.method << " " << r.path);
  const Answer& a = std::get<Answer>(routed);
  const nlohmann::json body = nlohmann::json::parse(a.body);
  CHECK(body["error"] == ErrorCode(a.status));
  CHECK(body["reason"].is_string());
  CHECK_MESSAGE(body["reason"].get<std::string>().find(about) != std::string::npos, body["reason"]);
  return a.status;
}

}  // namespace crdtdb::http::testing

#endif  // CRDTDB_TESTS_HTTP_ROUTE_CHECKS_H_
