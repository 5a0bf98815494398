// Copyright (c) crdtdb authors.
//
// The query `crdtdb find` sends: its SELECTOR argument and its options, as the JSON object
// Database::find takes (docs/queries.md): {"selector": S, "sort": [...], "fields": [...],
// "bookmark": B}. The limit is not in it: find_pages.h sets each page's.

#ifndef CRDTDB_CLI_FIND_QUERY_H_
#define CRDTDB_CLI_FIND_QUERY_H_

#include <string>
#include <string_view>
#include <vector>

#include "crdtdb/result.h"

namespace crdtdb::cli {

// `sort` holds FIELD, FIELD:asc or FIELD:desc each. InvalidArgument naming the argument at fault
// (the selector's JSON errors, a sort direction); the rest is checked by the query's parser.
Result<std::string> BuildFindQuery(std::string_view selector, const std::vector<std::string>& sort,
                                   const std::vector<std::string>& fields,
                                   const std::string& bookmark);

}  // namespace crdtdb::cli

#endif  // CRDTDB_CLI_FIND_QUERY_H_
