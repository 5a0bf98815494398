// Copyright (c) crdtdb authors.
//
// The index verbs against a region of several nodes (region_router.h). A definition is a document
// (db/index_catalog.h), but of one partition, which only its owners keep: so create and drop run
// on every node, and each writes the definition into its own replica. They are idempotent
// (creating an index again, or dropping one already dropped on a node, changes nothing there).

#include "command/exit_codes.h"
#include "command/region_router.h"

namespace crdtdb::command {

Outcome RegionRouter::ExecuteOnEveryNode(const Command& command) {
  std::optional<Outcome> first;
  std::string failed;
  for (const NodeConfig& node : region_.nodes) {
    bool sent = false;
    Result<Outcome> outcome = Call(node, command, &sent);
    if (outcome.ok() && command.verb == Command::Verb::kIndexList && outcome->exit_code == kExitOk) {
      return std::move(outcome).value();
    }
    if (outcome.ok() && outcome->exit_code == kExitUsage) return std::move(outcome).value();  // bad input
    // A node that has dropped the index already answers NotFound: the drop is done there.
    const bool done = outcome.ok() && (outcome->exit_code == kExitOk ||
                                       (command.verb == Command::Verb::kIndexDrop && outcome->exit_code == kExitNotFound));
    if (done) {
      if (!first || first->exit_code != kExitOk) first = std::move(outcome).value();
      continue;
    }
    failed += (failed.empty() ? "" : "; ") + node.name + ": " +
              (outcome.ok() ? outcome->error : outcome.status().message());
  }
  if (!failed.empty()) {
    return Outcome{kExitFailure, first ? first->out : "",
                   "not every node of region " + region_.name + " answered (run it again): " + failed, {}, {}};
  }
  return first.value_or(Outcome{kExitFailure, "", "region " + region_.name + " has no node", {}, {}});
}

}  // namespace crdtdb::command
