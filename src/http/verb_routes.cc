// Copyright (c) crdtdb authors.

#include "http/verb_routes.h"

#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

#include "command/find_pages.h"
#include "command/json_text.h"

namespace crdtdb::http {

namespace {

using Json = nlohmann::ordered_json;
using Verb = command::Command::Verb;

// The JSON object body of a POST, or the error answer (415 content type, 400 not an object).
std::variant<Json, Answer> ObjectBody(const Request& r) {
  if (auto refused = NeedsContentType(r, "application/json")) return *refused;
  Json body = Json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return ErrorAnswer(400, "the body is not valid JSON");
  if (!body.is_object()) return ErrorAnswer(400, "the body must be a JSON object");
  return body;
}

// Refuses members of `body` not in `known`, by name (as the query refuses them).
std::optional<Answer> UnknownMember(const Json& body,
                                    std::initializer_list<std::string_view> known) {
  for (const auto& [name, value] : body.items()) {
    if (std::find(known.begin(), known.end(), name) == known.end())
      return ErrorAnswer(400, "unknown member \"" + name + "\" in the body");
  }
  return std::nullopt;
}

}  // namespace

std::variant<Route, Answer> FindRoute(const Request& r, const std::string& collection) {
  if (auto refused = NeedsContentType(r, "application/json")) return *refused;
  if (r.body.empty())
    return ErrorAnswer(400, "the request has no body: send a query {\"selector\": {...}}");
  Route route;
  route.kind = Route::Kind::kFind;
  command::Command& c = route.command;
  c.verb = Verb::kFind;
  c.path = "/" + collection;
  c.json = r.body;  // checked by the query's parser on the node, as the CLI's
  if (auto it = r.query.find("explain"); it != r.query.end()) {
    if (it->second != "true" && it->second != "false")
      return ErrorAnswer(400, "explain must be true or false");
    c.explain = it->second == "true";
    if (c.explain) route.kind = Route::Kind::kJson;
  }
  return route;
}

std::variant<Route, Answer> ElementRoute(const Request& r, const std::string& collection,
                                         const std::string& id, const std::string& action) {
  Route route;
  command::Command& c = route.command;
  if (action == "_inc") {
    c.verb = Verb::kInc;
  } else if (action == "_sadd") {
    c.verb = Verb::kSetAdd;
  } else if (action == "_srem") {
    c.verb = Verb::kSetRemove;
  } else {
    return ErrorAnswer(400,
                       "bad path: " + r.path + " (a document's actions are _inc, _sadd, _srem)");
  }
  if (r.method != "POST") return MethodNotAllowed("POST");
  std::variant<Json, Answer> parsed = ObjectBody(r);
  if (const Answer* refused = std::get_if<Answer>(&parsed)) return *refused;
  const Json& body = std::get<Json>(parsed);
  const bool inc = c.verb == Verb::kInc;
  if (auto refused =
          UnknownMember(body, inc ? std::initializer_list<std::string_view>{"field", "by"}
                                  : std::initializer_list<std::string_view>{"field", "value"}))
    return *refused;
  if (!body.contains("field") || !body["field"].is_string() ||
      body["field"].get<std::string>().empty())
    return ErrorAnswer(400, "\"field\" must be a non-empty string: the field's dotted path");
  c.field = body["field"].get<std::string>();
  if (inc) {
    if (body.contains("by")) {
      const Json& by = body["by"];
      if (!by.is_number_integer() ||
          (by.is_number_unsigned() &&
           by.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max())))
        return ErrorAnswer(400, "\"by\" must be an integer (64-bit)");
      c.by = by.get<int64_t>();
    }
  } else {
    if (!body.contains("value"))
      return ErrorAnswer(400, "\"value\" is missing: the set element, a JSON scalar");
    c.json = command::JsonText(body["value"]);  // the command refuses a value that is not a scalar, as the CLI
  }
  c.path = "/" + collection + "/" + id;
  c.with_version = true;
  if (!r.if_match.empty()) {
    std::optional<std::string> tag = ParseIfMatch(r.if_match);
    if (!tag) return ErrorAnswer(400, "If-Match must be one quoted ETag or *");
    c.if_match = *tag;
  }
  return route;
}

std::variant<Route, Answer> IndexRoute(const Request& r, const std::vector<std::string>& s) {
  Route route;
  route.kind = Route::Kind::kJson;
  command::Command& c = route.command;
  for (size_t i = 2; i < s.size(); ++i) {
    if (s[i].empty())
      return ErrorAnswer(400, "bad path: indexes are /v1/indexes[/{collection}[/{name}]]");
  }
  if (s.size() == 2 || s.size() == 3) {
    if (s.size() == 3) c.path = "/" + s[2];
    if (r.method == "GET" || r.method == "HEAD") {
      c.verb = Verb::kIndexList;
      return route;
    }
    if (s.size() == 2) return MethodNotAllowed("GET, HEAD");
    if (r.method != "POST") return MethodNotAllowed("GET, HEAD, POST");
    std::variant<Json, Answer> parsed = ObjectBody(r);
    if (const Answer* refused = std::get_if<Answer>(&parsed)) return *refused;
    const Json& body = std::get<Json>(parsed);
    if (auto refused = UnknownMember(body, {"fields"})) return *refused;
    const Json& fields = body.contains("fields") ? body["fields"] : Json();
    if (!fields.is_array() || fields.empty())
      return ErrorAnswer(400, "\"fields\" must be a non-empty array of dotted field paths");
    for (const Json& field : fields) {
      // The index's name is its fields joined by commas, as the CLI takes them.
      if (!field.is_string() || field.get<std::string>().empty() ||
          field.get<std::string>().find(',') != std::string::npos)
        return ErrorAnswer(400, "each of \"fields\" must be a non-empty dotted path without ','");
      // Appended piece by piece: "literal" + std::string trips GCC 12's false -Wrestrict at -O3.
      if (!c.field.empty()) c.field += ',';
      c.field += field.get<std::string>();
    }
    c.verb = Verb::kIndexCreate;
    return route;
  }
  if (s.size() == 4) {
    if (r.method != "DELETE") return MethodNotAllowed("DELETE");
    c.verb = Verb::kIndexDrop;
    c.path = "/" + s[2];
    c.field = s[3];
    return route;
  }
  return ErrorAnswer(400, "bad path: indexes are /v1/indexes[/{collection}[/{name}]]");
}

Answer FindAnswer(const std::string& ndjson) {
  Json documents = Json::array();
  std::optional<std::string> bookmark;
  std::istringstream in(ndjson);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    if (std::optional<std::string> b = command::BookmarkOfLine(line)) {
      bookmark = std::move(b);
      continue;
    }
    Json item = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (item.is_discarded()) return ErrorAnswer(500, "malformed query results from the node");
    documents.push_back(std::move(item));
  }
  Json page;
  page["documents"] = std::move(documents);
  if (bookmark) page["bookmark"] = *bookmark;
  return Answer{200, {}, command::JsonText(page)};
}

}  // namespace crdtdb::http
