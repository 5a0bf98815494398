// Copyright (c) crdtdb authors.
//
// Loopback ports for tests that start servers: picked free, and away from the ephemeral range, so
// that no process's outgoing connection can take a port a test reserved for a server.

#ifndef CRDTDB_TESTS_SUPPORT_FREE_PORTS_H_
#define CRDTDB_TESTS_SUPPORT_FREE_PORTS_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <stdexcept>
#include <vector>

namespace crdtdb::testing {

// A TCP socket bound to 127.0.0.1:port (0: any free port), or -1 if the port is taken.
inline int BindLoopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

inline int BoundPort(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return -1;
  return ntohs(addr.sin_port);
}

// `n` distinct loopback ports that nothing was bound to a moment ago. Each is checked by binding a
// socket to it; all are held until the last is found, so none repeats, then released.
//
// Ports come from below the kernel's ephemeral range when it leaves room (binding port 0 would hand
// out ephemeral ones): while a region is down its peers keep reconnecting to its ports, and every
// attempt takes an ephemeral port for its own end, so an ephemeral port reserved for a region that
// starts (or restarts) later could be taken by such an attempt, or even connect to itself.
inline std::vector<int> PickFreePorts(size_t n) {
  int low = 32768, high = 60999;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> low >> high;
  std::mt19937 rng(std::random_device{}() ^ static_cast<unsigned>(getpid()));
  std::vector<int> ports, fds;
  constexpr int kLowest = 10000;
  if (low - 1 > kLowest + 1000) {
    std::uniform_int_distribution<int> pick(kLowest, low - 1);
    for (int attempt = 0; attempt < 10'000 && ports.size() < n; ++attempt) {
      const int port = pick(rng);
      if (std::find(ports.begin(), ports.end(), port) != ports.end()) continue;
      const int fd = BindLoopback(port);
      if (fd < 0) continue;
      ports.push_back(port);
      fds.push_back(fd);
    }
  }
  while (ports.size() < n) {  // no room below the ephemeral range: let the kernel choose
    const int fd = BindLoopback(0);
    if (fd < 0) throw std::runtime_error("cannot bind a loopback socket");
    ports.push_back(BoundPort(fd));
    fds.push_back(fd);
  }
  for (int fd : fds) close(fd);
  return ports;
}

// True if something accepts TCP connections on 127.0.0.1:port right now.
inline bool TcpAccepts(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

}  // namespace crdtdb::testing

#endif  // CRDTDB_TESTS_SUPPORT_FREE_PORTS_H_
