// Copyright (c) crdtdb authors.
//
// The region-wide change feed (docs/changes.md, "A region of several nodes"): `watch` through
// --config/--region when the region has several nodes. Each node's change log orders the changes
// of the partitions it holds, so the watcher follows every node's feed (one WatchSession each) and
// takes each partition's changes from one owner: the first owner, in the placement's preference
// order, that answered the round. A node that does not answer is passed over until it does again;
// its partitions come from their next owner meanwhile (with a replication factor above one).
//
// Why nothing is missed: a node's cursor moves on over the changes of partitions another owner
// serves, but that owner answered the same round, and every change of a partition reaches each
// of its owners (by replication) and is then a change of that owner's feed. So a change one owner
// had and the serving owner had not yet is printed once it arrives there. A change may be printed
// twice (once from each owner, around a fail-over): at least once, never a gap.
//
// The composite cursor is one opaque string holding every node's cursor:
// "R1." then NAME=CURSOR per node joined by '.' (NAME [a-z0-9-]+, CURSOR a node's FEED-SEQUENCE,
// or empty for a node not read yet: it starts with the changes after its first read). Each
// printed line carries the composite cursor right after it.
//
// A sans-IO state machine: the caller sends each node's page command, then hands the round's
// answers to AcceptRound (region_watch_round.h sends them, every node at once).

#ifndef CRDTDB_COMMAND_REGION_WATCH_H_
#define CRDTDB_COMMAND_REGION_WATCH_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "cluster/placement.h"
#include "command/command.h"
#include "command/watch.h"
#include "config/cluster_config.h"
#include "crdtdb/result.h"

namespace crdtdb::command {

// How long a node holds a region watch's page while nothing changes: short, since a round ends
// when its last node answers (region_watch_round.h asks them all at once), and a change that one
// node answers at once is printed only then.
constexpr uint32_t kRegionWatchWaitMs = 100;

// Whether `text` is a composite cursor (its prefix; ParseRegionCursor checks the rest).
bool IsRegionCursor(std::string_view text);
// The node cursors of a composite cursor; InvalidArgument naming what is wrong.
Result<std::map<std::string, std::string>> ParseRegionCursor(std::string_view text);
std::string FormatRegionCursor(const std::map<std::string, std::string>& nodes);

class RegionWatch {
 public:
  // `since`: empty (the changes after the first page) or a composite cursor of `region`'s nodes;
  // InvalidArgument (exit 2) for anything else. `placement` and `region` must outlive the watch.
  static Result<RegionWatch> Start(const cluster::Placement& placement, const RegionConfig& region,
                                   std::string path, std::string_view since);

  // The next page's command for `node`; `wait_ms` as WatchSession::NextPage.
  Command PageFor(const std::string& node, uint32_t wait_ms) const;

  // Takes one round's answers: the outcome of each node that answered (a node missing from
  // `answers` did not). Returns the change lines to print, each with its composite cursor, or a
  // node's error (as WatchSession::Accept, the message naming the node).
  Result<std::string> AcceptRound(const std::map<std::string, Outcome>& answers);

  // The composite cursor after everything taken so far.
  std::string cursor() const;
  // Whether the last round printed any change.
  bool printed() const { return printed_; }
  // How long the nodes may hold the next round's pages: not at all for the first round or after
  // one that printed (a busy feed is read as fast as it comes), kRegionWatchWaitMs while quiet.
  uint32_t NextWaitMs() const { return rounds_ == 0 || printed_ ? 0 : kRegionWatchWaitMs; }
  // The partitions no owner answered for in the last round (their changes wait for an owner).
  size_t missing() const { return missing_; }

 private:
  RegionWatch(const cluster::Placement& placement, const RegionConfig& region, std::string path)
      : placement_(&placement), region_(&region), path_(std::move(path)) {}
  // The node that serves `key`'s partition this round, given the nodes that answered.
  const std::string* ServingOwner(std::string_view key, const std::map<std::string, Outcome>& answers) const;

  const cluster::Placement* placement_;
  const RegionConfig* region_;
  std::string path_;
  std::map<std::string, WatchSession> sessions_;  // by node name
  bool printed_ = false;
  uint64_t rounds_ = 0;  // rounds accepted
  size_t missing_ = 0;
};

}  // namespace crdtdb::command

#endif  // CRDTDB_COMMAND_REGION_WATCH_H_
