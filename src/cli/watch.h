// Copyright (c) crdtdb authors.
//
// The CLI's `watch` (docs/changes.md): the adapter that sends a command::WatchSession's pages and
// prints their changes as they come. Against a server it follows until interrupted, each page a
// long poll on the node's client endpoint; on an embedded store it prints the changes since the
// cursor and exits, since no other process can write to a store the CLI holds. Exit codes as
// docs/cli.md: 2 for a malformed cursor or path, 1 for a cursor the feed cannot serve (too old, or
// of changes the replica no longer has: resync) or a server that stopped answering.

#ifndef CRDTDB_CLI_WATCH_H_
#define CRDTDB_CLI_WATCH_H_

#include <functional>
#include <string>

#include "command/command.h"
#include "command/region_router.h"
#include "config/cluster_config.h"

namespace crdtdb::cli {

// Checks a watch's prefix and cursor (a node's or a region's) before anything is opened or called (InvalidArgument, exit 2).
Status CheckWatch(const std::string& path, const std::string& since);

// Runs one page's command where the data is; an Outcome with exit code 1 when it cannot.
using PageSender = std::function<command::Outcome(const command::Command&)>;

int WatchRemote(const command::Command& command, const PageSender& send);
int WatchEmbedded(const command::Command& command, const PageSender& run);
// A region of several nodes: one feed gathered from every node (command/region_watch.h), until
// interrupted; a node that does not answer is passed over (said once on stderr), and the watch
// fails only when no node answers.
int WatchRegion(const command::RegionRouter& router, const RegionConfig& region, const command::Command& command);

}  // namespace crdtdb::cli

#endif  // CRDTDB_CLI_WATCH_H_
