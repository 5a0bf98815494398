// Copyright (c) crdtdb authors.

#include "db/index_entries.h"

#include <algorithm>
#include <iterator>
#include <set>

#include "crdt/materialize.h"
#include "query/index_key.h"
#include "store/key_schema.h"

namespace crdtdb::db {

std::vector<std::string> IndexEntries(const IndexDefinition& index, std::string_view id, const crdt::Json& document) {
  return query::IndexEntries(document, index.fields, id);
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
    std::set<std::string> old_entries, new_entries;
    if (old_value) std::ranges::move(IndexEntries(index.definition, id, *old_value), std::inserter(old_entries, old_entries.end()));
    if (new_value) std::ranges::move(IndexEntries(index.definition, id, *new_value), std::inserter(new_entries, new_entries.end()));
    for (const std::string& entry : old_entries) {
      if (!new_entries.contains(entry)) out->push_back({store::IndexEntryKey(index.definition.id, entry), std::nullopt});
    }
    for (const std::string& entry : new_entries) {
      if (!old_entries.contains(entry)) out->push_back({store::IndexEntryKey(index.definition.id, entry), std::string()});
    }
  }
}

}  // namespace crdtdb::db
