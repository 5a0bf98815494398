// Copyright (c) crdtdb authors.
//
// Runs a query by reading a collection's documents in id order (docs/queries.md, "Bounds"): the
// plan of every query while there are no indexes. The documents come from a DocumentSource, which
// the database implements over one store scan (one LevelDB iterator, so one consistent snapshot of
// the replica per call); an index planner can later hand RunQuery another source.
//
// The work of one call is bounded, so that no query can stall a replica:
//   - `limit` documents at most are returned (a page);
//   - at most `max_examined` documents (live or deleted) are read;
//   - once `past_deadline()` says so, no more are read (at least one always is, so a caller that
//     follows bookmarks always makes progress).
// A query in id order that reaches a bound returns what it found with a resume position: the
// next call goes on from there. A sorted query must read the whole collection before it knows
// its first document, so reaching the scan budget or the deadline fails it with Unavailable, which
// says which bound and how to narrow the query.

#ifndef CRDTDB_QUERY_SCAN_H_
#define CRDTDB_QUERY_SCAN_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crdtdb/result.h"
#include "query/query.h"

namespace crdtdb::query {

// One document as the source reads it. RunQuery may move `value` and `text` out of it.
struct SourceDocument {
  std::string_view id;
  bool live = false;  // false: deleted, or left out by the caller (read, but matches nothing)
  Json value;         // the document as get shows it, when live
  std::string text;   // the same as JSON text
};

using DocumentVisitor = std::function<bool(SourceDocument&)>;
// Calls `visit` for the documents after id `start_after` (empty: from the first) in id order,
// until it returns false or there are no more.
using DocumentSource =
    std::function<Status(std::string_view start_after, const DocumentVisitor& visit)>;

struct ScanBounds {
  size_t max_examined = 1;
  std::function<bool()> past_deadline;  // null: no deadline
  std::string collection;               // names it in errors
};

struct Found {
  std::string id;
  std::string json;  // projected to the query's fields
};

struct QueryPage {
  std::vector<Found> documents;    // in the query's order
  std::optional<Position> resume;  // set when more documents may follow
  uint64_t examined = 0;
};

Result<QueryPage> RunQuery(const Query& query, const DocumentSource& source,
                           const ScanBounds& bounds);

// Visits documents already in the query's order (an ordered index plan, planner.h), from just
// after the query's bookmark, until `visit` returns false. Each has its `value` set, also one left
// out (live false), so that its position is known.
using OrderedSource = std::function<Status(const DocumentVisitor& visit)>;

// Runs a sorted query over an ordered source: it stops at the page's end, and at a bound it
// returns what it found with the position of the last document read, as a query in id order does.
Result<QueryPage> RunInQueryOrder(const Query& query, const OrderedSource& source,
                                  const ScanBounds& bounds);

}  // namespace crdtdb::query

#endif  // CRDTDB_QUERY_SCAN_H_
