// Copyright (c) crdtdb authors.

#include "query/query.h"

#include <utility>

#include "crdt/json_input.h"
#include "query/bookmark.h"
#include "query/collation.h"
#include "query/limits.h"

namespace crdtdb::query {

namespace {

Status Bad(const std::string& why) { return Status::InvalidArgument(why); }

// "sort": ["a", {"b": "desc"}] (Mango's form); a bare "a" or {"b": "asc"} is one field.
Result<std::vector<SortField>> ParseSort(const Json& sort) {
  const Json fields = sort.is_array() ? sort : Json::array({sort});
  if (fields.size() > kMaxSortFields)
    return Bad("sort: more than " + std::to_string(kMaxSortFields) + " fields");
  std::vector<SortField> out;
  for (const Json& f : fields) {
    SortField s;
    std::string name;
    if (f.is_string()) {
      name = f.get<std::string>();
    } else if (f.is_object() && f.size() == 1 && f.begin().value().is_string()) {
      name = f.begin().key();
      const std::string direction = f.begin().value().get<std::string>();
      if (direction != "asc" && direction != "desc") {
        return Bad("sort: the direction of \"" + name + "\" is \"" + direction +
                   "\", not \"asc\" or \"desc\"");
      }
      s.descending = direction == "desc";
    } else {
      return Bad("sort: each field is \"FIELD\" or {\"FIELD\": \"asc\"|\"desc\"}, not " + f.dump());
    }
    Result<FieldPath> path = ParseFieldPath(name);
    if (!path.ok()) return Bad("sort: " + path.status().message());
    s.field = std::move(path).value();
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<FieldPath>> ParseFields(const Json& fields) {
  if (!fields.is_array()) return Bad("fields: an array of field paths, not " + fields.dump());
  if (fields.size() > kMaxProjectedFields) {
    return Bad("fields: more than " + std::to_string(kMaxProjectedFields) + " fields");
  }
  std::vector<FieldPath> out;
  for (const Json& f : fields) {
    if (!f.is_string()) return Bad("fields: each is a field path string, not " + f.dump());
    Result<FieldPath> path = ParseFieldPath(f.get<std::string>());
    if (!path.ok()) return Bad("fields: " + path.status().message());
    out.push_back(std::move(path).value());
  }
  return out;
}

Result<size_t> ParseLimit(const Json& limit) {
  if (!limit.is_number_unsigned() || limit.get<uint64_t>() == 0 ||
      limit.get<uint64_t>() > kMaxPage) {
    return Bad("limit: a whole number from 1 to " + std::to_string(kMaxPage) + ", not " +
               limit.dump());
  }
  return limit.get<size_t>();
}

}  // namespace

Result<Query> ParseQuery(std::string_view text) {
  if (text.size() > kMaxQueryBytes) {
    return Bad("the query is " + std::to_string(text.size()) + " bytes; at most " +
               std::to_string(kMaxQueryBytes) + " are allowed");
  }
  Result<Json> body = crdt::ParseJson(text);
  if (!body.ok()) return Bad("the query is not valid JSON: " + body.status().message());
  if (!body->is_object()) return Bad("the query must be a JSON object");
  if (!body->contains("selector")) return Bad("the query has no \"selector\"");
  Query q;
  q.limit = kDefaultPage;
  std::optional<std::string> bookmark;
  for (auto it = body->begin(); it != body->end(); ++it) {
    const std::string& name = it.key();
    if (name == "selector") {
      Result<Selector> s = ParseSelector(it.value());
      if (!s.ok()) return s.status();
      q.selector = std::move(s).value();
    } else if (name == "sort") {
      Result<std::vector<SortField>> s = ParseSort(it.value());
      if (!s.ok()) return s.status();
      q.sort = std::move(s).value();
    } else if (name == "limit") {
      Result<size_t> l = ParseLimit(it.value());
      if (!l.ok()) return l.status();
      q.limit = *l;
    } else if (name == "fields") {
      Result<std::vector<FieldPath>> f = ParseFields(it.value());
      if (!f.ok()) return f.status();
      q.fields = std::move(f).value();
    } else if (name == "bookmark") {
      if (!it.value().is_string())
        return Bad("bookmark: a string from a previous page, not " + it.value().dump());
      bookmark = it.value().get<std::string>();
    } else {
      return Bad("unknown query member \"" + name +
                 "\" (a query has selector, sort, limit, fields and bookmark)");
    }
  }
  if (bookmark && !bookmark->empty()) {
    Result<Position> after = DecodeBookmark(*bookmark, q.sort.size());
    if (!after.ok()) return after.status();
    q.after = std::move(after).value();
  }
  return q;
}

Position PositionOf(const Query& query, std::string_view id, const Json& document) {
  Position p;
  p.id = std::string(id);
  for (const SortField& s : query.sort) {
    const Json* v = Lookup(document, s.field);
    p.values.push_back(v ? std::optional<Json>(*v) : std::nullopt);
  }
  return p;
}

int ComparePositions(const Query& query, const Position& a, const Position& b) {
  for (size_t i = 0; i < query.sort.size(); ++i) {
    const std::optional<Json>& x = a.values[i];
    const std::optional<Json>& y = b.values[i];
    int c = 0;
    if (x.has_value() != y.has_value()) {
      c = x.has_value() ? 1 : -1;  // a missing field sorts first
    } else if (x.has_value()) {
      c = Collate(*x, *y);
    }
    if (c != 0) return query.sort[i].descending ? -c : c;
  }
  return a.id.compare(b.id) < 0 ? -1 : (a.id == b.id ? 0 : 1);
}

}  // namespace crdtdb::query
