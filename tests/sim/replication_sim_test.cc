// Copyright (c) crdtdb authors.
//
// The replication protocol on the simulated network: replicas that write concurrently converge
// (equal Merkle roots and equal full dumps) through message loss, duplication, reordering,
// partitions, crash-restart and late joining, and the workload's invariants hold (counters equal
// the sum of acknowledged increments). Seeds are printed on failure; CRDTDB_SEED replays one.

#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <string>

#include "crdt/limits.h"
#include "nlohmann/json.hpp"
#include "tests/sim/convergence.h"
#include "tests/sim/paced_writes.h"
#include "tests/sim/sim_cluster.h"
#include "tests/support/seed.h"

namespace crdtdb::testing {
namespace {

using nlohmann::json;

// A workload with collisions: few keys and fields, every kind of write. Increments go to their own
// collection, which is never deleted, so their sums can be checked exactly.
class Workload {
 public:
  explicit Workload(SimCluster& cluster) : cluster_(cluster) {}

  void WriteSomewhere() {
    auto& rng = cluster_.rng();
    const size_t i = rng() % cluster_.size();
    if (!cluster_.up(i)) return;
    db::DatabaseImpl& db = cluster_.db(i);
    const std::string key = "docs/" + std::to_string(rng() % 12);
    const std::string field = std::string(1, static_cast<char>('a' + rng() % 4));
    switch (rng() % 8) {
      case 0: (void)db.put(key, json{{field, rng() % 100}, {"by", i}}.dump()); break;
      case 1: (void)db.patch(key, json{{field, json{{"x", rng() % 10}}}}.dump()); break;
      case 2: (void)db.patch(key, json{{field, nullptr}}.dump()); break;
      case 3: (void)db.remove(key); break;
      case 4:
        if (rng() % 2 == 0) {
          (void)db.set_add(key, "tags", json(rng() % 5).dump());
        } else {
          (void)db.set_remove(key, "tags", json(rng() % 5).dump());
        }
        break;
      case 5: {
        // Write-once fields: never overwritten nor removed, so each must survive everywhere.
        const std::string journal = "journal/" + std::to_string(i);
        const std::string entry = std::to_string(next_entry_++);
        if (db.patch(journal, json{{entry, i}}.dump()).ok()) journal_[journal].push_back(entry);
        break;
      }
      case 6: {
        // A register only replica i writes, with ever larger values: its writes are causally
        // ordered, so the last acknowledged one must win everywhere, whatever its clock did.
        const std::string own = "own/" + std::to_string(i);
        const uint64_t value = ++own_written_[own];
        if (db.put(own, json{{"v", value}}.dump()).ok()) own_acked_[own] = value;
        break;
      }
      default: {
        const std::string counter = "counters/" + std::to_string(rng() % 3);
        const int64_t by = static_cast<int64_t>(rng() % 7) - 2;
        if (db.increment(counter, "n", by).ok()) expected_[counter] += by;
      }
    }
  }

  void Run(uint64_t ms, uint64_t writes_per_second) {
    RunPaced(cluster_, ms, writes_per_second, [this] { WriteSomewhere(); });
  }

  // Safety while faults run: every replica that is up reads its own writes. Its own register
  // shows its last acknowledged write, and its journal holds every entry it acknowledged.
  void CheckReadYourWrites() {
    for (size_t i = 0; i < cluster_.size(); ++i) {
      if (!cluster_.up(i)) continue;
      const std::string own = "own/" + std::to_string(i), journal = "journal/" + std::to_string(i);
      if (auto it = own_acked_.find(own); it != own_acked_.end()) {
        Result<std::string> doc = cluster_.db(i).get(own);
        REQUIRE_MESSAGE(doc.ok(), own << ": " << doc.status().ToString());
        const json expected = {{"v", it->second}};
        CHECK_MESSAGE(json::parse(*doc) == expected, own << " on r" << i << ": " << *doc);
      }
      if (auto it = journal_.find(journal); it != journal_.end()) {
        Result<std::string> doc = cluster_.db(i).get(journal);
        REQUIRE_MESSAGE(doc.ok(), journal << ": " << doc.status().ToString());
        const json parsed = json::parse(*doc);
        for (const std::string& entry : it->second) CHECK_MESSAGE(parsed.contains(entry), journal << "/" << entry);
      }
    }
  }

