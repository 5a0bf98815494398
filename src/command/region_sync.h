// Copyright (c) crdtdb authors.
//
// Two-way sync of an embedded store with a region of several nodes (docs/sharding.md, "Routing"):
// each partition is synced with one owner that answers, in preference order, over the Merkle
// subtrees of the partitions that node is asked for, so every document of the store goes to a
// node that owns it and comes back from one. The reports of the nodes add up; `in_sync` holds when
// every node's last round found its partitions equal. A partition no owner answered for fails the
// sync (Unavailable, naming it), after the others were synced. With `cancel`, it ends (Unavailable)
// soon after *cancel turns true (net::ClientConnection).

#ifndef CRDTDB_COMMAND_REGION_SYNC_H_
#define CRDTDB_COMMAND_REGION_SYNC_H_

#include <atomic>
#include <functional>
#include <optional>

#include "cluster/placement.h"
#include "config/cluster_config.h"
#include "crdtdb/result.h"
#include "crdtdb/sync_report.h"
#include "db/database_impl.h"
#include "net/curve_keys.h"

namespace crdtdb::command {

Result<SyncReport> SyncWithNodes(
    db::DatabaseImpl& db, const cluster::Placement& placement, const RegionConfig& region,
    const std::function<Result<std::optional<net::CurveClientKeys>>(const NodeConfig&)>& keys,
    int timeout_ms, const std::atomic<bool>* cancel = nullptr);

}  // namespace crdtdb::command

#endif  // CRDTDB_COMMAND_REGION_SYNC_H_
