// Copyright (c) crdtdb authors.
//
// crdtdb diff (docs/cli.md, "diff") when either side, or both, is a region of several nodes
// (docs/sharding.md, "Routing"). On such a side each partition is compared with one owner that
// answers, in preference order, a node that failed once being passed over for the rest of the
// diff (cluster/owner_rotation.h); the partitions asked of the same pair of replicas go in one
// walk over their Merkle subtrees (db/diff_walk.h). Every walk has the same session id, so a
// side's root is the XOR of its partitions' roots, as region status computes `merkle_root`, and
// equals the root a walk of a one-node region holding the same documents shows. The walks'
// differences are merged in key order and cut at the limit.
//
// A side that is a replica as a whole (a one-node region, an endpoint, an embedded store) is
// asked for every partition; when it fails the diff fails, as it does between two such replicas.
// A partition whose owners on one side all failed is missing: listed in
// DiffReport::missing_partitions, its differences unknown, both roots empty.

#ifndef CRDTDB_COMMAND_REGION_DIFF_H_
#define CRDTDB_COMMAND_REGION_DIFF_H_

#include <functional>
#include <memory>
#include <string>

#include "cluster/placement.h"
#include "config/cluster_config.h"
#include "crdt/dot.h"
#include "crdtdb/diff.h"
#include "crdtdb/result.h"
#include "crdtdb/sync_transport.h"

namespace crdtdb::command {

struct DiffSide {
  // A region of several nodes (of the placement's configuration), and how to reach a node's sync
  // endpoint.
  const RegionConfig* region = nullptr;
  std::function<Result<std::unique_ptr<SyncTransport>>(const NodeConfig&)> connect;
  // Otherwise: the replica as a whole.
  SyncTransport* whole = nullptr;
};

// Compares `a` and `b`, at least one of them a region of several nodes. `sender` is the replica
// id the requests carry. When partitions are missing, *why_missing is the last error of a node.
Result<DiffReport> DiffWithNodes(const cluster::Placement& placement, const DiffSide& a,
                                 const DiffSide& b, crdt::ReplicaId sender,
                                 const DiffOptions& options, std::string* why_missing);

}  // namespace crdtdb::command

#endif  // CRDTDB_COMMAND_REGION_DIFF_H_
