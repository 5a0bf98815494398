// Copyright (c) crdtdb authors.
//
// The options every crdtdb socket gets (src/net/zmq_socket_options.h), read back from real
// sockets: what one connection can make a replica hold in received messages is bounded as
// docs/protocol.md states, and no ZMTP heartbeat timer runs, since libzmq 4.3 aborts the process
// when one fires on a connection stopped at a small receive mark (zeromq/libzmq#3937).

#include "net/zmq_socket_options.h"

#include <cstdint>

#include <doctest/doctest.h>
#include <zmq.hpp>

namespace crdtdb::net {
namespace {

// The bound docs/protocol.md states ("What one connection can make a replica hold").
constexpr int64_t kStatedBoundBytes = int64_t{400} << 20;

TEST_CASE(
    "every socket type holds at most the stated bytes per connection, with no ZMTP heartbeat") {
  zmq::context_t context;
  for (zmq::socket_type type : {zmq::socket_type::pub, zmq::socket_type::sub,
                                zmq::socket_type::router, zmq::socket_type::dealer}) {
    CAPTURE(static_cast<int>(type));
    zmq::socket_t socket = MakeSocket(context, type);
    const int64_t queued = socket.get(zmq::sockopt::rcvhwm);
    const int64_t frame_bytes = socket.get(zmq::sockopt::maxmsgsize);
    // libzmq holds one decoded message beyond the queue while it waits for room.
    CHECK(queued > 0);
    CHECK(frame_bytes > 0);
    CHECK((queued + 1) * frame_bytes <= kStatedBoundBytes);
    CHECK(kMaxReceivedBytesPerConnection == (queued + 1) * frame_bytes);
    // The abort needs a heartbeat timer on a stopped connection: our own (interval) or one a
    // peer's PING starts (its TTL, which ours would announce).
    CHECK(socket.get(zmq::sockopt::heartbeat_ivl) == 0);
    CHECK(socket.get(zmq::sockopt::heartbeat_ttl) == 0);
    // What replaces them: the kernel fails a silently cut connection.
    CHECK(socket.get(zmq::sockopt::tcp_keepalive) == 1);
    CHECK(socket.get(zmq::sockopt::tcp_maxrt) > 0);
  }
}

}  // namespace
}  // namespace crdtdb::net
