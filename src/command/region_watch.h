// Copyright (c) crdtdb authors.
//
// The region-wide change feed (docs/changes.md, "A region of several nodes"): `watch` through
// --config/--region when the region has several nodes. Each node's change log orders the changes
// of the partitions it holds, so the watcher follows every node's feed (one WatchSession each) and
// takes each partition's changes from one owner: the first owner, in the placement's preference
// order, that answers (whose last page was answered). A node that does not answer is passed over
// until it does again; its partitions come from their next owner meanwhile (with a replication
// factor above one). Each node's pages are taken as they come, whatever the other nodes do: a
// change is printed as soon as the node that serves it answers (region_watch_follow.h asks every
// node on a thread of its own).
//
// Why nothing is missed: a node's cursor moves on over the changes of partitions another owner
// serves, but that owner answers, and every change of a partition reaches each of its owners (by
// replication) and is then a change of that owner's feed. So a change one owner had and the
// serving owner had not yet is printed once it arrives there (once that owner answers again, if
// it stopped meanwhile). A change may be printed twice (once from each owner, around a
// fail-over): at least once, never a gap.
//
// The composite cursor is one opaque string holding every node's cursor:
// "R1." then NAME=CURSOR per node joined by '.' (NAME [a-z0-9-]+, CURSOR a node's FEED-SEQUENCE,
// or empty for a node not read yet: it starts with the changes after its first read). Each
// printed line carries the composite cursor right after it.
//
// A sans-IO state machine: the caller sends each node's page command, then hands its answer to
// AcceptPage, or tells NodeSilent that there was none (region_watch_follow.h sends them).

#ifndef CRDTDB_COMMAND_REGION_WATCH_H_
#define CRDTDB_COMMAND_REGION_WATCH_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/placement.h"
#include "command/command.h"
#include "command/watch.h"
#include "config/cluster_config.h"
#include "crdtdb/result.h"

namespace crdtdb::command {

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

  // Takes `node`'s answer to its last page: the node answers from now on. Returns the change lines
  // to print (those of the partitions it serves), each with its composite cursor, or the node's
  // error (as WatchSession::Accept, the message naming the node; it moves no cursor).
  Result<std::string> AcceptPage(const std::string& node, const Outcome& outcome);
  // `node` did not answer its last page: its partitions come from their next owner that answers
  // until it does again. Returns the change lines to print now: those another owner passed to
  // `node` since its last answer (as AcceptPage's, each with the composite cursor of now).
  std::string NodeSilent(const std::string& node);

  // The composite cursor after everything taken so far.
  std::string cursor() const;
  // The partitions no owner answers for (their changes wait for an owner).
  size_t missing() const;

 private:
  RegionWatch(const cluster::Placement& placement, const RegionConfig& region, std::string path)
      : placement_(&placement), region_(&region), path_(std::move(path)) {}
  // A change line a node passed over because another owner serves its partition, kept until
  // that owner answers again (then it serves it) or does not (then it is printed, or passed to
  // the next owner that answers): a page of the owner in flight may go unanswered.
  struct Deferred {
    std::string from;  // the node whose page had the line
    std::string key;
    std::string line;  // as that node's page had it
  };
  struct Node {
    WatchSession session;
    bool answers = false;  // its last page was answered
    std::vector<Deferred> deferred;
  };
  // The node that serves `key`'s partition: its first owner that answers.
  const std::string* ServingOwner(std::string_view key) const;
  // A deferred change line, printed with the composite cursor of now.
  std::string Print(const std::string& line) const;

  const cluster::Placement* placement_;
  const RegionConfig* region_;
  std::string path_;
  std::map<std::string, Node> nodes_;  // by node name
};

}  // namespace crdtdb::command

#endif  // CRDTDB_COMMAND_REGION_WATCH_H_
