// Copyright (c) crdtdb authors.

#include "net/peer_link.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "net/zmq_socket_options.h"

namespace crdtdb::net {

namespace {

constexpr int kWatchedEvents = ZMQ_EVENT_CONNECTED | ZMQ_EVENT_CONNECT_DELAYED |
                               ZMQ_EVENT_CONNECT_RETRIED | ZMQ_EVENT_DISCONNECTED |
                               ZMQ_EVENT_HANDSHAKE_SUCCEEDED;

// Every monitor needs an inproc endpoint of its own within the context.
std::string NextMonitorEndpoint() {
  static std::atomic<uint64_t> next{0};
  return "inproc://crdtdb-peer-link-monitor-" + std::to_string(next.fetch_add(1));
}

// The event number of a monitor message (its first frame: a 16-bit event and a 32-bit value, in
// host order), after which the second frame (the endpoint) has been read too. nullopt if no event
// is waiting.
std::optional<uint16_t> NextEvent(zmq::socket_t& monitor) {
  zmq::message_t header;
  if (!monitor.recv(header, zmq::recv_flags::dontwait)) return std::nullopt;
  uint16_t event = 0;
  if (header.size() >= sizeof event) std::memcpy(&event, header.data(), sizeof event);
  while (header.more()) {  // the endpoint frame; a monitor message is delivered whole
    zmq::message_t rest;
    if (!monitor.recv(rest, zmq::recv_flags::dontwait) || !rest.more()) break;
  }
  return event;
}

}  // namespace

PeerLink::PeerLink(zmq::context_t& context, PeerLinkOptions options)
    : context_(context), options_(std::move(options)) {
  Open();
}

PeerLink::~PeerLink() { Close(); }

void PeerLink::Open() {
  socket_ = MakeSocket(context_, options_.type);
  if (options_.curve) MakeCurveClient(socket_, *options_.curve);
  if (options_.type == zmq::socket_type::sub) {
    for (const std::string& prefix : options_.subscriptions) socket_.set(zmq::sockopt::subscribe, prefix);
  }
  const std::string monitor_endpoint = NextMonitorEndpoint();
  if (zmq_socket_monitor(socket_.handle(), monitor_endpoint.c_str(), kWatchedEvents) != 0)
    throw zmq::error_t();
  monitor_ = zmq::socket_t(context_, zmq::socket_type::pair);
  monitor_.set(zmq::sockopt::linger, 0);
  monitor_.connect(monitor_endpoint);
  socket_.connect(options_.endpoint);
  up_ = false;
  down_since_ms_.reset();
}

void PeerLink::Close() {
  if (socket_) {
    zmq_socket_monitor(socket_.handle(), nullptr, 0);
    socket_.set(zmq::sockopt::linger, 0);  // what is queued for a dead connection is worthless
    socket_.close();
  }
  if (monitor_) monitor_.close();
}

void PeerLink::Subscribe(std::vector<std::string> subscriptions) {
  std::sort(subscriptions.begin(), subscriptions.end());
  std::vector<std::string>& now = options_.subscriptions;
  std::sort(now.begin(), now.end());
  if (subscriptions == now || options_.type != zmq::socket_type::sub) return;
  // Added first: a prefix kept in both never goes unsubscribed for a moment.
  for (const std::string& prefix : subscriptions) {
    if (!std::binary_search(now.begin(), now.end(), prefix)) socket_.set(zmq::sockopt::subscribe, prefix);
  }
  for (const std::string& prefix : now) {
    if (!std::binary_search(subscriptions.begin(), subscriptions.end(), prefix)) {
      socket_.set(zmq::sockopt::unsubscribe, prefix);
    }
  }
  now = std::move(subscriptions);
}

std::vector<LinkEvent> PeerLink::Poll(uint64_t now_ms) {
  std::vector<LinkEvent> events;
  while (std::optional<uint16_t> event = NextEvent(monitor_)) {
    switch (*event) {
      case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
        up_ = true;
        down_since_ms_.reset();
        events.push_back(LinkEvent::kUp);
        break;
      case ZMQ_EVENT_DISCONNECTED:
        if (up_) events.push_back(LinkEvent::kDown);
        up_ = false;
        down_since_ms_ = now_ms;
        break;
      default:  // libzmq is (re)connecting by itself
        down_since_ms_.reset();
        break;
    }
  }
  if (down_since_ms_ && now_ms - *down_since_ms_ >= kReconnectGraceMs) {
    Close();
    Open();
    events.push_back(LinkEvent::kReplaced);
  }
  return events;
}

}  // namespace crdtdb::net
