// Copyright (c) crdtdb authors.
//
// The version of a document, which HTTP sends as its ETag and checks against If-Match
// (docs/http.md, "Versions"): the digest of its stored CRDT state (crdt/digest.h). Every change of
// the state changes it, a local write or a replicated one, also one that leaves the JSON the same
// (a concurrent value appears, a field is written again); equal states on two replicas have equal
// versions, so a version read on one node is valid on another owner of the document.

#ifndef CRDTDB_COMMAND_DOCUMENT_VERSION_H_
#define CRDTDB_COMMAND_DOCUMENT_VERSION_H_

#include <optional>
#include <string>
#include <string_view>

#include "crdtdb/result.h"
#include "db/database_impl.h"

namespace crdtdb::command {

// 32 hex digits, or nullopt when no live document is at `path` (never written, or deleted).
Result<std::optional<std::string>> DocumentVersion(db::DatabaseImpl& db, std::string_view path);

}  // namespace crdtdb::command

#endif  // CRDTDB_COMMAND_DOCUMENT_VERSION_H_
