// Copyright (c) crdtdb authors.
//
// The ZeroMQ settings every crdtdb socket gets, chosen from the measurements in the project's
// field notes (docs/protocol.md, "Channels"): a bounded linger so shutdown cannot hang, TCP
// keepalive and a retransmission bound so a silent partition is noticed in seconds, a frame-size
// limit above the largest protocol message, and explicit high-water marks that bound what one
// connection can make a replica hold. This module and src/server are the only code that includes
// ZeroMQ.

#ifndef CRDTDB_NET_ZMQ_SOCKET_OPTIONS_H_
#define CRDTDB_NET_ZMQ_SOCKET_OPTIONS_H_

#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>

namespace crdtdb::net {

constexpr int kLingerMs = 1000;
constexpr int64_t kMaxFrameBytes = int64_t{80} << 20;  // above sync::kMaxMessageBytes
// Messages queued per connection for sending before ZeroMQ drops (PUB) or refuses (ROUTER,
// DEALER) more. It bounds memory: a stalled subscriber costs at most 1,000 delta batches of at
// most 1 MiB (typically a few KB each) on the publisher, which are its own messages. Dropped
// batches are gaps that the subscriber repairs from the origin's log; requests and answers are few
// at a time per peer.
constexpr int kSendHighWaterMark = 1'000;
// Messages queued per connection on receipt. When they are full, libzmq stops reading that
// connection, and the sender's queue and TCP's flow control hold the rest: a peer's memory, not
// ours. A replica drains its sockets at every wake-up of its event loop, and every connection
// carries few messages at a time that matter (requests or answers of one peer, or one peer's
// delta batches, which wait harmlessly in the publisher's queue or are repaired as gaps).
constexpr int kReceiveHighWaterMark = 4;
// What one connection can make this process hold in received messages: the queue above, one more
// message that libzmq has decoded and holds until the queue has room, each of at most
// kMaxFrameBytes, so 400 MiB (the kernel's socket buffer comes on top). It holds for messages of
// one frame, which is all the protocol sends: libzmq counts a message of several frames once and
// keeps it whole until its last frame, however many frames it has, so a peer that sends such
// messages is bounded only by the CURVE allow-list (docs/protocol.md, "Channels").
constexpr int64_t kMaxReceivedBytesPerConnection = (kReceiveHighWaterMark + 1) * kMaxFrameBytes;

// ZMTP heartbeats (ZMQ_HEARTBEAT_IVL) are off on every socket: libzmq 4.3 aborts the process
// (`!_io_error` or `_input_stopped`, stream_engine_base.cpp; zeromq/libzmq#3937, #4229, unfixed
// upstream) when a heartbeat timer fires on a connection whose input it stopped at the receive
// mark, which a small mark makes common (a region paused with SIGSTOP died on SIGCONT). The kernel
// detects a silent partition instead, without touching libzmq's stopped input: keepalive probes on
// an idle connection (first after kKeepaliveIdleS, then every kKeepaliveIntervalS), and
// kMaxUnacknowledgedMs (TCP_USER_TIMEOUT) on one with data in flight or a send window that stays
// closed, a peer that stopped reading. Either way the connection fails about 4 s after the cut
// (measured: 3.98 to 4.33 s, docs/protocol.md), libzmq reconnects, and PeerLink reports it. The
// protocol's own heartbeats (SyncOptions) are messages on the delta stream and are unaffected.
constexpr int kKeepaliveIdleS = 1;
constexpr int kKeepaliveIntervalS = 1;
constexpr int kKeepaliveProbes = 3;
constexpr int kMaxUnacknowledgedMs = 4000;

// A socket of `type` with the settings above.
zmq::socket_t MakeSocket(zmq::context_t& context, zmq::socket_type type);

// Receives one whole multipart message without blocking; nullopt if none is waiting. A message
// with more than `max_frames` frames is read to its end and dropped (returned as an empty vector),
// so one hostile sender cannot wedge the socket.
std::optional<std::vector<zmq::message_t>> ReceiveMultipart(zmq::socket_t& socket, size_t max_frames);

}  // namespace crdtdb::net

#endif  // CRDTDB_NET_ZMQ_SOCKET_OPTIONS_H_
