// Copyright (c) crdtdb authors.
//
// Serve, and the event loop of the RegionServer it runs: the sockets bound and polled, the
// peers' messages fed to the replica, the replica's ticks and what it sends. The rest of the
// server is in the files region_server_impl.h names.

#include "server/region_server.h"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "command/command.h"
#include "command/region_router.h"
#include "http/http_server.h"
#include "db/replica.h"
#include "net/curve_keys.h"
#include "net/peer_link.h"
#include "net/zap_handler.h"
#include "net/zmq_socket_options.h"
#include "server/identity_bindings.h"
#include "server/node_http.h"
#include "server/node_log.h"
#include "server/node_metrics.h"
#include "server/node_requests.h"
#include "server/parked_watches.h"
#include "server/region_server_impl.h"
#include "store/store.h"
#include "sync/messages.h"
#include "sync/node_scope.h"

namespace crdtdb::server {

namespace {

uint64_t WallMs() {
  using namespace std::chrono;
  return static_cast<uint64_t>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

std::string ToString(const zmq::message_t& frame) { return frame.to_string(); }

// One per context, and a context is one server's.
constexpr char kInProcessClientEndpoint[] = "inproc://crdtdb-client";

}  // namespace

RegionServer::RegionServer(const ClusterConfig& config, const std::string& region, const std::string& self,
                           std::optional<net::CurveKeyPair> own_keys, ReloadHook reload, NodeMetrics* metrics)
    : config_(config),
      region_(config_.FindRegion(region)),
      self_(region_->FindNode(self)),
      placement_(cluster::Placement::Compute(config_)),
      node_(std::make_unique<NodeRequests>(*region_, *self_, placement_)),
      own_keys_(std::move(own_keys)),
      reload_(std::move(reload)),
      metrics_(metrics) {}

Status RegionServer::Bind() {
  if (own_keys_) {
    // The ZAP handler first: a CURVE server socket created without one admits any key.
    allowed_ = AllowList(config_);
    Result<std::unique_ptr<net::ZapHandler>> zap = net::ZapHandler::Start(context_, allowed_);
    if (!zap.ok()) return zap.status();
    zap_ = std::move(zap).value();
  }
  try {
    in_process_ = net::MakeSocket(context_, zmq::socket_type::router);
    in_process_.bind(kInProcessClientEndpoint);
  } catch (const zmq::error_t& e) {
    return Status::IOError(std::string("cannot bind ") + kInProcessClientEndpoint + ": " + e.what());
  }
  return BindServerSockets();
}

command::InProcessNode RegionServer::InProcessClient() {
  return command::InProcessNode{self_->client, kInProcessClientEndpoint, &context_};
}

Status RegionServer::Start(std::unique_ptr<db::DatabaseImpl> db, sync::SyncOptions options) {
  const sync::NodeScope scope = ScopeNow(*db);
  options.scope = scope.scope;
  replica_ = std::make_unique<db::Replica>(std::move(db), config_.cluster, region_->name, scope.peers, options);
  LogScope("serving");
  return ConnectPeers(scope.peers);
}

Status RegionServer::Run(std::unique_ptr<IdentityBindings> bindings, const std::atomic<bool>& stop) {
  bindings_ = std::move(bindings);
  std::vector<zmq::pollitem_t> items;
  uint64_t next_tick = SteadyMs();
  while (!stop.load()) {
    if (reload_.requested != nullptr && reload_.requested->exchange(false)) {
      if (Status s = Reload(); !s.ok()) return s;
    }
    // Rebuilt every time round: a tick may have replaced a peer link's socket.
    items.clear();
    items.push_back({sync_.handle(), 0, ZMQ_POLLIN, 0});
    items.push_back({client_.handle(), 0, ZMQ_POLLIN, 0});
    items.push_back({in_process_.handle(), 0, ZMQ_POLLIN, 0});
    for (Peer& peer : peers_) {
      items.push_back({peer.stream->socket().handle(), 0, ZMQ_POLLIN, 0});
      items.push_back({peer.requests->socket().handle(), 0, ZMQ_POLLIN, 0});
    }
    const uint64_t now = SteadyMs();
    const int wait_ms = next_tick > now && !parked_.pending() ? static_cast<int>(next_tick - now) : 0;
    try {
      zmq::poll(items.data(), items.size(), std::chrono::milliseconds(wait_ms));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;  // a signal: the loop condition decides
      return Status::IOError(std::string("poll failed: ") + e.what());
    }
    if (items[0].revents & ZMQ_POLLIN) ServeRouter(sync_, Requester::kPeer);
    if ((items[1].revents | items[2].revents) & ZMQ_POLLIN) {
      if (items[1].revents & ZMQ_POLLIN) ServeRouter(client_, Requester::kClient);
      if (items[2].revents & ZMQ_POLLIN) ServeRouter(in_process_, Requester::kInProcess);
      replica_->OnLocalWrites(SteadyMs());  // publish what the requests wrote, not at the tick
      SendOutgoing();
    }
    for (size_t i = 0; i < peers_.size(); ++i) {
      if (items[3 + 2 * i].revents & ZMQ_POLLIN) DrainPeer(peers_[i], /*stream=*/true);
      if (items[4 + 2 * i].revents & ZMQ_POLLIN) DrainPeer(peers_[i], /*stream=*/false);
    }
    AnswerParkedWatches();
    if (SteadyMs() >= next_tick) {
      WatchLinks();
      BindPeerIds();
      replica_->OnTick(SteadyMs());
      SendOutgoing();
      next_tick = SteadyMs() + kTickMs;
      if (metrics_ != nullptr && SteadyMs() >= next_metrics_ms_) {
        metrics_->Publish(replica_->status(SteadyMs()));
        next_metrics_ms_ = SteadyMs() + kMetricsIntervalMs;
      }
    }
  }
  Log("INFO", self_->name, "stopping");
  return Status::OK();
}

Status RegionServer::BindServerSockets() {
  for (auto [socket, type, key, endpoint] :
       {std::tuple{&publish_, zmq::socket_type::pub, "publish", &self_->publish},
        std::tuple{&sync_, zmq::socket_type::router, "sync", &self_->sync},
        std::tuple{&client_, zmq::socket_type::router, "client", &self_->client}}) {
    try {
      *socket = ServerSocket(type);
      socket->bind(*endpoint);
    } catch (const zmq::error_t& e) {
      return Status::IOError(std::string("cannot bind the ") + key + " endpoint " + *endpoint +
                             ": " + e.what());
    }
  }
  return Status::OK();
}

zmq::socket_t RegionServer::ServerSocket(zmq::socket_type type) {
  zmq::socket_t socket = net::MakeSocket(context_, type);
  if (own_keys_) net::MakeCurveServer(socket, *own_keys_);
  return socket;
}

void RegionServer::ServeRouter(zmq::socket_t& router, Requester from) {
  for (int n = 0; n < 256; ++n) {
    std::optional<std::vector<zmq::message_t>> frames = net::ReceiveMultipart(router, 2);
    if (!frames) return;
    if (frames->size() != 2) {
      replica_->CountRejected();
      continue;
    }
    const std::string payload = ToString((*frames)[1]);
    std::optional<std::string> answer;
    if (from != Requester::kPeer) {
      // In process there is no CURVE to check: the requester is this process (InProcessClient).
      if (from == Requester::kClient && !Admit((*frames)[1], nullptr)) {
        replica_->CountRejected();
        continue;
      }
      answer = AnswerClient(payload, ToString((*frames)[0]), from == Requester::kInProcess);
    } else {
      // Decoded once, for the admission check and for the answer.
      Result<sync::Message> request = replica_->ReceiveRequest(payload);
      if (!request.ok()) continue;  // counted in rejected_messages
      if (!Admit((*frames)[1], &*request)) {
        replica_->CountRejected();
        continue;
      }
      answer = replica_->OnRequest(*request);
    }
    SendOutgoing();
    if (!answer) continue;
    try {
      router.send((*frames)[0], zmq::send_flags::sndmore | zmq::send_flags::dontwait);
      router.send(zmq::buffer(*answer), zmq::send_flags::dontwait);
    } catch (const zmq::error_t&) {
      // The requester left (ROUTER_MANDATORY reports it): nothing to answer.
    }
  }
}

void RegionServer::WatchLinks() {
  for (Peer& peer : peers_) {
    for (net::PeerLink* link : {peer.stream.get(), peer.requests.get()}) {
      const std::string what =
          std::string(link == peer.stream.get() ? "delta stream" : "sync link") + " of " +
          peer.name;
      std::vector<net::LinkEvent> events;
      try {
        events = link->Poll(SteadyMs());
      } catch (const zmq::error_t& e) {
        Log("ERROR", self_->name, "cannot reopen the " + what + ": " + e.what());
        continue;
      }
      for (net::LinkEvent event : events) {
        switch (event) {
          case net::LinkEvent::kUp:
            Log("INFO", self_->name, what + " connected");
            if (link == peer.requests.get()) replica_->OnPeerConnected(peer.name);
            break;
          case net::LinkEvent::kDown: Log("WARN", self_->name, what + " disconnected"); break;
          case net::LinkEvent::kReplaced:
            Log("WARN", self_->name,
                what +
                    ": the connection ended in a protocol error; reconnecting with a new socket");
            break;
        }
      }
    }
  }
}

void RegionServer::DrainPeer(Peer& peer, bool stream) {
  zmq::socket_t& socket = stream ? peer.stream->socket() : peer.requests->socket();
  for (int n = 0; n < 256; ++n) {
    std::optional<std::vector<zmq::message_t>> frames = net::ReceiveMultipart(socket, 1);
    if (!frames) return;
    if (frames->size() != 1) {
      replica_->CountRejected();
      continue;
    }
    const std::string payload = ToString((*frames)[0]);
    if (stream) {
      replica_->OnPublished(peer.name, payload, SteadyMs());
    } else {
      replica_->OnResponse(peer.name, payload, SteadyMs());
    }
  }
  SendOutgoing();
}

void RegionServer::SendOutgoing() {
  for (const std::string& warning : replica_->TakeWarnings()) Log("WARN", self_->name, warning);
  const std::vector<std::string> notices = replica_->TakeNotices();
  for (const std::string& notice : notices) Log("INFO", self_->name, notice);
  if (!notices.empty()) Resubscribe();  // a partition handed off is no longer kept
  for (sync::Outgoing& out : replica_->TakeOutgoing()) {
    try {
      if (out.kind == sync::Outgoing::Kind::kPublish) {
        publish_.send(zmq::buffer(out.bytes), zmq::send_flags::dontwait);
        continue;
      }
      for (Peer& peer : peers_) {
        if (peer.name == out.peer)
          (void)peer.requests->socket().send(zmq::buffer(out.bytes), zmq::send_flags::dontwait);
      }
    } catch (const zmq::error_t&) {
      // A full queue drops the message; the protocol repairs (gap repair, anti-entropy).
    }
  }
}

namespace {

// The node of `region` that `node` names, or the region's only node when `node` is empty.
Result<const NodeConfig*> FindNode(const RegionConfig& region, const std::string& node) {
  if (!node.empty()) {
    if (const NodeConfig* found = region.FindNode(node)) return found;
    return Status::InvalidArgument("no node \"" + node + "\" in region " + region.name);
  }
  if (region.nodes.size() == 1) return &region.nodes[0];
  std::string names;
  for (const NodeConfig& n : region.nodes) names += (names.empty() ? "" : ", ") + n.name;
  return Status::InvalidArgument("region " + region.name + " has " +
                                 std::to_string(region.nodes.size()) +
                                 " nodes: --node names the one to run (" + names + ")");
}

}  // namespace

Status Serve(const ClusterConfig& config, const std::string& region, const std::string& node,
             const std::atomic<bool>& stop, ReloadHook reload) {
  const RegionConfig* own_region = config.FindRegion(region);
  if (own_region == nullptr) return Status::InvalidArgument("no region \"" + region + "\" in the configuration");
  Result<const NodeConfig*> found = FindNode(*own_region, node);
  if (!found.ok()) return found.status();
  const NodeConfig* self = *found;
  std::optional<net::CurveKeyPair> own_keys;
  if (config.security.curve) {
    // The loader guarantees both fields when curve is on; checked again so nothing starts open.
    if (!self->public_key || !self->secret_key_file) {
      return Status::InvalidArgument("security.curve needs public_key and secret_key_file for node " + self->name);
    }
    Result<net::CurveKeyPair> keys = net::ReadSecretKeyFile(*self->secret_key_file);
    if (!keys.ok()) return keys.status();
    if (keys->public_key != *self->public_key) {
      return Status::InvalidArgument("secret key file " + *self->secret_key_file +
                                     " does not match the public_key of node " + self->name);
    }
    own_keys = std::move(keys).value();
  }
  if (self->http_cert_file && self->http_key_file) {
    // Checked before anything binds or opens, so that a bad file leaves no data_dir behind; the
    // HTTP server reads them again when it starts.
    if (Status s = http::HttpServer::CheckTls(*self->http_cert_file, *self->http_key_file); !s.ok()) return s;
  }
  sync::SyncOptions options;
  options.anti_entropy_interval_ms = static_cast<uint64_t>(config.anti_entropy_interval_ms);
  const std::optional<net::CurveKeyPair> http_keys = own_keys;  // the server takes own_keys
  // The metrics exist for /metrics: a node without HTTP keeps none. Declared before the server and
  // the store, which record into them, so that they outlive both.
  metrics::Registry registry;
  std::unique_ptr<NodeMetrics> node_metrics;
  if (self->http) {
    node_metrics = std::make_unique<NodeMetrics>(registry, config.cluster, own_region->name, self->name, self->data_dir);
  }
  RegionServer server(config, own_region->name, self->name, std::move(own_keys), std::move(reload), node_metrics.get());
  if (Status s = server.Bind(); !s.ok()) return s;
  store::StoreOptions so;
  so.path = self->data_dir;
  if (node_metrics) {
    so.commit_seconds = &node_metrics->commit_seconds();
    so.fsync_seconds = &node_metrics->fsync_seconds();
  }
  Result<std::unique_ptr<store::Store>> store = store::Store::Open(so);
  if (!store.ok()) return store.status();
  if (const std::string& why = (*store)->new_epoch_reason(); !why.empty()) {
    Log("WARN", self->name,
        "the store starts stream epoch " + std::to_string((*store)->metadata().epoch) + ": " + why +
            "; peers repair what it may lack by anti-entropy (docs/storage.md, \"Stream epochs\")");
  }
  std::unique_ptr<IdentityBindings> bindings;
  if (config.security.curve) {
    Result<std::unique_ptr<IdentityBindings>> opened =
        IdentityBindings::Open(self->data_dir + "/" + kIdentityBindingsFile);
    if (!opened.ok()) return opened.status();
    bindings = std::move(opened).value();
  }
  if (Status s = server.Start(std::make_unique<db::DatabaseImpl>(std::move(store).value(), WallMs), options); !s.ok()) {
    return s;
  }
  command::RouterOptions router_options;
  router_options.keys = [http_keys](const NodeConfig& to) -> Result<std::optional<net::CurveClientKeys>> {
    // The HTTP workers call nodes as this node: its key is on every node's allow-list.
    if (!http_keys) return std::optional<net::CurveClientKeys>();
    return std::optional<net::CurveClientKeys>(net::CurveClientKeys{to.public_key.value_or(""), *http_keys});
  };
  // The HTTP workers call through it: each keeps its connections (one per worker and node).
  router_options.pooled_connections = http::HttpOptions{}.workers;
  // Its own node in process (InProcessClient): no TCP and no ZMTP on loopback per request.
  router_options.in_process = server.InProcessClient();
  command::RegionRouter router(config, *own_region, std::move(router_options));
  std::unique_ptr<http::HttpServer> http_server;  // stopped before the router goes
  if (self->http) {
    Result<std::unique_ptr<http::HttpServer>> started = StartHttp(config, *own_region, *self, router, registry);
    if (!started.ok()) return started.status();
    http_server = std::move(started).value();
    server.OnReload([&http_server, node = self->name](const ClusterConfig& fresh) {
      ReloadHttpTokens(*http_server, fresh.security, node);
    });
  }
  return server.Run(std::move(bindings), stop);
}

}  // namespace crdtdb::server
