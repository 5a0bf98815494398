// Copyright (c) crdtdb authors.
//
// Request/answer exchanges with a region over ZeroMQ, for the remote CLI and for offline-first
// sync: a DEALER socket connected to the region's endpoint, one outstanding request at a time, an
// answer awaited for a bounded time (the region may be down; ZeroMQ would wait forever).

#ifndef CRDTDB_NET_CLIENT_CALL_H_
#define CRDTDB_NET_CLIENT_CALL_H_

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "crdtdb/result.h"
#include "crdtdb/sync_transport.h"
#include "net/curve_keys.h"

namespace zmq {
class context_t;
}  // namespace zmq

namespace crdtdb::net {

constexpr int kDefaultCallTimeoutMs = 5000;
constexpr int kCancelCheckMs = 50;

class ClientConnection final : public SyncTransport {
 public:
  // With `curve`, the socket authenticates with CURVE (interfaces section 5); a server that does
  // not admit the key never answers, so Exchange ends Unavailable after timeout_ms.
  // A message waits at most `connect_timeout_ms` (by default timeout_ms) for the connection.
  // With `cancel`, every wait also ends (Unavailable) within kCancelCheckMs of *cancel turning true:
  // a live sync being stopped (net/live_sync_runner.h) does not wait out a timeout.
  // With `context` (which must outlive the connection), the socket is made in it rather than in a
  // context of the connection's own: the way to reach an `inproc://` endpoint bound in that
  // context (a node's HTTP workers calling their own node: server/region_server_impl.h).
  ClientConnection(std::string endpoint, int timeout_ms, std::optional<CurveClientKeys> curve = std::nullopt,
                   std::optional<int> connect_timeout_ms = std::nullopt,
                   const std::atomic<bool>* cancel = nullptr, zmq::context_t* context = nullptr);
  ~ClientConnection() override;

  // Sends `request`, returns the answer; Unavailable after timeout_ms without one.
  Result<std::string> Exchange(std::string_view request) override;
  // Sends a message that has no answer. A message is handed to ZeroMQ only once the connection is
  // up (ZMQ_IMMEDIATE), waiting for it at most timeout_ms, so that a caller knows whether a
  // request that got no answer may have reached the server (sent()).
  Status Send(std::string_view message) override;
  // Whether the last Send or Exchange handed its message to a connected server. False after a
  // failure means the server cannot have seen it: a router may safely try another node.
  bool sent() const { return sent_; }

 private:
  struct Sockets;
  // Polls the socket for `events` for up to timeout_ms (in slices, watching cancel_); false if
  // none came or the call was cancelled.
  bool Wait(short events, int timeout_ms);
  const std::string endpoint_;
  const int timeout_ms_;
  const int connect_timeout_ms_;
  const std::optional<CurveClientKeys> curve_;
  const std::atomic<bool>* const cancel_;
  std::unique_ptr<Sockets> sockets_;
  bool sent_ = false;
};

}  // namespace crdtdb::net

#endif  // CRDTDB_NET_CLIENT_CALL_H_
