// Copyright (c) crdtdb authors.

#include "net/client_call.h"

#include <algorithm>
#include <chrono>

#include "net/zmq_socket_options.h"

namespace crdtdb::net {

namespace {

std::string NoAnswer(const std::string& endpoint, int timeout_ms) {
  return "no answer from " + endpoint + " within " + std::to_string(timeout_ms / 1000) +
         " s (is the region running?)";
}

}  // namespace

struct ClientConnection::Sockets {
  explicit Sockets(zmq::context_t* shared) : context(shared != nullptr ? *shared : own.emplace(1)) {}
  std::optional<zmq::context_t> own;  // without a shared context; destroyed after the socket
  zmq::context_t& context;
  zmq::socket_t dealer;
};

ClientConnection::ClientConnection(std::string endpoint, int timeout_ms, std::optional<CurveClientKeys> curve,
                                   std::optional<int> connect_timeout_ms, const std::atomic<bool>* cancel,
                                   zmq::context_t* context)
    : endpoint_(std::move(endpoint)),
      timeout_ms_(timeout_ms),
      connect_timeout_ms_(connect_timeout_ms.value_or(timeout_ms)),
      curve_(std::move(curve)),
      cancel_(cancel),
      sockets_(std::make_unique<Sockets>(context)) {}

bool ClientConnection::Wait(short events, int timeout_ms) {
  zmq::pollitem_t item{sockets_->dealer.handle(), 0, events, 0};
  if (cancel_ == nullptr) return zmq::poll(&item, 1, std::chrono::milliseconds(timeout_ms)) > 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!cancel_->load()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    if (zmq::poll(&item, 1, std::min(left, std::chrono::milliseconds(kCancelCheckMs))) > 0) return true;
  }
  return false;
}

ClientConnection::~ClientConnection() = default;

Status ClientConnection::Send(std::string_view message) {
  sent_ = false;
  try {
    if (!sockets_->dealer) {
      sockets_->dealer = MakeSocket(sockets_->context, zmq::socket_type::dealer);
      // No queue for a connection still being made: a message leaves only on a live one.
      sockets_->dealer.set(zmq::sockopt::immediate, 1);
      if (curve_) MakeCurveClient(sockets_->dealer, *curve_);
      sockets_->dealer.connect(endpoint_);
    }
    if (!Wait(ZMQ_POLLOUT, connect_timeout_ms_)) {
      return Status::Unavailable(NoAnswer(endpoint_, connect_timeout_ms_));
    }
    if (!sockets_->dealer.send(zmq::buffer(message.data(), message.size()), zmq::send_flags::dontwait)) {
      return Status::Unavailable("cannot send to " + endpoint_ + ": its queue is full");
    }
    sent_ = true;
    return Status::OK();
  } catch (const zmq::error_t& e) {
    return Status::Unavailable("cannot reach " + endpoint_ + ": " + e.what());
  }
}

Result<std::string> ClientConnection::Exchange(std::string_view request) {
  if (Status s = Send(request); !s.ok()) return s;
  try {
    if (!Wait(ZMQ_POLLIN, timeout_ms_)) {
      return Status::Unavailable(NoAnswer(endpoint_, timeout_ms_));
    }
    std::optional<std::vector<zmq::message_t>> frames = ReceiveMultipart(sockets_->dealer, 1);
    if (!frames || frames->size() != 1) return Status::Corruption("malformed answer from " + endpoint_);
    return (*frames)[0].to_string();
  } catch (const zmq::error_t& e) {
    return Status::Unavailable("cannot reach " + endpoint_ + ": " + e.what());
  }
}

}  // namespace crdtdb::net
