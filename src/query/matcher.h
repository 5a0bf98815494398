// Copyright (c) crdtdb authors.
//
// Whether a document matches a selector (docs/queries.md, "Matching"). The document is the JSON
// that get shows: for a field with concurrent values, its winner only.
//
// A condition on a field the document lacks fails, except {"$exists": false}: so $ne and $nin
// match only documents that have the field (as Mango, unlike MongoDB). Equality ($eq $ne $in
// $nin) compares whole values by collation.h (1 equals 1.0; an array equals only an equal array,
// there is no matching of one element). Range operators ($gt $gte $lt $lte) hold only between
// values of one type (numbers with numbers, strings with strings, ...): {"$gt": 5} never matches
// a string, though strings sort after numbers.

#ifndef CRDTDB_QUERY_MATCHER_H_
#define CRDTDB_QUERY_MATCHER_H_

#include "query/selector.h"

namespace crdtdb::query {

bool Matches(const Selector& selector, const Json& document);

}  // namespace crdtdb::query

#endif  // CRDTDB_QUERY_MATCHER_H_
