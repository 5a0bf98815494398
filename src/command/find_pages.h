// Copyright (c) crdtdb authors.
//
// `crdtdb find` asks for a query's results a page at a time, whatever it runs against (the
// embedded store, one replica, or the RegionRouter of a region of several nodes): each page is one
// bounded request (verbs.h, Find), and the next page starts at the bookmark the last one printed.
// So the CLI prints every match however large the collection, while no request holds a replica
// for long.

#ifndef CRDTDB_COMMAND_FIND_PAGES_H_
#define CRDTDB_COMMAND_FIND_PAGES_H_

#include <functional>

#include "command/command.h"

namespace crdtdb::command {

// The page size the CLI asks for.
constexpr size_t kFindPageSize = 1'000;

// Runs the find `command` (its json: a query, as Database::find takes it; its limit: the most
// documents to print over all pages, nullopt for all) through `run_page`, one page per call,
// following bookmarks. Prints the documents as NDJSON and, when it stopped at the limit while
// more may follow, a last line {"bookmark": B} to resume from. The first page that fails ends it
// with that page's error (the documents before it are kept).
Outcome FindAll(const Command& command, const std::function<Outcome(const Command&)>& run_page);

// Whether `line` of a find's output is its bookmark line, and the bookmark then.
std::optional<std::string> BookmarkOfLine(const std::string& line);

}  // namespace crdtdb::command

#endif  // CRDTDB_COMMAND_FIND_PAGES_H_
