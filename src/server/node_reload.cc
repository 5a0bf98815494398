// Copyright (c) crdtdb authors.
//
// A node follows the placement in force: at start and at each reload (SIGHUP) it computes what
// it keeps and whom it links to, connects the peers it gains and closes the links it no longer
// needs (docs/sharding.md, "Moves"). A reload also replaces the CURVE allow-list, and a key
// taken off it loses its connections: the server sockets are bound anew; and the HTTP API's tokens
// (OnReload, server/node_http.h).

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "db/index_catalog.h"
#include "server/node_log.h"
#include "server/region_server_impl.h"
#include "sync/partition_stream.h"

namespace crdtdb::server {

namespace {

// Binding the server sockets again after a reload: attempts, and the pause between two.
constexpr int kRebindAttempts = 50;
constexpr int kRebindPauseMs = 20;

}  // namespace

sync::NodeScope RegionServer::ScopeNow(const db::DatabaseImpl& db) const {
  return sync::ScopeOfNode(placement_, region_->name, self_->name,
                           sync::HeldPartitions(placement_.partitioning(), db, db::IsIndexDefinition));
}

void RegionServer::LogScope(const std::string& what) {
  const sync::SyncScope& scope = replica_->scope();
  Log("INFO", self_->name,
      what + " " + std::to_string(scope.owned.size()) + " of " + std::to_string(config_.partitions) +
          " partitions" +
          (scope.handing_off.empty() ? ""
                                     : ", handing " + std::to_string(scope.handing_off.size()) +
                                           " off to their new owners") +
          " (placement " + std::to_string(placement_.version()) + "): publish " + self_->publish +
          ", sync " + self_->sync + ", client " + self_->client + (own_keys_ ? ", CURVE on" : ""));
}

void RegionServer::Resubscribe() {
  const std::vector<std::string> subscriptions = sync::SubscriptionsOf(replica_->scope());
  for (Peer& peer : peers_) peer.stream->Subscribe(subscriptions);
}

Status RegionServer::ConnectPeers(const std::vector<std::string>& names) {
  try {
    for (const std::string& name : names) {
      const NodeConfig& node = *config_.RegionOfNode(name)->FindNode(name);
      std::optional<net::CurveClientKeys> keys;
      if (own_keys_) keys = net::CurveClientKeys{node.public_key.value_or(""), *own_keys_};
      peers_.push_back(
          Peer{node.name,
               std::make_unique<net::PeerLink>(
                   context_, net::PeerLinkOptions{zmq::socket_type::sub, node.publish, keys,
                                                  sync::SubscriptionsOf(replica_->scope())}),
               std::make_unique<net::PeerLink>(
                   context_, net::PeerLinkOptions{zmq::socket_type::dealer, node.sync, keys})});
    }
  } catch (const zmq::error_t& e) {
    return Status::IOError(std::string("cannot connect to the region's peers: ") + e.what());
  }
  return Status::OK();
}

Status RegionServer::Reload() {
  Result<ClusterConfig> fresh = reload_.load();
  if (!fresh.ok()) {
    Log("ERROR", self_->name, "reload failed, the configuration in use stays: " + fresh.status().ToString());
    return Status::OK();
  }
  if (std::string why = ReloadRefusal(*fresh); !why.empty()) {
    Log("ERROR", self_->name, "reload refused, the configuration in use stays: " + why);
    return Status::OK();
  }
  std::optional<std::map<std::string, std::string>> allowed;
  if (own_keys_) allowed = AllowList(*fresh);
  const std::string region = region_->name, self = self_->name;
  config_ = std::move(fresh).value();
  region_ = config_.FindRegion(region);
  self_ = region_->FindNode(self);
  ApplyPlacement();
  if (reloaded_) reloaded_(config_);
  if (!allowed) return Status::OK();
  size_t removed = 0;
  for (const auto& [key, user] : allowed_) removed += allowed->count(key) == 0;
  zap_->SetAllowList(*allowed);
  allowed_ = std::move(*allowed);
  // The replica id bindings stay: an id stays bound to its key even while the key is unlisted.
  Log("INFO", self_->name,
      "reload: allow-list of " + std::to_string(allowed_.size()) + " keys, " + std::to_string(removed) + " removed");
  if (removed == 0) return Status::OK();
  return RebindServerSockets();
}

std::string RegionServer::ReloadRefusal(const ClusterConfig& fresh) const {
  if (fresh.cluster != config_.cluster) return "the cluster name changed";
  if (fresh.partitions != config_.partitions) return "the partition count changed (it is fixed when the cluster is created)";
  if (fresh.security.curve != config_.security.curve) return "security.curve changed";
  const RegionConfig* region = fresh.FindRegion(region_->name);
  if (region == nullptr) return "region " + region_->name + " is gone";
  const NodeConfig* self = region->FindNode(self_->name);
  if (self == nullptr) {
    return "node " + self_->name + " is gone: mark it `leaving: true` first, and remove it once it holds no partition";
  }
  if (self->data_dir != self_->data_dir || self->publish != self_->publish || self->sync != self_->sync ||
      self->client != self_->client || self->public_key != self_->public_key) {
    return "node " + self_->name + "'s own store, endpoints or key changed";
  }
  return "";
}

void RegionServer::ApplyPlacement() {
  placement_ = cluster::Placement::Compute(config_);
  node_ = std::make_unique<NodeRequests>(*region_, *self_, placement_);
  sync::NodeScope scope = ScopeNow(replica_->database());
  std::vector<std::string> added;
  for (const std::string& name : scope.peers) {
    const bool known = std::any_of(peers_.begin(), peers_.end(), [&](const Peer& p) { return p.name == name; });
    if (!known) added.push_back(name);
  }
  std::erase_if(peers_, [&](const Peer& p) {
    return !std::binary_search(scope.peers.begin(), scope.peers.end(), p.name);
  });
  replica_->SetScope(std::move(scope.scope), scope.peers);
  Resubscribe();
  if (Status s = ConnectPeers(added); !s.ok()) Log("ERROR", self_->name, "reload: " + s.ToString());
  LogScope("reload: serving");
}

Status RegionServer::RebindServerSockets() {
  for (int attempt = 1;; ++attempt) {
    for (zmq::socket_t* socket : {&publish_, &sync_, &client_}) {
      if (!*socket) continue;
      socket->set(zmq::sockopt::linger, 0);
      socket->close();
    }
    Status s = BindServerSockets();
    if (s.ok()) {
      Log("INFO", self_->name, "server sockets bound again: every connection authenticates anew");
      return Status::OK();
    }
    if (attempt == kRebindAttempts) return s.WithContext("after a reload");
    std::this_thread::sleep_for(std::chrono::milliseconds(kRebindPauseMs));
  }
}

}  // namespace crdtdb::server
