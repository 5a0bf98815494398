// Copyright (c) crdtdb authors.
//
// Document keys and field paths as users write them (docs/cli.md):
//   key         "collection/id" or "/collection/id": both parts non-empty, at most 256 bytes,
//               no '/' inside a part, no control characters;
//   field path  "name" for a top-level field, or an RFC 6901 JSON pointer "/a/b" for a nested one.

#ifndef CRDTDB_DB_KEY_H_
#define CRDTDB_DB_KEY_H_

#include <string>
#include <string_view>

#include "crdt/mutators.h"
#include "crdtdb/limits.h"
#include "crdtdb/result.h"

namespace crdtdb::db {

// The canonical "collection/id" form of a key, or InvalidArgument saying what is wrong.
Result<std::string> NormalizeKey(std::string_view key);
// A collection name ("todos" or "/todos"), without slashes.
Result<std::string> NormalizeCollection(std::string_view collection);
Result<crdt::FieldPath> ParseFieldPath(std::string_view field);

}  // namespace crdtdb::db

#endif  // CRDTDB_DB_KEY_H_
