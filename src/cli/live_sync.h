// Copyright (c) crdtdb authors.
//
// `crdtdb sync --live` (docs/cli.md): a live sync of the embedded store with a region
// (Database::start_sync) until `stop` turns true (SIGINT/SIGTERM), printing every state change as
// one JSON line.

#ifndef CRDTDB_CLI_LIVE_SYNC_H_
#define CRDTDB_CLI_LIVE_SYNC_H_

#include <atomic>
#include <ostream>

#include "cli/arguments.h"
#include "crdtdb/live_sync.h"
#include "crdtdb/status.h"

namespace crdtdb::cli {

// Checks the arguments before anything is opened (InvalidArgument: a usage error, nothing
// created), then syncs until `stop`. OK after a clean stop.
Status RunLiveSync(const Arguments& a, const std::atomic<bool>& stop, std::ostream& out);

}  // namespace crdtdb::cli

#endif  // CRDTDB_CLI_LIVE_SYNC_H_
