// Copyright (c) crdtdb authors.
//
// Which node of a region each partition is asked of, when every partition must be read from (or
// synced with) one owner that answers: its owners in preference order, a node that failed once
// being passed over for the rest of the walk (docs/sharding.md, "Routing"). The caller asks each
// node for its group of partitions, then reports the group done or the node failed; partitions
// whose owners all failed end up in missing().
//
// A value; not thread-safe.

#ifndef CRDTDB_CLUSTER_OWNER_ROTATION_H_
#define CRDTDB_CLUSTER_OWNER_ROTATION_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "cluster/placement.h"

namespace crdtdb::cluster {

class OwnerRotation {
 public:
  // `placement` must outlive the rotation.
  OwnerRotation(const Placement& placement, std::string region);

  // The partitions left, grouped by the node to ask next (by name, in name order). Empty when
  // every partition is done or missing.
  std::map<std::string, std::vector<PartitionId>> NextAsks();
  void Done(const std::vector<PartitionId>& partitions);
  void Failed(const std::string& node) { failed_.insert(node); }
  // Ascending.
  const std::vector<PartitionId>& missing() const { return missing_; }

 private:
  const Placement& placement_;
  const std::string region_;
  std::map<PartitionId, size_t> next_owner_;  // the partitions left, and the owner to ask
  std::set<std::string> failed_;
  std::vector<PartitionId> missing_;
};

}  // namespace crdtdb::cluster

#endif  // CRDTDB_CLUSTER_OWNER_ROTATION_H_
