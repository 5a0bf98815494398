// Copyright (c) crdtdb authors.
//
// A query as Database::find takes it: a JSON object in the shape of the body of CouchDB's Mango
// _find (docs/queries.md):
//
//   {"selector": {...}, "sort": ["due", {"owner.name": "desc"}], "limit": 20,
//    "fields": ["title", "owner.name"], "bookmark": "..."}
//
// Only "selector" is required. Every other member is refused by name, so a typo ("limits") is an
// error rather than a silently ignored option.
//
// The order of a query's results is the order of Position: by each sort field in turn (collation.h;
// a document without the field sorts before every value, in ascending order), then by id. Without
// sort, it is id order. The order is total (ids are unique), which is what makes a bookmark (the
// position of the last document of a page) resume with no document lost or repeated, also across
// the nodes of a region, whose pages merge in this order.

#ifndef CRDTDB_QUERY_QUERY_H_
#define CRDTDB_QUERY_QUERY_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crdtdb/result.h"
#include "query/field_path.h"
#include "query/selector.h"

namespace crdtdb::query {

struct SortField {
  FieldPath field;
  bool descending = false;
};

// Where a document stands in a query's order: its values of the sort fields (nullopt where it
// lacks one) and its id.
struct Position {
  std::vector<std::optional<Json>> values;  // one per sort field
  std::string id;
};

struct Query {
  Selector selector;
  std::vector<SortField> sort;    // empty: id order
  size_t limit = 0;               // documents of one page, 1..kMaxPage
  std::vector<FieldPath> fields;  // empty: whole documents
  std::optional<Position> after;  // from the bookmark: the page starts after it
};

// InvalidArgument naming the offending member for anything malformed or over limits.h.
Result<Query> ParseQuery(std::string_view text);

Position PositionOf(const Query& query, std::string_view id, const Json& document);

// Negative, zero or positive as `a` comes before, at or after `b` in the query's order.
int ComparePositions(const Query& query, const Position& a, const Position& b);

}  // namespace crdtdb::query

#endif  // CRDTDB_QUERY_QUERY_H_
