// Copyright (c) crdtdb authors.

#include "cli/live_sync.h"

#include <chrono>
#include <mutex>
#include <thread>

#include "cli/targets.h"
#include "command/live_sync_json.h"
#include "crdtdb/database.h"

namespace crdtdb::cli {

namespace {

// How long the main thread sleeps between two looks at the stop flag.
constexpr auto kStopPoll = std::chrono::milliseconds(50);

}  // namespace

Status RunLiveSync(const Arguments& a, const std::atomic<bool>& stop, std::ostream& out) {
  LiveSyncOptions options;
  if (!a.endpoint.empty()) {
    if (!a.config.empty() || !a.region.empty()) {
      return Status::InvalidArgument("sync --live takes either --endpoint or --config/--region");
    }
    if (Status s = CheckEndpoint(a.endpoint); !s.ok()) return s;
    if (!a.publish.empty()) {
      if (!CheckEndpoint(a.publish).ok()) {
        return Status::InvalidArgument("--publish \"" + a.publish + "\": must be tcp://HOST:PORT, the region's publish endpoint");
      }
    }
    options.endpoint = a.endpoint;
    options.publish_endpoint = a.publish;
    options.client_key_file = a.client_key;
    options.server_public_key = a.server_key;
  } else {
    if (!a.publish.empty()) return Status::InvalidArgument("--publish goes with --endpoint");
    // Checked here, before the store is opened, so that a mistake creates nothing.
    Result<std::pair<ClusterConfig, RegionConfig>> region = ResolveRegion(a);
    if (!region.ok()) return region.status();
    options.config_path = a.config;
    options.region = a.region;
    options.client_key_file = a.client_key;
  }
  Options open;
  open.path = a.data_dir;
  Result<std::unique_ptr<Database>> db = Database::open(open);
  if (!db.ok()) return db.status();
  std::mutex out_mu;
  auto print = [&](const LiveSyncState& state) {
    std::lock_guard lock(out_mu);
    out << command::LiveSyncStateJson(state) << std::endl;
  };
  Result<std::unique_ptr<LiveSync>> sync = (*db)->start_sync(options, print);
  if (!sync.ok()) return sync.status();
  while (!stop.load()) std::this_thread::sleep_for(kStopPoll);
  (*sync)->stop();
  return Status::OK();
}

}  // namespace crdtdb::cli
