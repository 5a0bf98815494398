// Copyright (c) crdtdb authors.
//
// How a CLI verb ends (verb_result.h).

#include "cli/verb_result.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "command/exit_codes.h"

namespace crdtdb::cli {

using command::Command;
using command::kExitFailure;
using command::kExitOk;
using command::Outcome;

int Fail(int code, std::string message) {
  std::replace(message.begin(), message.end(), '\n', ' ');  // one line, whatever the source
  std::fprintf(stderr, "crdtdb: %s\n", message.c_str());
  return code;
}

int Fail(const Status& status) {
  return Fail(command::ExitCodeFor(status), status.message().empty() ? status.ToString() : status.message());
}

int Report(const Outcome& outcome, bool committed) {
  // After a committed write, a reader that went away must show as a write error that says so,
  // not as a death by SIGPIPE. (A read may die so, as `crdtdb list ... | head` expects.)
  if (committed) std::signal(SIGPIPE, SIG_IGN);
  std::cout << outcome.out;
  if (outcome.exit_code != kExitOk) {
    std::cout.flush();  // a partial listing or a verify report still reaches stdout
    return Fail(outcome.exit_code, outcome.error);
  }
  // A full disk or closed pipe must not look like success to a script.
  if (!std::cout.flush()) {
    return Fail(kExitFailure,
                committed ? "the write was committed, but its result cannot be written to standard "
                            "output; do not retry it"
                          : "cannot write to standard output");
  }
  return kExitOk;
}

bool IsWrite(Command::Verb verb) {
  return verb == Command::Verb::kPut || verb == Command::Verb::kPatch ||
         verb == Command::Verb::kDelete || verb == Command::Verb::kInc ||
         verb == Command::Verb::kSetAdd || verb == Command::Verb::kSetRemove ||
         verb == Command::Verb::kIndexCreate || verb == Command::Verb::kIndexDrop;
}

}  // namespace crdtdb::cli
