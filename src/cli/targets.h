// Copyright (c) crdtdb authors.
//
// Where a remote command goes, from the command line (docs/cli.md, "Where a command runs"): a
// region of --config/--region, a node's endpoint, the CURVE keys to call it with. Everything is
// checked before anything is opened or called; errors are InvalidArgument (exit 2) or the
// reading of a key file's error.

#ifndef CRDTDB_CLI_TARGETS_H_
#define CRDTDB_CLI_TARGETS_H_

#include <optional>
#include <string>
#include <utility>

#include "cli/arguments.h"
#include "config/cluster_config.h"
#include "crdtdb/result.h"
#include "net/curve_keys.h"

namespace crdtdb::cli {

// The configuration and the region --config/--region name.
Result<std::pair<ClusterConfig, RegionConfig>> ResolveRegion(const Arguments& a);
// The region's only node; InvalidArgument for a region of several (one endpoint cannot stand for it).
Result<NodeConfig> SoleNode(const RegionConfig& region);
// The CURVE keys to call `node` of `config` with (both null: --endpoint); nullopt: plain TCP.
Result<std::optional<net::CurveClientKeys>> ClientKeys(const Arguments& a, const ClusterConfig* config,
                                                       const NodeConfig* node);
// OK if `endpoint` is an address the CLI can connect to, spelled as in the configuration file.
Status CheckEndpoint(const std::string& endpoint);

// Where a sync or a diff goes: a replica's sync endpoint, by --config/--region or by --endpoint.
struct SyncTarget {
  std::string name;  // the region, or the endpoint
  std::string endpoint;
  std::optional<net::CurveClientKeys> curve;
};
Result<SyncTarget> ResolveSyncTarget(const Arguments& a);
// Side B of a diff, named by --against: another region of --config, or a sync endpoint.
Result<SyncTarget> ResolveAgainst(const Arguments& a);

// A side of a diff: a replica as a whole (`whole`), or a region of several nodes (`nodes`, with
// its configuration; then `whole` holds its name only), compared partition by partition.
struct DiffTarget {
  SyncTarget whole;
  std::optional<std::pair<ClusterConfig, RegionConfig>> nodes;
};
// Side A (--config/--region or --endpoint), and side B (--against).
Result<DiffTarget> ResolveDiffTarget(const Arguments& a);
Result<DiffTarget> ResolveDiffAgainst(const Arguments& a);

}  // namespace crdtdb::cli

#endif  // CRDTDB_CLI_TARGETS_H_
