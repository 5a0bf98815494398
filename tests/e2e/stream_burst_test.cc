// Copyright (c) crdtdb authors.
//
// End-to-end: a burst on a delta stream above the high-water mark. PUB/SUB drops what does not fit
// in a stalled subscriber's queue, silently (field notes); the subscriber must see the hole as a
// gap in the origin's sequence and pull it from the origin's delta log. The test plays the origin
// region (eu-west) itself: an embedded store whose delta log it publishes on a PUB socket at
// eu-west's publish endpoint, answering gap-repair requests on a ROUTER at eu-west's sync endpoint
// with the protocol's responder. The subscriber, us-east, is a real `crdtdb serve`, stopped with
// SIGSTOP during the burst.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "db/database_impl.h"
#include "net/zmq_socket_options.h"
#include "store/store.h"
#include "sync/messages.h"
#include "sync/partition_stream.h"
#include "sync/responder.h"
#include "tests/e2e/region_cluster.h"

namespace crdtdb {
namespace {

using nlohmann::json;
using testing::RegionCluster;
using testing::Scaled;
using testing::Socket;

using Clock = std::chrono::steady_clock;

// Single-delta messages of ~2 KB: 20x the high-water mark, and 40 MB, far more than the kernel's
// socket buffers on both ends can hold (with less, the burst may fit in them and drop nothing).
// The padding is random, as messages of 1 KiB or more are compressed.
constexpr uint64_t kBurst = 20'000;

std::string RandomPadding(size_t n) {
  std::mt19937_64 random(kBurst);
  std::string out(n, ' ');
  for (char& c : out) c = static_cast<char>('a' + random() % 26);
  return out;
}
const std::string kPadding = RandomPadding(2000);

uint64_t WallMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

// us-east's entry for eu-west in its status (null if absent).
json EuWest(const json& status) {
  for (const json& p : status.value("peers", json::array())) {
    if (p.value("region", json()) == "eu-west") return p;
  }
  return json();
}
uint64_t LastDeltaSeqOfEuWest(const json& status) { return EuWest(status).value("last_delta_seq", uint64_t{0}); }
bool EuWestConnected(const json& status) { return EuWest(status).value("connected", false); }

TEST_CASE("a burst above a stalled subscriber's high-water mark is repaired from the origin's log") {
  RegionCluster cluster;
  cluster.Start("us-east");  // ap-south never starts; eu-west is played here

  store::StoreOptions options;
  options.path = cluster.Path("origin");
  Result<std::unique_ptr<store::Store>> store = store::Store::Open(options);
  REQUIRE(store.ok());
  db::DatabaseImpl origin(std::move(store).value(), WallMs);
  for (uint64_t i = 0; i < kBurst; ++i) {
    REQUIRE(origin.put("burst/" + std::to_string(i), json{{"i", i}, {"padding", kPadding}}.dump()).ok());
  }

  zmq::context_t context(1);
  zmq::socket_t publish = net::MakeSocket(context, zmq::socket_type::pub);
  zmq::socket_t sync = net::MakeSocket(context, zmq::socket_type::router);
  publish.bind(cluster.Endpoint("eu-west", Socket::kPublish));
  sync.bind(cluster.Endpoint("eu-west", Socket::kSync));
  auto send = [&](sync::Body body) {
    const std::string bytes = sync::TopicOf(body) + sync::Encode({origin.replica_id(), std::move(body)});
    publish.send(zmq::buffer(bytes), zmq::send_flags::dontwait);  // a full queue drops, as PUB does
  };
  uint64_t log_requests = 0;
  auto answer_log_requests = [&] {
    while (std::optional<std::vector<zmq::message_t>> frames = net::ReceiveMultipart(sync, 2)) {
      if (frames->size() != 2) continue;
      Result<sync::Message> request = sync::Decode((*frames)[1].to_string());
      REQUIRE(request.ok());
      if (!std::holds_alternative<sync::LogRequest>(request->body)) continue;  // anti-entropy: not here
      ++log_requests;
      Result<std::optional<sync::Body>> answer = sync::AnswerRequest(origin, request->body);
      REQUIRE(answer.ok());
      if (!answer->has_value()) continue;
      const std::string bytes = sync::Encode({origin.replica_id(), std::move(**answer)});
      sync.send((*frames)[0], zmq::send_flags::sndmore);
      sync.send(zmq::buffer(bytes), zmq::send_flags::none);
    }
  };

  // Heartbeats at sequence 0 until us-east hears them (a subscription takes a moment to arrive).
  const auto connect_deadline = Clock::now() + Scaled(20'000);
  while (!EuWestConnected(cluster.Status("us-east"))) {
    REQUIRE_MESSAGE(Clock::now() < connect_deadline, "us-east never heard the played eu-west\n"
                                                          << cluster.LogTail("us-east"));
    send(sync::Heartbeat{0, origin.merkle_root(), {}});
    testing::SleepMs(50);
  }

  // The burst, while us-east is stopped: one delta per message.
  cluster.Pause("us-east");
  for (uint64_t from = 1; from <= kBurst; ++from) {
    Result<std::vector<sync::LoggedDelta>> deltas = origin.ReadLog(from, 1, SIZE_MAX);
    REQUIRE(deltas.ok());
    send(sync::DeltaBatch{std::move(deltas).value(), 0, 0, from - 1});
  }
  cluster.Resume("us-east");
  send(sync::Heartbeat{origin.last_sequence(), origin.merkle_root(), {}, origin.last_sequence()});

  const auto deadline = Clock::now() + Scaled(testing::kConvergeMs);
  uint64_t applied = 0;
  while (applied < kBurst && Clock::now() < deadline) {
    answer_log_requests();
    send(sync::Heartbeat{origin.last_sequence(), origin.merkle_root(), {}, origin.last_sequence()});
    applied = LastDeltaSeqOfEuWest(cluster.Status("us-east"));
    testing::SleepMs(20);
  }
  INFO(cluster.LogTail("us-east"));
  CHECK(applied == kBurst);
  CHECK(cluster.Status("us-east").value("documents", uint64_t{0}) == kBurst);
  // The burst overflowed the queues (otherwise this test proves nothing), and the log filled it.
  CHECK(log_requests > 0);
  MESSAGE(kBurst << " single-delta messages published to a stopped subscriber; " << log_requests
                 << " gap-repair requests answered");
}

}  // namespace
}  // namespace crdtdb
