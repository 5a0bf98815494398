// Copyright (c) crdtdb authors.
//
// End-to-end: a peer link that libzmq gives up on comes back. After a protocol error on a
// connection it opened (here: a frame far above ZMQ_MAXMSGSIZE), libzmq 4.3.4 closes the
// connection and never connects again (field notes; libzmq#4196), so one bad frame from a peer
// would silence that link for good. The region server watches its sockets' monitor events and
// replaces such a socket (src/net/peer_link.h). This test plays the bad peer with a raw TCP
// listener on the peer's ports, then lets the real peer take them and checks that replication
// runs over both links again: the delta stream (SUB) and the request link (DEALER).

#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/raw_peer.h"
#include "tests/e2e/region_cluster.h"

namespace crdtdb {
namespace {

using nlohmann::json;
using testing::RegionCluster;
using testing::Scaled;
using testing::Socket;

using Clock = std::chrono::steady_clock;

uint64_t StatusNumber(const json& status, const char* key) {
  const json v = status.value(key, json());
  return v.is_number_unsigned() ? v.get<uint64_t>() : 0;
}

// The entry of `peer` in a status's "peers", or null.
json PeerEntry(const json& status, const std::string& peer) {
  for (const json& p : status.value("peers", json::array())) {
    if (p.is_object() && p.value("region", json()) == peer) return p;
  }
  return json();
}

TEST_CASE("a peer link cut by a protocol error is re-established and replicates again") {
  RegionCluster cluster;
  // ap-south never starts, so every anti-entropy round that us-east completes is one with eu-west.
  cluster.Start("us-east");

  std::mt19937_64 rng(0x6c696e6bull);
  struct Link {
    Socket socket;
    std::string name;
    std::string impostor_type;  // the ZMTP socket type the real endpoint would announce
  };
  const std::vector<Link> links = {{Socket::kPublish, "publish", "PUB"},
                                   {Socket::kSync, "sync", "ROUTER"}};
  for (const Link& link : links) {
    testing::RawListener impostor(cluster.Port("eu-west", link.socket));
    REQUIRE_MESSAGE(impostor.listening(), "cannot listen on eu-west's " << link.name << " port");
    // Twice: the replacement socket must survive the same fault again.
    for (int round = 1; round <= 2; ++round) {
      std::unique_ptr<testing::RawConnection> c =
          impostor.Accept(static_cast<int>(Scaled(10'000).count()));
      REQUIRE_MESSAGE(c, "us-east did not connect to eu-west's "
                             << link.name << " endpoint (connection " << round << ")\n"
                             << cluster.LogTail("us-east"));
      c->Send(testing::ZmtpGreeting() + testing::ZmtpReady(link.impostor_type) +
              testing::ZmtpFrame(testing::RandomBytes(rng, 64), false, false, int64_t{1} << 40));
      CHECK_MESSAGE(c->WaitClosed(static_cast<int>(Scaled(5'000).count())),
                    "us-east kept its " << link.name
                                        << " connection open after a frame above the size limit");
    }
  }
  cluster.RequireRunning({"us-east"});
  const uint64_t rounds_before = StatusNumber(cluster.Status("us-east"), "anti_entropy_rounds");

  // The real eu-west takes its ports and writes.
  cluster.Start("eu-west");
  for (int i = 0; i < 5; ++i) {
    const testing::CliResult r =
        cluster.Cli("eu-west", {"put", "/recovered/" + std::to_string(i), json{{"i", i}}.dump()});
    REQUIRE_MESSAGE(r.exit_code == 0, testing::Describe(r));
  }
  const uint64_t eu_last = StatusNumber(cluster.Status("eu-west"), "last_sequence");
  REQUIRE(eu_last >= 5);

  // The stream: us-east has applied every delta of eu-west, in sequence. The request link: it has
  // completed anti-entropy rounds with eu-west (the only region it can complete them with).
  json us;
  const auto deadline = Clock::now() + Scaled(testing::kConvergeMs);
  while (Clock::now() < deadline) {
    us = cluster.Status("us-east");
    const json peer = PeerEntry(us, "eu-west");
    if (peer.is_object() && peer.value("last_delta_seq", uint64_t{0}) >= eu_last &&
        StatusNumber(us, "anti_entropy_rounds") > rounds_before) {
      break;
    }
    testing::SleepMs(testing::kPollMs);
  }
  INFO("us-east status: " << us.dump() << "\n" << cluster.LogTail("us-east"));
  CHECK(PeerEntry(us, "eu-west").value("last_delta_seq", uint64_t{0}) >= eu_last);
  CHECK(StatusNumber(us, "anti_entropy_rounds") > rounds_before);
  CHECK(StatusNumber(us, "documents") == 5);
}

}  // namespace
}  // namespace crdtdb
