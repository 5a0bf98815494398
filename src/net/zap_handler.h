// Copyright (c) crdtdb authors.
//
// The ZAP handler (ZeroMQ RFC 27) that makes CURVE authenticate: without one, a CURVE server
// admits any client key. It is a REP socket bound at inproc://zeromq.zap.01 on the server's
// context, served by its own thread; it must be started before any CURVE server socket of that
// context exists. It admits only the mechanism CURVE, the domain net::kZapDomain and the public
// keys of its allow-list (status 200, with the key's user id, which reaches every message as the
// "User-Id" property); everything else gets 400. If it cannot bind, Start fails: the caller must
// then not open its server sockets (fail closed).

#ifndef CRDTDB_NET_ZAP_HANDLER_H_
#define CRDTDB_NET_ZAP_HANDLER_H_

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <zmq.hpp>

#include "crdtdb/result.h"

namespace crdtdb::net {

constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";

class ZapHandler {
 public:
  // `allowed` maps Z85 public keys to the user id given to their connections. The context must
  // outlive the handler.
  static Result<std::unique_ptr<ZapHandler>> Start(zmq::context_t& context, std::map<std::string, std::string> allowed);

  // Stops the thread and closes the socket (within about 100 ms).
  ~ZapHandler();
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  // Replaces the allow-list (a configuration reload). It applies to handshakes from now on;
  // connections admitted before stay open until the server closes them.
  void SetAllowList(std::map<std::string, std::string> allowed);

  uint64_t admitted() const { return admitted_.load(); }
  uint64_t refused() const { return refused_.load(); }

 private:
  ZapHandler(std::map<std::string, std::string> allowed, zmq::socket_t socket);
  void Loop();
  void Answer(std::vector<zmq::message_t>& request);

  std::mutex mu_;  // guards allowed_, read by the handler's thread
  std::map<std::string, std::string> allowed_;
  zmq::socket_t socket_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> admitted_{0}, refused_{0};
  std::thread thread_;
};

}  // namespace crdtdb::net

#endif  // CRDTDB_NET_ZAP_HANDLER_H_
