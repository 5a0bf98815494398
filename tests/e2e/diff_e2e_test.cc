// Copyright (c) crdtdb authors.
//
// End-to-end: `crdtdb diff` (docs/cli.md) against running regions and an embedded store. It names
// exactly the documents that differ and the side that holds each, honours --limit, changes neither
// side, and refuses what it cannot compare with the contract's exit codes.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/region_cluster.h"

namespace crdtdb {
namespace {

using nlohmann::json;
using testing::CliResult;
using testing::Describe;
using testing::RegionCluster;
using testing::Socket;

json MustJson(const CliResult& r) {
  REQUIRE_MESSAGE(r.exit_code == 0, Describe(r));
  const json j = json::parse(r.out, nullptr, false);
  REQUIRE_MESSAGE(j.is_object(), "not a JSON object: " << r.out);
  return j;
}

// path -> "a", "b" or "both", as the report says.
std::map<std::string, std::string> Sides(const json& report) {
  std::map<std::string, std::string> out;
  for (const json& d : report["differences"])
    out[d["path"].get<std::string>()] = d["in"].get<std::string>();
  return out;
}

TEST_CASE("diff names the documents that differ between regions and a local store, read-only") {
  RegionCluster cluster;
  cluster.Start("us-east");
  cluster.Start("eu-west");
  REQUIRE(cluster.Cli("us-east", {"put", "/t/1", R"({"n":1})"}).exit_code == 0);
  REQUIRE(cluster.Cli("us-east", {"put", "/t/2", R"({"n":2})"}).exit_code == 0);
  cluster.WaitConverged({"us-east", "eu-west"}, {"t"});

  // Two converged regions, named by the configuration or by their sync endpoints.
  const json regions = MustJson(cluster.Cli("us-east", {"diff", "--against", "eu-west"}));
  CHECK(regions["equal"] == true);
  CHECK(regions["differences"].empty());
  CHECK(regions["truncated"] == false);
  CHECK(regions["a"]["region"] == "us-east");
  CHECK(regions["b"]["region"] == "eu-west");
  CHECK(regions["a"]["root"] == regions["b"]["root"]);
  const json endpoints =
      MustJson(cluster.Run({"diff", "--endpoint", cluster.Endpoint("us-east", Socket::kSync),
                            "--against", cluster.Endpoint("eu-west", Socket::kSync)}));
  CHECK(endpoints["equal"] == true);
  CHECK(endpoints["a"]["endpoint"] == cluster.Endpoint("us-east", Socket::kSync));

  // A local store synced with us-east, then changed on both sides.
  const std::string app = cluster.Path("app");
  REQUIRE(cluster.Local(app, {"sync", "--config", cluster.config_path(), "--region", "us-east"})
              .exit_code == 0);
  CHECK(MustJson(cluster.Local(app, {"diff", "--config", cluster.config_path(), "--region",
                                     "us-east"}))["equal"] == true);
  REQUIRE(cluster.Local(app, {"put", "/t/3", R"({"local":true})"}).exit_code == 0);
  REQUIRE(cluster.Local(app, {"patch", "/t/1", R"({"by":"app"})"}).exit_code == 0);
  REQUIRE(cluster.Cli("us-east", {"put", "/t/4", R"({"region":true})"}).exit_code == 0);
  REQUIRE(cluster.Cli("us-east", {"delete", "/t/2"}).exit_code == 0);
  const std::string region_root = cluster.Status("us-east")["merkle_root"];
  const std::string local_root = MustJson(cluster.Local(app, {"status"}))["merkle_root"];

  const json report = MustJson(
      cluster.Local(app, {"diff", "--config", cluster.config_path(), "--region", "us-east"}));
  CHECK(report["equal"] == false);
  CHECK(report["truncated"] == false);
  CHECK(report["b"]["data_dir"] == app);
  CHECK(Sides(report) == std::map<std::string, std::string>{
                             {"/t/1", "both"}, {"/t/2", "both"}, {"/t/3", "b"}, {"/t/4", "a"}});
  for (const json& d : report["differences"]) {
    CHECK((d["in"] == "b" ? d["a"].is_null() : d["a"]["digest"].is_string()));
    CHECK((d["in"] == "a" ? d["b"].is_null() : d["b"]["digest"].is_string()));
    // /t/2 was deleted in the region only.
    const bool deleted_in_region = d["path"] == "/t/2";
    if (d["a"].is_object()) CHECK(d["a"]["deleted"] == deleted_in_region);
    if (d["b"].is_object()) CHECK(d["b"]["deleted"] == false);
  }

  const json limited = MustJson(cluster.Local(
      app, {"diff", "--config", cluster.config_path(), "--region", "us-east", "--limit", "1"}));
  CHECK(limited["differences"].size() == 1);
  CHECK(limited["truncated"] == true);

  // Neither side changed.
  CHECK(cluster.Status("us-east")["merkle_root"] == region_root);
  CHECK(MustJson(cluster.Local(app, {"status"}))["merkle_root"] == local_root);
}

TEST_CASE("diff refuses what it cannot compare, and fails on a region that does not answer") {
  RegionCluster cluster;
  const std::string config = cluster.config_path();
  // No second replica, or two.
  CHECK(cluster.Run({"diff", "--config", config, "--region", "us-east"}).exit_code == 2);
  CHECK(cluster
            .Local(cluster.Path("x"),
                   {"diff", "--config", config, "--region", "us-east", "--against", "eu-west"})
            .exit_code == 2);
  CHECK(cluster.Run({"diff", "--config", config, "--region", "us-east", "--against", "nowhere"})
            .exit_code == 2);
  CHECK(cluster
            .Run({"diff", "--config", config, "--region", "us-east", "--against", "eu-west",
                  "--limit", "0"})
            .exit_code == 2);
  // A missing store is not created.
  const CliResult missing =
      cluster.Local(cluster.Path("none"), {"diff", "--config", config, "--region", "us-east"});
  CHECK(missing.exit_code == 1);
  CHECK_FALSE(std::filesystem::exists(cluster.Path("none")));
  // Regions that are not running.
  const CliResult down =
      cluster.Run({"diff", "--config", config, "--region", "us-east", "--against", "eu-west"});
  CHECK(down.exit_code == 1);
  CHECK(down.err.find("diff failed: no answer from") != std::string::npos);
}

}  // namespace
}  // namespace crdtdb
