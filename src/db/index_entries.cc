// Copyright (c) crdtdb authors.

#include "db/index_entries.h"

#include <algorithm>

#include "crdt/materialize.h"
#include "query/index_key.h"
#include "store/key_schema.h"

namespace crdtdb::db {

namespace {

// What query::Lookup finds at `path` in crdt::ToJson of a live document whose root is `root`,
// rendering only that field: a field shows iff its VisibleKind is not kNone, and shows an object
// iff that kind is kObject. A path that goes on through a field of another kind looks into the
// value the field shows (which is never an object in a well-formed state, but the JSON decides,
// as it does for a full rendering). Null: the document has no value there. A register's value is
// found in the state, without a copy; any other is rendered into `*rendered`.
const crdt::Json* FindIndexed(const crdt::ObjectNode& root, const query::FieldPath& path, crdt::Json* rendered) {
  const crdt::ObjectNode* object = &root;
  for (size_t i = 0; i < path.segments.size(); ++i) {
    auto it = object->fields.find(path.segments[i]);
    if (it == object->fields.end()) return nullptr;
    const crdt::FieldNode& field = it->second;
    const crdt::FieldKind kind = crdt::VisibleKind(field);
    if (kind == crdt::FieldKind::kNone) return nullptr;
    if (i + 1 == path.segments.size()) {
      if (const crdt::Json* value = crdt::ShownRegisterValue(field)) return value;
      *rendered = crdt::FieldValue(field);
      return rendered;
    }
    if (kind == crdt::FieldKind::kObject) {
      object = field.object.get();
      continue;
    }
    *rendered = crdt::FieldValue(field);
    query::FieldPath rest;
    rest.segments.assign(path.segments.begin() + static_cast<std::ptrdiff_t>(i) + 1, path.segments.end());
    return query::Lookup(*rendered, rest);
  }
  return nullptr;  // unreachable: a path has a segment
}

// The entries of `index` for document `id` whose state is `document` (none if it is not live),
// sorted.
std::vector<std::string> EntriesOf(const IndexDefinition& index, std::string_view id, const crdt::Document& document) {
  if (!document.live()) return {};
  std::vector<crdt::Json> rendered(index.fields.size());  // sized once: `values` points into it
  std::vector<const crdt::Json*> values;
  values.reserve(index.fields.size());
  for (size_t i = 0; i < index.fields.size(); ++i) {
    values.push_back(FindIndexed(document.root(), index.fields[i], &rendered[i]));
  }
  std::vector<std::string> entries = query::IndexEntries(values, id);
  std::sort(entries.begin(), entries.end());
  return entries;
}

// Whether the write may have changed what `index` shows: the document became or stopped being
// live, or the delta names a root field that one of the index's paths starts with.
bool MayChange(const IndexDefinition& index, bool was_live, bool is_live, const crdt::ObjectNode* touched) {
  if (touched == nullptr || was_live != is_live) return true;
  return std::ranges::any_of(index.fields, [&](const query::FieldPath& field) {
    return touched->fields.contains(field.segments.front());
  });
}

}  // namespace

std::vector<std::string> IndexEntries(const IndexDefinition& index, std::string_view id, const crdt::Json& document) {
  return query::IndexEntries(document, index.fields, id);
}

void AddIndexChanges(const IndexCatalog& catalog, std::string_view key, const crdt::Document* before,
                     const crdt::Document& after, const crdt::ObjectNode* touched,
                     std::vector<store::IndexChange>* out) {
  const size_t slash = key.find('/');
  const std::vector<CatalogIndex>* indexes = catalog.Of(key.substr(0, slash));
  if (indexes == nullptr) return;
  const std::string_view id = key.substr(slash + 1);
  const crdt::Document none;
  const crdt::Document& old_state = before != nullptr ? *before : none;
  const bool was_live = old_state.live();
  const bool is_live = after.live();
  for (const CatalogIndex& index : *indexes) {
    if (index.state == IndexState::kDropping) continue;
    if (!MayChange(index.definition, was_live, is_live, touched)) continue;
    const std::vector<std::string> old_entries = EntriesOf(index.definition, id, old_state);
    const std::vector<std::string> new_entries = EntriesOf(index.definition, id, after);
    for (const std::string& entry : old_entries) {
      if (!std::ranges::binary_search(new_entries, entry)) {
        out->push_back({store::IndexEntryKey(index.definition.id, entry), std::nullopt});
      }
    }
    for (const std::string& entry : new_entries) {
      if (!std::ranges::binary_search(old_entries, entry)) {
        out->push_back({store::IndexEntryKey(index.definition.id, entry), std::string()});
      }
    }
  }
}

}  // namespace crdtdb::db
