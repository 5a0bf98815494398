// Copyright (c) crdtdb authors.
//
// The HTTP API's routes (docs/http.md) as pure functions, without sockets or an HTTP library: a
// request becomes the command::Command the CLI would send for it, and the command's Outcome
// becomes a status, headers and a JSON body. So HTTP validates and answers exactly as the CLI does
// (interfaces.md sections 2 and 7), and the mapping is tested without a server.

#ifndef CRDTDB_HTTP_ROUTES_H_
#define CRDTDB_HTTP_ROUTES_H_

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "command/command.h"

namespace crdtdb::http {

constexpr size_t kDefaultPageSize = 100;
constexpr size_t kMaxPageSize = 1000;

// What the routes need of a request; the path is URL-decoded.
struct Request {
  std::string method;
  std::string path;
  std::map<std::string, std::string> query;
  std::string content_type;  // without parameters ("; charset=utf-8"), lower-cased
  std::string if_match;      // the header as sent, empty when absent
  std::string base;          // Crdtdb-Base: a JSON Patch's base version, empty when absent
  std::string body;
};

struct Answer {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // JSON, or empty (204)
};

// The error answer: {"error": CODE, "reason": TEXT}, CODE named after the status.
Answer ErrorAnswer(int status, const std::string& reason);
// The machine-readable name of an error status ("not_found"; "error" for an unknown one).
std::string ErrorCode(int status);

// A routed request: the command to run and how to present its outcome.
struct Route {
  command::Command command;
  // kFind: a page of a query (FindAnswer); kJson: the command's output is the answer's body.
  enum class Kind { kDocument, kDelete, kPage, kStatus, kFind, kJson } kind = Kind::kDocument;
};

// The route of `request`, or the error answer (404 unknown path, 405 with Allow, 400 bad path or
// query, 415 content type) when it has none.
std::variant<Route, Answer> RouteOf(const Request& request);

// Shared by the route files: 405 with Allow; 415 unless the body is of type `wanted`; the tag of
// an If-Match header (one quoted strong ETag, or *), nullopt when malformed.
Answer MethodNotAllowed(const std::string& allow);
std::optional<Answer> NeedsContentType(const Request& r, const std::string& wanted);
std::optional<std::string> ParseIfMatch(const std::string& header);

// The answer to a routed request whose command ran with `outcome`.
Answer AnswerOf(const Route& route, const command::Outcome& outcome);

}  // namespace crdtdb::http

#endif  // CRDTDB_HTTP_ROUTES_H_
