// Copyright (c) crdtdb authors.
//
// A router that runs in its node (RouterOptions::in_process, as the node's HTTP workers' does)
// reaches that node at its inproc:// endpoint, without TCP and without CURVE: here the node's
// client endpoint is a TCP port nothing listens on and its keys cannot be had, and the calls are
// still answered, by a ROUTER bound in process standing for the node's event loop.

#include <chrono>
#include <string>
#include <thread>

#include <doctest/doctest.h>
#include <zmq.hpp>

#include "command/region_router.h"
#include "net/zmq_socket_options.h"

namespace crdtdb::command {
namespace {

constexpr char kInProcess[] = "inproc://in-process-router-test";
constexpr char kUnreachable[] = "tcp://127.0.0.1:1";  // nothing listens on port 1

ClusterConfig OneNodeRegion() {
  const std::string yaml = std::string("cluster: t\nregions:\n  - {name: r, data_dir: d, publish: \"tcp://127.0.0.1:2\", ") +
                           "sync: \"tcp://127.0.0.1:3\", client: \"" + kUnreachable + "\"}\n";
  Result<ClusterConfig> config = ParseClusterConfig(yaml, "in-process-router-test.yaml", "/tmp");
  REQUIRE_MESSAGE(config.ok(), config.status().ToString());
  return std::move(config).value();
}

// Answers `requests` requests on `router` with "in process: PATH", bounded in time.
void AnswerInProcess(zmq::socket_t& router, int requests) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (int answered = 0; answered < requests && std::chrono::steady_clock::now() < deadline;) {
    zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, std::chrono::milliseconds(100)) == 0) continue;
    std::optional<std::vector<zmq::message_t>> frames = net::ReceiveMultipart(router, 2);
    if (!frames || frames->size() != 2) continue;
    Result<Command> command = DecodeCommand((*frames)[1].to_string());
    const std::string answer = EncodeOutcome(Outcome{0, "in process: " + (command.ok() ? command->path : "?"), "", {}, {}});
    router.send((*frames)[0], zmq::send_flags::sndmore);
    router.send(zmq::buffer(answer));
    ++answered;
  }
}

Command GetOf(const std::string& path) {
  Command command;
  command.verb = Command::Verb::kGet;
  command.path = path;
  return command;
}

RouterOptions Options(zmq::context_t* context) {
  RouterOptions options;
  options.timeout_ms = 5000;
  options.connect_timeout_ms = 200;
  options.pooled_connections = 1;
  // A remote node would need CURVE keys, which this router cannot have.
  options.keys = [](const NodeConfig&) -> Result<std::optional<net::CurveClientKeys>> {
    return Status::InvalidArgument("no keys here");
  };
  if (context != nullptr) options.in_process = InProcessNode{kUnreachable, kInProcess, context};
  return options;
}

TEST_CASE("router in process: its own node is called at the inproc endpoint, without keys, over a pooled connection") {
  const ClusterConfig config = OneNodeRegion();
  const RegionConfig& region = config.regions.front();
  zmq::context_t context(1);
  zmq::socket_t node = net::MakeSocket(context, zmq::socket_type::router);
  node.bind(kInProcess);
  std::thread loop([&node] { AnswerInProcess(node, 2); });
  {
    RegionRouter router(config, region, Options(&context));
    for (const char* path : {"/c/a", "/c/b"}) {  // the second over the pooled connection
      bool sent = false;
      Result<Outcome> outcome = router.Call(region.nodes.front(), GetOf(path), &sent);
      REQUIRE_MESSAGE(outcome.ok(), outcome.status().ToString());
      CHECK(outcome->out == std::string("in process: ") + path);
      CHECK(sent);
    }
  }  // the router's sockets close before the context
  loop.join();
}

TEST_CASE("router in process: without it the same node is called at its client endpoint, which needs keys") {
  const ClusterConfig config = OneNodeRegion();
  RegionRouter router(config, config.regions.front(), Options(nullptr));
  bool sent = true;
  Result<Outcome> outcome = router.Call(config.regions.front().nodes.front(), GetOf("/c/a"), &sent);
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.status().message().find("no keys here") != std::string::npos);
  CHECK_FALSE(sent);
}

}  // namespace
}  // namespace crdtdb::command
