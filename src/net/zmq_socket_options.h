// Copyright (c) crdtdb authors.
//
// The ZeroMQ settings every crdtdb socket gets, chosen from the measurements in the project's
// field notes (docs/protocol.md, "Transport"): a bounded linger so shutdown cannot hang,
// heartbeats so a silent partition is noticed in seconds, a frame-size limit above the largest
// protocol message, and explicit high-water marks. This module and src/server are the only code
// that includes ZeroMQ.

#ifndef CRDTDB_NET_ZMQ_SOCKET_OPTIONS_H_
#define CRDTDB_NET_ZMQ_SOCKET_OPTIONS_H_

#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>

namespace crdtdb::net {

constexpr int kLingerMs = 1000;
constexpr int kHeartbeatIntervalMs = 1000;
constexpr int kHeartbeatTimeoutMs = 3000;
constexpr int64_t kMaxFrameBytes = int64_t{80} << 20;  // above sync::kMaxMessageBytes
// Messages queued per connection for sending before ZeroMQ drops (PUB) or refuses (ROUTER,
// DEALER) more. It bounds memory: a stalled subscriber costs at most 1,000 delta batches of at
// most 1 MiB (typically a few KB each) on the publisher, which are its own messages. Dropped
// batches are gaps that the subscriber repairs from the origin's log; requests and answers are few
// at a time per peer.
constexpr int kSendHighWaterMark = 1'000;
// Messages queued per connection on receipt, as many as on the send side. Any of them may be a
// frame of kMaxFrameBytes, so one connection can make this process hold up to 1,000 x 80 MiB: the
// CURVE allow-list is the trust boundary for that (docs/protocol.md, "Channels"). A small receive
// mark would bound it, but libzmq 4.3 aborts the process (`!_io_error`, stream_engine_base.cpp)
// when a connection whose input it stopped at the mark then fails its heartbeat: with a mark of
// 4, a region paused with SIGSTOP while its peers write died on SIGCONT (the e2e test "a region
// paused with SIGSTOP ..."; related: zeromq/libzmq#3937). With 1,000 the mark is not reached by
// the protocol's traffic: requests and answers are few at a time per peer, and delta batches are
// drained at every wake-up of the event loop.
constexpr int kReceiveHighWaterMark = 1'000;

// A socket of `type` with the settings above.
zmq::socket_t MakeSocket(zmq::context_t& context, zmq::socket_type type);

// Receives one whole multipart message without blocking; nullopt if none is waiting. A message
// with more than `max_frames` frames is read to its end and dropped (returned as an empty vector),
// so one hostile sender cannot wedge the socket.
std::optional<std::vector<zmq::message_t>> ReceiveMultipart(zmq::socket_t& socket, size_t max_frames);

}  // namespace crdtdb::net

#endif  // CRDTDB_NET_ZMQ_SOCKET_OPTIONS_H_
