// Copyright (c) crdtdb authors.

#include "net/zmq_socket_options.h"

namespace crdtdb::net {

zmq::socket_t MakeSocket(zmq::context_t& context, zmq::socket_type type) {
  zmq::socket_t socket(context, type);
  socket.set(zmq::sockopt::linger, kLingerMs);
  socket.set(zmq::sockopt::tcp_keepalive, 1);
  socket.set(zmq::sockopt::tcp_keepalive_idle, kKeepaliveIdleS);
  socket.set(zmq::sockopt::tcp_keepalive_intvl, kKeepaliveIntervalS);
  socket.set(zmq::sockopt::tcp_keepalive_cnt, kKeepaliveProbes);
  socket.set(zmq::sockopt::tcp_maxrt, kMaxUnacknowledgedMs);
  socket.set(zmq::sockopt::maxmsgsize, kMaxFrameBytes);
  socket.set(zmq::sockopt::sndhwm, kSendHighWaterMark);
  socket.set(zmq::sockopt::rcvhwm, kReceiveHighWaterMark);
  if (type == zmq::socket_type::router) socket.set(zmq::sockopt::router_mandatory, 1);
  return socket;
}

std::optional<std::vector<zmq::message_t>> ReceiveMultipart(zmq::socket_t& socket, size_t max_frames) {
  std::vector<zmq::message_t> frames;
  bool too_many = false;
  while (true) {
    zmq::message_t frame;
    const zmq::recv_result_t got =
        socket.recv(frame, frames.empty() && !too_many ? zmq::recv_flags::dontwait : zmq::recv_flags::none);
    if (!got) return std::nullopt;  // nothing waiting (only possible before the first frame)
    const bool more = frame.more();
    if (frames.size() < max_frames) {
      frames.push_back(std::move(frame));
    } else {
      too_many = true;
    }
    if (!more) break;
  }
  if (too_many) frames.clear();
  return frames;
}

}  // namespace crdtdb::net
