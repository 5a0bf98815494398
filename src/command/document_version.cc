// Copyright (c) crdtdb authors.

#include "command/document_version.h"

#include "crdt/digest.h"
#include "db/key.h"

namespace crdtdb::command {

Result<std::optional<std::string>> DocumentVersion(db::DatabaseImpl& db, std::string_view path) {
  Result<std::string> key = db::NormalizeKey(path);
  if (!key.ok()) return key.status();
  // A deleted document keeps a state (its tombstone), which is no version of a live document.
  if (Result<std::string> live = db.get(*key); !live.ok()) {
    if (live.status().code() == Status::Code::kNotFound) return std::optional<std::string>();
    return live.status();
  }
  Result<std::optional<std::string>> state = db.ReadState(*key);
  if (!state.ok()) return state.status();
  if (!state->has_value()) return std::optional<std::string>();
  return std::optional<std::string>(crdt::DigestOf(**state).ToHex());
}

}  // namespace crdtdb::command
