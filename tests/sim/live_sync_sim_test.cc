// Copyright (c) crdtdb authors.
//
// Live sync (crdtdb/live_sync.h) on the simulated network: an app's embedded replica, driven by
// the live sync's own loop (sync::LiveSyncDriver), syncs with a region's replica over a link that
// loses, duplicates, delays and reorders messages, is cut (the app partitioned from the region),
// while the region crashes and restarts and the app closes and reopens, both sides writing all
// along. Once the faults end, within a bounded virtual time, every acknowledged write of either
// side is on every replica, the app's replica and the region hold the same Merkle root and the
// same documents, and the live sync's state says so (idle, connected, nothing pending). Seeds are
// printed on failure; CRDTDB_SEED replays one.

#include <doctest/doctest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "db/replica.h"
#include "nlohmann/json.hpp"
#include "tests/sim/sim_live_app.h"
#include "tests/support/seed.h"

namespace crdtdb::testing {
namespace {

using nlohmann::json;

// The region the app syncs with is replica 0 of the cluster; replica 1 is another region that
// replicates with it, so some of what reaches the app comes from a third party (through
// heartbeats announcing a new root, not through deltas of replica 0's own).
constexpr size_t kRegion = 0;
constexpr size_t kReplicas = 2;

sync::LiveSyncTiming TestTiming(uint64_t backoff_max_ms) {
  sync::LiveSyncTiming timing;
  timing.push_delay_ms = 50;
  timing.poll_interval_ms = 600'000;  // far beyond every bound below: polling never rescues a test
  timing.backoff_initial_ms = 250;
  timing.backoff_max_ms = backoff_max_ms;
  return timing;
}

// Writes of the app and of the cluster's replicas, and what each acknowledged: write-once journal
// fields, increments, and a register only its writer sets, to ever larger values.
class Writers {
 public:
  Writers(SimLiveApp& app, SimCluster& cluster) : app_(app), cluster_(cluster) {}

  // Writer kReplicas is the app; the others are the cluster's replicas (skipped while down).
  void WriteSomewhere(std::mt19937_64& rng) {
    const size_t writer = rng() % (kReplicas + 1);
    if (writer < kReplicas && !cluster_.up(writer)) return;
    db::DatabaseImpl& db = writer == kReplicas ? app_.db() : cluster_.db(writer);
    const std::string name = writer == kReplicas ? "app" : "r" + std::to_string(writer);
    switch (rng() % 4) {
      case 0: {
        const std::string entry = std::to_string(next_entry_++);
        if (db.patch("journal/" + name, json{{entry, name}}.dump()).ok()) journal_["journal/" + name].push_back(entry);
        break;
      }
      case 1: {
        const std::string key = "counters/" + std::to_string(rng() % 3);
        const int64_t by = static_cast<int64_t>(rng() % 7) - 2;
        if (db.increment(key, "n", by).ok()) counters_[key] += by;
        break;
      }
      case 2: {
        const uint64_t value = ++own_written_[name];
        if (db.put("own/" + name, json{{"v", value}}.dump()).ok()) own_acked_["own/" + name] = value;
        break;
      }
      default:
        (void)db.patch("docs/" + std::to_string(rng() % 8), json{{std::string(1, static_cast<char>('a' + rng() % 3)), name}}.dump());
    }
    ++writes_;
  }

  // Every acknowledged write is on `db`.
  void CheckAllArrived(db::DatabaseImpl& db, const std::string& where) const {
    for (const auto& [key, entries] : journal_) {
      Result<std::string> doc = db.get(key);
      REQUIRE_MESSAGE(doc.ok(), key << " on " << where << ": " << doc.status().ToString());
      const json parsed = json::parse(*doc);
      for (const std::string& entry : entries) {
        CHECK_MESSAGE(parsed.contains(entry), key << "/" << entry << " lost on " << where);
      }
    }
    for (const auto& [key, sum] : counters_) {
      Result<std::string> doc = db.get(key);
      REQUIRE_MESSAGE(doc.ok(), key << " on " << where << ": " << doc.status().ToString());
      CHECK_MESSAGE(json::parse(*doc)["n"] == sum, key << " on " << where);
    }
    for (const auto& [key, value] : own_acked_) {
      Result<std::string> doc = db.get(key);
      REQUIRE_MESSAGE(doc.ok(), key << " on " << where << ": " << doc.status().ToString());
      const json expected = {{"v", value}};
      CHECK_MESSAGE(json::parse(*doc) == expected, key << " on " << where << ": " << *doc);
    }
  }

  uint64_t writes() const { return writes_; }

