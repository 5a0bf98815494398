// Copyright (c) crdtdb authors.
//
// The index verbs (docs/cli.md, "index") and the JSON of what they and `find --explain` print,
// over the public crdtdb::Database API only, as verbs.h.

#ifndef CRDTDB_COMMAND_INDEX_VERBS_H_
#define CRDTDB_COMMAND_INDEX_VERBS_H_

#include <ostream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "crdtdb/database.h"

namespace crdtdb::command {

// {"collection": C, "name": N, "fields": [...], "state": S[, "documents_indexed": D]}
nlohmann::ordered_json IndexInfoJson(const IndexInfo& info);
// {"explain": {"index": N or null, "ordered": B, "descending": B, "ranges": R, "keys_read": K,
//  "documents_read": D, "documents_returned": M}}
std::string ExplainJson(const FindPlan& plan);

// Prints the index (IndexInfoJson) once its definition is written.
Status IndexCreate(Database& db, std::string_view collection, std::string_view fields, std::ostream& out);
// Prints {"indexes": [...]}, of one collection or (empty) of all.
Status IndexList(Database& db, std::string_view collection, std::ostream& out);
// Prints {"dropped": {"collection": C, "name": N}}.
Status IndexDrop(Database& db, std::string_view collection, std::string_view name, std::ostream& out);

}  // namespace crdtdb::command

#endif  // CRDTDB_COMMAND_INDEX_VERBS_H_
