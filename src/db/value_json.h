// Copyright (c) crdtdb authors.
//
// The bridge from the JSON values of the document model (crdt::Json, nlohmann's) to the public
// crdtdb::Value, for the typed calls of Database. Kept out of include/crdtdb: the public API
// carries no third-party header.

#ifndef CRDTDB_DB_VALUE_JSON_H_
#define CRDTDB_DB_VALUE_JSON_H_

#include "crdt/field_node.h"
#include "crdtdb/value.h"

namespace crdtdb::db {

// The same value. Recursive: `json` is bounded in depth by the parser that made it
// (crdt/json_input.h, kMaxJsonDepth).
Value FromJson(const crdt::Json& json);

}  // namespace crdtdb::db

#endif  // CRDTDB_DB_VALUE_JSON_H_