  // No acknowledged write is lost: every counter equals the sum of the increments that were
  // acknowledged, every write-once journal field is present, and every replica's own register
  // shows its last acknowledged write, on every replica.
  void CheckCounters() {
    for (size_t i = 0; i < cluster_.size(); ++i) {
      for (const auto& [key, sum] : expected_) {
        Result<std::string> doc = cluster_.db(i).get(key);
        REQUIRE_MESSAGE(doc.ok(), key << " on r" << i << ": " << doc.status().ToString());
        CHECK(json::parse(*doc)["n"] == sum);
      }
      for (const auto& [key, entries] : journal_) {
        Result<std::string> doc = cluster_.db(i).get(key);
        REQUIRE_MESSAGE(doc.ok(), key << " on r" << i << ": " << doc.status().ToString());
        const json parsed = json::parse(*doc);
        for (const std::string& entry : entries) CHECK_MESSAGE(parsed.contains(entry), key << "/" << entry << " lost");
      }
      for (const auto& [key, value] : own_acked_) {
        Result<std::string> doc = cluster_.db(i).get(key);
        REQUIRE_MESSAGE(doc.ok(), key << " on r" << i << ": " << doc.status().ToString());
        const json expected = {{"v", value}};
        CHECK_MESSAGE(json::parse(*doc) == expected, key << " on r" << i << ": " << *doc);
      }
    }
  }

