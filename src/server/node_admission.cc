// Copyright (c) crdtdb authors.
//
// Who may ask a node what, with security.curve on: the ZAP allow-list of the keys that may
// connect, and the binding of each replica id a sync request claims to the key that may claim
// it, so that no peer or client speaks for another (docs/operations.md, "Security").

#include <map>
#include <optional>
#include <string>

#include "server/node_log.h"
#include "server/region_server_impl.h"

namespace crdtdb::server {

namespace {

// The "User-Id" property the ZAP handler gave the connection `frame` arrived on, if any.
std::optional<std::string> UserId(zmq::message_t& frame) {
  const char* value = zmq_msg_gets(frame.handle(), "User-Id");
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

}  // namespace

std::map<std::string, std::string> AllowList(const ClusterConfig& config) {
  std::map<std::string, std::string> allowed;
  for (const RegionConfig& r : config.regions) {
    for (const NodeConfig& n : r.nodes) {
      if (n.public_key) allowed.emplace(*n.public_key, n.name);
    }
  }
  for (const std::string& key : config.security.clients) allowed.emplace(key, "client:" + key);
  return allowed;
}

bool RegionServer::Admit(zmq::message_t& payload_frame, const sync::Message* request) {
  if (!own_keys_) return true;
  std::optional<std::string> user = UserId(payload_frame);
  if (!user) return false;
  if (request == nullptr) return true;
  const crdt::ReplicaId sender = request->sender;
  if (sender == replica_->database().replica_id()) return false;
  for (const Peer& peer : peers_) {
    if (replica_->peer_replica_id(peer.name) == sender) return *user == peer.name;
  }
  if (const std::string* bound = bindings_->Find(sender)) return *bound == *user;
  if (Status s = bindings_->Bind(sender, *user); !s.ok()) {
    LogBindingError("a new replica id claim is refused: " + s.ToString());
    return false;
  }
  return true;
}

void RegionServer::LogBindingError(const std::string& message) {
  if (binding_error_logged_) return;
  binding_error_logged_ = true;
  Log("ERROR", self_->name, message + " (logged once)");
}

void RegionServer::BindPeerIds() {
  if (!bindings_) return;
  for (const Peer& peer : peers_) {
    const std::optional<crdt::ReplicaId> id = replica_->peer_replica_id(peer.name);
    if (!id) continue;
    const std::string* bound = bindings_->Find(*id);
    if (bound != nullptr && *bound == peer.name) continue;
    if (Status s = bindings_->Bind(*id, peer.name); !s.ok()) {
      LogBindingError("cannot record the replica id of " + peer.name + ": " + s.ToString());
    }
  }
}

}  // namespace crdtdb::server
