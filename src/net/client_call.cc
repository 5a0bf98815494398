// Copyright (c) crdtdb authors.

#include "net/client_call.h"

#include "net/zmq_socket_options.h"

namespace crdtdb::net {

struct ClientConnection::Sockets {
  zmq::context_t context{1};
  zmq::socket_t dealer;
};

ClientConnection::ClientConnection(std::string endpoint, int timeout_ms, std::optional<CurveClientKeys> curve)
    : endpoint_(std::move(endpoint)),
      timeout_ms_(timeout_ms),
      curve_(std::move(curve)),
      sockets_(std::make_unique<Sockets>()) {}

ClientConnection::~ClientConnection() = default;

Status ClientConnection::Send(std::string_view message) {
  try {
    if (!sockets_->dealer) {
      sockets_->dealer = MakeSocket(sockets_->context, zmq::socket_type::dealer);
      if (curve_) MakeCurveClient(sockets_->dealer, *curve_);
      sockets_->dealer.connect(endpoint_);
    }
    if (!sockets_->dealer.send(zmq::buffer(message.data(), message.size()), zmq::send_flags::dontwait)) {
      return Status::Unavailable("cannot send to " + endpoint_ + ": its queue is full");
    }
    return Status::OK();
  } catch (const zmq::error_t& e) {
    return Status::Unavailable("cannot reach " + endpoint_ + ": " + e.what());
  }
}

Result<std::string> ClientConnection::Exchange(std::string_view request) {
  if (Status s = Send(request); !s.ok()) return s;
  try {
    zmq::pollitem_t item{sockets_->dealer.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, std::chrono::milliseconds(timeout_ms_)) == 0) {
      return Status::Unavailable("no answer from " + endpoint_ + " within " + std::to_string(timeout_ms_ / 1000) +
                                 " s (is the region running?)");
    }
    std::optional<std::vector<zmq::message_t>> frames = ReceiveMultipart(sockets_->dealer, 1);
    if (!frames || frames->size() != 1) return Status::Corruption("malformed answer from " + endpoint_);
    return (*frames)[0].to_string();
  } catch (const zmq::error_t& e) {
    return Status::Unavailable("cannot reach " + endpoint_ + ": " + e.what());
  }
}

}  // namespace crdtdb::net
