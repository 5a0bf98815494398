// Copyright (c) crdtdb authors.

#include "net/zap_handler.h"

#include <chrono>
#include <vector>

#include "net/curve_keys.h"

namespace crdtdb::net {

namespace {
constexpr int kPollMs = 100;
constexpr size_t kMaxZapFrames = 16;
}  // namespace

Result<std::unique_ptr<ZapHandler>> ZapHandler::Start(zmq::context_t& context,
                                                      std::map<std::string, std::string> allowed) {
  try {
    zmq::socket_t socket(context, zmq::socket_type::rep);
    socket.set(zmq::sockopt::linger, 0);
    socket.bind(kZapEndpoint);
    // The socket moves to the handler's thread; starting the thread is a full memory barrier.
    return std::unique_ptr<ZapHandler>(new ZapHandler(std::move(allowed), std::move(socket)));
  } catch (const zmq::error_t& e) {
    return Status::IOError(std::string("cannot start the ZAP handler at ") + kZapEndpoint + ": " + e.what());
  }
}

ZapHandler::ZapHandler(std::map<std::string, std::string> allowed, zmq::socket_t socket)
    : allowed_(std::move(allowed)), socket_(std::move(socket)) {
  thread_ = std::thread([this] { Loop(); });
}

void ZapHandler::SetAllowList(std::map<std::string, std::string> allowed) {
  std::lock_guard lock(mu_);
  allowed_ = std::move(allowed);
}

ZapHandler::~ZapHandler() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void ZapHandler::Loop() {
  while (!stop_.load()) {
    try {
      zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&item, 1, std::chrono::milliseconds(kPollMs)) == 0) continue;
      std::vector<zmq::message_t> request;
      while (true) {
        zmq::message_t frame;
        if (!socket_.recv(frame, zmq::recv_flags::none)) break;
        const bool more = frame.more();
        if (request.size() < kMaxZapFrames) request.push_back(std::move(frame));
        if (!more) break;
      }
      Answer(request);
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      if (e.num() == ETERM) break;
      // Anything else: keep serving; a request without an answer fails its handshake (closed).
    }
  }
  socket_.close();
}

// Request: version, request id, domain, address, identity, mechanism, credentials...
// Reply:   version, request id, status code, status text, user id, metadata.
void ZapHandler::Answer(std::vector<zmq::message_t>& request) {
  std::string status = "400", text = "not allowed", user_id;
  const std::string request_id = request.size() > 1 ? request[1].to_string() : "";
  if (request.size() >= 7 && request[0].to_string() == "1.0" && request[2].to_string() == kZapDomain &&
      request[5].to_string() == "CURVE" && request[6].size() == 32) {
    char z85[kZ85KeyChars + 1] = {};
    if (zmq_z85_encode(z85, static_cast<const uint8_t*>(request[6].data()), 32) != nullptr) {
      std::lock_guard lock(mu_);
      auto it = allowed_.find(z85);
      if (it != allowed_.end()) {
        status = "200";
        text = "OK";
        user_id = it->second;
      }
    }
  }
  (status == "200" ? admitted_ : refused_).fetch_add(1);
  socket_.send(zmq::str_buffer("1.0"), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(request_id), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(status), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(text), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(user_id), zmq::send_flags::sndmore);
  socket_.send(zmq::message_t(), zmq::send_flags::none);
}

}  // namespace crdtdb::net
