// Copyright (c) crdtdb authors.

#include "db/write_group.h"

#include "crdt/materialize.h"

namespace crdtdb::db {

Result<const store::StoredDocument*> WriteGroup::Load(const std::string& key) {
  if (auto it = overlay_.find(key); it != overlay_.end()) return &it->second;
  if (existed_.count(key)) return static_cast<const store::StoredDocument*>(nullptr);
  Result<std::optional<store::StoredDocument>> stored = store_.Read(key);
  if (!stored.ok()) return stored.status();
  existed_[key] = stored->has_value();
  if (!stored->has_value()) return static_cast<const store::StoredDocument*>(nullptr);
  return &overlay_.emplace(key, std::move(**stored)).first->second;
}

Status WriteGroup::SaveLocal(const std::string& key, crdt::Document state, std::string encoded_delta,
                             const std::string& json) {
  return Save(key, std::move(state), &encoded_delta, &json);
}

Status WriteGroup::SaveRemote(const std::string& key, crdt::Document state) {
  return Save(key, std::move(state), nullptr, nullptr);
}

Status WriteGroup::Save(const std::string& key, crdt::Document state, std::string* encoded_delta,
                        const std::string* json) {
  Result<const store::StoredDocument*> previous = Load(key);
  if (!previous.ok()) return previous.status();
  Result<crdt::Digest> digest = writes_.PutDocument(key, state, *previous);
  if (!digest.ok()) return digest.status();
  if (encoded_delta != nullptr) writes_.AppendEncodedLocalDelta(key, std::move(*encoded_delta));
  Change change{key, std::nullopt, /*remote=*/encoded_delta == nullptr};
  if (announce_ && state.live()) change.json = json != nullptr ? *json : crdt::DocumentJson(state);
  changes_.push_back(std::move(change));
  overlay_.insert_or_assign(key, store::StoredDocument{std::move(state), *digest});
  return Status::OK();
}

}  // namespace crdtdb::db
