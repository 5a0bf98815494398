// Copyright (c) crdtdb authors.
//
// A region watch (region_watch.h) over the network: every node is asked page after page on a
// thread of its own, each page held by its node up to kWatchMaxWaitMs while the node has nothing
// new, as a one-node watch's. A change is printed as soon as the node that serves it answers,
// whatever the other nodes are doing: asked one after the other, as the watch first did, a change
// waited for the holds of the quiet nodes asked before its node (docs/benchmarks.md, "Change
// feed"). A node that does not answer is asked again a quarter of a second later.

#ifndef CRDTDB_COMMAND_REGION_WATCH_FOLLOW_H_
#define CRDTDB_COMMAND_REGION_WATCH_FOLLOW_H_

#include <functional>
#include <string>

#include "command/command.h"
#include "command/region_watch.h"
#include "config/cluster_config.h"
#include "crdtdb/result.h"

namespace crdtdb::command {

// Sends `page` to `node` and waits for its answer. Called from several threads at once.
using NodeCall = std::function<Result<Outcome>(const NodeConfig& node, const Command& page)>;

// What a followed region watch hands its caller, one call at a time (never two at once).
struct RegionWatchOutput {
  // The change lines of one node's page (maybe none); a non-OK Status stops the watch with it.
  std::function<Status(const std::string& lines)> print;
  // `node` stopped answering (said once per outage), and why.
  std::function<void(const std::string& node, const Status& why)> silent;
};

// Follows `watch` over `region`'s nodes until `output.print` refuses, a node answers an error
// (the watch's, naming the node) or no node answers (IOError naming the last error); returns
// that Status once every node's thread has ended (within one call's timeout). `watch` must be
// the watch of `region`.
Status FollowRegionWatch(const RegionConfig& region, RegionWatch& watch, const NodeCall& call,
                         const RegionWatchOutput& output);

}  // namespace crdtdb::command

#endif  // CRDTDB_COMMAND_REGION_WATCH_FOLLOW_H_
