// Copyright (c) crdtdb authors.
//
// What a node of a region of several answers differently from a one-node region's replica
// (docs/sharding.md, "Routing" and "Status"): a request about a document of a partition it does
// not own gets the owners instead (a redirect), a listing covers the partitions it owns, and its
// status names it and its partitions, with their roots and live counts when asked, from which a
// router composes the region's view (command/region_status.h). A node that owns every partition
// (a one-node region) answers as before.

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

namespace crdtdb::server {

class NodeRequests {
 public:
  // All three must outlive this.
  NodeRequests(const RegionConfig& region, const NodeConfig& self, const cluster::Placement& placement);

  // The redirect to the owners for a verb on one document this node does not own; nullopt when
  // the node answers it (also for a path the verb itself will refuse).
  std::optional<command::Outcome> RedirectUnlessOwned(const command::Command& command) const;
  // A listing asked without partitions covers the partitions this node owns, not what it may
  // hold of others.
  void ScopeListing(command::Command* command) const;
  // The node's status: `replica_status` (command::StatusJson) with the node's name and
  // partitions, and for the partitions `asked` that it owns, their roots and live documents.
  Status PrintStatus(const std::string& replica_status, const db::DatabaseImpl& db,
                     const std::vector<uint32_t>& asked, std::ostream& out) const;

 private:
  const RegionConfig& region_;
  const NodeConfig& self_;
  const cluster::Placement& placement_;
  const cluster::PartitionSet owned_;
};

}  // namespace crdtdb::server

#endif  // CRDTDB_SERVER_NODE_REQUESTS_H_
