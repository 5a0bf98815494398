// Copyright (c) crdtdb authors.
//
// A verb run against a running region instead of an embedded store (docs/cli.md, "Remote"):
// sent to a node's client endpoint, which runs it with the same code (src/command), found from
// --config/--region or given with --endpoint, under CURVE when the configuration says so. A
// region of several nodes routes each request to the owners of its data (command/region_router.h);
// a node that names the owners instead of answering is asked once more there.

#ifndef CRDTDB_CLI_REMOTE_H_
#define CRDTDB_CLI_REMOTE_H_

#include "cli/arguments.h"
#include "command/command.h"

namespace crdtdb::cli {

// Runs `command` remotely and prints its outcome; returns the exit code.
int RunRemote(const Parser& p, const Arguments& a, const command::Command& command);

}  // namespace crdtdb::cli

#endif  // CRDTDB_CLI_REMOTE_H_
