// Copyright (c) crdtdb authors.
//
// The one order of JSON values that every comparison and sort of a query uses (docs/queries.md,
// "Collation"). It is CouchDB's order of types, with byte order for strings:
//
//   null < false < true < numbers < strings < arrays < objects
//
// - numbers by value, whatever their representation (1 == 1.0; integers beyond 2^53 compare
//   exactly against each other and against doubles);
// - strings by their UTF-8 bytes, which is Unicode code point order (CouchDB uses ICU's
//   collation instead: "a" < "B" there, "B" < "a" here);
// - arrays element by element, a prefix first;
// - objects member by member in the order of their names (byte order), each by name then value,
//   a prefix first.
//
// It is a total order: Collate(a, b) == 0 exactly when the values are equal as JSON (numbers by
// value), so equality ($eq, $in) and sort agree.

#ifndef CRDTDB_QUERY_COLLATION_H_
#define CRDTDB_QUERY_COLLATION_H_

#include "crdt/field_node.h"

namespace crdtdb::query {

using crdt::Json;

// The rank of a value's type in the order above: null 0, false 1, true 2, number 3, string 4,
// array 5, object 6. Range operators ($gt ...) compare only values of one type (docs/queries.md),
// where true and false count as one type.
int TypeRank(const Json& value);
bool SameType(const Json& a, const Json& b);

// Negative, zero or positive as a sorts before, with or after b.
int Collate(const Json& a, const Json& b);

}  // namespace crdtdb::query

#endif  // CRDTDB_QUERY_COLLATION_H_
