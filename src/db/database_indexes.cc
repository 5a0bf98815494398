// Copyright (c) crdtdb authors.
//
// DatabaseImpl's index verbs: an index is created and dropped by writing its definition document
// (index_catalog.h); the IndexManager builds or removes its entries in the background.

#include "db/database_impl.h"
#include "db/index_verify.h"
#include "db/key.h"

namespace crdtdb::db {

namespace {

std::string DefinitionKey(std::string_view id) { return std::string(kIndexCollection) + "/" + std::string(id); }

IndexInfo InfoOf(const CatalogIndex& index) {
  IndexInfo info{index.definition.collection, index.definition.name, {}, "building", index.built};
  for (const query::FieldPath& f : index.definition.fields) info.fields.push_back(f.text);
  if (index.state == IndexState::kReady) info.state = "ready";
  if (index.state == IndexState::kDropping) info.state = "dropping";
  return info;
}

Result<std::vector<IndexInfo>> ListIndexes(const store::Store& store, std::string_view collection) {
  Result<IndexCatalog> catalog = ReadCatalog(store);
  if (!catalog.ok()) return catalog.status();
  std::vector<IndexInfo> out;
  for (const auto& [name, indexes] : catalog->by_collection) {
    if (!collection.empty() && name != collection) continue;
    for (const CatalogIndex& index : indexes) out.push_back(InfoOf(index));
  }
  // A dropped index whose entries are still being removed is known by its id alone.
  if (collection.empty()) {
    for (const std::string& id : catalog->orphans) out.push_back(IndexInfo{"", id, {}, "dropping", 0});
  }
  std::sort(out.begin(), out.end(), [](const IndexInfo& a, const IndexInfo& b) {
    return std::tie(a.collection, a.name) < std::tie(b.collection, b.name);
  });
  return out;
}

Result<std::string> IndexedCollection(std::string_view collection) {
  Result<std::string> c = NormalizeCollection(collection);
  if (!c.ok()) return c;
  if (*c == kIndexCollection) {
    return Status::InvalidArgument("/" + std::string(kIndexCollection) + " holds index definitions: it has no indexes");
  }
  return c;
}

}  // namespace

Result<IndexInfo> DatabaseImpl::create_index(std::string_view collection, std::string_view fields) {
  Result<std::string> c = IndexedCollection(collection);
  if (!c.ok()) return c.status();
  Result<std::pair<std::string, std::vector<query::FieldPath>>> parsed = ParseIndexFields(fields);
  if (!parsed.ok()) return parsed.status();
  Result<std::vector<IndexInfo>> existing = ListIndexes(*store_, *c);
  if (!existing.ok()) return existing.status();
  for (const IndexInfo& info : *existing) {
    if (info.name == parsed->first) return info;
  }
  if (existing->size() >= kMaxIndexesPerCollection) {
    return Status::InvalidArgument("/" + *c + " has " + std::to_string(existing->size()) +
                                   " indexes already, the most a collection may have");
  }
  const crdt::Json definition = DefinitionJson(*c, parsed->second);
  Result<std::string> written = put(DefinitionKey(IndexIdOf(*c, parsed->first)), definition.dump());
  if (!written.ok()) return written.status();
  IndexInfo info{*c, parsed->first, {}, "building", 0};
  for (const query::FieldPath& f : parsed->second) info.fields.push_back(f.text);
  return info;
}

Result<std::vector<IndexInfo>> DatabaseImpl::list_indexes(std::string_view collection) {
  std::string c;
  if (!collection.empty()) {
    Result<std::string> normal = NormalizeCollection(collection);
    if (!normal.ok()) return normal.status();
    c = std::move(normal).value();
  }
  return ListIndexes(*store_, c);
}

Status DatabaseImpl::drop_index(std::string_view collection, std::string_view name) {
  Result<std::string> c = IndexedCollection(collection);
  if (!c.ok()) return c.status();
  Result<std::pair<std::string, std::vector<query::FieldPath>>> parsed = ParseIndexFields(name);
  if (!parsed.ok()) return parsed.status();
  Result<std::vector<IndexInfo>> existing = ListIndexes(*store_, *c);
  if (!existing.ok()) return existing.status();
  if (std::none_of(existing->begin(), existing->end(),
                   [&](const IndexInfo& info) { return info.name == parsed->first && info.state != "dropping"; })) {
    return Status::NotFound("/" + *c + " has no index \"" + parsed->first + "\"");
  }
  return remove(DefinitionKey(IndexIdOf(*c, parsed->first)));
}

std::vector<IndexInfo> DatabaseImpl::IndexStatus() const {
  Result<std::vector<IndexInfo>> all = ListIndexes(*store_, "");
  return all.ok() ? std::move(all).value() : std::vector<IndexInfo>();
}

Result<VerifyReport> DatabaseImpl::verify() {
  Result<store::StoreVerification> v = store_->Verify();
  if (!v.ok()) return v.status();
  VerifyReport report{v->documents, std::move(v->problems)};
  if (Status s = VerifyIndexes(*store_, *indexes_.catalog(), &report.problems); !s.ok()) return s;
  return report;
}

}  // namespace crdtdb::db
