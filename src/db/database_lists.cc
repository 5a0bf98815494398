// Copyright (c) crdtdb authors.
//
// The calls of crdtdb/lists.h: each validates its input, then runs one delta mutator of
// crdt/list_mutators.h or crdt/json_patch.h as one write of DatabaseImpl.

#include <charconv>
#include <cstdio>

#include "crdt/context_token.h"
#include "crdt/json_input.h"
#include "crdt/json_patch.h"
#include "crdt/list_mutators.h"
#include "crdt/materialize.h"
#include "crdtdb/lists.h"
#include "db/database_impl.h"
#include "db/document_call.h"
#include "db/value_json.h"

namespace crdtdb {

namespace {

using crdt::Document;
using crdt::WriteStamp;

using db::DocumentCall;

crdt::Dot ToDot(ElementId id) { return crdt::Dot{id.replica, id.counter}; }

Result<crdt::Json> ParseArray(std::string_view json) {
  Result<crdt::Json> values = crdt::ParseJson(json);
  if (!values.ok()) return values.status();
  if (!values->is_array()) return Status::InvalidArgument("the values to insert must be a JSON array");
  return values;
}

Result<Value> Typed(Result<std::string> json) { return db::ParsedDocument(json); }

}  // namespace

std::string ElementId::to_string() const {
  char replica_hex[17];
  std::snprintf(replica_hex, sizeof replica_hex, "%016llx", static_cast<unsigned long long>(replica));
  return std::string(replica_hex) + ":" + std::to_string(counter);
}

std::optional<ElementId> ElementId::parse(std::string_view text) {
  if (text.size() < 18 || text[16] != ':') return std::nullopt;
  ElementId id;
  const char* end = text.data() + text.size();
  auto [replica_end, e1] = std::from_chars(text.data(), text.data() + 16, id.replica, 16);
  auto [counter_end, e2] = std::from_chars(text.data() + 17, end, id.counter, 10);
  if (e1 != std::errc() || replica_end != text.data() + 16 || e2 != std::errc() || counter_end != end) {
    return std::nullopt;
  }
  return id;
}

Result<VersionedDocument> get_with_base(Database& db, std::string_view key) {
  Result<DocumentCall> call = db::PrepareDocumentCall(db, key);
  if (!call.ok()) return call.status();
  Result<Document> doc = call->db->ReadLive(call->key);
  if (!doc.ok()) return doc.status();
  return VersionedDocument{crdt::DocumentJson(*doc), crdt::ContextToken(doc->context())};
}

Result<std::string> json_patch(Database& db, std::string_view key, std::string_view patch,
                               std::string_view base_version) {
  Result<DocumentCall> call = db::PrepareDocumentCall(db, key);
  if (!call.ok()) return call.status();
  Result<crdt::Json> json = crdt::ParseJson(patch);
  if (!json.ok()) return json.status();
  Result<std::vector<crdt::PatchOperation>> operations = crdt::ParseJsonPatch(*json);
  if (!operations.ok()) return operations.status();
  std::optional<crdt::DotContext> base;
  if (!base_version.empty()) {
    Result<crdt::DotContext> parsed = crdt::ParseContextToken(base_version);
    if (!parsed.ok()) return parsed.status();
    base = std::move(*parsed);
  }
  return call->db->Edit(call->key, [&](const Document& x, WriteStamp stamp) {
    return crdt::JsonPatchDelta(x, *operations, base ? &*base : nullptr, stamp);
  });
}

Result<std::vector<ElementId>> list_ids(Database& db, std::string_view key, std::string_view field) {
  Result<DocumentCall> call = db::PrepareFieldCall(db, key, field);
  if (!call.ok()) return call.status();
  Result<Document> doc = call->db->ReadLive(call->key);
  if (!doc.ok()) return doc.status();
  Result<std::vector<crdt::Dot>> ids = crdt::ListElementIds(*doc, call->field);
  if (!ids.ok()) return ids.status();
  std::vector<ElementId> out;
  out.reserve(ids->size());
  for (const crdt::Dot& d : *ids) out.push_back(ElementId{d.replica, d.counter});
  return out;
}

Result<std::string> list_insert(Database& db, std::string_view key, std::string_view field, size_t index,
                                std::string_view values_json) {
  Result<DocumentCall> call = db::PrepareFieldCall(db, key, field);
  if (!call.ok()) return call.status();
  Result<crdt::Json> values = ParseArray(values_json);
  if (!values.ok()) return values.status();
  return call->db->Edit(call->key, [&](const Document& x, WriteStamp stamp) {
    return crdt::ListInsertDelta(x, call->field, index, *values, stamp);
  });
}

Result<std::string> list_remove(Database& db, std::string_view key, std::string_view field, size_t index,
                                size_t count) {
  Result<DocumentCall> call = db::PrepareFieldCall(db, key, field);
  if (!call.ok()) return call.status();
  return call->db->Edit(call->key, [&](const Document& x, WriteStamp) {
    return crdt::ListRemoveDelta(x, call->field, index, count);
  });
}

Result<std::string> list_replace(Database& db, std::string_view key, std::string_view field, size_t index,
                                 std::string_view value_json) {
  Result<DocumentCall> call = db::PrepareFieldCall(db, key, field);
  if (!call.ok()) return call.status();
  Result<crdt::Json> value = crdt::ParseJson(value_json);
  if (!value.ok()) return value.status();
  return call->db->Edit(call->key, [&](const Document& x, WriteStamp stamp) {
    return crdt::ListReplaceDelta(x, call->field, index, *value, stamp);
  });
}

Result<std::string> list_insert_after(Database& db, std::string_view key, std::string_view field,
                                      ElementId after, std::string_view values_json) {
  Result<DocumentCall> call = db::PrepareFieldCall(db, key, field);
  if (!call.ok()) return call.status();
  Result<crdt::Json> values = ParseArray(values_json);
  if (!values.ok()) return values.status();
  return call->db->Edit(call->key, [&](const Document& x, WriteStamp stamp) {
    return crdt::ListInsertAfterDelta(x, call->field, ToDot(after), *values, stamp);
  });
}

Result<std::string> list_remove_element(Database& db, std::string_view key, std::string_view field,
                                        ElementId id) {
  Result<DocumentCall> call = db::PrepareFieldCall(db, key, field);
  if (!call.ok()) return call.status();
  return call->db->Edit(call->key, [&](const Document& x, WriteStamp) {
    return crdt::ListRemoveElementDelta(x, call->field, ToDot(id));
  });
}

Result<Value> list_insert_values(Database& db, std::string_view key, std::string_view field, size_t index,
                                 const Array& values) {
  Result<std::string> json = db::WritableJson(Value(values));
  if (!json.ok()) return json.status();
  return Typed(list_insert(db, key, field, index, *json));
}

Result<Value> list_insert_values_after(Database& db, std::string_view key, std::string_view field,
                                       ElementId after, const Array& values) {
  Result<std::string> json = db::WritableJson(Value(values));
  if (!json.ok()) return json.status();
  return Typed(list_insert_after(db, key, field, after, *json));
}

Result<Value> json_patch_value(Database& db, std::string_view key, const Value& patch, std::string_view base_version) {
  Result<std::string> json = db::WritableJson(patch);
  if (!json.ok()) return json.status();
  return Typed(json_patch(db, key, *json, base_version));
}

}  // namespace crdtdb
