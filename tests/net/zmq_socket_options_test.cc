// Copyright (c) crdtdb authors.
//
// The settings every crdtdb socket gets (src/net/zmq_socket_options.h): what one connection can
// make a replica hold in received messages is bounded (docs/protocol.md, "Channels").

#include "net/zmq_socket_options.h"

#include <cstdint>

#include <doctest/doctest.h>
#include <zmq.hpp>

namespace crdtdb::net {
namespace {

TEST_CASE("one connection can make a replica hold at most 400 MiB of received messages") {
  // ZeroMQ queues up to RCVHWM messages per connection, each up to MAXMSGSIZE, plus the one it is
  // reading: with a receive high-water mark of 1,000 that was 80 GB per connection.
  zmq::context_t context;
  for (const zmq::socket_type type : {zmq::socket_type::sub, zmq::socket_type::router,
                                      zmq::socket_type::dealer, zmq::socket_type::pub}) {
    CAPTURE(static_cast<int>(type));
    zmq::socket_t socket = MakeSocket(context, type);
    const int64_t held =
        (socket.get(zmq::sockopt::rcvhwm) + int64_t{1}) * socket.get(zmq::sockopt::maxmsgsize);
    CHECK(held == kMaxReceiveBytesPerConnection);
    CHECK(held <= int64_t{400} << 20);
    // Sending keeps its queue: a stalled subscriber's batches wait on the publisher.
    CHECK(socket.get(zmq::sockopt::sndhwm) == kSendHighWaterMark);
  }
}

}  // namespace
}  // namespace crdtdb::net
