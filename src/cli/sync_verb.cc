// Copyright (c) crdtdb authors.
//
// The CLI's `sync` (sync_verb.h).

#include "cli/sync_verb.h"

#include <iostream>
#include <memory>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "cli/live_sync.h"
#include "cli/stop_signals.h"
#include "cli/targets.h"
#include "cli/verb_result.h"
#include "cluster/placement.h"
#include "command/exit_codes.h"
#include "command/region_sync.h"
#include "crdtdb/database.h"
#include "db/database_impl.h"
#include "net/client_call.h"

namespace crdtdb::cli {
namespace {

using command::kExitFailure;
using command::kExitOk;
using command::kExitUsage;
using command::Outcome;

// Prints a sync's summary (docs/cli.md, "sync").
int ReportSync(const std::string& target_key, const std::string& target, const SyncReport& report) {
  nlohmann::ordered_json j;
  j[target_key] = target;
  j["documents_sent"] = report.documents_sent;
  j["documents_received"] = report.documents_received;
  j["bytes_sent"] = report.bytes_sent;
  j["bytes_received"] = report.bytes_received;
  j["rounds"] = report.rounds;
  j["duration_ms"] = report.duration_ms;
  j["in_sync"] = report.in_sync;
  return Report(Outcome{kExitOk, j.dump() + "\n", "", {}, {}});
}

// A region of several nodes: each partition synced with one of its owners (command/region_sync.h).
int SyncWithRegionOfNodes(const Arguments& a, const ClusterConfig& config, const RegionConfig& region) {
  Options options;
  options.path = a.data_dir;
  Result<std::unique_ptr<db::DatabaseImpl>> db = db::OpenDatabaseImpl(options);
  if (!db.ok()) return Fail(db.status());
  const cluster::Placement placement = cluster::Placement::Compute(config);
  Result<SyncReport> report = command::SyncWithNodes(
      **db, placement, region, [&](const NodeConfig& node) { return ClientKeys(a, &config, &node); },
      net::kDefaultCallTimeoutMs);
  if (!report.ok()) return Fail(kExitFailure, "sync with " + region.name + " failed: " + report.status().message());
  return ReportSync("region", region.name, *report);
}

}  // namespace

int Sync(const Parser& p, const Arguments& a) {
  if (a.live || !a.publish.empty()) {
    if (!a.live) return Fail(kExitUsage, "--publish goes with sync --live");
    if (p.data_dir->count() == 0) {
      return Fail(kExitUsage, "sync needs --data-dir DIR, the local store to sync (crdtdb --data-dir DIR sync ...)");
    }
    if (Status s = RunLiveSync(a, StopOnSignals(), std::cout); !s.ok()) {
      return Fail(s.IsInvalidArgument() ? kExitUsage : kExitFailure, "sync --live: " + s.ToString());
    }
    return kExitOk;
  }
  if (a.endpoint.empty() && !a.config.empty() && !a.region.empty()) {
    Result<std::pair<ClusterConfig, RegionConfig>> region = ResolveRegion(a);
    if (!region.ok()) return Fail(region.status());
    if (region->second.nodes.size() > 1) {
      if (p.data_dir->count() == 0) {
        return Fail(kExitUsage,
                    "sync needs --data-dir DIR, the local store to sync (crdtdb --data-dir DIR sync ...)");
      }
      return SyncWithRegionOfNodes(a, region->first, region->second);
    }
  }
  // Everything is checked before the store is opened, so a mistake creates no store.
  Result<SyncTarget> target = ResolveSyncTarget(a);
  if (!target.ok()) return Fail(target.status());
  // A sync copies a region's documents into a local store: into the default ./crdtdb-data only
  // if the user says so, never by surprise.
  if (p.data_dir->count() == 0) {
    return Fail(
        kExitUsage,
        "sync needs --data-dir DIR, the local store to sync (crdtdb --data-dir DIR sync ...)");
  }
  Options options;
  options.path = a.data_dir;
  Result<std::unique_ptr<Database>> db = Database::open(options);
  if (!db.ok()) return Fail(db.status());
  net::ClientConnection connection(target->endpoint, net::kDefaultCallTimeoutMs, target->curve);
  Result<SyncReport> report = (*db)->sync_with(connection);
  if (!report.ok()) {
    return Fail(kExitFailure,
                "sync with " + target->name + " failed: " + report.status().message());
  }
  return ReportSync(a.endpoint.empty() ? "region" : "endpoint", target->name, *report);
}

}  // namespace crdtdb::cli
