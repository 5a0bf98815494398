// Copyright (c) crdtdb authors.
//
// What the free functions of crdtdb/lists.h and crdtdb/text.h start with: the database behind the
// public Database, the normalized key and (for a call on one field) the parsed field path.

#ifndef CRDTDB_DB_DOCUMENT_CALL_H_
#define CRDTDB_DB_DOCUMENT_CALL_H_

#include <string>
#include <string_view>
#include <utility>

#include "crdt/mutators.h"
#include "crdtdb/database.h"
#include "crdtdb/result.h"
#include "db/database_impl.h"
#include "db/key.h"

namespace crdtdb::db {

struct DocumentCall {
  DatabaseImpl* db = nullptr;
  std::string key;
  crdt::FieldPath field;  // empty for a call on the whole document
};

// The database and the normalized key of a call on one document.
inline Result<DocumentCall> PrepareDocumentCall(Database& db, std::string_view key) {
  auto* impl = dynamic_cast<DatabaseImpl*>(&db);
  if (impl == nullptr) return Status::InvalidArgument("not a Database that Database::open returned");
  Result<std::string> k = NormalizeKey(key);
  if (!k.ok()) return k.status();
  return DocumentCall{impl, std::move(*k), {}};
}

// The same, for a call on the field `field` ("name" or a pointer "/a/b").
inline Result<DocumentCall> PrepareFieldCall(Database& db, std::string_view key, std::string_view field) {
  Result<DocumentCall> call = PrepareDocumentCall(db, key);
  if (!call.ok()) return call;
  Result<crdt::FieldPath> path = ParseFieldPath(field);
  if (!path.ok()) return path.status();
  call->field = std::move(*path);
  return call;
}

}  // namespace crdtdb::db

#endif  // CRDTDB_DB_DOCUMENT_CALL_H_
