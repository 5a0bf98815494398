// Copyright (c) crdtdb authors.
//
// How a CLI verb ends (docs/cli.md, "Exit codes"): a failure is one line on stderr and its exit
// code; a result is printed to stdout, and a stdout that cannot take it is a failure too.

#ifndef CRDTDB_CLI_VERB_RESULT_H_
#define CRDTDB_CLI_VERB_RESULT_H_

#include <string>

#include "command/command.h"
#include "crdtdb/status.h"

namespace crdtdb::cli {

// Prints "crdtdb: MESSAGE" (made one line) on stderr and returns `code`.
int Fail(int code, std::string message);
// The same with the exit code the status's kind maps to (command/exit_codes.h).
int Fail(const Status& status);

// Prints the outcome's output, and its error when it failed; returns its exit code.
// `committed`: the command was a write that succeeded, so a failure to print its result must not
// read as a failed write (a script that retried it would apply an increment twice).
int Report(const command::Outcome& outcome, bool committed = false);

// Whether `verb` writes: such a command opens a store for writing, and its result is reported as
// committed.
bool IsWrite(command::Command::Verb verb);

}  // namespace crdtdb::cli

#endif  // CRDTDB_CLI_VERB_RESULT_H_
