// Copyright (c) crdtdb authors.
//
// Database::put_many: many documents in one commit. Every entry is parsed and checked before any
// lock is taken, so a bad entry costs nothing but its error; then all the keys are locked at once
// (key_locks.h sorts them: no deadlock with other writers), each document's delta is made and
// prepared as a single put would, and the whole batch is queued as one writer's writes, which
// the WriteQueue commits in one store batch: all or none.

#include <set>

#include "crdt/json_input.h"
#include "db/database_impl.h"
#include "db/index_catalog.h"
#include "db/key.h"

namespace crdtdb::db {

namespace {

Status AtEntry(size_t index, const Status& status) {
  return status.WithContext("batch entry " + std::to_string(index));
}

}  // namespace

Status DatabaseImpl::put_many(const std::vector<std::pair<std::string, std::string>>& documents) {
  if (documents.size() > kMaxBatchDocuments) {
    return Status::InvalidArgument("a batch holds " + std::to_string(documents.size()) +
                                   " documents, more than " + std::to_string(kMaxBatchDocuments));
  }
  size_t bytes = 0;
  for (const auto& [key, json] : documents) bytes += key.size() + json.size();
  if (bytes > kMaxBatchBytes) {
    return Status::InvalidArgument("a batch holds " + std::to_string(bytes) + " bytes of keys and JSON, more than " +
                                   std::to_string(kMaxBatchBytes));
  }
  std::vector<std::string> keys;
  std::vector<crdt::Json> objects;
  keys.reserve(documents.size());
  objects.reserve(documents.size());
  std::set<std::string_view> seen;
  for (size_t i = 0; i < documents.size(); ++i) {
    Result<std::string> key = NormalizeKey(documents[i].first);
    if (!key.ok()) return AtEntry(i, key.status());
    Result<crdt::Json> object = crdt::ParseJsonObject(documents[i].second);
    if (!object.ok()) return AtEntry(i, object.status());
    keys.push_back(std::move(key).value());
    objects.push_back(std::move(object).value());
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!seen.insert(keys[i]).second) {
      return AtEntry(i, Status::InvalidArgument("document /" + keys[i] + " is named twice in the batch"));
    }
  }
  if (documents.empty()) return Status::OK();

  Status committed;
  {
    DropGate::Guard gate = drop_gate_.Write();  // until the commit (drop_gate.h)
    KeyLocks::Guard guard = key_locks_.Lock(std::vector<std::string_view>(seen.begin(), seen.end()));
    std::vector<PreparedWrite> writes;
    std::vector<size_t> entries;  // the entry of each write
    std::vector<crdt::Document> nexts(keys.size());
    writes.reserve(keys.size());
    entries.reserve(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) {
      Result<PendingStates::State> previous = LoadForWrite(keys[i]);
      if (!previous.ok()) return AtEntry(i, previous.status());
      const crdt::Document empty;
      const crdt::Document& base = *previous != nullptr ? (*previous)->state : empty;
      Result<crdt::Document> delta = crdt::PutDelta(base, objects[i], clock_.NextStamp());
      if (!delta.ok()) return AtEntry(i, delta.status());
      if (delta->bottom()) continue;  // the document already is this
      Result<PreparedWrite> write = PrepareWrite(keys[i], *previous, std::move(delta).value(), &nexts[i], nullptr);
      if (!write.ok()) return AtEntry(i, write.status());
      writes.push_back(std::move(write).value());
      entries.push_back(i);
    }
    if (writes.empty()) return Status::OK();
    // Recorded only once every entry is prepared: a refused batch leaves no queued state behind.
    std::vector<uint64_t> tickets(entries.size());
    for (size_t w = 0; w < entries.size(); ++w) {
      tickets[w] = pending_.Set(keys[entries[w]], std::move(nexts[entries[w]]), writes[w].document.digest);
    }
    committed = queue_.Submit(std::move(writes), [&guard] { guard.Release(); });
    for (size_t w = 0; w < entries.size(); ++w) pending_.Clear(keys[entries[w]], tickets[w]);
  }
  subscriptions_.Drain();
  if (!committed.ok()) return committed;
  for (const std::string& key : keys) {
    if (IsIndexDefinition(key)) {
      indexes_.DefinitionsChanged();
      break;
    }
  }
  return Status::OK();
}

}  // namespace crdtdb::db
