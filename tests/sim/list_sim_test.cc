// Copyright (c) crdtdb authors.
//
// Lists and texts on the simulated network (issue 19): several replicas at once append, insert and
// remove items of one array (by index, by JSON Patch, and by merge patches writing the whole
// array) and edit a text field by writing strings over it, through loss, duplication, reordering
// and partitions. At the end every replica holds equal states, and the list holds exactly the
// acknowledged inserts that no one removed. Each item is a unique string and is never rewritten,
// so a removal removes that item for good (observed-remove: the remover saw it) and nothing else.
// Seeds are printed on failure; CRDTDB_SEED replays one.

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "crdtdb/lists.h"
#include "nlohmann/json.hpp"
#include "tests/sim/convergence.h"
#include "tests/sim/paced_writes.h"
#include "tests/sim/sim_cluster.h"
#include "tests/support/seed.h"

namespace crdtdb::testing {
namespace {

using nlohmann::json;

constexpr int kLists = 2;

std::string ListKey(int k) { return "lists/" + std::to_string(k); }

// Replica i writes into the text only its own letter, 'a' + i, so that the text's content can be
// bounded although string writes are diffs whose exact characters concurrency decides.
char LetterOf(size_t replica) { return static_cast<char>('a' + replica); }

class ListWorkload {
 public:
  // `texts`: string writes over the text field are part of the mix.
  ListWorkload(SimCluster& cluster, bool texts) : cluster_(cluster), texts_(texts) {}

  // Creates every list document, with an empty array and an empty text, on replica 0.
  void Create() {
    for (int k = 0; k < kLists; ++k) {
      REQUIRE(cluster_.db(0).put(ListKey(k), R"({"items": [], "body": {"$text": ""}})").ok());
    }
  }

  void EditSomewhere() {
    auto& rng = cluster_.rng();
    const size_t i = rng() % cluster_.size();
    if (!cluster_.up(i)) return;
    db::DatabaseImpl& db = cluster_.db(i);
    const std::string key = ListKey(static_cast<int>(rng() % kLists));
    Result<std::string> doc = db.get(key);
    if (!doc.ok()) return;  // not here yet: its creation has not reached this replica
    const json current = json::parse(*doc);
    // Deltas of different origins arrive in any order: a later edit of the list may come before
    // the creation of the text (or the other way round). Edit only once both are here, so that a
    // string is never written where the text is not yet (it would be a register, not the text).
    if (!current.contains("items") || !current.contains("body")) return;
    const json& items = current["items"];
    const std::string item = "r" + std::to_string(i) + "-" + std::to_string(next_item_++);
    switch (rng() % (texts_ ? 7 : 5)) {
      case 0:  // append
        if (list_insert(db, key, "items", items.size(), json::array({item}).dump()).ok()) Inserted(key, item);
        break;
      case 1:  // insert at a random index
        if (list_insert(db, key, "items", rng() % (items.size() + 1), json::array({item}).dump()).ok()) {
          Inserted(key, item);
        }
        break;
      case 2: {  // remove at a random index
        if (items.empty()) break;
        const size_t index = rng() % items.size();
        if (list_remove(db, key, "items", index).ok()) removed_[key].insert(items[index].get<std::string>());
        break;
      }
      case 3: {  // JSON Patch: append one, remove the first
        json patch = json::array({{{"op", "add"}, {"path", "/items/-"}, {"value", item}}});
        if (!items.empty()) patch.push_back({{"op", "remove"}, {"path", "/items/0"}});
        if (db.patch(key, patch.dump()).ok()) {
          Inserted(key, item);
          if (!items.empty()) removed_[key].insert(items[0].get<std::string>());
        }
        break;
      }
      case 4: {  // a merge patch writing the whole array: one item dropped, one added in its place
        json written = items;
        std::string dropped;
        if (!written.empty()) {
          const size_t index = rng() % written.size();
          dropped = written[index].get<std::string>();
          written[index] = item;
        } else {
          written.push_back(item);
        }
        if (db.patch(key, json{{"items", written}}.dump()).ok()) {
          Inserted(key, item);
          if (!dropped.empty()) removed_[key].insert(dropped);
        }
        break;
      }
      default:
        EditText(db, i, key, current);
    }
  }

  void Run(uint64_t ms, uint64_t edits_per_second) {
    RunPaced(cluster_, ms, edits_per_second, [this] { EditSomewhere(); });
  }

  // On every replica: each list holds exactly the acknowledged inserts no one removed, each
  // once; each letter of the text is within what its writer inserted and what removals claimed.
  void CheckContents() {
    for (size_t r = 0; r < cluster_.size(); ++r) {
      for (int k = 0; k < kLists; ++k) {
        const std::string key = ListKey(k);
        Result<std::string> doc = cluster_.db(r).get(key);
        REQUIRE_MESSAGE(doc.ok(), key << " on r" << r << ": " << doc.status().ToString());
        const json parsed = json::parse(*doc);
        std::multiset<std::string> held;
        for (const json& item : parsed["items"]) held.insert(item.get<std::string>());
        std::multiset<std::string> expected;
        for (const std::string& item : inserted_[key]) {
          if (removed_[key].count(item) == 0) expected.insert(item);
        }
        CHECK_MESSAGE(held == expected, key << " on r" << r << ": " << parsed["items"].dump());
        const std::string body = parsed["body"].get<std::string>();
        for (size_t w = 0; w < cluster_.size(); ++w) {
          const auto count = static_cast<int64_t>(std::count(body.begin(), body.end(), LetterOf(w)));
          const int64_t typed = text_inserted_[key][w], claimed = text_removed_[key][w];
          CAPTURE(key);
          CAPTURE(w);
          CHECK(count <= typed);
          CHECK(count >= typed - claimed);
        }
      }
    }
  }

