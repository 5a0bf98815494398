// Copyright (c) crdtdb authors.
//
// The bridge from the JSON values of the document model (crdt::Json, nlohmann's) to the public
// crdtdb::Value, for the typed calls of Database. Kept out of include/crdtdb: the public API
// carries no third-party header.

#ifndef CRDTDB_DB_VALUE_JSON_H_
#define CRDTDB_DB_VALUE_JSON_H_

#include "crdt/field_node.h"
#include "crdtdb/result.h"
#include "crdtdb/value.h"

namespace crdtdb::db {

// The same value. Recursive: `json` is bounded in depth by the parser that made it
// (crdt/json_input.h, kMaxJsonDepth).
Value FromJson(const crdt::Json& json);

// The text a typed write sends for `value` (database_values.cc): InvalidArgument for a number
// that is not finite, which JSON cannot carry.
Result<std::string> WritableJson(const Value& value);
// A document as the JSON-text calls return it, parsed into a Value.
Result<Value> ParsedDocument(const Result<std::string>& json);

}  // namespace crdtdb::db

#endif  // CRDTDB_DB_VALUE_JSON_H_
