// Copyright (c) crdtdb authors.

#include "db/index_entries.h"

#include "crdt/materialize.h"
#include "query/index_key.h"
#include "store/key_schema.h"

namespace crdtdb::db {

std::string IndexEntry(const IndexDefinition& index, std::string_view id, const crdt::Json& document) {
  return query::IndexTuple(document, index.fields) + std::string(id);
}

void AddIndexChanges(const IndexCatalog& catalog, std::string_view key, const crdt::Document* before,
                     const crdt::Document& after, std::vector<store::IndexChange>* out) {
  const size_t slash = key.find('/');
  const std::vector<CatalogIndex>* indexes = catalog.Of(key.substr(0, slash));
  if (indexes == nullptr) return;
  const std::string_view id = key.substr(slash + 1);
  // Rendered once per write, and only for a collection with indexes.
  std::optional<crdt::Json> old_value, new_value;
  if (before != nullptr && before->live()) old_value = crdt::ToJson(*before);
  if (after.live()) new_value = crdt::ToJson(after);
  for (const CatalogIndex& index : *indexes) {
    if (index.state == IndexState::kDropping) continue;
    std::optional<std::string> old_entry, new_entry;
    if (old_value) old_entry = IndexEntry(index.definition, id, *old_value);
    if (new_value) new_entry = IndexEntry(index.definition, id, *new_value);
    if (old_entry == new_entry) continue;
    if (old_entry) out->push_back({store::IndexEntryKey(index.definition.id, *old_entry), std::nullopt});
    if (new_entry) out->push_back({store::IndexEntryKey(index.definition.id, *new_entry), std::string()});
  }
}

}  // namespace crdtdb::db
