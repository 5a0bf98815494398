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
//   - else a $in on f(k+1) narrows it to one prefix per value (point lookups);
//   - when the query's sort is f(k+1)..fn, all ascending or all descending, the ranges are in the
//     query's order (read backwards when descending), and the plan is "ordered": a page reads only
//     as far as its last document.
//
// A condition matches an array by its elements too (matcher.h), so when the index holds element
// entries (it is "multikey": some document has an array in its fields) every lookup also reads the
// element entries and the overflow entries (index_key.h), and such a plan is not ordered (a
// document may be found more than once, and a sort orders arrays whole); the whole entries alone
// still serve a sort without conditions on the index's fields.
//
// Conditions under $or, $ne, $nin, $exists are not used: they narrow less than a scan of the
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

// Entries [lower, upper), relative to the index's key prefix; upper empty: to the end of the index.
struct KeyRange {
  std::string lower;
  std::string upper;
};

struct IndexPlan {
  size_t index = 0;              // which of the candidate indexes
  std::vector<KeyRange> ranges;  // disjoint, in key order; ordered: the query's order, ascending
  bool ordered = false;          // the ranges are in the query's sort order
  bool descending = false;       // ordered, and read backwards
  size_t equal_fields = 0;       // fields narrowed by equality
  std::string equal_prefix;      // their encoded values
  bool range = false;            // and the next one by a range
  size_t in_values = 0;          // or by this many $in values
};

struct CandidateIndex {
  std::vector<FieldPath> fields;
  bool multikey = false;  // it holds element entries (index_key.h)
};

// The best plan over `indexes`, or nullopt when none narrows the query or serves its sort: then
// the query scans its collection.
std::optional<IndexPlan> PlanQuery(const Query& query, const std::vector<CandidateIndex>& indexes);

// For an ordered plan and a query with a bookmark (query.after set): the encoded tuple and id of the bookmark's
// position; the page starts strictly after it.
std::string OrderedResumeKey(const Query& query, const IndexPlan& plan);

}  // namespace crdtdb::query

#endif  // CRDTDB_QUERY_PLANNER_H_
