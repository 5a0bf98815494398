// Copyright (c) crdtdb authors.
//
// The planner picks, per query, the index that narrows its reading most (docs/queries.md,
// "Indexes and the planner"). An index on fields (f1, ..., fn) keeps one entry per live document,
// keyed by the encoded tuple of its values (index_key.h) then its id, so:
//
//   - equality conditions ($eq, or a plain value) on f1..fk, the selector's top level (or under
//     $and), narrow to one prefix of keys;
//   - range conditions ($gt $gte $lt $lte) on f(k+1) narrow that prefix to a range (within the
//     operand's type, as range operators match only values of one type);
//   - when the query's sort is f(k+1)..fn, ascending, the range is in the query's order, and the
//     plan is "ordered": a page reads only as far as its last document.
//
// Conditions under $or, $ne, $nin, $in, $exists are not used: they narrow less than a scan of the
// range costs to check. A plan only picks candidates: every document read is matched against the
// whole selector, so results never depend on the plan (a property test checks it).

#ifndef CRDTDB_QUERY_PLANNER_H_
#define CRDTDB_QUERY_PLANNER_H_

#include <optional>
#include <string>
#include <vector>

#include "query/field_path.h"
#include "query/query.h"

namespace crdtdb::query {

struct IndexPlan {
  size_t index = 0;   // which of the candidate indexes
  std::string lower;  // the tuples to read: [lower, upper), relative to the index's key prefix
  std::string upper;  // empty: to the end of the index
  bool ordered = false;     // the range is in the query's sort order
  size_t equal_fields = 0;  // fields narrowed by equality
  std::string equal_prefix; // their encoded values
  bool range = false;       // and the next one by a range
};

// The best plan over `indexes` (each an index's fields, in order), or nullopt when none narrows
// the query or serves its sort: then the query scans its collection.
std::optional<IndexPlan> PlanQuery(const Query& query, const std::vector<std::vector<FieldPath>>& indexes);

// For an ordered plan and a query with a bookmark (query.after set): the encoded tuple and id of the bookmark's
// position; the page starts strictly after it.
std::string OrderedResumeKey(const Query& query, const IndexPlan& plan);

}  // namespace crdtdb::query

#endif  // CRDTDB_QUERY_PLANNER_H_
