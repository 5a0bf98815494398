// Copyright (c) crdtdb authors.

#include "db/index_manager.h"

#include <chrono>
#include <map>

#include "crdt/json_input.h"
#include "crdt/state_json.h"
#include "db/index_entries.h"
#include "store/key_schema.h"
#include "store/store_snapshot.h"

namespace crdtdb::db {

Result<IndexCatalog> ReadCatalog(const store::Store& store) {
  Result<std::vector<std::pair<std::string, std::string>>> states = store.ReadIndexStates();
  if (!states.ok()) return states.status();
  std::map<std::string, CatalogIndex> state_of;
  for (const auto& [id, bytes] : *states) {
    Result<CatalogIndex> state = DecodeIndexState(bytes);
    if (!state.ok()) return state.status().WithContext("index " + id);
    state_of[id] = std::move(state).value();
  }
  IndexCatalog catalog;
  const std::string prefix = std::string(kIndexCollection) + "/";
  Status s = store.Scan(prefix, "", [&](std::string_view key, std::string_view state) {
    Result<std::optional<std::string>> json = crdt::StateJson(state);
    if (!json.ok() || !json->has_value()) return true;  // deleted
    Result<crdt::Json> value = crdt::ParseJson(**json);
    if (!value.ok()) return true;
    Result<IndexDefinition> def = ParseDefinition(key.substr(prefix.size()), *value);
    if (!def.ok()) return true;
    CatalogIndex index;
    if (auto it = state_of.find(def->id); it != state_of.end()) {
      index = std::move(it->second);
      state_of.erase(it);
    }
    index.definition = std::move(def).value();
    std::vector<CatalogIndex>& of = catalog.by_collection[index.definition.collection];
    if (of.size() < kMaxIndexesPerCollection) of.push_back(std::move(index));
    return true;
  });
  if (!s.ok()) return s;
  for (const auto& [id, state] : state_of) catalog.orphans.push_back(id);
  return catalog;
}

IndexManager::IndexManager(store::Store& store, DropGate& gate, bool writable)
    : store_(store), gate_(gate), catalog_(std::make_shared<IndexCatalog>()) {
  Result<IndexCatalog> stored = ReadCatalog(store_);
  if (stored.ok()) {
    catalog_ = std::make_shared<IndexCatalog>(std::move(stored).value());
  } else {
    error_ = stored.status().message();
  }
  if (writable) thread_ = std::thread([this] { Run(); });
}

IndexManager::~IndexManager() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::shared_ptr<const IndexCatalog> IndexManager::catalog() const {
  std::lock_guard lock(mu_);
  return catalog_;
}

void IndexManager::DefinitionsChanged() {
  {
    std::lock_guard lock(mu_);
    reload_ = true;
  }
  cv_.notify_all();
}

std::string IndexManager::error() const {
  std::lock_guard lock(mu_);
  return error_;
}

void IndexManager::Install(std::shared_ptr<const IndexCatalog> catalog) {
  std::lock_guard lock(mu_);
  catalog_ = std::move(catalog);
}

void IndexManager::Run() {
  for (;;) {
    bool reload = false;
    {
      std::unique_lock lock(mu_);
      if (stop_) return;
      reload = std::exchange(reload_, false);
    }
    Status failed;
    if (reload) failed = Reload();
    Result<bool> stepped = failed.ok() ? Step() : Result<bool>(failed);
    if (!stepped.ok()) {
      std::lock_guard lock(mu_);
      error_ = stepped.status().message();
      stop_ = true;  // the store refuses writes after a failed commit: nothing more to do
      return;
    }
    std::unique_lock lock(mu_);
    if (*stepped) {
      // Writers held off by the step go first: a build never takes the gate twice in a row
      // while anyone waits for it.
      cv_.wait_for(lock, std::chrono::microseconds(200), [this] { return stop_; });
    } else {
      cv_.wait(lock, [this] { return stop_ || reload_; });
    }
  }
}

Status IndexManager::Reload() {
  DropGate::Guard alone = gate_.Drop();
  Result<IndexCatalog> stored = ReadCatalog(store_);
  if (!stored.ok()) return stored.status();
  store::WriteSet records;
  for (auto& [collection, indexes] : stored->by_collection) {
    for (const CatalogIndex& index : indexes) {
      // A new index: its state is recorded before any write maintains it, so that a drop finds
      // its entries even if it never finishes building.
      if (index.state == IndexState::kBuilding && index.built == 0 && index.cursor.empty()) {
        records.ChangeIndex({store::IndexStateKey(index.definition.id),
                             EncodeIndexState(IndexState::kBuilding, "", 0)});
      }
    }
  }
  for (const std::string& id : stored->orphans) {
    records.ChangeIndex({store::IndexStateKey(id), EncodeIndexState(IndexState::kDropping, "", 0)});
  }
  if (!records.empty()) {
    if (Status s = store_.Commit(records); !s.ok()) return s;
  }
  Install(std::make_shared<IndexCatalog>(std::move(stored).value()));
  return Status::OK();
}

Result<bool> IndexManager::Step() {
  std::shared_ptr<const IndexCatalog> catalog = this->catalog();
  if (!catalog->orphans.empty()) {
    if (Status s = DropStep(catalog->orphans.front()); !s.ok()) return s;
    return true;
  }
  for (const auto& [collection, indexes] : catalog->by_collection) {
    for (const CatalogIndex& index : indexes) {
      if (index.state == IndexState::kBuilding) {
        if (Status s = BuildStep(index); !s.ok()) return s;
        return true;
      }
      if (index.state == IndexState::kDropping) {
        // Dropped, then defined again before the drop ended: the old entries go first.
        if (Status s = DropStep(index.definition.id); !s.ok()) return s;
        return true;
      }
    }
  }
  return false;
}

Status IndexManager::BuildStep(const CatalogIndex& index) {
  DropGate::Guard alone = gate_.Drop();
  const std::string prefix = index.definition.collection + "/";
  store::WriteSet batch;
  CatalogIndex next = index;
  size_t read = 0;
  Status rendered;
  std::unique_ptr<store::StoreSnapshot> snapshot = store_.NewSnapshot();
  Status s = snapshot->Scan(prefix, index.cursor.empty() ? "" : prefix + index.cursor,
                            [&](std::string_view key, std::string_view state) {
    if (read == kStepDocuments) return false;
    ++read;
    next.cursor = std::string(key.substr(prefix.size()));
    Result<std::optional<std::string>> json = crdt::StateJson(state);
    if (!json.ok()) {
      rendered = json.status().WithContext("document /" + std::string(key));
      return false;
    }
    if (!json->has_value()) return true;  // deleted: no entry
    Result<crdt::Json> value = crdt::ParseJson(**json);
    if (!value.ok()) {
      rendered = value.status().WithContext("document /" + std::string(key));
      return false;
    }
    ++next.built;
    for (const std::string& entry : IndexEntries(index.definition, next.cursor, *value)) {
      batch.ChangeIndex({store::IndexEntryKey(index.definition.id, entry), std::string()});
    }
    return true;
  });
  if (!s.ok()) return s;
  if (!rendered.ok()) return rendered;
  if (read < kStepDocuments) next.state = IndexState::kReady;  // the scan reached the end
  batch.ChangeIndex({store::IndexStateKey(index.definition.id), EncodeIndexState(next.state, next.cursor, next.built)});
  if (Status committed = store_.Commit(batch); !committed.ok()) return committed;
  // Installed while the gate is held, as the writes after it must see the same catalog.
  auto catalog = std::make_shared<IndexCatalog>(*this->catalog());
  for (CatalogIndex& c : catalog->by_collection[index.definition.collection]) {
    if (c.definition.id == index.definition.id) c = next;
  }
  Install(std::move(catalog));
  return Status::OK();
}

Status IndexManager::DropStep(const std::string& id) {
  DropGate::Guard alone = gate_.Drop();
  store::WriteSet batch;
  size_t removed = 0;
  std::unique_ptr<store::StoreSnapshot> snapshot = store_.NewSnapshot();
  Status s = snapshot->ScanIndex(id, "", "", [&](std::string_view entry) {
    if (removed == kStepDocuments) return false;
    ++removed;
    batch.ChangeIndex({store::IndexEntryKey(id, entry), std::nullopt});
    return true;
  });
  if (!s.ok()) return s;
  const bool done = removed < kStepDocuments;
  if (done) batch.ChangeIndex({store::IndexStateKey(id), std::nullopt});
  if (Status committed = store_.Commit(batch); !committed.ok()) return committed;
  if (done) {
    // The catalog changes shape (an orphan goes, a definition made again starts its build).
    std::lock_guard lock(mu_);
    reload_ = true;
  }
  return Status::OK();
}

}  // namespace crdtdb::db
