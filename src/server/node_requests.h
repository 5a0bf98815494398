// Copyright (c) crdtdb authors.
//
// What a node of a region of several answers differently from a one-node region's replica
// (docs/sharding.md, "Routing" and "Status"): a request about a document of a partition it does
// not own gets the owners instead (a redirect), a listing covers the partitions it owns, and its
// status names it and its partitions, with their roots and live counts when asked, from which a
// router composes the region's view (command/region_status.h). A node that owns every partition
// (a one-node region) answers as before. While a node hands a partition off (a move,
// sync::SyncScope::handing_off) it still answers for it as an owner; once it dropped it, it
// redirects.

#ifndef CRDTDB_SERVER_NODE_REQUESTS_H_
#define CRDTDB_SERVER_NODE_REQUESTS_H_

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cluster/placement.h"
#include "command/command.h"
#include "config/cluster_config.h"
#include "db/database_impl.h"
#include "sync/sync_scope.h"

namespace crdtdb::server {

class NodeRequests {
 public:
  // All three must outlive this.
  NodeRequests(const RegionConfig& region, const NodeConfig& self, const cluster::Placement& placement);

  // The redirect to the owners for a verb on one document this node does not keep (`scope`: what
  // it keeps now); nullopt when the node answers it (also for a path the verb itself will refuse).
  std::optional<command::Outcome> RedirectUnlessKept(const command::Command& command,
                                                     const sync::SyncScope& scope) const;
  // A listing or a find asked without partitions covers the partitions this node owns, not what
  // it may hold of others.
  void ScopeListing(command::Command* command) const;
  // The node's status: `replica_status` (command::StatusJson) with the node's name and
  // partitions, the moves it is making (`handing_off`: each partition it still holds without
  // owning it, with its new owners and the documents it holds there), and for the partitions
  // `asked` that it owns, their roots and live documents.
  Status PrintStatus(const std::string& replica_status, const db::DatabaseImpl& db, const sync::SyncScope& scope,
                     const std::vector<uint32_t>& asked, std::ostream& out) const;

 private:
  const RegionConfig& region_;
  const NodeConfig& self_;
  const cluster::Placement& placement_;
  const cluster::PartitionSet owned_;
};

}  // namespace crdtdb::server

#endif  // CRDTDB_SERVER_NODE_REQUESTS_H_