  size_t items_inserted() const {
    size_t n = 0;
    for (const auto& [key, items] : inserted_) n += items.size();
    return n;
  }

 private:
  void Inserted(const std::string& key, const std::string& item) { inserted_[key].push_back(item); }

  // Writes a string over the text (a merge patch, or a put of the whole document): a few of this
  // replica's letters inserted at one place, or a few characters removed, whoever typed them.
  void EditText(db::DatabaseImpl& db, size_t i, const std::string& key, const json& current) {
    auto& rng = cluster_.rng();
    std::string body = current["body"].get<std::string>();
    int64_t typed = 0;
    std::map<size_t, int64_t> removed;  // letters this write removes, by their writer
    if (!body.empty() && rng() % 3 == 0) {
      const size_t at = rng() % body.size(), count = std::min<size_t>(1 + rng() % 3, body.size() - at);
      for (size_t c = at; c < at + count; ++c) ++removed[static_cast<size_t>(body[c] - 'a')];
      body.erase(at, count);
    } else {
      typed = static_cast<int64_t>(1 + rng() % 3);
      body.insert(rng() % (body.size() + 1), static_cast<size_t>(typed), LetterOf(i));
    }
    const bool done = rng() % 2 == 0 ? db.patch(key, json{{"body", body}}.dump()).ok()
                                     : db.put(key, json{{"items", current["items"]}, {"body", body}}.dump()).ok();
    if (!done) return;
    text_inserted_[key][i] += typed;
    for (const auto& [w, n] : removed) text_removed_[key][w] += n;
  }

  SimCluster& cluster_;
  const bool texts_;
  uint64_t next_item_ = 0;
  std::map<std::string, std::vector<std::string>> inserted_;
  std::map<std::string, std::set<std::string>> removed_;
  std::map<std::string, std::map<size_t, int64_t>> text_inserted_, text_removed_;
};

// Equal Merkle roots, equal JSON dumps and equal canonical bytes of every list document.
void CheckConverged(SimCluster& cluster) {
  std::vector<std::string> keys;
  for (int k = 0; k < kLists; ++k) keys.push_back(ListKey(k));
  CheckSameEverywhere(cluster, {"lists"}, keys);
}

// A run of edits on every replica at once with the network's faults, then convergence.
void RunFaulty(uint64_t seed, bool anti_entropy, bool texts) {
  SimOptions options;
  options.loss = 0.2;
  options.duplicate = 0.1;
  options.latency_max_ms = 200;
  options.max_clock_skew_ms = 2'000;
  options.anti_entropy = anti_entropy;
  SimCluster cluster(seed, 2 + seed % 3, options);
  cluster.RunFor(1'000);  // every stream heard from before the first write
  ListWorkload workload(cluster, texts);
  workload.Create();
  workload.Run(3'000, 100);
  if (!cluster.RunUntilConverged(60'000)) {
    for (size_t i = 0; i < cluster.size(); ++i) MESSAGE("r" << i << ": " << cluster.Dump(i, "lists"));
    MESSAGE("apply failures " << cluster.apply_failures() << ", futile repairs " << cluster.futile_repairs());
    for (size_t i = 0; i < cluster.size(); ++i) {
      for (const auto& p : cluster.status(i).peers) {
        MESSAGE("r" << i << " from " << p.name << ": " << p.last_apply_error << " / " << p.last_futile_repair);
      }
    }
  }
  REQUIRE_MESSAGE(cluster.Converged(), "no convergence within 60 s of virtual time");
  CheckConverged(cluster);
  workload.CheckContents();
  CHECK(workload.items_inserted() > 0);
  CHECK(cluster.apply_failures() == 0);
  if (!anti_entropy) {
    for (size_t i = 0; i < cluster.size(); ++i) CHECK(cluster.stats(i).docs_repaired == 0);
  }
}

TEST_CASE("lists edited on several replicas converge through loss, duplication and reordering") {
  for (uint64_t seed : PropertySeeds(20)) {
    CAPTURE(seed);
    INFO("replay: " << ReplayCommand(seed));
    RunFaulty(seed, /*anti_entropy=*/true, /*texts=*/false);
  }
}

TEST_CASE("the delta stream and gap repair alone converge lists") {
  for (uint64_t seed : PropertySeeds(20)) {
    CAPTURE(seed);
    INFO("replay: " << ReplayCommand(seed));
    RunFaulty(seed + 1'000, /*anti_entropy=*/false, /*texts=*/false);
  }
}

TEST_CASE("lists edited on both sides of a partition converge when it heals") {
  for (const bool anti_entropy : {true, false}) {
    CAPTURE(anti_entropy);
    SimOptions options;
    options.anti_entropy = anti_entropy;
    SimCluster cluster(PropertySeeds(1).front() + 191, 3, options);
    cluster.RunFor(1'000);
    ListWorkload workload(cluster, /*texts=*/false);
    workload.Create();
    WriteThroughPartition(cluster, workload, 2, 1'000, 5'000);
    CheckConverged(cluster);
    workload.CheckContents();
  }
}

// With strings written over a text on several replicas at once, under loss, duplication and a
// healed partition: a join that brought only deletes once reported no change, so the write was
// not stored and anti-entropy's exchanges of full states were futile.
TEST_CASE("texts edited by string writes on several replicas converge") {
  for (uint64_t seed : PropertySeeds(20)) {
    CAPTURE(seed);
    INFO("replay: " << ReplayCommand(seed));
    RunFaulty(seed, /*anti_entropy=*/true, /*texts=*/true);
    RunFaulty(seed + 1'000, /*anti_entropy=*/false, /*texts=*/true);
  }
}

}  // namespace
}  // namespace crdtdb::testing
