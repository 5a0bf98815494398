// Copyright (c) crdtdb authors.
//
// Regions of several nodes with real processes (docs/sharding.md): two regions of three nodes each
// with replication factor 2, written through the routing CLI in both; a node killed with kill -9
// while its region keeps serving every partition; at the end, equal region roots and every
// acknowledged write present in both regions.

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/node_cluster.h"

namespace crdtdb::testing {
namespace {

TEST_CASE("two regions of three nodes with replication factor 2 serve through a node's death") {
  NodeCluster cluster;
  for (const std::string& node : cluster.nodes()) cluster.Start(node);
  std::map<std::string, std::string> written;
  auto put = [&](const std::string& region, int k) {
    const std::string path = "/docs/" + std::to_string(k);
    const std::string json = R"({"in":")" + region + R"(","k":)" + std::to_string(k) + "}";
    const CliResult r = cluster.Cli(region, {"put", path, json});
    REQUIRE_MESSAGE(r.exit_code == 0, Describe(r));
    written[path] = json;
  };
  for (int k = 0; k < 20; ++k) put(k % 2 == 0 ? "a" : "b", k);
  cluster.WaitConverged(written.size());

  // One node of region a dies: every partition still has an owner there.
  cluster.Kill("a-2");
  for (int k = 20; k < 30; ++k) put("a", k);
  for (int k = 20; k < 30; ++k) {
    const CliResult r = cluster.Cli("a", {"get", "/docs/" + std::to_string(k)});
    CHECK_MESSAGE(r.exit_code == 0, Describe(r));
    CHECK(r.out == written["/docs/" + std::to_string(k)] + "\n");
  }
  const CliResult listed = cluster.Cli("a", {"list", "/docs"});
  CHECK_MESSAGE(listed.exit_code == 0, Describe(listed));
  CHECK(std::count(listed.out.begin(), listed.out.end(), '\n') == static_cast<long>(written.size()));
  const nlohmann::json degraded = cluster.Status("a");
  CHECK(degraded["unavailable_partitions"].empty());
  for (const nlohmann::json& node : degraded["nodes"]) {  // interfaces.md section 3
    for (const char* key : {"name", "partitions", "documents", "healthy", "peers"}) {
      CHECK_MESSAGE(node.contains(key), node.dump());
    }
  }

  // It comes back and catches up; both regions hold every acknowledged write.
  cluster.Start("a-2");
  for (int k = 30; k < 36; ++k) put("b", k);
  cluster.WaitConverged(written.size());
  for (const auto& [path, json] : written) {
    for (const std::string region : {"a", "b"}) {
      const CliResult r = cluster.Cli(region, {"get", path});
      CHECK_MESSAGE(r.out == json + "\n", region << " " << path << ": " << Describe(r));
    }
  }
  const nlohmann::json node = nlohmann::json::parse(cluster.Cli("a", {"status", "--node", "a-2"}).out);
  CHECK(node["node"] == "a-2");
  CHECK(node["partitions"].size() > 0);

  // An offline-first store syncs with the region as a whole: each partition with one owner.
  const CliResult pulled = cluster.SyncLocal("app", "a");
  REQUIRE_MESSAGE(pulled.exit_code == 0, Describe(pulled));
  const nlohmann::json pull = nlohmann::json::parse(pulled.out);
  CHECK(pull["documents_received"] == written.size());
  CHECK(pull["in_sync"] == true);
  for (const auto& [path, json] : written) CHECK(cluster.Local("app", {"get", path}).out == json + "\n");
  REQUIRE(cluster.Local("app", {"put", "/docs/offline", R"({"from":"app"})"}).exit_code == 0);
  const CliResult pushed = cluster.SyncLocal("app", "a");
  REQUIRE_MESSAGE(pushed.exit_code == 0, Describe(pushed));
  CHECK(nlohmann::json::parse(pushed.out)["documents_sent"] == 1);
  CHECK(cluster.Cli("a", {"get", "/docs/offline"}).out == "{\"from\":\"app\"}\n");
  cluster.WaitConverged(written.size() + 1);
}

TEST_CASE("a node asked for a document it does not own redirects, and --endpoint follows, with CURVE too") {
  for (const bool curve : {false, true}) {
    CAPTURE(curve);
    NodeCluster cluster({"a"}, 2, 1, curve);
    for (const std::string& node : cluster.nodes()) cluster.Start(node);
    // Documents on both nodes, written through the region's routing.
    for (int k = 0; k < 8; ++k) {
      const CliResult r = cluster.Cli("a", {"put", "/docs/" + std::to_string(k), R"({"k":)" + std::to_string(k) + "}"});
      REQUIRE_MESSAGE(r.exit_code == 0, Describe(r));
    }
    // Every one of them through a-1's endpoint alone: those of a-2's partitions are redirected.
    std::vector<std::string> direct{"--endpoint", cluster.ClientEndpoint("a-1")};
    if (curve) {
      direct.insert(direct.end(), {"--client-key", cluster.Path("client.key"), "--server-key",
                                   cluster.PublicKey("a-1")});
    }
    for (int k = 0; k < 8; ++k) {
      std::vector<std::string> args = direct;
      args.insert(args.end(), {"get", "/docs/" + std::to_string(k)});
      const CliResult r = cluster.Run(args);
      CHECK_MESSAGE(r.out == R"({"k":)" + std::to_string(k) + "}\n", Describe(r));
    }
  }
}

}  // namespace
}  // namespace crdtdb::testing
