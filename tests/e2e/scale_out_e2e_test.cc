// Copyright (c) crdtdb authors.
//
// Regions of several nodes with real processes (docs/sharding.md): two regions of three nodes each
// with replication factor 2, written through the routing CLI in both; a node killed with kill -9
// while its region keeps serving every partition; at the end, equal region roots and every
// acknowledged write present in both regions. `diff` between such regions, a one-node region and
// an embedded store, partition by partition, and without the partitions of a dead node.

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "cluster/partitioning.h"
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

// path -> "a", "b" or "both", as a diff's report says.
std::map<std::string, std::string> DiffSides(const nlohmann::json& report) {
  std::map<std::string, std::string> out;
  for (const nlohmann::json& d : report["differences"]) out[d["path"].get<std::string>()] = d["in"].get<std::string>();
  return out;
}

nlohmann::json DiffJson(const CliResult& r) {
  REQUIRE_MESSAGE(r.exit_code == 0, Describe(r));
  const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  REQUIRE_MESSAGE(j.is_object(), Describe(r));
  return j;
}

TEST_CASE("diff compares regions of several nodes partition by partition, and names partitions it lacks") {
  // Three clusters that do not replicate with each other: a of 3 nodes with factor 1, b of one
  // node, c of 3 nodes with factor 2; one file lists all three for the CLI. Each cluster's nodes
  // run before the next picks its ports.
  NodeCluster x({"a"}, 3, 1);
  for (const std::string& node : x.nodes()) x.Start(node);
  NodeCluster y({"b"}, 1, 1);
  for (const std::string& node : y.nodes()) y.Start(node);
  NodeCluster z({"c"}, 3, 2);
  for (const std::string& node : z.nodes()) z.Start(node);
  const std::string config = x.Path("all.yaml");
  std::ofstream(config) << "cluster: scale-out\npartitions: 64\nregions:\n"
                        << x.RegionsYaml() << y.RegionsYaml() << z.RegionsYaml();
  auto diff = [&](std::vector<std::string> args) {
    std::vector<std::string> full{"diff", "--config", config};
    full.insert(full.end(), args.begin(), args.end());
    return x.Run(full);
  };

  // The same documents everywhere, from one store synced with each region.
  for (int k = 1; k <= 12; ++k) {
    REQUIRE(x.Local("seed", {"put", "/t/" + std::to_string(k), R"({"k":)" + std::to_string(k) + "}"})
                .exit_code == 0);
  }
  for (const char* region : {"a", "b", "c"}) {
    const CliResult r = x.Local("seed", {"sync", "--config", config, "--region", region});
    REQUIRE_MESSAGE(r.exit_code == 0, Describe(r));
  }
  const nlohmann::json same = DiffJson(diff({"--region", "a", "--against", "b"}));
  CHECK(same["equal"] == true);
  CHECK(same["differences"].empty());
  CHECK(same["a"]["root"] == same["b"]["root"]);
  CHECK(same["missing_partitions"].empty());

  // Documents on one side only, and documents changed on both sides.
  REQUIRE(x.Cli("a", {"put", "/t/only-a", R"({"in":"a"})"}).exit_code == 0);
  REQUIRE(y.Cli("b", {"put", "/t/only-b", R"({"in":"b"})"}).exit_code == 0);
  REQUIRE(z.Cli("c", {"put", "/t/only-c", R"({"in":"c"})"}).exit_code == 0);
  REQUIRE(x.Cli("a", {"patch", "/t/1", R"({"by":"a"})"}).exit_code == 0);
  REQUIRE(y.Cli("b", {"patch", "/t/1", R"({"by":"b"})"}).exit_code == 0);
  REQUIRE(z.Cli("c", {"patch", "/t/2", R"({"by":"c"})"}).exit_code == 0);

  const nlohmann::json ab = DiffJson(diff({"--region", "a", "--against", "b"}));
  CHECK(ab["equal"] == false);
  CHECK(ab["a"]["root"] != ab["b"]["root"]);
  const std::map<std::string, std::string> expected_ab{
      {"/t/1", "both"}, {"/t/only-a", "a"}, {"/t/only-b", "b"}};
  CHECK(DiffSides(ab) == expected_ab);
  for (const nlohmann::json& d : ab["differences"]) {
    CHECK((d["in"] == "b" ? d["a"].is_null() : d["a"]["digest"].is_string()));
    CHECK((d["in"] == "a" ? d["b"].is_null() : d["b"]["digest"].is_string()));
  }
  // Two regions of several nodes, and a one-node region against one of several.
  CHECK(DiffSides(DiffJson(diff({"--region", "a", "--against", "c"}))) ==
        std::map<std::string, std::string>{
            {"/t/1", "both"}, {"/t/2", "both"}, {"/t/only-a", "a"}, {"/t/only-c", "b"}});
  CHECK(DiffSides(DiffJson(diff({"--region", "b", "--against", "c"}))) ==
        std::map<std::string, std::string>{
            {"/t/1", "both"}, {"/t/2", "both"}, {"/t/only-b", "a"}, {"/t/only-c", "b"}});
  // A region of several nodes against an embedded store, and --limit across partitions.
  const nlohmann::json local =
      DiffJson(x.Local("seed", {"diff", "--config", config, "--region", "c"}));
  CHECK(local["b"]["data_dir"] == x.Path("seed"));
  CHECK(DiffSides(local) == std::map<std::string, std::string>{{"/t/2", "both"}, {"/t/only-c", "a"}});
  const nlohmann::json limited = DiffJson(diff({"--region", "a", "--against", "c", "--limit", "2"}));
  CHECK(DiffSides(limited) == std::map<std::string, std::string>{{"/t/1", "both"}, {"/t/2", "both"}});
  CHECK(limited["truncated"] == true);

  // A node of the factor-1 region dies: its partitions have no owner left.
  x.Kill("a-2");
  const CliResult status = x.Cli("a", {"status"});
  const nlohmann::json unavailable = nlohmann::json::parse(status.out)["unavailable_partitions"];
  REQUIRE_MESSAGE(!unavailable.empty(), Describe(status));
  std::string ids;
  for (const nlohmann::json& p : unavailable) ids += (ids.empty() ? "" : ", ") + std::to_string(p.get<int>());
  const CliResult partial = diff({"--region", "a", "--against", "b"});
  CHECK_MESSAGE(partial.exit_code == 1, Describe(partial));
  CHECK_MESSAGE(partial.err.find("the diff lacks partitions " + ids + ":") != std::string::npos, Describe(partial));
  CHECK(nlohmann::json::parse(partial.out)["missing_partitions"] == unavailable);

  const CliResult allowed = diff({"--region", "a", "--against", "b", "--allow-partial"});
  const nlohmann::json report = DiffJson(allowed);
  CHECK(allowed.err.find("the diff lacks partitions " + ids + ":") != std::string::npos);
  CHECK(report["missing_partitions"] == unavailable);
  CHECK(report["equal"] == false);
  CHECK(report["a"]["root"].is_null());
  CHECK(report["b"]["root"].is_null());
  // Exactly the differences of the partitions still compared.
  const cluster::Partitioning partitioning(64);
  std::set<uint32_t> missing;
  for (const nlohmann::json& p : unavailable) missing.insert(p.get<uint32_t>());
  std::map<std::string, std::string> expected;
  for (const auto& [path, in] : expected_ab) {
    if (missing.count(partitioning.PartitionOf(path.substr(1))) == 0) expected[path] = in;
  }
  CHECK(DiffSides(report) == expected);
}

}  // namespace
}  // namespace crdtdb::testing
