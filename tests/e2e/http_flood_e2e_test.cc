// Copyright (c) crdtdb authors.
//
// Thousands of connections at once against a real `crdtdb serve` node (docs/http.md, "Limits and
// timeouts"): each is answered or refused, none is left hanging, and the node stays healthy.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "tests/e2e/http_cluster.h"

namespace crdtdb::testing {
namespace {

// What became of one of many connections opened at once.
enum class Ended { kOpen, k200, k503, kOtherStatus, kClosedUnanswered };

TEST_CASE("http: 2,000 connections opened at once are each served or refused, and the node stays healthy") {
  HttpCluster cluster;
  constexpr size_t kConnections = 2000;
  const std::string request = std::string("GET /v1/status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ") +
                              kToken + "\r\nConnection: close\r\n\r\n";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(cluster.http_port(0)));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::vector<pollfd> fds(kConnections);
  std::vector<Ended> ended(kConnections, Ended::kOpen);
  std::vector<std::string> received(kConnections);
  std::vector<bool> sent(kConnections, false);
  for (size_t i = 0; i < kConnections; ++i) {
    fds[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    REQUIRE(fds[i].fd >= 0);
    const int rc = connect(fds[i].fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    REQUIRE((rc == 0 || errno == EINPROGRESS));
    fds[i].events = POLLOUT;
  }
  const auto finish = [&](size_t i, Ended how) {
    ended[i] = how;
    close(fds[i].fd);
    fds[i].fd = -1;  // poll skips it
  };
  // Bounded: the loop ends when every connection ended, or after 120 s (then CHECKed below).
  const auto deadline = std::chrono::steady_clock::now() + Scaled(120'000);
  size_t open = kConnections;
  while (open > 0 && std::chrono::steady_clock::now() < deadline) {
    if (poll(fds.data(), fds.size(), 200) <= 0) continue;
    for (size_t i = 0; i < kConnections; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      if (!sent[i] && (fds[i].revents & POLLOUT)) {
        int error = 0;
        socklen_t size = sizeof error;
        getsockopt(fds[i].fd, SOL_SOCKET, SO_ERROR, &error, &size);
        // A refused or reset connection is a connection the node did not take: it is bounded.
        if (error != 0 || send(fds[i].fd, request.data(), request.size(), MSG_NOSIGNAL) !=
                              static_cast<ssize_t>(request.size())) {
          finish(i, Ended::kClosedUnanswered);
          --open;
          continue;
        }
        sent[i] = true;
        fds[i].events = POLLIN;
        continue;
      }
      char buffer[4096];
      const ssize_t n = recv(fds[i].fd, buffer, sizeof buffer, 0);
      if (n > 0) {
        received[i].append(buffer, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      const std::string& text = received[i];
      finish(i, text.empty()                                ? Ended::kClosedUnanswered
                : text.rfind("HTTP/1.1 200 ", 0) == 0       ? Ended::k200
                : text.rfind("HTTP/1.1 503 ", 0) == 0       ? Ended::k503
                                                            : Ended::kOtherStatus);
      --open;
    }
  }
  std::map<Ended, size_t> counts;
  for (size_t i = 0; i < kConnections; ++i) {
    ++counts[ended[i]];
    if (fds[i].fd >= 0) close(fds[i].fd);
    if (ended[i] == Ended::k503) {
      CHECK(received[i].find("Retry-After: 1") != std::string::npos);
      CHECK(received[i].find("\"error\":\"unavailable\"") != std::string::npos);
    }
  }
  MESSAGE("200: " << counts[Ended::k200] << ", 503: " << counts[Ended::k503] << ", closed unanswered: "
                  << counts[Ended::kClosedUnanswered]);
  CHECK(counts[Ended::kOpen] == 0);         // each was answered or closed
  CHECK(counts[Ended::kOtherStatus] == 0);  // and none got another answer
  CHECK(counts[Ended::k200] > 0);
  // The node is healthy, and still serves and replicates-routes writes.
  httplib::Result status = cluster.Client(0).Get("/v1/status");
  REQUIRE(status);
  CHECK(status->status == 200);
  CHECK(Body(status)["healthy"] == true);
  httplib::Result put = cluster.Client(0).Put("/v1/docs/after/flood", "{\"ok\":true}", "application/json");
  REQUIRE(put);
  CHECK(put->status == 200);
}

}  // namespace
}  // namespace crdtdb::testing
