// Copyright (c) crdtdb authors.
//
// One page of a find over a region of several nodes, from the pages its nodes gave for the
// partitions each was asked for (region_router.h). Each node's page holds its first `limit`
// matches after the bookmark in the query's order (query/query.h), and, when more may follow, the
// position up to which it is complete (its bookmark). So the region's matches are known up to
// the least of those positions: the merge keeps what lies there, in the query's order, the first
// `limit` of it, and a bookmark from where the next page goes on.

#ifndef CRDTDB_COMMAND_FIND_MERGE_H_
#define CRDTDB_COMMAND_FIND_MERGE_H_

#include <string>
#include <string_view>
#include <vector>

#include "crdtdb/result.h"

namespace crdtdb::command {

// `query_json` is the page's query (with its "fields", which the nodes were asked without);
// `node_outputs` what the nodes printed (verbs.h, Find). The merged page as Find prints it.
Result<std::string> MergeFindPages(std::string_view query_json,
                                   const std::vector<std::string>& node_outputs);

}  // namespace crdtdb::command

#endif  // CRDTDB_COMMAND_FIND_MERGE_H_
