// Copyright (c) crdtdb authors.
//
// `crdtdb find` against running regions (docs/queries.md): a region of one node, through
// --config/--region and --endpoint, and a region of three nodes, whose router gathers each
// partition from its owner and merges the pages in the query's order. Paging by bookmark covers
// every match once, and a bad selector is exit 2 from the server too.

#include <algorithm>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/node_cluster.h"

namespace crdtdb::testing {
namespace {

constexpr int kDocs = 60;

// The ids and documents a find printed, and its bookmark line if any.
struct Printed {
  std::vector<std::string> ids;
  std::vector<nlohmann::json> docs;
  std::string bookmark;
};

Printed Parse(const CliResult& r) {
  REQUIRE_MESSAGE(r.exit_code == 0, Describe(r));
  Printed p;
  size_t start = 0;
  for (size_t end; (end = r.out.find('\n', start)) != std::string::npos; start = end + 1) {
    const nlohmann::json line = nlohmann::json::parse(r.out.substr(start, end - start));
    if (line.contains("bookmark")) {
      p.bookmark = line["bookmark"];
    } else {
      p.ids.push_back(line["id"]);
      p.docs.push_back(line["doc"]);
    }
  }
  return p;
}

// Runs the same queries through `run` (the CLI with a target before the verb) on the documents
// put by PutAll.
void CheckQueries(const std::function<CliResult(std::vector<std::string>)>& run) {
  // The documents with g == 1, by k descending.
  std::vector<std::string> by_k;
  for (int k = kDocs - 1; k >= 0; --k) {
    if (k % 3 == 1) by_k.push_back("d" + std::to_string(k));
  }
  std::vector<std::string> by_id = by_k;
  std::sort(by_id.begin(), by_id.end());

  CHECK(Parse(run({"find", "/docs", R"({"g": 1})"})).ids == by_id);
  const Printed sorted =
      Parse(run({"find", "/docs", R"({"g": {"$eq": 1}})", "--sort", "k:desc", "--fields", "k"}));
  CHECK(sorted.ids == by_k);
  REQUIRE(!sorted.docs.empty());
  CHECK(sorted.docs.front() == nlohmann::json{{"k", kDocs - 2}});

  for (const bool sort : {false, true}) {
    CAPTURE(sort);
    std::vector<std::string> paged;
    std::string bookmark;
    for (int page = 0; page < kDocs; ++page) {
      std::vector<std::string> args = {"find", "/docs", R"({"g": 1, "k": {"$gte": 0}})", "--limit",
                                       "4"};
      if (sort) args.insert(args.end(), {"--sort", "k:desc"});
      if (!bookmark.empty()) args.insert(args.end(), {"--bookmark", bookmark});
      const Printed p = Parse(run(args));
      paged.insert(paged.end(), p.ids.begin(), p.ids.end());
      bookmark = p.bookmark;
      if (bookmark.empty()) break;
    }
    CHECK(paged == (sort ? by_k : by_id));
  }
  const CliResult bad = run({"find", "/docs", R"({"k": {"$regex": "x"}})"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err == "crdtdb: field \"k\": unknown operator \"$regex\"\n");
}

void PutAll(NodeCluster& cluster) {
  for (int k = 0; k < kDocs; ++k) {
    const std::string doc =
        R"({"k":)" + std::to_string(k) + R"(,"g":)" + std::to_string(k % 3) + "}";
    const CliResult r = cluster.Cli("a", {"put", "/docs/d" + std::to_string(k), doc});
    REQUIRE_MESSAGE(r.exit_code == 0, Describe(r));
  }
}

// Creates an index on g,k through `run` (the region, or one node), then waits (bounded) until every
// node lists it built: each gets and keeps the definition, and builds it.
void IndexAndWait(NodeCluster& cluster, const std::function<CliResult(std::vector<std::string>)>& run) {
  const CliResult created = run({"index", "create", "/docs", "g,k"});
  REQUIRE_MESSAGE(created.exit_code == 0, Describe(created));
  for (const std::string& node : cluster.nodes()) {
    for (int i = 0;; ++i) {
      CAPTURE(node);
      REQUIRE(i < 4000);
      const CliResult listed = cluster.Run({"--endpoint", cluster.ClientEndpoint(node), "index", "list", "/docs"});
      REQUIRE_MESSAGE(listed.exit_code == 0, Describe(listed));
      const nlohmann::json indexes = nlohmann::json::parse(listed.out)["indexes"];
      REQUIRE(indexes.size() <= 1);
      if (indexes.size() == 1 && indexes[0]["state"] == "ready") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
}

TEST_CASE("find e2e: a region of one node answers through --config/--region and --endpoint") {
  NodeCluster cluster({"a"}, 1, 1);
  cluster.Start("a-1");
  PutAll(cluster);
  CheckQueries([&](std::vector<std::string> args) { return cluster.Cli("a", std::move(args)); });
  CheckQueries([&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--endpoint", cluster.ClientEndpoint("a-1")});
    return cluster.Run(args);
  });
  // The same answers through an index, which find --explain shows.
  IndexAndWait(cluster, [&](std::vector<std::string> args) { return cluster.Cli("a", std::move(args)); });
  CheckQueries([&](std::vector<std::string> args) { return cluster.Cli("a", std::move(args)); });
  const CliResult explain =
      cluster.Run({"--endpoint", cluster.ClientEndpoint("a-1"), "find", "/docs", R"({"g": 1})", "--explain"});
  REQUIRE_MESSAGE(explain.exit_code == 0, Describe(explain));
  CHECK(nlohmann::json::parse(explain.out)["explain"] ==
        nlohmann::json::parse(R"({"index":"g,k","ordered":false,"descending":false,"ranges":1,"keys_read":20,"documents_read":20,"documents_returned":20})"));
}

TEST_CASE(
    "find e2e: a region of three nodes merges every partition's matches in the query's order") {
  NodeCluster cluster({"a"}, 3, 1);
  for (const std::string& node : cluster.nodes()) cluster.Start(node);
  PutAll(cluster);
  CheckQueries([&](std::vector<std::string> args) { return cluster.Cli("a", std::move(args)); });
  // One node's endpoint answers for the partitions it owns: a part of the matches, none twice.
  std::vector<std::string> all;
  for (const std::string& node : cluster.nodes()) {
    const Printed p = Parse(
        cluster.Run({"--endpoint", cluster.ClientEndpoint(node), "find", "/docs", R"({"g": 1})"}));
    CHECK(p.ids.size() < kDocs / 3);
    all.insert(all.end(), p.ids.begin(), p.ids.end());
  }
  std::sort(all.begin(), all.end());
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
  CHECK(all.size() == kDocs / 3);
  // index create through the router runs on every node; the answers stay the same.
  IndexAndWait(cluster, [&](std::vector<std::string> args) { return cluster.Cli("a", std::move(args)); });
  CheckQueries([&](std::vector<std::string> args) { return cluster.Cli("a", std::move(args)); });
  // find --explain through the router: every node explains its own partitions' first page with
  // its own plan, and the counts add up over the nodes (each document on one node's page).
  const CliResult explain = cluster.Cli("a", {"find", "/docs", R"({"g": 1})", "--explain", "--limit", "1000"});
  REQUIRE_MESSAGE(explain.exit_code == 0, Describe(explain));
  const nlohmann::json plan = nlohmann::json::parse(explain.out)["explain"];
  REQUIRE(plan["nodes"].size() == 3);
  std::set<std::string> nodes;
  for (const nlohmann::json& node : plan["nodes"]) {
    nodes.insert(node["node"].get<std::string>());
    CHECK(node["index"] == "g,k");
    CHECK(node["documents_returned"].get<size_t>() < kDocs / 3);
  }
  CHECK(nodes == std::set<std::string>(cluster.nodes().begin(), cluster.nodes().end()));
  CHECK(plan["documents_returned"] == kDocs / 3);
  CHECK(plan["keys_read"].get<size_t>() >= kDocs / 3);
}

// A node keeps every index definition, whichever partition holds its document: a restarted node
// took the definitions of partitions it does not own for data to hand off, and dropped them with
// the partition (its indexes with them).
TEST_CASE("find e2e: index definitions survive a restart of every node of a region of three") {
  NodeCluster cluster({"a"}, 3, 1);
  for (const std::string& node : cluster.nodes()) cluster.Start(node);
  PutAll(cluster);
  IndexAndWait(cluster, [&](std::vector<std::string> args) { return cluster.Cli("a", std::move(args)); });
  for (const std::string& node : cluster.nodes()) {
    cluster.Kill(node);
    cluster.Start(node);
  }
  // Several anti-entropy intervals: time for a hand-off, if a node took its copy of a
  // definition's partition for one.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  for (const std::string& node : cluster.nodes()) {
    CAPTURE(node);
    const CliResult listed = cluster.Run({"--endpoint", cluster.ClientEndpoint(node), "index", "list", "/docs"});
    REQUIRE_MESSAGE(listed.exit_code == 0, Describe(listed));
    CHECK(nlohmann::json::parse(listed.out)["indexes"].size() == 1);
    const CliResult status = cluster.Run({"--endpoint", cluster.ClientEndpoint(node), "status"});
    REQUIRE_MESSAGE(status.exit_code == 0, Describe(status));
    INFO(status.out);
    CHECK(nlohmann::json::parse(status.out).at("handing_off").empty());
  }
  CheckQueries([&](std::vector<std::string> args) { return cluster.Cli("a", std::move(args)); });
}

// A definition that reaches a region by replication reaches every node of it, whichever partition
// holds its document: nodes of a region exchange the catalog (docs/sharding.md, "Indexes").
TEST_CASE("find e2e: an index created on one node of another region reaches every node of a region of three") {
  NodeCluster cluster({"a", "b"}, 3, 1);
  for (const std::string& node : cluster.nodes()) cluster.Start(node);
  PutAll(cluster);
  // On b-1 alone, not through a router: only replication takes it to the other nodes.
  IndexAndWait(cluster, [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--endpoint", cluster.ClientEndpoint("b-1")});
    return cluster.Run(args);
  });
  CheckQueries([&](std::vector<std::string> args) { return cluster.Cli("a", std::move(args)); });
  const CliResult explain = cluster.Cli("a", {"find", "/docs", R"({"g": 1})", "--explain", "--limit", "1000"});
  REQUIRE_MESSAGE(explain.exit_code == 0, Describe(explain));
  const nlohmann::json plan = nlohmann::json::parse(explain.out)["explain"];
  REQUIRE(plan["nodes"].size() == 3);
  for (const nlohmann::json& node : plan["nodes"]) CHECK(node["index"] == "g,k");
}

}  // namespace
}  // namespace crdtdb::testing
