// Copyright (c) crdtdb authors.
//
// PeerLink is a connecting socket (the SUB on a peer's delta stream, or the DEALER to its sync
// endpoint) that stays connected. libzmq reconnects by itself after a connection drops, but not
// after a protocol error on it, such as a frame above ZMQ_MAXMSGSIZE or a failed handshake: the
// session ends and the socket stays silent for good (docs/protocol.md, "Channels"; libzmq#4196).
// PeerLink reads the socket's monitor events and, when a disconnect is not followed by libzmq's
// own reconnect attempt within kReconnectGraceMs, replaces the socket with a new one. Messages
// queued on the old socket are lost with it; the protocol repairs that (gap repair, anti-entropy).
//
// Single-threaded: the event loop that polls the socket also calls Poll on every tick.

#ifndef CRDTDB_NET_PEER_LINK_H_
#define CRDTDB_NET_PEER_LINK_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "net/curve_keys.h"

namespace crdtdb::net {

// libzmq announces its own reconnect attempt (ZMQ_EVENT_CONNECT_RETRIED) within microseconds of
// the disconnect, so a second of silence means it has given up. It also bounds how often a
// hostile peer can make this replica rebuild the socket.
constexpr uint64_t kReconnectGraceMs = 1000;

struct PeerLinkOptions {
  zmq::socket_type type;  // sub or dealer
  std::string endpoint;
  std::optional<CurveClientKeys> curve;  // CURVE client keys, when security.curve is on
  // A SUB's topic prefixes (sync/partition_stream.h); by default every message.
  std::vector<std::string> subscriptions = {""};
};

// What Poll saw happen to the link.
enum class LinkEvent {
  kUp,       // a connection completed its handshake
  kDown,     // the connection was lost
  kReplaced  // libzmq gave up on the connection; the socket was replaced by a new one
};

class PeerLink {
 public:
  // Creates the socket (crdtdb's options, the subscriptions of a SUB), starts its monitor and
  // connects. Throws zmq::error_t if libzmq refuses (as the socket calls do).
  PeerLink(zmq::context_t& context, PeerLinkOptions options);
  ~PeerLink();
  PeerLink(PeerLink&&) = delete;
  PeerLink& operator=(PeerLink&&) = delete;

  // The current socket. Poll may replace it: take its handle again after every Poll.
  zmq::socket_t& socket() { return socket_; }
  bool up() const { return up_; }

  // A SUB's new subscriptions: subscribes to the prefixes added and unsubscribes from those
  // removed (libzmq sends the change upstream, and the publisher filters by it); a socket that
  // replaces this one starts with them.
  void Subscribe(std::vector<std::string> subscriptions);

  // Reads the monitor events that arrived and replaces the socket if libzmq gave up on it.
  std::vector<LinkEvent> Poll(uint64_t now_ms);

 private:
  void Open();
  void Close();

  zmq::context_t& context_;
  PeerLinkOptions options_;
  zmq::socket_t socket_;
  zmq::socket_t monitor_;  // PAIR, connected to the socket's monitor endpoint
  bool up_ = false;
  std::optional<uint64_t> down_since_ms_;  // set by a disconnect, cleared by a reconnect attempt
};

}  // namespace crdtdb::net

#endif  // CRDTDB_NET_PEER_LINK_H_
