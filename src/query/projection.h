// Copyright (c) crdtdb authors.
//
// The "fields" of a query: a document cut down to the named fields, each kept at its place
// ({"a": {"b": 1, "c": 2}} with fields ["a.b"] is {"a": {"b": 1}}). A field the document lacks is
// left out, as Mango does.

#ifndef CRDTDB_QUERY_PROJECTION_H_
#define CRDTDB_QUERY_PROJECTION_H_

#include <vector>

#include "query/field_path.h"

namespace crdtdb::query {

Json Project(const Json& document, const std::vector<FieldPath>& fields);

}  // namespace crdtdb::query

#endif  // CRDTDB_QUERY_PROJECTION_H_
