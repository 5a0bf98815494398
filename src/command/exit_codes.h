// Copyright (c) crdtdb authors.
//
// The exit codes of the crdtdb binary, fixed by the outside contract (docs/cli.md): scripts branch
// on them, so they never change meaning.

#ifndef CRDTDB_COMMAND_EXIT_CODES_H_
#define CRDTDB_COMMAND_EXIT_CODES_H_

#include "crdtdb/status.h"

namespace crdtdb::command {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,   // anything that is not the caller's fault: storage, unavailable features
  kExitUsage = 2,     // usage or bad input; nothing was changed
  kExitNotFound = 3,  // the document does not exist
  // A conditional command (Command::if_match) found another version. The CLI has no conditional
  // verbs, so only HTTP (412) sees it.
  kExitPreconditionFailed = 4,
  // The change feed cannot serve a cursor (Status::Gone: too old, or of changes this replica no
  // longer has). HTTP answers 410; the CLI's watch exits 1 with the reason (cli/watch.h).
  kExitGone = 5,
};

// Status codes map one-to-one onto exit codes (crdtdb/status.h says so too).
inline int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case Status::Code::kOk: return kExitOk;
    case Status::Code::kInvalidArgument: return kExitUsage;
    case Status::Code::kNotFound: return kExitNotFound;
    case Status::Code::kGone: return kExitGone;
    default: return kExitFailure;
  }
}

}  // namespace crdtdb::command

#endif  // CRDTDB_COMMAND_EXIT_CODES_H_
