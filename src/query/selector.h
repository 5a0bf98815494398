// Copyright (c) crdtdb authors.
//
// A selector says which documents a query wants, in the style of CouchDB's Mango and MongoDB
// (interfaces.md section 8; docs/queries.md, "Selectors"):
//
//   {"status": "open", "owner.name": {"$in": ["ann", "bob"]}, "$or": [{"due": {"$lt": 5}}, ...]}
//
// A member whose name is a field path holds either a value (equality), an object of operators
// ($eq $ne $gt $gte $lt $lte $in $nin $exists), or an object of members without "$", which is a
// selector over the fields under it ({"owner": {"name": "ann"}} is {"owner.name": "ann"}). $and
// and $or take a non-empty array of selectors. The members of one object must all hold.
//
// Parsing checks everything a match will rely on, so that matching cannot fail: an unknown
// operator, an operand of the wrong type or a selector over the bounds of limits.h is an
// InvalidArgument that names the offending part.

#ifndef CRDTDB_QUERY_SELECTOR_H_
#define CRDTDB_QUERY_SELECTOR_H_

#include <vector>

#include "crdt/field_node.h"
#include "crdtdb/result.h"
#include "query/field_path.h"

namespace crdtdb::query {

enum class Operator { kEq, kNe, kGt, kGte, kLt, kLte, kIn, kNin, kExists };

struct Selector {
  enum class Kind { kAnd, kOr, kCondition };
  Kind kind = Kind::kAnd;
  std::vector<Selector> children;  // kAnd (empty: matches every document), kOr (never empty)
  // kCondition: the field, the operator and its operand (an array for $in/$nin, a boolean for
  // $exists).
  FieldPath field;
  Operator op = Operator::kEq;
  Json operand;
};

Result<Selector> ParseSelector(const Json& selector);

}  // namespace crdtdb::query

#endif  // CRDTDB_QUERY_SELECTOR_H_
