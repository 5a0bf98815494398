// Copyright (c) crdtdb authors.
//
// Bounds of a query (docs/queries.md, "Bounds"): what one query may ask, checked when it is
// parsed, so that parsing and matching cost is bounded before any document is read.

#ifndef CRDTDB_QUERY_LIMITS_H_
#define CRDTDB_QUERY_LIMITS_H_

#include <cstddef>

#include "crdtdb/limits.h"

namespace crdtdb::query {

constexpr size_t kMaxQueryBytes = size_t{64} << 10;  // the text of the whole query
constexpr size_t kMaxConditions = 1'000;             // field conditions in a selector
constexpr size_t kMaxInValues = 1'000;               // values of one $in or $nin
constexpr size_t kMaxSortFields = 16;
constexpr size_t kMaxProjectedFields = 256;
constexpr size_t kMaxFieldPathSegments = 32;  // as deep as a document may nest
constexpr size_t kMaxPage = kMaxListPage;     // documents of one page
constexpr size_t kDefaultPage = 1'000;        // when the query gives no limit

}  // namespace crdtdb::query

#endif  // CRDTDB_QUERY_LIMITS_H_