 private:
  SimLiveApp& app_;
  SimCluster& cluster_;
  uint64_t next_entry_ = 0, writes_ = 0;
  std::map<std::string, std::vector<std::string>> journal_;
  std::map<std::string, int64_t> counters_;
  std::map<std::string, uint64_t> own_written_, own_acked_;
};

std::string DumpAll(db::DatabaseImpl& db) {
  std::string out;
  for (const char* collection : {"journal", "counters", "own", "docs"}) {
    Result<ListPage> page = db.list(collection, ListOptions{});
    REQUIRE(page.ok());
    REQUIRE_FALSE(page->next_start_after);
    for (const ListedDocument& d : page->documents) out += std::string(collection) + "/" + d.id + "=" + d.json + "\n";
  }
  return out;
}

// After the faults: every acknowledged write everywhere, the same documents on the app and on
// every replica, and a live sync that reports it (a few quiet seconds later).
void CheckOutcome(SimLiveApp& app, SimCluster& cluster, const Writers& writers) {
  writers.CheckAllArrived(app.db(), "the app");
  for (size_t i = 0; i < kReplicas; ++i) writers.CheckAllArrived(cluster.db(i), "r" + std::to_string(i));
  const std::string app_dump = DumpAll(app.db());
  for (size_t i = 0; i < kReplicas; ++i) CHECK(DumpAll(cluster.db(i)) == app_dump);
  app.RunFor(3'000);
  const LiveSyncState state = app.state();
  CHECK(state.phase == LiveSyncPhase::kIdle);
  CHECK(state.connected);
  CHECK(state.failures == 0);
  CHECK(state.pending_local_changes == 0);
  CHECK(state.last_error.empty());
}

// The faults end: the link heals and carries everything, the region is up, nobody writes.
void EndFaults(SimLiveApp& app, SimCluster& cluster) {
  app.set_between(nullptr);
  app.set_link(SimLinkOptions{});
  app.SetPartitioned(false);
  cluster.Restart(kRegion);
}

TEST_CASE("live sync converges through loss, duplication, partitions and restarts of either side") {
  uint64_t sessions = 0, failed = 0, reopens = 0, crashes = 0, writes = 0;
  for (uint64_t seed : PropertySeeds(50)) {
    CAPTURE(seed);
    INFO("replay: " << ReplayCommand(seed));
    SimCluster cluster(seed, kReplicas, SimOptions{});
    SimLinkOptions link;
    link.loss = 0.02;
    link.duplicate = 0.05;
    link.latency_max_ms = 150;
    constexpr uint64_t kBackoffMaxMs = 4'000;
    SimLiveApp app(cluster, kRegion, seed + 1, TestTiming(kBackoffMaxMs), link);
    Writers writers(app, cluster);
    std::mt19937_64 rng(seed + 2);
    // Every tick (10 ms), while a session runs too: a write one time in four, a fault one time
    // in 150 (about every 1.5 s of virtual time).
    app.set_between([&] {
      if (rng() % 4 == 0) writers.WriteSomewhere(rng);
      if (rng() % 150 != 0) return;
      switch (rng() % 4) {
        case 0: app.SetPartitioned(rng() % 2 == 0); break;
        case 1:
          if (cluster.up(kRegion)) {
            cluster.Crash(kRegion);
            ++crashes;
          } else {
            cluster.Restart(kRegion);
          }
          break;
        case 2: app.RequestReopen(); break;
        default: {
          SimLinkOptions worse = link;
          worse.loss = static_cast<double>(rng() % 4) / 10;       // up to 30 %
          worse.duplicate = static_cast<double>(rng() % 3) / 10;  // up to 20 %
          app.set_link(worse);
        }
      }
    });
    app.RunFor(20'000);
    EndFaults(app, cluster);
    // Bounded: the longest backoff, plus a few sessions.
    REQUIRE_MESSAGE(app.RunUntilConverged(kBackoffMaxMs + 6'000), "no convergence within the bound after the faults");
    CheckOutcome(app, cluster, writers);
    sessions += app.sessions();
    failed += app.failed_sessions();
    reopens += app.reopens();
    writes += writers.writes();
  }
  // The campaign exercised what it claims to (summed over its seeds).
  if (PropertySeeds(50).size() > 1) {
    CHECK(writes > 0);
    CHECK(failed > 0);
    CHECK(sessions > failed);
    CHECK(reopens > 0);
    CHECK(crashes > 0);
  }
}

// A named schedule's world: a cluster, an app syncing with its region over a healthy link, and
// their writers.
struct World {
  World(uint64_t seed_offset, uint64_t backoff_max_ms)
      : seed(PropertySeeds(1).front() + seed_offset),
        cluster(seed, kReplicas, SimOptions{}),
        app(cluster, kRegion, seed, TestTiming(backoff_max_ms), SimLinkOptions{}),
        writers(app, cluster),
        rng(seed) {}

  // From now on both sides write, one tick in `one_in`, and `also` runs every tick.
  void KeepWriting(uint64_t one_in, std::function<void()> also = nullptr) {
    app.set_between([this, one_in, also] {
      if (rng() % one_in == 0) writers.WriteSomewhere(rng);
      if (also) also();
    });
  }

  const uint64_t seed;
  SimCluster cluster;
  SimLiveApp app;
  Writers writers;
  std::mt19937_64 rng;
};

TEST_CASE("after a long partition, the region heard again ends the backoff: both sides' writes cross at once") {
  // A backoff far longer than the bound: only the region's stream, heard again, can end it.
  World w(10, /*backoff_max_ms=*/60'000);
  w.KeepWriting(4);
  w.app.RunFor(2'000);
  w.app.SetPartitioned(true);
  w.app.RunFor(60'000);
  CHECK(w.app.state().failures >= 5);  // the backoff grew to its maximum
  CHECK_FALSE(w.app.state().connected);
  EndFaults(w.app, w.cluster);
  REQUIRE_MESSAGE(w.app.RunUntilConverged(3'000), "still waiting out the backoff");
  CheckOutcome(w.app, w.cluster, w.writers);
}

TEST_CASE("writes the app made offline are pushed when the region is back, with the region quiet") {
  World w(11, /*backoff_max_ms=*/60'000);
  REQUIRE(w.app.RunUntilConverged(2'000));
  w.app.SetPartitioned(true);
  w.app.RunFor(1'000);
  // Only the app writes, and nothing else changes at the region: its heartbeats announce the root
  // the last session found, so only the app's own writes can start a session.
  REQUIRE(w.app.db().put("todo/offline", R"({"title":"written offline"})").ok());
  w.app.RunFor(5'000);
  CHECK(w.app.state().pending_local_changes == 1);
  w.app.SetPartitioned(false);
  REQUIRE_MESSAGE(w.app.RunUntilConverged(3'000), "the offline write was not pushed");
  CHECK(w.cluster.db(kRegion).get("todo/offline").ok());
  CheckOutcome(w.app, w.cluster, w.writers);
}

TEST_CASE("a write on a healthy link reaches the region within the push delay and a session") {
  World w(12, /*backoff_max_ms=*/10'000);
  REQUIRE(w.app.RunUntilConverged(2'000));
  w.app.RunFor(1'000);
  const uint64_t sessions = w.app.sessions();
  REQUIRE(w.app.db().put("todo/1", R"({"title":"buy milk"})").ok());
  w.app.RunFor(500);  // 50 ms of push delay, then round trips of at most 120 ms
  CHECK(w.cluster.db(kRegion).get("todo/1").ok());
  CHECK(w.app.sessions() > sessions);
  // And a write at another region reaches the app through its region's heartbeat, not by polling.
  REQUIRE(w.cluster.db(1).put("todo/2", R"({"title":"from elsewhere"})").ok());
  REQUIRE(w.app.RunUntilConverged(3'000));
  CHECK(w.app.db().get("todo/2").ok());
}

TEST_CASE("the region crashes mid-session and restarts while the app keeps writing") {
  World w(13, /*backoff_max_ms=*/4'000);
  bool crashed = false;
  const uint64_t start_ms = w.cluster.now_ms();
  w.KeepWriting(3, [&] {
    // The first session running after 2 s: the region dies under it.
    if (!crashed && w.app.state().phase == LiveSyncPhase::kSyncing && w.cluster.now_ms() > start_ms + 2'000) {
      w.cluster.Crash(kRegion);
      crashed = true;
    }
  });
  w.app.RunFor(8'000);
  REQUIRE(crashed);
  CHECK(w.app.failed_sessions() > 0);
  w.cluster.Restart(kRegion);
  w.app.RunFor(5'000);  // both keep writing with the region back
  EndFaults(w.app, w.cluster);
  REQUIRE(w.app.RunUntilConverged(10'000));
  CheckOutcome(w.app, w.cluster, w.writers);
}

TEST_CASE("the app reopens while offline and mid-session: nothing it acknowledged is lost") {
  World w(14, /*backoff_max_ms=*/4'000);
  int reopens_mid_session = 0;
  w.KeepWriting(3, [&] {
    if (reopens_mid_session < 3 && w.app.state().phase == LiveSyncPhase::kSyncing && w.rng() % 20 == 0) {
      w.app.RequestReopen();
      ++reopens_mid_session;
    }
  });
  w.app.RunFor(5'000);
  w.app.SetPartitioned(true);
  w.app.RunFor(3'000);
  w.app.RequestReopen();
  w.app.RunFor(3'000);
  w.app.SetPartitioned(false);
  w.app.RunFor(3'000);
  CHECK(reopens_mid_session == 3);
  CHECK(w.app.reopens() == 4);
  EndFaults(w.app, w.cluster);
  REQUIRE(w.app.RunUntilConverged(10'000));
  CheckOutcome(w.app, w.cluster, w.writers);
}

}  // namespace
}  // namespace crdtdb::testing
