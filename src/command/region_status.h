// Copyright (c) crdtdb authors.
//
// The `status` of a region of several nodes (interfaces.md section 3, docs/sharding.md): every
// node is asked for its status with its partitions' roots and live documents; the region's
// `merkle_root` is the XOR of one owner's root of each partition and `documents` the sum of one
// owner's count of each, so both compare between regions whatever their node counts and
// placements. `nodes` lists each node's own status; partitions that no owner answered for are
// listed in `unavailable_partitions`, with `merkle_root` null and exit code 1.

#ifndef CRDTDB_COMMAND_REGION_STATUS_H_
#define CRDTDB_COMMAND_REGION_STATUS_H_

#include <string>

#include "command/command.h"
#include "command/region_router.h"

namespace crdtdb::command {

// With a non-empty `node`, that node's status alone.
Outcome RegionStatus(const RegionRouter& router, const ClusterConfig& config,
                     const RegionConfig& region, const std::string& node);

}  // namespace crdtdb::command

#endif  // CRDTDB_COMMAND_REGION_STATUS_H_
