// Copyright (c) crdtdb authors.

#include "http/routes.h"

#include <algorithm>
#include <charconv>
#include <sstream>

#include <nlohmann/json.hpp>

#include "command/exit_codes.h"
#include "command/json_text.h"
#include "http/verb_routes.h"

namespace crdtdb::http {

namespace {

using Json = nlohmann::ordered_json;
using Verb = command::Command::Verb;

std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 1;  // after the leading '/'
  while (start <= path.size()) {
    const size_t end = std::min(path.find('/', start), path.size());
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

Answer MethodNotAllowed(const std::string& allow) {
  Answer a = ErrorAnswer(405, "allowed here: " + allow);
  a.headers.emplace_back("Allow", allow);
  return a;
}

// If-Match carries one entity tag, quoted ("..."), or "*". Weak tags (W/"...") never match
// (RFC 9110 compares If-Match strongly), so they are refused rather than silently failing.
std::optional<std::string> ParseIfMatch(const std::string& header) {
  if (header == "*") return header;
  if (header.size() < 3 || header.front() != '"' || header.back() != '"') return std::nullopt;
  std::string tag = header.substr(1, header.size() - 2);
  if (tag.find('"') != std::string::npos || tag == "*") return std::nullopt;
  return tag;
}

constexpr const char* kMergePatch = "application/merge-patch+json";
constexpr const char* kJsonPatch = "application/json-patch+json";

std::optional<Answer> NeedsContentType(const Request& r, const std::string& wanted) {
  if (r.content_type == wanted) return std::nullopt;
  Answer a = ErrorAnswer(415, "the body must be " + wanted +
                                  (r.content_type.empty() ? "" : ", not " + r.content_type));
  return a;
}

namespace {

// A PATCH body is a merge patch (a JSON object) or a JSON Patch (an array), told apart by its
// content type (RFC 5789: a 415 names both in Accept-Patch). The node's patch verb tells them
// apart by the JSON's type, so a body of the other type than its content type says is refused
// here, by its first character; malformed JSON is the node's to report.
std::optional<Answer> CheckPatchBody(const Request& r) {
  const bool json_patch = r.content_type == kJsonPatch;
  if (!json_patch && r.content_type != kMergePatch) {
    Answer a = ErrorAnswer(415, std::string("the body must be ") + kMergePatch + " or " + kJsonPatch +
                                    (r.content_type.empty() ? "" : ", not " + r.content_type));
    a.headers.emplace_back("Accept-Patch", std::string(kMergePatch) + ", " + kJsonPatch);
    return a;
  }
  const size_t first = r.body.find_first_not_of(" \t\r\n");
  const char opening = first == std::string::npos ? '\0' : r.body[first];
  if (json_patch && opening != '[') return ErrorAnswer(400, "a JSON Patch (RFC 6902) must be a JSON array");
  if (!json_patch && opening == '[') return ErrorAnswer(400, "a merge patch (RFC 7396) must be a JSON object");
  if (!json_patch && !r.base.empty()) return ErrorAnswer(400, "Crdtdb-Base applies to a JSON Patch only");
  return std::nullopt;
}

std::variant<Route, Answer> DocumentRoute(const Request& r, const std::string& collection,
                                          const std::string& id) {
  Route route;
  command::Command& c = route.command;
  c.path = "/" + collection + "/" + id;
  c.with_version = true;
  if (r.method == "GET" || r.method == "HEAD") {
    c.verb = Verb::kGet;
    if (auto it = r.query.find("conflicts"); it != r.query.end())
      c.conflicts = it->second == "true";
    if (auto it = r.query.find("base"); it != r.query.end()) c.with_base = it->second == "true";
    return route;
  }
  if (r.method == "PUT") {
    if (auto refused = NeedsContentType(r, "application/json")) return *refused;
    c.verb = Verb::kPut;
  } else if (r.method == "PATCH") {
    if (auto refused = CheckPatchBody(r)) return *refused;
    c.verb = Verb::kPatch;
    c.base = r.base;
  } else if (r.method == "DELETE") {
    c.verb = Verb::kDelete;
    c.with_version = false;
    route.kind = Route::Kind::kDelete;
  } else {
    return MethodNotAllowed("GET, HEAD, PUT, PATCH, DELETE");
  }
  c.json = r.body;
  if (c.verb != Verb::kDelete && c.json.empty()) return ErrorAnswer(400, "the request has no body");
  if (!r.if_match.empty()) {
    std::optional<std::string> tag = ParseIfMatch(r.if_match);
    if (!tag) return ErrorAnswer(400, "If-Match must be one quoted ETag or *");
    c.if_match = *tag;
  }
  return route;
}

std::variant<Route, Answer> PageRoute(const Request& r, const std::string& collection) {
  if (r.method != "GET" && r.method != "HEAD") return MethodNotAllowed("GET, HEAD");
  Route route;
  route.kind = Route::Kind::kPage;
  command::Command& c = route.command;
  c.verb = Verb::kList;
  c.path = "/" + collection;
  c.limit = kDefaultPageSize;
  if (auto it = r.query.find("limit"); it != r.query.end()) {
    size_t limit = 0;
    const std::string& text = it->second;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || limit == 0 ||
        limit > kMaxPageSize) {
      return ErrorAnswer(400, "limit must be a number from 1 to " + std::to_string(kMaxPageSize));
    }
    c.limit = limit;
  }
  if (auto it = r.query.find("start_after"); it != r.query.end()) c.start_after = it->second;
  return route;
}

// The NDJSON lines of a listing as one page: {"documents": [...], "next_start_after": ID}, the
// latter only when the page is full (there may be more).
Answer PageAnswer(const Route& route, const std::string& ndjson) {
  Json documents = Json::array();
  std::istringstream in(ndjson);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    Json item = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (item.is_discarded()) return ErrorAnswer(500, "malformed listing from the node");
    documents.push_back(std::move(item));
  }
  Json page;
  const bool full = route.command.limit && documents.size() == *route.command.limit;
  const std::string next = full ? documents.back()["id"].get<std::string>() : "";
  page["documents"] = std::move(documents);
  if (full) page["next_start_after"] = next;
  return Answer{200, {}, command::JsonText(page)};
}

std::string WithoutNewline(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

}  // namespace

std::string ErrorCode(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 408: return "request_timeout";
    case 410: return "gone";
    case 412: return "precondition_failed";
    case 413: return "payload_too_large";
    case 414: return "uri_too_long";
    case 415: return "unsupported_media_type";
    case 416: return "range_not_satisfiable";
    case 431: return "header_fields_too_large";
    case 500: return "internal";
    case 503: return "unavailable";
    default: return "error";
  }
}

Answer ErrorAnswer(int status, const std::string& reason) {
  Json body{{"error", ErrorCode(status)}, {"reason", reason}};
  return Answer{status, {}, command::JsonText(body)};
}

std::variant<Route, Answer> RouteOf(const Request& r) {
  const std::vector<std::string> s = Segments(r.path);
  if (s.size() < 2 || s[0] != "v1") return ErrorAnswer(404, "no such route: " + r.path);
  if (s[1] == "status" && s.size() == 2) {
    if (r.method != "GET" && r.method != "HEAD") return MethodNotAllowed("GET, HEAD");
    Route route;
    route.kind = Route::Kind::kStatus;
    route.command.verb = Verb::kStatus;
    if (auto it = r.query.find("scope"); it != r.query.end()) {
      if (it->second != "node" && it->second != "region")
        return ErrorAnswer(400, "scope must be node or region");
      route.command.whole_region = it->second == "region";
    }
    return route;
  }
  if (s[1] == "indexes") return IndexRoute(r, s);
  if (s[1] != "docs") return ErrorAnswer(404, "no such route: " + r.path);
  // The collection and id themselves are checked by the command, as the CLI checks them.
  const auto named = [&s](size_t n) {  // segments 2..n-1 are non-empty
    return std::all_of(s.begin() + 2, s.begin() + static_cast<std::ptrdiff_t>(n),
                       [](const std::string& x) { return !x.empty(); });
  };
  if (s.size() == 3 && named(3)) return PageRoute(r, s[2]);
  if (s.size() == 4 && named(4) && s[3] == "_find" && r.method == "POST") return FindRoute(r, s[2]);
  if (s.size() == 4 && named(4)) return DocumentRoute(r, s[2], s[3]);
  if (s.size() == 5 && named(5)) return ElementRoute(r, s[2], s[3], s[4]);
  return ErrorAnswer(400,
                     "bad path: documents are /v1/docs/{collection}/{id}, pages /v1/docs/{collection}, "
                     "queries /v1/docs/{collection}/_find");
}

Answer AnswerOf(const Route& route, const command::Outcome& outcome) {
  switch (outcome.exit_code) {
    case command::kExitOk: break;
    case command::kExitUsage: return ErrorAnswer(400, outcome.error);
    case command::kExitNotFound: return ErrorAnswer(404, outcome.error);
    case command::kExitPreconditionFailed: return ErrorAnswer(412, outcome.error);
    case command::kExitGone: return ErrorAnswer(410, outcome.error);
    default: {
      // A region's status that lacks some partitions is still its view: `healthy` false and
      // `unavailable_partitions` say what is missing (region_status.h).
      if (route.kind == Route::Kind::kStatus && !outcome.out.empty())
        return Answer{200, {}, WithoutNewline(outcome.out)};
      // Exit 1 is never the caller's fault: an owner that did not answer, storage refusing.
      // Either may pass, so the client is told to try again.
      Answer a = ErrorAnswer(503, outcome.error);
      a.headers.emplace_back("Retry-After", "1");
      return a;
    }
  }
  switch (route.kind) {
    case Route::Kind::kDelete: return Answer{204, {}, ""};
    case Route::Kind::kPage: return PageAnswer(route, outcome.out);
    case Route::Kind::kStatus:
    case Route::Kind::kJson: return Answer{200, {}, WithoutNewline(outcome.out)};
    case Route::Kind::kFind: return FindAnswer(outcome.out);
    case Route::Kind::kDocument: break;
  }
  Answer a{200, {}, WithoutNewline(outcome.out)};
  if (!outcome.version.empty()) a.headers.emplace_back("ETag", "\"" + outcome.version + "\"");
  return a;
}

}  // namespace crdtdb::http
