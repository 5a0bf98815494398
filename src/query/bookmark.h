// Copyright (c) crdtdb authors.
//
// A bookmark is the position (query.h) of the last document of a page, handed to the caller as an
// opaque string: the query with the same selector and sort and this bookmark returns the page that
// follows. It holds no state of the replica, so it stays valid forever, on any replica and any node
// of a region; a document written since may or may not appear on a later page, depending on
// where it sorts (docs/queries.md, "Paging").
//
// Encoding: version 1 is the base64url (RFC 4648, no padding) of the JSON array
// [1, ID, [V1, ...]], each Vi being [] for a missing field or [value].

#ifndef CRDTDB_QUERY_BOOKMARK_H_
#define CRDTDB_QUERY_BOOKMARK_H_

#include <string>
#include <string_view>

#include "crdtdb/result.h"
#include "query/query.h"

namespace crdtdb::query {

std::string EncodeBookmark(const Position& position);

// InvalidArgument if `bookmark` is not one, or holds other than `sort_fields` sort values (it was
// made for a query with another sort).
Result<Position> DecodeBookmark(std::string_view bookmark, size_t sort_fields);

}  // namespace crdtdb::query

#endif  // CRDTDB_QUERY_BOOKMARK_H_
