// Copyright (c) crdtdb authors.
//
// The CLI's `sync` (docs/cli.md, "sync"): an embedded store --data-dir synced once with a region
// (of one node, or partition by partition with a region of several: command/region_sync.h) or an
// endpoint, or with --live until interrupted (live_sync.h). Everything is checked before the store
// is opened, so a mistake creates no store.

#ifndef CRDTDB_CLI_SYNC_VERB_H_
#define CRDTDB_CLI_SYNC_VERB_H_

#include "cli/arguments.h"

namespace crdtdb::cli {

// Runs `sync`; returns the exit code.
int Sync(const Parser& p, const Arguments& a);

}  // namespace crdtdb::cli

#endif  // CRDTDB_CLI_SYNC_VERB_H_
