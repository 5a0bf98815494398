// Copyright (c) crdtdb authors.
//
// One function per verb of the crdtdb binary, over the public crdtdb::Database API only. Each
// writes its success output (docs/cli.md, "Output") to `out` and returns a Status; the caller turns
// a non-OK Status into the exit code and the one line on stderr. Arguments arrive already resolved
// (JSON read from stdin, numbers parsed); paths and JSON are validated by the library, which
// changes nothing when it rejects them.

#ifndef CRDTDB_COMMAND_VERBS_H_
#define CRDTDB_COMMAND_VERBS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "command/command.h"
#include "crdtdb/database.h"
#include "crdtdb/status.h"

namespace crdtdb::command {

Status Get(Database& db, std::string_view path, bool with_conflicts, std::ostream& out);
Status Put(Database& db, std::string_view path, std::string_view json, std::ostream& out);
// A JSON object is a merge patch, an array a JSON Patch; `base` (empty: none) is the base version
// a JSON Patch's indexes are resolved against (crdtdb/lists.h).
Status Patch(Database& db, std::string_view path, std::string_view json, std::string_view base, std::ostream& out);
// Prints {"doc": {...}, "base": VERSION}: the document and the base version of that state.
Status GetWithBase(Database& db, std::string_view path, std::ostream& out);
Status Delete(Database& db, std::string_view path);
Status Increment(Database& db, std::string_view path, std::string_view field, int64_t by,
                 std::ostream& out);

// The add-wins set FIELD of the document: adds or removes one JSON scalar `element_json`.
Status SetAdd(Database& db, std::string_view path, std::string_view field,
              std::string_view element_json, std::ostream& out);
Status SetRemove(Database& db, std::string_view path, std::string_view field,
                 std::string_view element_json, std::ostream& out);

// Prints the collection's documents as NDJSON in id order, starting after `start_after` (empty:
// from the first), at most `limit` of them (nullopt: all, fetched page by page so memory stays
// bounded however large the collection). With `keep`, only the documents whose key
// ("collection/id") it keeps are printed and counted.
Status List(Database& db, std::string_view collection, std::optional<size_t> limit,
            const std::string& start_after, const std::function<bool(std::string_view key)>& keep,
            std::ostream& out);

// The bounds of one find request, embedded or on a server (docs/queries.md, "Bounds"): a server
// answers clients on its event loop, so one request may hold it this long at most.
constexpr size_t kFindMaxExamined = 100'000;
constexpr uint32_t kFindDeadlineMs = 250;

// Runs one page of the query `query_json` (Database::find) on the collection and prints its
// documents as NDJSON like List, then, when more may follow, one line {"bookmark": B}. With `keep`,
// only the documents whose key it keeps can match. With `explain`, it prints instead one line
// {"explain": {...}}: how the page was read (FindPlan; docs/queries.md).
Status Find(Database& db, std::string_view collection, std::string_view query_json,
            std::function<bool(std::string_view key)> keep, bool explain, std::ostream& out);

// Prints the status object of docs/cli.md for an embedded store at `data_dir`.
Status PrintStatus(Database& db, const std::string& data_dir, std::ostream& out);

// Prints the verify report; returns Corruption (exit 1) when it lists problems.
Status Verify(Database& db, std::ostream& out);

// What verify prints for a store that could not be opened: the report, with `why` as its one
// problem, and `why` as the error line (exit 1).
Outcome VerifyUnopenable(const Status& why);

}  // namespace crdtdb::command

#endif  // CRDTDB_COMMAND_VERBS_H_
