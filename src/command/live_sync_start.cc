// Copyright (c) crdtdb authors.
//
// Database::start_sync: resolves LiveSyncOptions into a plan (which sessions to run, which delta
// streams to hear) and hands it to the adapter (net/live_sync_runner.h). A region named by its
// configuration is synced like `crdtdb sync --config --region`: one session with a one-node
// region, one session per owner with a region of several nodes (command/region_sync.h).

#include <memory>
#include <utility>

#include "cluster/placement.h"
#include "command/region_sync.h"
#include "config/cluster_config.h"
#include "crdtdb/database.h"
#include "db/database_impl.h"
#include "net/client_call.h"
#include "net/curve_keys.h"
#include "net/live_sync_runner.h"

namespace crdtdb {

namespace {

using Keys = std::optional<net::CurveClientKeys>;

bool LooksLikeEndpoint(const std::string& endpoint) {
  return endpoint.rfind("tcp://", 0) == 0 && endpoint.size() > 6;
}

Result<Keys> CurveKeys(const std::string& key_file, const std::string& server_key) {
  if (!net::IsZ85Key(server_key)) {
    return Status::InvalidArgument("live sync: the server's public key is not a Z85 CURVE key (40 characters)");
  }
  Result<net::CurveKeyPair> own = net::ReadSecretKeyFile(key_file);
  if (!own.ok()) return own.status();
  return Keys(net::CurveClientKeys{server_key, std::move(own).value()});
}

Result<net::LiveSyncPlan> EndpointPlan(db::DatabaseImpl& db, const LiveSyncOptions& options) {
  if (!LooksLikeEndpoint(options.endpoint) ||
      (!options.publish_endpoint.empty() && !LooksLikeEndpoint(options.publish_endpoint))) {
    return Status::InvalidArgument("live sync: endpoints are tcp://HOST:PORT");
  }
  Keys keys;
  if (!options.client_key_file.empty() || !options.server_public_key.empty()) {
    if (options.client_key_file.empty() || options.server_public_key.empty()) {
      return Status::InvalidArgument("live sync: client_key_file and server_public_key go together");
    }
    Result<Keys> curve = CurveKeys(options.client_key_file, options.server_public_key);
    if (!curve.ok()) return curve.status();
    keys = std::move(curve).value();
  }
  net::LiveSyncPlan plan;
  plan.target = options.endpoint;
  plan.whole_tree = true;
  if (!options.publish_endpoint.empty()) {
    plan.streams.push_back(net::LiveStream{options.publish_endpoint, keys});
  }
  const int timeout = static_cast<int>(options.answer_timeout_ms);
  plan.session = [&db, endpoint = options.endpoint, keys, timeout](const std::atomic<bool>& cancel) {
    net::ClientConnection connection(endpoint, timeout, keys, std::nullopt, &cancel);
    return db.sync_with(connection);
  };
  return plan;
}

// The region, its placement and its keys, shared by every session of the plan.
struct RegionTarget {
  ClusterConfig config;
  RegionConfig region;
  cluster::Placement placement;
  std::vector<Keys> keys;  // per node, in region.nodes order
};

Result<net::LiveSyncPlan> RegionPlan(db::DatabaseImpl& db, const LiveSyncOptions& options) {
  Result<ClusterConfig> config = LoadClusterConfig(options.config_path);
  if (!config.ok()) return config.status();
  const RegionConfig* region = config->FindRegion(options.region);
  if (region == nullptr) {
    return Status::InvalidArgument("live sync: no region \"" + options.region + "\" in " + options.config_path);
  }
  if (!config->security.curve && !options.client_key_file.empty()) {
    return Status::InvalidArgument("live sync: a client key was given but security.curve is off in " +
                                   options.config_path);
  }
  auto target = std::make_shared<RegionTarget>(RegionTarget{*config, *region, cluster::Placement::Compute(*config), {}});
  net::LiveSyncPlan plan;
  plan.target = "region " + region->name;
  plan.whole_tree = region->nodes.size() == 1;
  for (const NodeConfig& node : target->region.nodes) {
    Keys keys;
    if (config->security.curve) {
      Result<Keys> curve = CurveKeys(options.client_key_file.empty() ? node.secret_key_file.value_or("")
                                                                     : options.client_key_file,
                                     node.public_key.value_or(""));
      if (!curve.ok()) return curve.status();
      keys = std::move(curve).value();
    }
    target->keys.push_back(keys);
    plan.streams.push_back(net::LiveStream{node.publish, keys});
  }
  const int timeout = static_cast<int>(options.answer_timeout_ms);
  plan.session = [&db, target, timeout](const std::atomic<bool>& cancel) -> Result<SyncReport> {
    if (target->region.nodes.size() == 1) {
      net::ClientConnection connection(target->region.nodes[0].sync, timeout, target->keys[0], std::nullopt, &cancel);
      return db.sync_with(connection);
    }
    auto keys_of = [&](const NodeConfig& node) -> Result<Keys> {
      return target->keys[static_cast<size_t>(&node - target->region.nodes.data())];
    };
    return command::SyncWithNodes(db, target->placement, target->region, keys_of, timeout, &cancel);
  };
  return plan;
}

}  // namespace

Result<std::unique_ptr<LiveSync>> Database::start_sync(const LiveSyncOptions& options, LiveSyncCallback on_state) {
  auto* db = dynamic_cast<db::DatabaseImpl*>(this);
  if (db == nullptr) return Status::InvalidArgument("live sync needs a database opened by Database::open");
  Result<sync::LiveSyncTiming> timing = net::TimingOf(options);
  if (!timing.ok()) return timing.status();
  const bool by_endpoint = !options.endpoint.empty();
  const bool by_config = !options.config_path.empty() || !options.region.empty();
  if (by_endpoint == by_config || (by_config && (options.config_path.empty() || options.region.empty()))) {
    return Status::InvalidArgument("live sync: give either endpoint, or config_path and region");
  }
  Result<net::LiveSyncPlan> plan = by_endpoint ? EndpointPlan(*db, options) : RegionPlan(*db, options);
  if (!plan.ok()) return plan.status();
  plan->timing = *timing;
  return net::StartLiveSync(*db, std::move(plan).value(), std::move(on_state));
}

}  // namespace crdtdb