 private:
  SimCluster& cluster_;
  std::map<std::string, int64_t> expected_;
  std::map<std::string, std::vector<std::string>> journal_;
  uint64_t next_entry_ = 0;
  std::map<std::string, uint64_t> own_written_, own_acked_;
};

// Equal Merkle roots, equal JSON dumps, and equal canonical bytes of every document.
void CheckConverged(SimCluster& cluster) {
  std::vector<std::string> keys;
  for (int k = 0; k < 12; ++k) keys.push_back("docs/" + std::to_string(k));
  CheckSameEverywhere(cluster, {"docs", "counters", "journal", "own"}, keys);
}

TEST_CASE("replicas converge through the delta stream on a healthy network") {
  SimCluster cluster(PropertySeeds(1).front(), 3, SimOptions{});
  Workload workload(cluster);
  workload.Run(5'000, 200);
  REQUIRE(cluster.RunUntilConverged(5'000));
  CheckConverged(cluster);
  workload.CheckCounters();
  for (size_t i = 0; i < 3; ++i) {
    CHECK(cluster.stats(i).deltas_received > 0);
    CHECK(cluster.stats(i).rejected_messages == 0);
  }
}

TEST_CASE("replicas converge through loss, duplication and reordering") {
  for (uint64_t seed : PropertySeeds(100)) {
    CAPTURE(seed);
    INFO("replay: " << ReplayCommand(seed));
    SimOptions options;
    options.loss = 0.2;
    options.duplicate = 0.1;
    options.latency_max_ms = 200;
    options.max_clock_skew_ms = 5'000;
    SimCluster cluster(seed, 2 + seed % 3, options);
    Workload workload(cluster);
    workload.Run(3'000, 100);
    REQUIRE_MESSAGE(cluster.RunUntilConverged(60'000), "no convergence within 60 s of virtual time");
    CheckConverged(cluster);
    workload.CheckCounters();
    uint64_t repairs = 0;
    for (size_t i = 0; i < cluster.size(); ++i) repairs += cluster.stats(i).log_requests;
    CHECK(repairs > 0);  // with 20% loss, gaps were seen and asked for
  }
}

TEST_CASE("a partitioned replica catches up after the partition heals") {
  SimCluster cluster(PropertySeeds(1).front() + 1, 3, SimOptions{});
  Workload workload(cluster);
  WriteThroughPartition(cluster, workload, 2, 1'000, 10'000);
  CheckConverged(cluster);
  workload.CheckCounters();
}

TEST_CASE("one-way partitions heal") {
  SimCluster cluster(PropertySeeds(1).front() + 2, 3, SimOptions{});
  Workload workload(cluster);
  cluster.SetLink(0, 1, false);  // r1 hears nothing from r0, r0 hears r1
  workload.Run(5'000, 100);
  cluster.SetLink(0, 1, true);
  REQUIRE(cluster.RunUntilConverged(30'000));
  CheckConverged(cluster);
}

TEST_CASE("an increment after a power loss counts every acknowledged increment once") {
  SimCluster cluster(PropertySeeds(1).front() + 26, 2, SimOptions{});
  cluster.RunFor(1'000);
  REQUIRE(cluster.db(0).increment("counters/0", "n", 10).ok());
  cluster.Reboot(0);  // a clean restart: the +10 is synced to disk
  REQUIRE(cluster.RunUntilConverged(5'000));
  REQUIRE(cluster.db(0).increment("counters/0", "n", 5).ok());
  REQUIRE(cluster.RunUntilConverged(5'000));  // the peer holds the +5...
  cluster.PowerLoss(0);                       // ...which replica 0 loses
  REQUIRE(json::parse(*cluster.db(0).get("counters/0"))["n"] == 10);
  REQUIRE(cluster.db(0).increment("counters/0", "n", 1).ok());  // before anti-entropy brings it back
  REQUIRE(cluster.RunUntilConverged(10'000));
  for (size_t i = 0; i < 2; ++i) CHECK(json::parse(*cluster.db(i).get("counters/0"))["n"] == 16);
}

TEST_CASE("randomized power losses after replication: counters equal the acknowledged increments") {
  for (uint64_t seed : PropertySeeds(20)) {
    CAPTURE(seed);
    INFO("replay: " << ReplayCommand(seed));
    SimOptions options;
    options.loss = 0.05 * static_cast<double>(seed % 3);
    SimCluster cluster(seed, 3, options);
    Workload workload(cluster);
    for (int round = 0; round < 8; ++round) {
      workload.Run(300, 100);
      // Every acknowledged write is on some peer; the one that loses power then writes at once.
      REQUIRE(cluster.RunUntilConverged(60'000));
      cluster.PowerLoss(cluster.rng()() % cluster.size());
      workload.Run(100, 200);
    }
    REQUIRE(cluster.RunUntilConverged(120'000));
    CheckConverged(cluster);
    workload.CheckCounters();
    CHECK(cluster.apply_failures() == 0);
    CHECK(cluster.futile_repairs() == 0);
  }
}

TEST_CASE("a replica restored from a backup stops writing when a peer shows it issued more, then starts a new epoch") {
  SimCluster cluster(PropertySeeds(1).front() + 27, 2, SimOptions{});
  cluster.RunFor(1'000);
  for (int k = 0; k < 5; ++k) REQUIRE(cluster.db(0).put("docs/" + std::to_string(k), R"({"v":1})").ok());
  REQUIRE(cluster.RunUntilConverged(5'000));
  cluster.Crash(0);
  cluster.Backup(0);
  cluster.Restart(0);
  for (int k = 0; k < 5; ++k) REQUIRE(cluster.db(0).put("docs/" + std::to_string(k), R"({"v":2})").ok());
  REQUIRE(cluster.RunUntilConverged(5'000));  // the peer holds the writes the backup lacks
  cluster.Crash(0);
  cluster.RestoreBackup(0);
  cluster.Restart(0);  // the same boot, a store that closed uncleanly: no new epoch by itself
  cluster.RunFor(2'000);
  const LocalStatus refused = cluster.db(0).status();
  CHECK_FALSE(refused.healthy);
  CHECK(refused.last_error.find("restored from a backup or copied") != std::string::npos);
  // Writing on would issue the lost writes' dots again, with other values.
  CHECK_FALSE(cluster.db(0).put("docs/0", R"({"v":3})").ok());
  cluster.Crash(0);  // even a kill -9: the store was marked for a new epoch when it refused
  cluster.Restart(0);
  CHECK(cluster.db(0).status().healthy);
  REQUIRE(cluster.db(0).put("docs/0", R"({"v":3})").ok());
  REQUIRE(cluster.RunUntilConverged(10'000));
  CHECK(cluster.Dump(1, "docs") == cluster.Dump(0, "docs"));
  CHECK(json::parse(*cluster.db(1).get("docs/0"))["v"] == 3);
  CHECK(cluster.apply_failures() == 0);
  CHECK(cluster.futile_repairs() == 0);
}

TEST_CASE("a replica killed mid-run restarts, keeps its sequence numbers and converges") {
  SimCluster cluster(PropertySeeds(1).front() + 3, 3, SimOptions{});
  Workload workload(cluster);
  workload.Run(2'000, 200);
  const uint64_t sequence_before = cluster.db(1).last_sequence();
  const crdt::ReplicaId id_before = cluster.db(1).replica_id();
  cluster.Crash(1);
  workload.Run(3'000, 200);
  cluster.Restart(1);
  CHECK(cluster.db(1).last_sequence() == sequence_before);
  CHECK(cluster.db(1).replica_id() == id_before);
  workload.Run(2'000, 200);
  REQUIRE(cluster.RunUntilConverged(30'000));
  CheckConverged(cluster);
  workload.CheckCounters();
}

TEST_CASE("a replica rebooted into a new stream epoch keeps replicating and converges") {
  SimCluster cluster(PropertySeeds(1).front() + 4, 3, SimOptions{});
  Workload workload(cluster);
  workload.Run(2'000, 200);
  cluster.Reboot(1);
  CHECK(cluster.db(1).last_sequence() == uint64_t{1} << store::kEpochShift);
  workload.Run(3'000, 200);
  REQUIRE(cluster.RunUntilConverged(30'000));
  CheckConverged(cluster);
  workload.CheckCounters();
  // Its stream goes on past the jump: the peers follow its new sequence numbers.
  const uint64_t last = cluster.db(1).last_sequence();
  CHECK(last > uint64_t{1} << store::kEpochShift);
  const std::string rebooted = cluster.status(1).region;
  for (size_t i : {size_t{0}, size_t{2}}) {
    for (const sync::PeerStatus& p : cluster.status(i).peers) {
      if (p.name == rebooted) CHECK(p.last_delta_seq == last);
    }
  }
}

TEST_CASE("a late joiner receives everything by anti-entropy") {
  SimCluster cluster(PropertySeeds(1).front() + 4, 3, SimOptions{});
  cluster.Crash(2);  // r2 has not started yet: its store is new and empty
  for (int k = 0; k < 300; ++k) {
    REQUIRE(cluster.db(k % 2).put("docs/" + std::to_string(k), json{{"k", k}}.dump()).ok());
  }
  cluster.RunFor(2'000);
  cluster.Restart(2);
  REQUIRE(cluster.RunUntilConverged(30'000));
  CheckConverged(cluster);
  CHECK(cluster.db(2).status().documents == 300);
  CHECK(cluster.stats(2).docs_repaired + cluster.stats(2).deltas_received >= 300);
}

TEST_CASE("a dropped delta batch is repaired from the origin's log, without anti-entropy") {
  SimOptions options;
  options.sync.anti_entropy_interval_ms = 1'000'000'000;  // only the round at start
  SimCluster cluster(PropertySeeds(1).front() + 5, 2, options);
  cluster.RunFor(1'000);
  const sync::SyncStats before = cluster.stats(1);
  REQUIRE(cluster.db(0).put("docs/0", "{}").ok());
  cluster.RunFor(200);
  cluster.DropNextPublished(0, 1, 1);
  REQUIRE(cluster.db(0).put("docs/1", "{}").ok());  // its batch is lost
  cluster.RunFor(200);
  CHECK(cluster.db(1).get("docs/1").status().IsNotFound());
  REQUIRE(cluster.db(0).put("docs/2", "{}").ok());  // the next batch shows the gap
  cluster.RunFor(1'000);
  CHECK(cluster.Converged());
  CHECK(cluster.db(1).get("docs/1").ok());
  CHECK(cluster.stats(1).log_requests == before.log_requests + 1);
  CHECK(cluster.stats(1).anti_entropy_rounds == before.anti_entropy_rounds);
  CHECK(cluster.stats(1).docs_repaired == before.docs_repaired);
}

// Each mechanism is proven on its own (docs/protocol.md, "What each mechanism guarantees"): with
// every anti-entropy request dropped on the wire, nothing repairs what the stream gets wrong.
TEST_CASE("the delta stream alone converges: replacing puts, removed fields and deletes included") {
  SimOptions options;
  options.anti_entropy = false;
  SimCluster cluster(PropertySeeds(1).front() + 21, 3, options);
  cluster.RunFor(1'000);  // every stream heard from before the first write
  Workload workload(cluster);
  workload.Run(5'000, 200);
  REQUIRE(cluster.RunUntilConverged(10'000));
  CheckConverged(cluster);
  workload.CheckCounters();
  CHECK(cluster.anti_entropy_dropped() > 0);
  for (size_t i = 0; i < 3; ++i) CHECK(cluster.stats(i).docs_repaired == 0);
}

TEST_CASE("a replacing put and a delete reach a peer by the stream exactly as written") {
  SimOptions options;
  options.anti_entropy = false;
  SimCluster cluster(PropertySeeds(1).front() + 22, 2, options);
  cluster.RunFor(1'000);
  REQUIRE(cluster.db(0).put("k/3", R"({"a":1,"c":3})").ok());
  REQUIRE(cluster.db(0).put("k/4", R"({"a":1})").ok());
  cluster.RunFor(500);
  REQUIRE(cluster.db(1).get("k/3").value() == R"({"a":1,"c":3})");
  REQUIRE(cluster.db(0).put("k/3", R"({"z":9})").ok());  // logged by reference: no smaller than the state
  REQUIRE(cluster.db(0).remove("k/4").ok());
  cluster.RunFor(500);
  CHECK(cluster.db(1).get("k/3").value() == R"({"z":9})");
  CHECK(cluster.db(1).get("k/4").status().IsNotFound());
  CHECK(cluster.Converged());
}

TEST_CASE("gap repair alone fills what a receiver missed while it was down, from its saved progress") {
  SimOptions options;
  options.anti_entropy = false;
  SimCluster cluster(PropertySeeds(1).front() + 25, 2, options);
  cluster.RunFor(1'000);
  for (int k = 0; k < 10; ++k) REQUIRE(cluster.db(0).put("docs/" + std::to_string(k), R"({"a":1,"b":2})").ok());
  cluster.RunFor(2'000);  // applied, and the progress saved
  REQUIRE(cluster.Converged());
  const uint64_t log_requests_before = cluster.stats(1).log_requests;
  cluster.Crash(1);
  for (int k = 0; k < 10; ++k) {
    const std::string key = "docs/" + std::to_string(k);
    if (k % 3 == 0) REQUIRE(cluster.db(0).remove(key).ok());
    if (k % 3 == 1) REQUIRE(cluster.db(0).put(key, R"({"z":9})").ok());
    if (k % 3 == 2) REQUIRE(cluster.db(0).patch(key, R"({"a":null})").ok());
  }
  for (int k = 10; k < 60; ++k) REQUIRE(cluster.db(0).put("docs/" + std::to_string(k), "{}").ok());
  cluster.RunFor(1'000);
  cluster.Restart(1);
  REQUIRE(cluster.RunUntilConverged(10'000));
  CHECK(cluster.Dump(1, "docs") == cluster.Dump(0, "docs"));
  CHECK(cluster.stats(1).log_requests > log_requests_before);
  CHECK(cluster.stats(1).docs_repaired == 0);
}

TEST_CASE("gap repair alone fills every gap the origin's log holds, through loss and duplication") {
  SimOptions options;
  options.anti_entropy = false;
  options.loss = 0.1;
  options.duplicate = 0.1;
  SimCluster cluster(PropertySeeds(1).front() + 23, 3, options);
  cluster.RunFor(2'000);
  Workload workload(cluster);
  workload.Run(5'000, 200);
  REQUIRE(cluster.RunUntilConverged(30'000));
  CheckConverged(cluster);
  workload.CheckCounters();
  for (size_t i = 0; i < 3; ++i) {
    CHECK(cluster.stats(i).log_requests > 0);
    CHECK(cluster.stats(i).docs_repaired == 0);
  }
}

// Limits bound what a local write may make, never the join of valid states (crdt/limits.h): two
// concurrent writes, each within the limit, whose join is past it, still replicate.
TEST_CASE("concurrent writes within the write limit whose join exceeds it converge everywhere") {
  SimCluster cluster(PropertySeeds(1).front() + 24, 2, SimOptions{});
  cluster.RunFor(1'000);
  const std::string chunk(3'900'000, 'x');
  for (int i = 0; i < 3; ++i) {
    REQUIRE(cluster.db(0).patch("big/1", json{{"f" + std::to_string(i), chunk}}.dump()).ok());
  }
  REQUIRE(cluster.RunUntilConverged(10'000));
  cluster.Isolate(1, true);
  const std::string side(3'000'000, 'y');
  REQUIRE(cluster.db(0).patch("big/1", json{{"x", side + "a"}}.dump()).ok());
  REQUIRE(cluster.db(1).patch("big/1", json{{"x", side + "b"}}.dump()).ok());
  cluster.RunFor(1'000);
  cluster.Isolate(1, false);
  REQUIRE(cluster.RunUntilConverged(30'000));
  const std::string merged = **cluster.db(0).ReadState("big/1");
  CHECK(merged.size() > crdt::kMaxWriteBytes);
  CHECK(**cluster.db(1).ReadState("big/1") == merged);
  for (size_t i = 0; i < 2; ++i) {
    CHECK(json::parse(*cluster.db(i).get_with_conflicts("big/1"))["conflicts"].contains("/x"));
    CHECK(cluster.stats(i).apply_failures == 0);
    CHECK(cluster.stats(i).futile_repairs == 0);
  }
  // A write may not grow it further, but may shrink it, resolving the conflict.
  CHECK(cluster.db(0).patch("big/1", json{{"y", side}}.dump()).status().IsInvalidArgument());
  REQUIRE(cluster.db(1).patch("big/1", json{{"x", "resolved"}}.dump()).ok());
  REQUIRE(cluster.RunUntilConverged(10'000));
  CHECK(json::parse(*cluster.db(0).get("big/1"))["x"] == "resolved");
}

TEST_CASE("anti-entropy repairs what the origin's delta log no longer holds") {
  SimOptions options;
  options.delta_log_max_entries = 10;
  options.sync.anti_entropy_interval_ms = 1'000'000'000;  // only at start, and when the log falls short
  SimCluster cluster(PropertySeeds(1).front() + 8, 2, options);
  cluster.RunFor(1'000);
  const sync::SyncStats before = cluster.stats(1);
  cluster.Isolate(1, true);
  for (int k = 0; k < 50; ++k) REQUIRE(cluster.db(0).put("docs/" + std::to_string(k), "{}").ok());
  cluster.RunFor(1'000);
  cluster.Isolate(1, false);
  REQUIRE(cluster.RunUntilConverged(30'000));
  CheckConverged(cluster);
  CHECK(cluster.stats(1).log_requests > before.log_requests);
  CHECK(cluster.stats(1).anti_entropy_rounds > before.anti_entropy_rounds);
  CHECK(cluster.stats(1).docs_repaired >= 40);  // the 40 deltas the log had dropped
}

TEST_CASE("regions with the example file's one-way latencies converge") {
  // us-east, eu-west, ap-south as regions.example.yaml places them.
  SimOptions options;
  options.link_latency_ms = {{0, 40, 110}, {40, 0, 75}, {110, 75, 0}};
  SimCluster cluster(PropertySeeds(1).front() + 9, 3, options);
  Workload workload(cluster);
  workload.Run(5'000, 200);
  REQUIRE(cluster.RunUntilConverged(10'000));
  CheckConverged(cluster);
  workload.CheckCounters();
}

// One random fault (sometimes none) among every kind the simulated network has; returns whether
// it injected one.
bool InjectFault(SimCluster& cluster, Workload& workload) {
  auto& rng = cluster.rng();
  const size_t a = rng() % cluster.size(), b = rng() % cluster.size();
  switch (rng() % 14) {
    case 0: cluster.Isolate(a, rng() % 2 == 0); return true;
    case 1:  // a one-way partition, or its heal
      if (a != b) cluster.SetLink(a, b, rng() % 2 == 0);
      return a != b;
    case 2: cluster.Crash(a); return true;
    case 3: case 11: case 12:  // as likely as the three kinds of crash
      cluster.Restart(a);
      return true;
    case 4:  // the machine went down: a new stream epoch
      if (cluster.up(a)) cluster.Reboot(a);
      return true;
    case 5:  // a clock jump of up to 10 minutes either way
      cluster.JumpClock(a, static_cast<int64_t>(rng() % 1'200'001) - 600'000);
      return true;
    case 6:  // a clogged link: 5 to 20 s more per message
      if (a != b) cluster.SetLinkDelay(a, b, 5'000 + rng() % 15'001);
      return a != b;
    case 7:
      if (a != b) cluster.SetLinkDelay(a, b, 0);
      return false;
    case 8:  // a flapping link
      if (a == b) return false;
      for (int flap = 0; flap < 6; ++flap) {
        cluster.SetLink(a, b, flap % 2 == 1);
        workload.Run(50, 100);
      }
      return true;
    case 9:  // a crash right after a write, before the tick that publishes it
      workload.WriteSomewhere();
      cluster.Crash(a);
      return true;
    case 10:  // a crash in the middle of an anti-entropy round
      for (size_t i = 0; i < cluster.size(); ++i) {
        if (!cluster.up(i)) continue;
        for (const sync::PeerStatus& p : cluster.status(i).peers) {
          if (!p.anti_entropy_running) continue;
          cluster.Crash(i);
          return true;
        }
      }
      return false;
    default: return false;
  }
}

TEST_CASE("randomized schedules of faults: converge after heal, invariants hold") {
  // CRDTDB_PROPERTY_CASES=1000 runs a long randomized campaign; CRDTDB_SEED=<n> replays one.
  uint64_t schedules = 0, faults = 0, deltas = 0, messages = 0;
  const auto started = std::chrono::steady_clock::now();
  for (uint64_t seed : PropertySeeds(200)) {
    CAPTURE(seed);
    INFO("replay: " << ReplayCommand(seed));
    SimOptions options;
    options.loss = 0.05 * static_cast<double>(seed % 5);
    options.duplicate = 0.05;
    options.latency_max_ms = 20 + seed % 300;
    options.max_clock_skew_ms = seed % 2 == 0 ? 0 : 60'000;
    SimCluster cluster(seed, 3 + seed % 3, options);
    Workload workload(cluster);
    // Phase 1: faults come and go while everyone writes; safety holds throughout.
    for (int step = 0; step < 40; ++step) {
      const bool injected = InjectFault(cluster, workload);
      faults += injected;
      workload.Run(150, 100);
      workload.CheckReadYourWrites();
    }
    // Phase 2: heal everything; convergence within bounded virtual time.
    for (size_t i = 0; i < cluster.size(); ++i) {
      cluster.Restart(i);
      cluster.Isolate(i, false);
      for (size_t j = 0; j < cluster.size(); ++j) cluster.SetLinkDelay(i, j, 0);
    }
    REQUIRE_MESSAGE(cluster.RunUntilConverged(120'000), "no convergence within 120 s after heal");
    CheckConverged(cluster);
    workload.CheckCounters();
    // No silent stall: no replica met an update it could not apply, nor a repair that changed
    // nothing.
    CHECK(cluster.apply_failures() == 0);
    CHECK(cluster.futile_repairs() == 0);
    ++schedules;
    messages += cluster.messages_delivered();
    for (size_t i = 0; i < cluster.size(); ++i) deltas += cluster.stats(i).deltas_received;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  MESSAGE("randomized schedules: " << schedules << " run, " << faults << " faults injected, "
          << messages << " messages delivered, " << deltas << " deltas applied ("
          << static_cast<uint64_t>(static_cast<double>(deltas) / seconds) << " deltas/s of wall time)");
}

TEST_CASE("randomized schedules near the limits converge: large concurrent writes, deep nesting, long keys") {
  // Each write is within its limits; their joins may not be (crdt/limits.h). No replica may fail
  // to apply what another made.
  size_t largest = 0;
  for (uint64_t seed : PropertySeeds(4)) {
    CAPTURE(seed);
    INFO("replay: " << ReplayCommand(seed));
    SimOptions options;
    options.loss = 0.05;
    SimCluster cluster(seed, 3, options);
    cluster.RunFor(1'000);
    auto& rng = cluster.rng();
    const std::string long_id(kMaxKeyPartBytes, 'k');
    for (int step = 0; step < 16; ++step) {
      const size_t i = rng() % cluster.size();
      db::DatabaseImpl& db = cluster.db(i);
      switch (rng() % 6) {
        case 0: case 1: case 2: {  // a field near the JSON limit, into a document near the write limit
          const std::string value(3'900'000, static_cast<char>('a' + rng() % 26));
          const Result<std::string> r =
              db.patch("big/0", json{{"f" + std::to_string(rng() % 6), value}}.dump());
          CHECK_MESSAGE((r.ok() || r.status().IsInvalidArgument()), r.status().ToString());
          break;
        }
        case 3: {  // a value nested to the depth limit
          json value = rng() % 100;
          for (int depth = 1; depth < kMaxJsonDepth - 1; ++depth) value = json{{"n", value}};
          REQUIRE(db.patch("nested/" + std::to_string(rng() % 2), json{{"x", value}}.dump()).ok());
          break;
        }
        case 4: REQUIRE(db.put("long/" + long_id, json{{"v", step}, {"by", i}}.dump()).ok()); break;
        default: cluster.Isolate(i, rng() % 2 == 0);
      }
      cluster.RunFor(300);
    }
    for (size_t i = 0; i < cluster.size(); ++i) cluster.Isolate(i, false);
    REQUIRE(cluster.RunUntilConverged(120'000));
    for (const char* collection : {"big", "nested", "long"}) {
      const std::string dump = cluster.Dump(0, collection);
      for (size_t i = 1; i < cluster.size(); ++i) CHECK(cluster.Dump(i, collection) == dump);
    }
    CHECK(cluster.apply_failures() == 0);
    CHECK(cluster.futile_repairs() == 0);
    if (Result<std::optional<std::string>> state = cluster.db(0).ReadState("big/0"); state.ok() && state->has_value()) {
      largest = std::max(largest, (*state)->size());
    }
  }
  MESSAGE("the largest joined document: " << largest << " bytes (a write may make " << crdt::kMaxWriteBytes << ")");
}

TEST_CASE("the same seed replays the same run, message for message") {
  auto run = [](uint64_t seed) {
    SimOptions options;
    options.loss = 0.2;
    options.duplicate = 0.1;
    SimCluster cluster(seed, 3, options);
    Workload workload(cluster);
    workload.Run(2'000, 100);
    cluster.RunFor(5'000);
    std::string trace = std::to_string(cluster.messages_delivered());
    for (size_t i = 0; i < cluster.size(); ++i) {
      trace += " " + cluster.db(i).merkle_root().ToHex() + " " + std::to_string(cluster.stats(i).bytes_sent);
    }
    return trace;
  };
  const uint64_t seed = PropertySeeds(1).front() + 10;
  CHECK(run(seed) == run(seed));
  CHECK(run(seed) != run(seed + 1));
}

TEST_CASE("an offline-first client syncs both ways; a session cut off halfway loses nothing") {
  SimCluster cluster(PropertySeeds(1).front() + 6, 3, SimOptions{});
  for (int k = 0; k < 200; ++k) REQUIRE(cluster.db(k % 3).put("docs/r" + std::to_string(k), json{{"k", k}}.dump()).ok());
  REQUIRE(cluster.RunUntilConverged(30'000));
  SimClient client([&] { return cluster.now_ms(); });
  for (int k = 0; k < 60; ++k) REQUIRE(client.db().put("docs/c" + std::to_string(k), json{{"c", k}}.dump()).ok());
  REQUIRE(client.db().increment("docs/r7", "likes", 1).ok());  // offline edit of a region document

  Result<SyncReport> cut = cluster.SyncClient(client, 0, /*max_messages=*/40);
  CHECK(cut.status().IsUnavailable());
  CHECK(client.db().status().documents > 61);  // what arrived before the cut is kept
  CHECK(client.db().status().documents < 260);

  SyncReport full = *cluster.SyncClient(client, 0);
  CHECK(full.in_sync);
  CHECK(full.bytes_sent > 0);
  CHECK(full.bytes_received > 0);
  CHECK(client.db().status().documents == 260);
  CHECK(client.db().merkle_root() == cluster.db(0).merkle_root());
  CHECK(json::parse(*cluster.db(0).get("docs/r7"))["likes"] == 1);
  CHECK(json::parse(*client.db().get("docs/r7"))["k"] == 7);

  // The client's writes reach the other regions by anti-entropy between regions.
  REQUIRE(cluster.RunUntilConverged(30'000));
  CHECK(cluster.db(2).status().documents == 260);

  // Syncing again when nothing changed is one round trip.
  SyncReport again = *cluster.SyncClient(client, 0);
  CHECK(again.in_sync);
  CHECK(again.rounds == 1);
  CHECK(again.documents_sent + again.documents_received == 0);
}

TEST_CASE("a client session cut at every possible message completes on the next") {
  size_t cut_points = 0;
  for (size_t cut = 1;; ++cut) {
    CAPTURE(cut);
    SimCluster cluster(PropertySeeds(1).front() + 7, 2, SimOptions{});
    for (int k = 0; k < 20; ++k) REQUIRE(cluster.db(k % 2).put("docs/r" + std::to_string(k), json{{"k", k}}.dump()).ok());
    REQUIRE(cluster.RunUntilConverged(30'000));
    SimClient client([&] { return cluster.now_ms(); });
    for (int k = 0; k < 10; ++k) REQUIRE(client.db().put("docs/c" + std::to_string(k), json{{"c", k}}.dump()).ok());
    REQUIRE(client.db().patch("docs/r3", R"({"offline": true})").ok());
    REQUIRE(cluster.db(0).patch("docs/r3", R"({"online": true})").ok());

    Result<SyncReport> first = cluster.SyncClient(client, 0, cut);
    Result<SyncReport> second = cluster.SyncClient(client, 0);
    REQUIRE(second.ok());
    CHECK(second->in_sync);
    CHECK(client.db().merkle_root() == cluster.db(0).merkle_root());
    CHECK(json::parse(*client.db().get("docs/r3")) == json{{"k", 3}, {"offline", true}, {"online", true}});
    CHECK(client.db().status().documents == 30);
    ++cut_points;
    if (first.ok()) break;  // the cut came after the whole session: every cut point is covered
  }
  MESSAGE("client sessions cut at " << cut_points << " points");
  CHECK(cut_points > 10);
}

}  // namespace
}  // namespace crdtdb::testing
