// Copyright (c) crdtdb authors.
//
// Bounds on what crdtdb accepts from its callers. Input beyond them is refused with
// InvalidArgument before anything changes.

#ifndef CRDTDB_INCLUDE_LIMITS_H_
#define CRDTDB_INCLUDE_LIMITS_H_

#include <cstddef>

namespace crdtdb {

// JSON text of one put or patch.
constexpr size_t kMaxJsonBytes = size_t{4} << 20;
// Nesting of objects and arrays in a document, the document itself being level 1 ({"a":[{}]}
// nests 3 levels). JSON input, the write operations and the decoder of stored and replicated
// states all accept exactly this much and refuse one level more.
constexpr int kMaxJsonDepth = 32;
// Each of the two parts of a key "collection/id".
constexpr size_t kMaxKeyPartBytes = 256;
// Documents in one page of Database::list; a larger ListOptions::limit is capped to it.
constexpr size_t kMaxListPage = 10'000;

}  // namespace crdtdb

#endif  // CRDTDB_INCLUDE_LIMITS_H_
