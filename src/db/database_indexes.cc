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

// What create and drop name: a collection's index, and the collection's indexes as stored.
struct Named {
  std::string collection;
  std::string name;
  std::vector<query::FieldPath> fields;
  std::vector<IndexInfo> existing;
};

Result<Named> ResolveIndex(const store::Store& store, std::string_view collection, std::string_view fields) {
  Result<std::string> c = IndexedCollection(collection);
  if (!c.ok()) return c.status();
  Result<std::pair<std::string, std::vector<query::FieldPath>>> parsed = ParseIndexFields(fields);
  if (!parsed.ok()) return parsed.status();
  Result<std::vector<IndexInfo>> existing = ListIndexes(store, *c);
  if (!existing.ok()) return existing.status();
  return Named{std::move(c).value(), std::move(parsed->first), std::move(parsed->second), std::move(existing).value()};
}

}  // namespace

Result<IndexInfo> DatabaseImpl::create_index(std::string_view collection, std::string_view fields) {
  Result<Named> index = ResolveIndex(*store_, collection, fields);
  if (!index.ok()) return index.status();
  for (const IndexInfo& info : index->existing) {
    if (info.name == index->name) return info;
  }
  if (index->existing.size() >= kMaxIndexesPerCollection) {
    return Status::InvalidArgument("/" + index->collection + " has " + std::to_string(index->existing.size()) +
                                   " indexes already, the most a collection may have");
  }
  const crdt::Json definition = DefinitionJson(index->collection, index->fields);
  Result<std::string> written = put(DefinitionKey(IndexIdOf(index->collection, index->name)), definition.dump());
  if (!written.ok()) return written.status();
  IndexInfo info{index->collection, index->name, {}, "building", 0};
  for (const query::FieldPath& f : index->fields) info.fields.push_back(f.text);
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
  Result<Named> index = ResolveIndex(*store_, collection, name);
  if (!index.ok()) return index.status();
  if (std::none_of(index->existing.begin(), index->existing.end(),
                   [&](const IndexInfo& info) { return info.name == index->name && info.state != "dropping"; })) {
    return Status::NotFound("/" + index->collection + " has no index \"" + index->name + "\"");
  }
  return remove(DefinitionKey(IndexIdOf(index->collection, index->name)));
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
