// Copyright (c) crdtdb authors.
//
// What main.cc needs of the index verbs beyond running them (command/index_verbs.h): which verb
// was given, checking its arguments before any store is opened (bad input changes nothing), and
// the embedded create's wait for its build.

#ifndef CRDTDB_CLI_INDEX_COMMANDS_H_
#define CRDTDB_CLI_INDEX_COMMANDS_H_

#include <optional>

#include "cli/arguments.h"
#include "command/command.h"
#include "crdtdb/database.h"

namespace crdtdb::cli {

std::optional<command::Command::Verb> IndexVerbOf(const Parser& p);

// InvalidArgument for a bad collection or field list.
Status PrepareIndex(const Parser& p, const Arguments& a);

// An embedded `index create` is the only user of its store, and builds only while open: it waits
// for the index's build, then prints the index as built. Reports the outcome of `created`.
command::Outcome AwaitIndexBuilt(Database& db, const command::Command& command, command::Outcome created);

}  // namespace crdtdb::cli

#endif  // CRDTDB_CLI_INDEX_COMMANDS_H_
