// Copyright (c) crdtdb authors.

#include "http/deadline_stream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace crdtdb::http {

namespace {

int64_t NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

// Waits for `events` on `fd` for at most `ms`; true when they came.
bool PollFor(int fd, short events, int ms) {
  pollfd p{fd, events, 0};
  int n = 0;
  do {
    n = ::poll(&p, 1, ms);
  } while (n < 0 && errno == EINTR);
  return n > 0 && (p.revents & events) != 0;
}

void Address(const sockaddr_storage& address, std::string& ip, int& port) {
  char text[INET6_ADDRSTRLEN] = "";
  if (address.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&address);
    ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    port = ntohs(in->sin_port);
  } else if (address.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    port = ntohs(in6->sin6_port);
  }
  ip = text;
}

}  // namespace

void DeadlineStream::SetDeadline(int64_t ms) { deadline_ms_ = NowMs() + ms; }

bool DeadlineStream::AwaitRequest(int ms) {
  if (buffered_begin_ < buffered_end_) return true;  // a pipelined request is already here
  return PollFor(fd_, POLLIN, ms);
}

bool DeadlineStream::Ready(short events) const {
  const int64_t left = deadline_ms_ - NowMs();
  if (left <= 0) return false;
  return PollFor(fd_, events, static_cast<int>(std::min<int64_t>(left, io_timeout_ms_)));
}

bool DeadlineStream::is_readable() const {
  return buffered_begin_ < buffered_end_ || Ready(POLLIN);
}

bool DeadlineStream::is_writable() const { return Ready(POLLOUT); }

ssize_t DeadlineStream::read(char* ptr, size_t size) {
  if (buffered_begin_ == buffered_end_) {
    if (!Ready(POLLIN)) return -1;
    ssize_t n = 0;
    do {
      n = ::recv(fd_, buffer_.data(), buffer_.size(), 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return n;
    buffered_begin_ = 0;
    buffered_end_ = static_cast<size_t>(n);
  }
  const size_t n = std::min(size, buffered_end_ - buffered_begin_);
  std::memcpy(ptr, buffer_.data() + buffered_begin_, n);
  buffered_begin_ += n;
  return static_cast<ssize_t>(n);
}

ssize_t DeadlineStream::write(const char* ptr, size_t size) {
  if (!Ready(POLLOUT)) return -1;
  ssize_t n = 0;
  do {
    n = ::send(fd_, ptr, size, MSG_NOSIGNAL);  // a client gone is an error, not SIGPIPE
  } while (n < 0 && errno == EINTR);
  return n;
}

void DeadlineStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0)
    Address(address, ip, port);
}

void DeadlineStream::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0)
    Address(address, ip, port);
}

}  // namespace crdtdb::http
