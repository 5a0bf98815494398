// Copyright (c) crdtdb authors.

#include "db/index_verify.h"

#include <algorithm>
#include <iterator>
#include <set>

#include "crdt/json_input.h"
#include "crdt/state_json.h"
#include "db/index_entries.h"
#include "query/index_key.h"
#include "store/store_snapshot.h"

namespace crdtdb::db {

namespace {

// The document id an entry names, for the report ("?" if the entry is malformed).
std::string IdOf(const IndexDefinition& index, const std::string& entry) {
  Result<size_t> tuple = query::EntryIdOffset(entry, index.fields.size());
  return tuple.ok() ? entry.substr(*tuple) : "?";
}

Status VerifyIndex(const store::StoreSnapshot& snapshot, const IndexDefinition& index,
                   std::vector<std::string>* problems) {
  const std::string prefix = index.collection + "/";
  std::set<std::string> expected;
  Status s = snapshot.Scan(prefix, "", [&](std::string_view key, std::string_view state) {
    Result<std::optional<std::string>> json = crdt::StateJson(state);
    if (!json.ok() || !json->has_value()) return true;  // a bad document is store::Verify's to report
    Result<crdt::Json> value = crdt::ParseJson(**json);
    if (value.ok()) std::ranges::move(IndexEntries(index, key.substr(prefix.size()), *value), std::inserter(expected, expected.end()));
    return true;
  });
  if (!s.ok()) return s;
  std::set<std::string> actual;
  s = snapshot.ScanIndex(index.id, "", "", [&](std::string_view entry) {
    actual.emplace(entry);
    return true;
  });
  if (!s.ok()) return s;
  const std::string what = "index \"" + index.name + "\" of /" + index.collection + ": ";
  std::vector<std::string> missing, extra;
  std::set_difference(expected.begin(), expected.end(), actual.begin(), actual.end(), std::back_inserter(missing));
  std::set_difference(actual.begin(), actual.end(), expected.begin(), expected.end(), std::back_inserter(extra));
  for (const std::string& entry : missing) {
    if (problems->size() >= kMaxVerifyProblems) break;
    problems->push_back(what + "no entry for document /" + prefix + IdOf(index, entry));
  }
  for (const std::string& entry : extra) {
    if (problems->size() >= kMaxVerifyProblems) break;
    problems->push_back(what + "an entry that no document has, for /" + prefix + IdOf(index, entry));
  }
  return Status::OK();
}

}  // namespace

Status VerifyIndexes(const store::Store& store, const IndexCatalog& catalog, std::vector<std::string>* problems) {
  const std::unique_ptr<store::StoreSnapshot> snapshot = store.NewSnapshot();
  for (const auto& [collection, indexes] : catalog.by_collection) {
    for (const CatalogIndex& index : indexes) {
      if (index.state != IndexState::kReady) continue;
      if (Status s = VerifyIndex(*snapshot, index.definition, problems); !s.ok()) return s;
    }
  }
  return Status::OK();
}

}  // namespace crdtdb::db
