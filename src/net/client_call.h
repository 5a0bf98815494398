// Copyright (c) crdtdb authors.
//
// Request/answer exchanges with a region over ZeroMQ, for the remote CLI and for offline-first
// sync: a DEALER socket connected to the region's endpoint, one outstanding request at a time, an
// answer awaited for a bounded time (the region may be down; ZeroMQ would wait forever).

#ifndef CRDTDB_NET_CLIENT_CALL_H_
#define CRDTDB_NET_CLIENT_CALL_H_

#include <memory>
#include <string>
#include <string_view>

#include "crdtdb/result.h"
#include "crdtdb/sync_transport.h"

namespace crdtdb::net {

constexpr int kDefaultCallTimeoutMs = 5000;

class ClientConnection final : public SyncTransport {
 public:
  ClientConnection(std::string endpoint, int timeout_ms);
  ~ClientConnection() override;

  // Sends `request`, returns the answer; Unavailable after timeout_ms without one.
  Result<std::string> Exchange(std::string_view request) override;
  // Sends a message that has no answer.
  Status Send(std::string_view message) override;

 private:
  struct Sockets;
  const std::string endpoint_;
  const int timeout_ms_;
  std::unique_ptr<Sockets> sockets_;
};

}  // namespace crdtdb::net

#endif  // CRDTDB_NET_CLIENT_CALL_H_
