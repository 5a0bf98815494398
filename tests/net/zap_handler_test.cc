// Copyright (c) crdtdb authors.
//
// The ZAP handler that makes CURVE authenticate (src/net/zap_handler.h), on real ZeroMQ sockets
// over TCP loopback: listed keys are admitted with their user id, unlisted keys get
// nothing, a new allow-list applies to the next handshakes, and a second handler on the same
// context cannot start (so a server cannot run with a handler it does not control: fail closed).

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include <doctest/doctest.h>
#include <zmq.hpp>

#include "net/curve_keys.h"
#include "net/zap_handler.h"
#include "net/zmq_socket_options.h"

namespace crdtdb::net {
namespace {

CurveKeyPair NewKeys() {
  Result<CurveKeyPair> keys = GenerateCurveKeyPair();
  REQUIRE(keys.ok());
  return *keys;
}

// A CURVE server (ROUTER) on a loopback port, with its context's ZAP handler.
struct Server {
  explicit Server(std::map<std::string, std::string> allowed) : keys(NewKeys()) {
    Result<std::unique_ptr<ZapHandler>> started = ZapHandler::Start(context, std::move(allowed));
    REQUIRE(started.ok());
    zap = std::move(started).value();
    router = MakeSocket(context, zmq::socket_type::router);
    MakeCurveServer(router, keys);
    router.bind("tcp://127.0.0.1:*");
    endpoint = router.get(zmq::sockopt::last_endpoint);
  }

  // The User-Id of the next request within `timeout_ms`, answered with "ok"; nullopt if none came.
  std::optional<std::string> Serve(int timeout_ms) {
    zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, std::chrono::milliseconds(timeout_ms)) == 0) return std::nullopt;
    zmq::message_t identity, payload;
    REQUIRE(router.recv(identity));
    REQUIRE(router.recv(payload));
    const char* user = zmq_msg_gets(payload.handle(), "User-Id");
    router.send(identity, zmq::send_flags::sndmore);
    router.send(zmq::str_buffer("ok"), zmq::send_flags::none);
    return std::string(user != nullptr ? user : "");
  }

  zmq::context_t context{1};
  CurveKeyPair keys;
  std::unique_ptr<ZapHandler> zap;  // before the socket: it must exist when the socket does
  zmq::socket_t router;
  std::string endpoint;
};

// A client with `own` keys sends one request; true if the server answered within 1.5 s.
bool RequestAnswered(Server& server, const CurveKeyPair& own, std::optional<std::string>* user) {
  zmq::context_t context(1);
  zmq::socket_t dealer = MakeSocket(context, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  MakeCurveClient(dealer, CurveClientKeys{server.keys.public_key, own});
  dealer.connect(server.endpoint);
  dealer.send(zmq::str_buffer("hello"), zmq::send_flags::none);
  *user = server.Serve(1500);
  if (!*user) return false;
  zmq::pollitem_t item{dealer.handle(), 0, ZMQ_POLLIN, 0};
  return zmq::poll(&item, 1, std::chrono::milliseconds(1500)) > 0;
}

TEST_CASE("the ZAP handler admits listed keys with their user id, refuses others, and reloads") {
  const CurveKeyPair alice = NewKeys(), bob = NewKeys();
  Server server({{alice.public_key, "us-east"}});
  std::optional<std::string> user;

  CHECK(RequestAnswered(server, alice, &user));
  CHECK(user == "us-east");
  CHECK_FALSE(RequestAnswered(server, bob, &user));  // never reaches the application
  CHECK(server.zap->refused() >= 1);

  server.zap->SetAllowList({{bob.public_key, "client:bob"}});
  CHECK(RequestAnswered(server, bob, &user));
  CHECK(user == "client:bob");
  CHECK_FALSE(RequestAnswered(server, alice, &user));
}

TEST_CASE("a second ZAP handler on the same context cannot start") {
  zmq::context_t context(1);
  Result<std::unique_ptr<ZapHandler>> first = ZapHandler::Start(context, {});
  REQUIRE(first.ok());
  Result<std::unique_ptr<ZapHandler>> second = ZapHandler::Start(context, {});
  CHECK_FALSE(second.ok());
  CHECK(second.status().ToString().find("ZAP") != std::string::npos);
}

}  // namespace
}  // namespace crdtdb::net
