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
// Messages queued per connection on receipt. Any of them may be a frame of kMaxFrameBytes, so
// this is what bounds the bytes one connection can make this process hold: with 1,000, as the
// send side, it was 1,000 x 80 MiB. A full receive queue makes ZeroMQ stop reading the
// connection (TCP pushes back), and the sender's own send queue fills: the sender holds what it
// sends. The event loop empties the receive queues at every wake-up, so a few suffice.
constexpr int kReceiveHighWaterMark = 4;
// The bound (docs/protocol.md, "Channels"): the queued messages and the one being read. ZeroMQ
// counts a multipart message as one, so frames past the first few of a message (which
// ReceiveMultipart drops) are not bounded by it; the CURVE allow-list is the trust boundary there.
constexpr int64_t kMaxReceiveBytesPerConnection = (kReceiveHighWaterMark + 1) * kMaxFrameBytes;

// A socket of `type` with the settings above.
zmq::socket_t MakeSocket(zmq::context_t& context, zmq::socket_type type);

// Receives one whole multipart message without blocking; nullopt if none is waiting. A message
// with more than `max_frames` frames is read to its end and dropped (returned as an empty vector),
// so one hostile sender cannot wedge the socket.
std::optional<std::vector<zmq::message_t>> ReceiveMultipart(zmq::socket_t& socket, size_t max_frames);

}  // namespace crdtdb::net

#endif  // CRDTDB_NET_ZMQ_SOCKET_OPTIONS_H_
