// Copyright (c) crdtdb authors.
//
// A field path names a value inside a document by the member names that lead to it, written
// dotted as CouchDB's Mango does: "owner.name". A backslash makes the next character literal, so
// a member whose name holds a dot is "a\.b". Paths descend through objects only: a segment met
// on anything else (an array, a scalar) finds nothing.

#ifndef CRDTDB_QUERY_FIELD_PATH_H_
#define CRDTDB_QUERY_FIELD_PATH_H_

#include <string>
#include <string_view>
#include <vector>

#include "crdt/field_node.h"
#include "crdtdb/result.h"

namespace crdtdb::query {

using crdt::Json;

struct FieldPath {
  std::vector<std::string> segments;  // never empty, no segment empty
  std::string text;                   // as the query wrote it, for error messages
};

// InvalidArgument (naming the path) for an empty path or segment, a trailing backslash, or more
// than kMaxFieldPathSegments segments.
Result<FieldPath> ParseFieldPath(std::string_view dotted);

// The same path under `prefix` (a nested selector's field): prefix.segments then path's.
FieldPath Under(const FieldPath& prefix, const FieldPath& path);

// The value at `path` in `doc`, or null if there is none. Valid while `doc` is.
const Json* Lookup(const Json& doc, const FieldPath& path);

}  // namespace crdtdb::query

#endif  // CRDTDB_QUERY_FIELD_PATH_H_
