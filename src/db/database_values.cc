// Copyright (c) crdtdb authors.
//
// The typed calls of Database, over its JSON-text calls: a Value goes in as the text its to_json()
// writes, which keeps a single write path, with its checks and errors, for every caller. What comes
// back is parsed into a Value, except for the hot calls (get_value, put_value, patch_value): the
// database hands them the document as events (crdt/json_sink.h) that build the Value directly, with
// no JSON text written and parsed in between.

#include <cmath>

#include "crdt/json_parser.h"
#include "crdtdb/database.h"
#include "db/database_impl.h"
#include "db/value_json.h"

namespace crdtdb {

namespace db {

namespace {

bool AllFinite(const Value& value) {
  if (const Array* array = value.as_array()) {
    for (const Value& element : *array) {
      if (!AllFinite(element)) return false;
    }
  } else if (const Object* object = value.as_object()) {
    for (const auto& [name, member] : *object) {
      if (!AllFinite(member)) return false;
    }
  } else if (std::optional<double> number = value.as_double()) {
    return std::isfinite(*number);
  }
  return true;
}

// What `call` (one of DatabaseImpl's ...Into) hands its sink, as a Value; `fallback` (the JSON-text
// call) for a Database that Database::open did not return.
template <typename Call, typename Fallback>
Result<Value> ValueOf(Database& db, const Call& call, const Fallback& fallback) {
  auto* impl = dynamic_cast<DatabaseImpl*>(&db);
  if (impl == nullptr) return ParsedDocument(fallback());
  ValueBuilder value;
  if (Status s = call(*impl, value); !s.ok()) return s;
  return value.Take();
}

}  // namespace

// The text to write for `value`: to_json() would turn a number that is not finite into null,
// silently; a write refuses it instead.
Result<std::string> WritableJson(const Value& value) {
  if (!AllFinite(value)) {
    return Status::InvalidArgument("a number that is not finite (NaN, infinity) cannot be stored");
  }
  return value.to_json();
}

// A document as the JSON-text calls return it, parsed. Not with the limits of input
// (crdt/json_input.h): a stored document may be larger than one write may send (concurrent writes
// join), and get_with_conflicts nests it two levels deeper. Their text is always valid JSON: a
// parse error would be a bug, and is reported as one.
Result<Value> ParsedDocument(const Result<std::string>& json) {
  if (!json.ok()) return json.status();
  if (std::optional<crdt::Json> fast = crdt::ParseWellFormedJson(*json)) return db::FromJson(*fast);
  crdt::Json parsed = crdt::Json::parse(*json, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Status::Internal("a document read back as invalid JSON");
  return db::FromJson(parsed);
}

}  // namespace db

using db::WritableJson;
using db::ParsedDocument;

Result<Value> Database::get_value(std::string_view key) {
  return db::ValueOf(
      *this, [&](db::DatabaseImpl& impl, crdt::JsonSink& out) { return impl.GetInto(key, out); },
      [&] { return get(key); });
}

Result<DocumentWithConflicts> Database::get_value_with_conflicts(std::string_view key) {
  Result<Value> both = ParsedDocument(get_with_conflicts(key));  // {"doc": {...}, "conflicts": {...}}
  if (!both.ok()) return both.status();
  DocumentWithConflicts out;
  out.doc = (*both)["doc"];
  if (const Object* conflicts = (*both)["conflicts"].as_object()) {
    for (const auto& [pointer, values] : *conflicts) {
      if (const Array* all = values.as_array()) out.conflicts.emplace(pointer, *all);
    }
  }
  return out;
}

Result<Value> Database::put_value(std::string_view key, const Value& document) {
  Result<std::string> json = WritableJson(document);
  if (!json.ok()) return json.status();
  return db::ValueOf(
      *this, [&](db::DatabaseImpl& impl, crdt::JsonSink& out) { return impl.PutInto(key, *json, out); },
      [&] { return put(key, *json); });
}

Status Database::put_many_values(const std::vector<std::pair<std::string, Value>>& documents) {
  std::vector<std::pair<std::string, std::string>> texts;
  texts.reserve(documents.size());
  for (const auto& [key, document] : documents) {
    Result<std::string> json = WritableJson(document);
    if (!json.ok()) return json.status().WithContext("batch entry " + std::to_string(texts.size()));
    texts.emplace_back(key, std::move(json).value());
  }
  return put_many(texts);
}

Result<Value> Database::patch_value(std::string_view key, const Value& merge_patch) {
  Result<std::string> json = WritableJson(merge_patch);
  if (!json.ok()) return json.status();
  return db::ValueOf(
      *this, [&](db::DatabaseImpl& impl, crdt::JsonSink& out) { return impl.PatchInto(key, *json, out); },
      [&] { return patch(key, *json); });
}

Result<Value> Database::increment_value(std::string_view key, std::string_view field, int64_t by) {
  return ParsedDocument(increment(key, field, by));
}

Result<Value> Database::set_add_value(std::string_view key, std::string_view field,
                                      const Value& element) {
  Result<std::string> json = WritableJson(element);
  if (!json.ok()) return json.status();
  return ParsedDocument(set_add(key, field, *json));
}

Result<Value> Database::set_remove_value(std::string_view key, std::string_view field,
                                         const Value& element) {
  Result<std::string> json = WritableJson(element);
  if (!json.ok()) return json.status();
  return ParsedDocument(set_remove(key, field, *json));
}

Result<ValuePage> Database::list_values(std::string_view collection, const ListOptions& options) {
  Result<ListPage> page = list(collection, options);
  if (!page.ok()) return page.status();
  ValuePage out;
  out.documents.reserve(page->documents.size());
  for (ListedDocument& listed : page->documents) {
    Result<Value> value = ParsedDocument(std::move(listed.json));
    if (!value.ok()) return value.status().WithContext(std::string(collection) + "/" + listed.id);
    out.documents.push_back({std::move(listed.id), std::move(value).value()});
  }
  out.next_start_after = std::move(page->next_start_after);
  return out;
}

}  // namespace crdtdb
