// Copyright (c) crdtdb authors.
//
// RegionServer, internal to src/server: one node's sockets, replica and links to its peers, run
// by Serve (region_server.h) on one thread. region_server.cc holds the event loop (binding,
// polling, the peers' messages and what the replica sends); node_reload.cc the reload and the
// placement it applies; node_clients.cc the answers to client requests, parked watches among
// them; node_admission.cc the CURVE checks of who may ask and which replica id it may claim.

#ifndef CRDTDB_SERVER_REGION_SERVER_IMPL_H_
#define CRDTDB_SERVER_REGION_SERVER_IMPL_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "cluster/placement.h"
#include "command/command.h"
#include "command/region_router.h"
#include "config/cluster_config.h"
#include "crdtdb/status.h"
#include "db/replica.h"
#include "net/curve_keys.h"
#include "net/peer_link.h"
#include "net/zap_handler.h"
#include "server/identity_bindings.h"
#include "server/node_metrics.h"
#include "server/node_requests.h"
#include "server/parked_watches.h"
#include "server/region_server.h"
#include "store/store.h"
#include "sync/messages.h"
#include "sync/node_scope.h"

namespace crdtdb::server {

inline uint64_t SteadyMs() {
  using namespace std::chrono;
  return static_cast<uint64_t>(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

inline uint64_t SteadyUs() {
  using namespace std::chrono;
  return static_cast<uint64_t>(duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count());
}

// The ZAP allow-list: every node's public key (user id: the node's name, a one-node region's
// being the region's), then the listed client keys (user id "client:" and the whole key, so that
// replica ids are bound to keys, not to a prefix two keys may share).
std::map<std::string, std::string> AllowList(const ClusterConfig& config);

// The two links to one peer node: its delta stream and its sync endpoint.
struct Peer {
  std::string name;
  std::unique_ptr<net::PeerLink> stream;    // SUB on its publish endpoint
  std::unique_ptr<net::PeerLink> requests;  // DEALER to its sync endpoint
};

class RegionServer {
 public:
  // `own_keys` is this region's key pair when security.curve is on, nullopt otherwise.
  // `metrics` (null: none) receives the replica's counters and the client requests.
  RegionServer(const ClusterConfig& config, const std::string& region, const std::string& self,
               std::optional<net::CurveKeyPair> own_keys, ReloadHook reload, NodeMetrics* metrics);

  // Binds the region's endpoints. Called before the store is opened, so that a region that
  // cannot bind leaves no new data_dir behind.
  Status Bind();
  // The replica of this node over `db`, replicating with the nodes its placement and what it
  // holds name (sync/node_scope.h), and the links to them.
  Status Start(std::unique_ptr<db::DatabaseImpl> db, sync::SyncOptions options);
  // The node's client requests in process, for the router of its own HTTP workers: a ROUTER bound
  // at an `inproc://` endpoint of this server's ZeroMQ context, served by the event loop exactly
  // as the client endpoint is. Valid from Bind until the server is destroyed; the connections
  // made to it must be closed before (their sockets live in the context).
  command::InProcessNode InProcessClient();
  // Called on the event loop's thread with the configuration each reload puts in force (after the
  // placement and allow-list are applied): for what lives beside the server (its HTTP API's tokens).
  void OnReload(std::function<void(const ClusterConfig&)> applied) { reloaded_ = std::move(applied); }
  // Serves the replica until `stop`; an error if the server sockets could not be bound again
  // after a reload.
  // `bindings` (CURVE only, else null) are the replica id bindings kept in the data_dir.
  Status Run(std::unique_ptr<IdentityBindings> bindings, const std::atomic<bool>& stop);

 private:
  // The event loop (region_server.cc).

  // The three bound sockets: publish, sync and client. An error names the endpoint that failed.
  Status BindServerSockets();
  zmq::socket_t ServerSocket(zmq::socket_type type);
  // Reads every peer link's connection events: logs them, replaces sockets libzmq gave up on, and
  // starts anti-entropy with a peer as soon as the link to its sync endpoint is up again.
  void WatchLinks();
  void DrainPeer(Peer& peer, bool stream);
  void SendOutgoing();
  // Which of the node's ROUTERs a request came in on.
  enum class Requester { kPeer, kClient, kInProcess };
  // Requests on a ROUTER: [identity, payload]. A bounded number per wake-up keeps the loop fair.
  void ServeRouter(zmq::socket_t& router, Requester from);

  // Reload and placement (node_reload.cc).

  // What this node keeps, shares and hands off now, by the placement in force and what its
  // store holds.
  sync::NodeScope ScopeNow(const db::DatabaseImpl& db) const;
  void LogScope(const std::string& what);
  // Subscribes each peer's stream to the partitions kept now (a reload, a hand-off done).
  void Resubscribe();
  // A SUB to `name`'s delta stream and a DEALER to its sync endpoint.
  Status ConnectPeers(const std::vector<std::string>& names);
  // SIGHUP: reads the configuration again (ReloadHook) and applies its CURVE allow-list and its
  // placement: this node starts serving the partitions it gains and hands off those it loses
  // (docs/sharding.md, "Moves"). A configuration that changes this node itself (its endpoints or
  // store), the cluster or the partition count is refused whole: those need a restart.
  Status Reload();
  // Why `fresh` cannot be applied while serving; empty if it can.
  std::string ReloadRefusal(const ClusterConfig& fresh) const;
  // Computes the placement of the configuration in force and moves to it: the engine's scope and
  // peers, the links to the peers (new ones connected, old ones closed) and the node's answers.
  void ApplyPlacement();
  // Closes the bound sockets, dropping every connection, and binds them again. libzmq closes a
  // listener in its I/O thread, so the port may still be taken for a moment: retried, bounded.
  Status RebindServerSockets();

  // Client requests (node_clients.cc).

  // `identity`: the client's, to answer a watch it parks (parked_watches.h) later on the socket
  // it asked on (`in_process`: the in-process one, else the client endpoint).
  std::optional<std::string> AnswerClient(const std::string& payload, const std::string& identity, bool in_process);
  command::Outcome RunClientCommand(const command::Command& command);
  // Runs the parked watches a commit may have answered, or whose wait ended (parked_watches.h).
  void AnswerParkedWatches();

  // Admission (node_admission.cc).

  // With CURVE, a request must come from an authenticated connection. On the sync socket the
  // replica id a request claims must be its key's: this replica's own id is nobody else's; a
  // region's id, as learned from that region's delta stream (whose publisher CURVE authenticated
  // with the region's key), belongs to that region's key only; any other id stays bound to the
  // first key that used it. The bindings are kept in the data_dir (identity_bindings.h), so a
  // restart opens no window in which a region's id is unknown. Without CURVE everything is
  // admitted (no identity to check). `request` is the decoded sync request, null on the client
  // socket.
  bool Admit(zmq::message_t& payload_frame, const sync::Message* request);
  // Once per process: the cause does not go away until a restart, and each tick would repeat it.
  void LogBindingError(const std::string& message);
  // Binds each peer region's replica id, once learned from its authenticated delta stream, to the
  // region, durably: from then on, across restarts, only that region may claim it.
  void BindPeerIds();

  ClusterConfig config_;         // the configuration in force: replaced by a reload
  const RegionConfig* region_;   // in config_
  const NodeConfig* self_;       // in config_
  cluster::Placement placement_;
  std::unique_ptr<NodeRequests> node_;  // refers to the three above
  ParkedWatches parked_;
  store::ChangeCursor changes_seen_;  // the change log's head the parked watches were woken for
  std::unique_ptr<db::Replica> replica_;
  const std::optional<net::CurveKeyPair> own_keys_;
  const ReloadHook reload_;
  std::function<void(const ClusterConfig&)> reloaded_;  // OnReload's
  std::map<std::string, std::string> allowed_;  // the ZAP allow-list in force (CURVE only)
  std::unique_ptr<IdentityBindings> bindings_;  // CURVE only
  bool binding_error_logged_ = false;
  const uint64_t started_ms_ = SteadyMs();  // for uptime_s
  NodeMetrics* const metrics_;
  uint64_t next_metrics_ms_ = 0;
  // Destroyed in reverse order: the sockets, then the ZAP handler's thread, then the context.
  zmq::context_t context_{1};
  std::unique_ptr<net::ZapHandler> zap_;
  zmq::socket_t publish_, sync_, client_;
  // Not CURVE: only threads of this process can reach an inproc endpoint, and a reload leaves it
  // bound (the allow-list does not apply to it).
  zmq::socket_t in_process_;
  std::vector<Peer> peers_;
};

}  // namespace crdtdb::server

#endif  // CRDTDB_SERVER_REGION_SERVER_IMPL_H_
