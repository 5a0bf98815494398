// Copyright (c) crdtdb authors.
//
// The catalog exchange on the simulated network (docs/sharding.md, "Indexes"; sync/catalog.h):
// every node of a region of several needs every index definition, whichever partition holds its
// document, and gets each from the other nodes of its region, and from its peers in other regions,
// by exchanging digests of the catalog. Proven alone (no delta stream, no anti-entropy), through
// loss, and for a node added later; then with every mechanism on, drops and crashes included.

#include <doctest/doctest.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "db/index_catalog.h"
#include "sync/catalog.h"
#include "tests/sim/sim_cluster.h"
#include "tests/support/seed.h"

namespace crdtdb::testing {
namespace {

// The names of the indexes of `db` ("collection:fields"), in any state but dropping.
std::set<std::string> IndexNames(db::DatabaseImpl& db) {
  Result<std::vector<IndexInfo>> indexes = db.list_indexes("");
  REQUIRE(indexes.ok());
  std::set<std::string> names;
  for (const IndexInfo& index : *indexes) {
    if (index.state != "dropping") names.insert(index.collection + ":" + index.name);
  }
  return names;
}

// Waits (bounded, in real time: builds run in each database's own thread) until every index of
// `db` is built, and returns their names.
std::set<std::string> BuiltIndexes(db::DatabaseImpl& db) {
  for (int i = 0; i < 30'000; ++i) {
    Result<std::vector<IndexInfo>> indexes = db.list_indexes("");
    REQUIRE(indexes.ok());
    bool built = true;
    for (const IndexInfo& index : *indexes) built = built && index.state == "ready";
    if (built) return IndexNames(db);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  FAIL("the indexes were not built within 30,000 waits");
  return {};
}

// The indexes each node of `cluster` in `region` has, once built, must be `expected`, and their
// catalogs byte for byte the same (equal digests).
void CheckRegionHas(SimCluster& cluster, const std::string& region, const std::set<std::string>& expected) {
  std::optional<merkle::Hash> digest;
  for (size_t i = 0; i < cluster.size(); ++i) {
    if (cluster.RegionOf(i) != region) continue;
    CAPTURE(cluster.name(i));
    CHECK(BuiltIndexes(cluster.db(i)) == expected);
    Result<merkle::Hash> mine = sync::CatalogDigest(cluster.db(i));
    REQUIRE(mine.ok());
    if (digest) CHECK(*mine == *digest);
    digest = *mine;
  }
}

// A region of three nodes with replication factor 1 (nodes of it share no partition, so nothing
// but the catalog exchange links them) beside a one-node region.
SimOptions ThreeAndOne() {
  SimOptions options;
  options.topology = SimTopology(16, {{"a", 3, 1}, {"b", 1, 1}});
  return options;
}

TEST_CASE("the catalog exchange alone gives every node of a region each definition, through loss") {
  SimOptions options = ThreeAndOne();
  options.stream = false;
  options.anti_entropy = false;
  options.loss = 0.2;
  options.duplicate = 0.1;
  options.spares = {"a-3"};
  SimCluster cluster(PropertySeeds(1).front() + 301, 5, options);
  const size_t b0 = cluster.IndexOf("b-0");
  // Each definition is written on one node only: with no stream and no anti-entropy, only the
  // catalog exchange can carry it to the others.
  REQUIRE(cluster.db(cluster.IndexOf("a-0")).create_index("todos", "owner").ok());
  REQUIRE(cluster.db(cluster.IndexOf("a-2")).create_index("todos", "due,owner").ok());
  REQUIRE(cluster.db(b0).create_index("notes", "tags").ok());
  const std::set<std::string> all = {"todos:owner", "todos:due,owner", "notes:tags"};
  cluster.RunFor(10'000);
  CheckRegionHas(cluster, "a", all);
  uint64_t repaired = 0;
  for (size_t i = 0; i < cluster.size(); ++i) {
    CHECK(cluster.stats(i).deltas_received == 0);
    CHECK(cluster.stats(i).anti_entropy_rounds == 0);
    repaired += cluster.stats(i).docs_repaired;
  }
  CHECK(repaired >= 5);  // each of the three nodes of a lacked at least one of three definitions
  CHECK(cluster.apply_failures() == 0);

  SUBCASE("a node added later learns every definition") {
    const size_t added = cluster.IndexOf("a-3");
    CHECK(IndexNames(cluster.db(added)).empty());
    cluster.SetTopology(WithNode(cluster.topology(), "a", "a-3"));
    for (size_t i = 0; i < cluster.size(); ++i) cluster.ReloadTopology(i);
    cluster.RunFor(10'000);
    CheckRegionHas(cluster, "a", all);
  }
  SUBCASE("a node restarted keeps them, and a definition written while it was down reaches it") {
    const size_t down = cluster.IndexOf("a-1");
    cluster.Crash(down);
    REQUIRE(cluster.db(b0).create_index("notes", "title").ok());
    cluster.RunFor(5'000);
    cluster.Restart(down);
    cluster.RunFor(10'000);
    std::set<std::string> more = all;
    more.insert("notes:title");
    CheckRegionHas(cluster, "a", more);
  }
}

TEST_CASE("index definitions from another region reach every node of a region of three, drops too") {
  SimOptions options = ThreeAndOne();
  options.loss = 0.05;
  options.duplicate = 0.05;
  SimCluster cluster(PropertySeeds(1).front() + 302, 4, options);
  cluster.RunFor(1'000);
  const size_t b0 = cluster.IndexOf("b-0");
  for (const char* fields : {"owner", "due", "owner,due", "tags"}) {
    REQUIRE(cluster.db(b0).create_index("todos", fields).ok());
  }
  for (int k = 0; k < 40; ++k) {
    const std::string key = "todos/" + std::to_string(k);
    REQUIRE(cluster.db(b0).put(key, R"({"owner":"o)" + std::to_string(k % 4) + R"(","due":)" +
                                        std::to_string(k) + "}").ok());
  }
  REQUIRE(cluster.RunUntilConverged(30'000));
  cluster.RunFor(3'000);
  CheckRegionHas(cluster, "a", {"todos:owner", "todos:due", "todos:owner,due", "todos:tags"});
  // A drop in region b, with a node of a down: it reaches every node of a, the restarted one too.
  const size_t down = cluster.IndexOf("a-2");
  cluster.Crash(down);
  REQUIRE(cluster.db(b0).drop_index("todos", "due").ok());
  cluster.RunFor(3'000);
  cluster.Restart(down);
  REQUIRE(cluster.RunUntilConverged(30'000));
  cluster.RunFor(3'000);
  CheckRegionHas(cluster, "a", {"todos:owner", "todos:owner,due", "todos:tags"});
  // Every node answers a query by its index, over the documents of the partitions it owns.
  for (size_t i = 0; i < cluster.size(); ++i) {
    if (cluster.RegionOf(i) != "a") continue;
    Result<FindPage> page = cluster.db(i).find("todos", R"({"selector":{"owner":"o1"},"limit":100})", FindOptions{});
    REQUIRE(page.ok());
    CHECK((page->plan.index == "owner" || page->plan.index == "owner,due"));
  }
  CHECK(cluster.apply_failures() == 0);
  CHECK(cluster.futile_repairs() == 0);
}

}  // namespace
}  // namespace crdtdb::testing
