// Copyright (c) crdtdb authors.
//
// One round of a region watch (region_watch.h) over the network: every node is asked its page at
// once, each on a thread of its own, and the round ends when the last one answers. A quiet node
// holds its page up to kRegionWatchWaitMs, so a round takes one hold, whatever the number of
// nodes: asked one after the other, a change waited up to one hold per node before its node was
// asked again (docs/benchmarks.md, "Change feed").

#ifndef CRDTDB_COMMAND_REGION_WATCH_ROUND_H_
#define CRDTDB_COMMAND_REGION_WATCH_ROUND_H_

#include <functional>
#include <map>
#include <string>

#include "command/command.h"
#include "command/region_watch.h"
#include "config/cluster_config.h"
#include "crdtdb/result.h"

namespace crdtdb::command {

// Sends `page` to `node` and waits for its answer. Called from several threads at once.
using NodeCall = std::function<Result<Outcome>(const NodeConfig& node, const Command& page)>;

struct RoundAnswers {
  std::map<std::string, Outcome> answers;  // by node name: the nodes that answered
  std::map<std::string, Status> failures;  // by node name: the nodes that did not, and why
};

// Asks every node of `region` its next page of `watch` at once (held up to watch.NextWaitMs()).
// The answers go to watch.AcceptRound.
RoundAnswers AskEveryNode(const RegionConfig& region, const RegionWatch& watch, const NodeCall& call);

}  // namespace crdtdb::command

#endif  // CRDTDB_COMMAND_REGION_WATCH_ROUND_H_
