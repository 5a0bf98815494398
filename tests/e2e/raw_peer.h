// Copyright (c) crdtdb authors.
//
// A hostile peer for end-to-end tests: a plain TCP connection to a server's endpoint that sends
// whatever bytes a test gives it, and builders for ZMTP 3.0 pieces (greeting, READY, frames), so
// that garbage can reach every layer: the ZMTP handshake, the framing, and (after a handshake that
// libzmq accepts) the messages the replica decodes. RFC: https://rfc.zeromq.org/spec/23/.

#ifndef CRDTDB_TESTS_E2E_RAW_PEER_H_
#define CRDTDB_TESTS_E2E_RAW_PEER_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace crdtdb::testing {

class RawConnection {
 public:
  // Takes over `fd`, a connected TCP socket (RawListener::Accept).
  struct Adopt {
    int fd;
  };
  explicit RawConnection(Adopt adopt) : fd_(adopt.fd) {}

  // Connects to 127.0.0.1:port; connected() says whether it worked.
  explicit RawConnection(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  ~RawConnection() {
    if (fd_ >= 0) close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }

  // Sends `bytes`, or as much as the peer takes before it closes the connection or stops reading
  // for `timeout_ms`. Returns how many bytes went out. Never raises SIGPIPE.
  size_t Send(std::string_view bytes, int timeout_ms = 2000) {
    size_t sent = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (fd_ >= 0 && sent < bytes.size()) {
      const ssize_t n =
          send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        sent += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) break;  // closed
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLOUT, 0};
      poll(&p, 1, static_cast<int>(left.count()));
    }
    return sent;
  }

  // Reads and discards what the server sent so far, waiting at most `timeout_ms` for the first
  // byte. Returns the number of bytes read.
  size_t Drain(int timeout_ms = 50) {
    size_t total = 0;
    char buffer[4096];
    pollfd p{fd_, POLLIN, 0};
    while (fd_ >= 0 && poll(&p, 1, total == 0 ? timeout_ms : 0) > 0) {
      const ssize_t n = recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n <= 0) break;
      total += static_cast<size_t>(n);
    }
    return total;
  }

  // True once the other end has closed the connection (reads and discards what it sends before
  // that); false if it is still open after `timeout_ms`.
  bool WaitClosed(int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    char buffer[4096];
    while (fd_ >= 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      const ssize_t n = recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
        return true;
    }
    return true;
  }

 private:
  int fd_ = -1;
};

// A TCP listener on 127.0.0.1:port, for a test that plays the server side of a link: the replica
// under test connects to it as it would to a peer region.
class RawListener {
 public:
  explicit RawListener(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    const int on = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
        listen(fd_, 16) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  ~RawListener() {
    if (fd_ >= 0) close(fd_);
  }
  RawListener(const RawListener&) = delete;
  RawListener& operator=(const RawListener&) = delete;

  bool listening() const { return fd_ >= 0; }

  // The next incoming connection, or nullptr if none arrives within `timeout_ms`.
  std::unique_ptr<RawConnection> Accept(int timeout_ms) {
    if (fd_ < 0) return nullptr;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return nullptr;
    const int fd = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return nullptr;
    return std::make_unique<RawConnection>(RawConnection::Adopt{fd});
  }

 private:
  int fd_ = -1;
};

inline std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

// The 64-byte ZMTP 3.x greeting: signature, version, mechanism, as-server, filler.
inline std::string ZmtpGreeting(std::string_view mechanism = "NULL", int major = 3, int minor = 0) {
  std::string g;
  g += '\xff';
  g.append(8, '\0');
  g += '\x7f';
  g += static_cast<char>(major);
  g += static_cast<char>(minor);
  std::string m(mechanism.substr(0, 20));
  m.resize(20, '\0');
  g += m;
  g += '\0';  // as-server: no
  g.append(31, '\0');
  return g;
}

// One ZMTP frame: flags (MORE, LONG, COMMAND), size (1 byte, or 8 bytes big-endian), body.
// `claimed_size` (if not negative) is written as the size instead of body.size(), for lies.
inline std::string ZmtpFrame(std::string_view body, bool more, bool command = false,
                             int64_t claimed_size = -1) {
  const uint64_t size = claimed_size >= 0 ? static_cast<uint64_t>(claimed_size) : body.size();
  const bool is_long = size > 255;
  std::string f;
  f += static_cast<char>((more ? 0x01 : 0) | (is_long ? 0x02 : 0) | (command ? 0x04 : 0));
  if (is_long) {
    for (int shift = 56; shift >= 0; shift -= 8) f += static_cast<char>((size >> shift) & 0xff);
  } else {
    f += static_cast<char>(size);
  }
  f += body;
  return f;
}

// A multipart ZMTP message: MORE on every frame but the last.
inline std::string ZmtpMessage(const std::vector<std::string>& frames) {
  std::string m;
  for (size_t i = 0; i < frames.size(); ++i) m += ZmtpFrame(frames[i], i + 1 < frames.size());
  return m;
}

// The NULL mechanism's READY command with a Socket-Type property.
inline std::string ZmtpReady(std::string_view socket_type) {
  std::string body;
  body += '\x05';
  body += "READY";
  const std::string name = "Socket-Type";
  body += static_cast<char>(name.size());
  body += name;
  const uint32_t len = static_cast<uint32_t>(socket_type.size());
  for (int shift = 24; shift >= 0; shift -= 8) body += static_cast<char>((len >> shift) & 0xff);
  body += socket_type;
  return ZmtpFrame(body, false, true);
}

}  // namespace crdtdb::testing

#endif  // CRDTDB_TESTS_E2E_RAW_PEER_H_
