// Copyright (c) crdtdb authors.
//
// JSON Patch through real processes: two regions of three nodes each, written through the routing
// CLI (--config/--region) and a node's client endpoint (--endpoint, following its redirect):
// concurrent patches of one list in both regions merge as lists, a patch with --base made on an
// old copy lands where meant, bad patches exit 2 with one line and change nothing, and concurrent
// writes inside one list element in both regions merge.

#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/node_cluster.h"

namespace crdtdb::testing {
namespace {

std::string MustRun(NodeCluster& cluster, const std::string& region, const std::vector<std::string>& args) {
  const CliResult r = cluster.Cli(region, args);
  REQUIRE_MESSAGE(r.exit_code == 0, Describe(r));
  return r.out;
}

TEST_CASE("JSON Patch through regions of several nodes: lists merge, --base lands where meant, errors exit 2") {
  NodeCluster cluster;
  for (const std::string& node : cluster.nodes()) cluster.Start(node);
  MustRun(cluster, "a", {"put", "/lists/1", R"({"l":["x","y"]})"});
  cluster.WaitConverged(1);

  // A client of region a reads the list with its base version.
  const nlohmann::json read = nlohmann::json::parse(MustRun(cluster, "a", {"get", "--with-base", "/lists/1"}));
  CHECK(read["doc"] == nlohmann::json::parse(R"({"l":["x","y"]})"));
  const std::string base = read["base"].get<std::string>();

  // Concurrent patches in both regions: each inserts; none is lost.
  MustRun(cluster, "b", {"patch", "/lists/1", R"([{"op":"add","path":"/l/0","value":"from-b"}])"});
  MustRun(cluster, "a", {"patch", "/lists/1", R"([{"op":"add","path":"/l/-","value":"from-a"}])"});
  cluster.WaitConverged(1);
  CHECK(MustRun(cluster, "a", {"get", "/lists/1"}) == "{\"l\":[\"from-b\",\"x\",\"y\",\"from-a\"]}\n");

  // The client's edit, made on its old copy ["x","y"]: after x, remove y.
  const char* edit = R"([{"op":"add","path":"/l/1","value":"mid"},{"op":"remove","path":"/l/2"}])";
  CHECK(MustRun(cluster, "a", {"patch", "--base", base, "/lists/1", edit}) ==
        "{\"l\":[\"from-b\",\"x\",\"mid\",\"from-a\"]}\n");

  // Bad patches: exit 2, one line, nothing changed; the same through a node's --endpoint.
  const std::string before = MustRun(cluster, "a", {"get", "/lists/1"});
  for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{
           {"patch", "/lists/1", R"([{"op":"remove","path":"/l/9"}])"},
           {"patch", "/lists/1", R"([{"op":"add","path":"/l/0","value":1},{"op":"test","path":"/l/0","value":2}])"},
           {"patch", "--base", "nonsense", "/lists/1", R"([{"op":"remove","path":"/l/0"}])"},
           {"patch", "/lists/1", R"([{"op":"jump","path":"/l"}])"}}) {
    const CliResult r = cluster.Cli("a", bad);
    CHECK_MESSAGE(r.exit_code == 2, Describe(r));
    CHECK(OneErrorLine(r));
  }
  const CliResult remote = cluster.Run({"--endpoint", cluster.ClientEndpoint("b-1"), "patch", "/lists/1",
                                        R"([{"op":"replace","path":"/l/0","value":"B"}])"});
  CHECK_MESSAGE(remote.exit_code == 0, Describe(remote));
  CHECK(remote.out == "{\"l\":[\"B\",\"x\",\"mid\",\"from-a\"]}\n");
  CHECK(before == "{\"l\":[\"from-b\",\"x\",\"mid\",\"from-a\"]}\n");
  cluster.WaitConverged(1);
  CHECK(MustRun(cluster, "a", {"get", "/lists/1"}) == remote.out);

  // Writes inside one element in both regions at once (a field each, an insert into its nested
  // list, one through --endpoint): the element keeps its place and both edits stay.
  MustRun(cluster, "a", {"put", "/lists/2", R"({"o":[{"t":"a","tags":[]},{"t":"b"}]})"});
  cluster.WaitConverged(2);
  MustRun(cluster, "a", {"patch", "/lists/2", R"([{"op":"replace","path":"/o/0/t","value":"A"}])"});
  MustRun(cluster, "b", {"patch", "/lists/2", R"([{"op":"add","path":"/o/0/tags/-","value":"x"},
                                                 {"op":"add","path":"/o/1","value":{"t":"new"}}])"});
  const CliResult inside = cluster.Run({"--endpoint", cluster.ClientEndpoint("b-1"), "patch", "/lists/2",
                                        R"([{"op":"add","path":"/o/0/done","value":true}])"});
  CHECK_MESSAGE(inside.exit_code == 0, Describe(inside));
  cluster.WaitConverged(2);
  CHECK(MustRun(cluster, "a", {"get", "/lists/2"}) ==
        "{\"o\":[{\"done\":true,\"t\":\"A\",\"tags\":[\"x\"]},{\"t\":\"new\"},{\"t\":\"b\"}]}\n");
}

}  // namespace
}  // namespace crdtdb::testing
