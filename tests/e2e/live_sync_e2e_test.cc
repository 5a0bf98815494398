// Copyright (c) crdtdb authors.
//
// Live sync (Database::start_sync, `crdtdb sync --live`) against a real `crdtdb serve`: local
// writes reach the region and the region's writes reach the app with no call; a region killed with
// -9 and restarted loses none of the writes made on either side meanwhile; stop() and closing the
// database while syncing return and leave no thread behind. Deadlines here catch hangs only; how
// fast things arrive is printed (MESSAGE), not asserted.

#include <dirent.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "crdtdb/database.h"
#include "tests/e2e/node_cluster.h"
#include "tests/e2e/region_cluster.h"

namespace crdtdb::testing {
namespace {

// Threads of this process a live sync makes: its own ("crdtdb-live") and libzmq's ("ZMQbg/...",
// of its sockets and of its sessions' connections). Nothing else in this test binary uses ZeroMQ.
size_t LiveSyncThreads() {
  size_t n = 0;
  DIR* dir = opendir("/proc/self/task");
  REQUIRE(dir != nullptr);
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream comm(std::string("/proc/self/task/") + e->d_name + "/comm");
    std::string name;
    std::getline(comm, name);
    if (name.rfind("crdtdb-live", 0) == 0 || name.rfind("ZMQbg", 0) == 0) ++n;
  }
  closedir(dir);
  return n;
}

double MsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

// Polls `done` until it holds; fails the test after kConvergeMs (a hang, not a speed check).
template <typename F>
void WaitFor(const char* what, F done) {
  const auto deadline = std::chrono::steady_clock::now() + Scaled(kConvergeMs);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) FAIL("timed out waiting for " << what);
    SleepMs(20);
  }
}

// The states a live sync reported, and the remote changes its database delivered.
struct Observed {
  std::mutex mu;
  std::vector<LiveSyncState> states;
  std::set<std::string> remote_keys;

  LiveSyncCallback Callback() {
    return [this](const LiveSyncState& s) {
      std::lock_guard lock(mu);
      states.push_back(s);
    };
  }
  bool Saw(const std::function<bool(const LiveSyncState&)>& pred) {
    std::lock_guard lock(mu);
    for (const LiveSyncState& s : states) {
      if (pred(s)) return true;
    }
    return false;
  }
  // Subscribes to the remote changes of todos/ in `db`.
  std::unique_ptr<Subscription> HearRemoteChanges(Database& db) {
    return db.subscribe("todos/", [this](const Change& c) {
      if (!c.remote) return;
      std::lock_guard lock(mu);
      remote_keys.insert(c.key);
    });
  }
  bool HasRemote(const std::string& key) {
    std::lock_guard lock(mu);
    return remote_keys.count(key) > 0;
  }
};

LiveSyncOptions ToRegion(const RegionCluster& cluster) {
  LiveSyncOptions options;
  options.endpoint = cluster.Endpoint("us-east", Socket::kSync);
  options.publish_endpoint = cluster.Endpoint("us-east", Socket::kPublish);
  options.backoff_max_ms = 2000;
  return options;
}

// The app's database, beside the cluster's regions.
Options AppOptions(const RegionCluster& cluster) {
  Options open;
  open.path = cluster.Path("app");
  return open;
}

TEST_CASE("live sync: writes flow both ways with no call, and a region killed -9 loses none") {
  RegionCluster cluster;
  cluster.Start("us-east");
  const Options open = AppOptions(cluster);
  auto db = Database::open(open);
  REQUIRE(db.ok());
  Observed seen;
  auto sub = seen.HearRemoteChanges(**db);
  REQUIRE(LiveSyncThreads() == 0);
  auto sync = (*db)->start_sync(ToRegion(cluster), seen.Callback());
  REQUIRE(sync.ok());
  WaitFor("the first session", [&] { return (*sync)->state().connected; });
  CHECK(LiveSyncThreads() >= 2);  // its own and libzmq's: what must be gone after it stops

  // A local write reaches the region without any call.
  auto t = std::chrono::steady_clock::now();
  REQUIRE((*db)->put("todos/local-1", R"({"title":"milk"})").ok());
  WaitFor("the local write at the region", [&] { return cluster.Cli("us-east", {"get", "/todos/local-1"}).exit_code == 0; });
  MESSAGE("local write seen at the region after " << MsSince(t) << " ms (includes a CLI run per look)");

  // A write at the region arrives in the app and its subscriber hears it, with no call.
  t = std::chrono::steady_clock::now();
  REQUIRE(cluster.Cli("us-east", {"put", "/todos/remote-1", R"({"title":"eggs"})"}).exit_code == 0);
  WaitFor("the region's write in the app", [&] { return seen.HasRemote("todos/remote-1"); });
  MESSAGE("region write delivered to the app's subscriber after " << MsSince(t) << " ms");
  CHECK((*db)->get("todos/remote-1").ok());

  // kill -9 the region; write on both sides while it is down (its side: its store, offline).
  cluster.Kill("us-east");
  WaitFor("the sync to notice the region is gone", [&] { return !(*sync)->state().connected; });
  constexpr int kWrites = 20;
  for (int i = 0; i < kWrites; ++i) {
    REQUIRE((*db)->put("todos/app-" + std::to_string(i), R"({"n":)" + std::to_string(i) + "}").ok());
  }
  for (int i = 0; i < kWrites; i += 5) {
    REQUIRE(cluster.Local(cluster.Path("data/us-east"), {"put", "/todos/region-" + std::to_string(i), "{}"}).exit_code == 0);
  }
  WaitFor("a failed session", [&] { return (*sync)->state().failures > 0; });
  CHECK((*sync)->state().pending_local_changes >= static_cast<uint64_t>(kWrites));
  CHECK_FALSE((*sync)->state().last_error.empty());
  CHECK(seen.Saw([](const LiveSyncState& s) { return s.phase == LiveSyncPhase::kRetrying && s.retry_in_ms > 0; }));
  const LocalStatus during = (*db)->status();
  REQUIRE(during.live_syncs.size() == 1);
  CHECK_FALSE(during.live_syncs[0].connected);

  t = std::chrono::steady_clock::now();
  cluster.Start("us-east");
  WaitFor("every write of the outage on both sides", [&] {
    for (int i = 0; i < kWrites; i += 5) {
      if (!(*db)->get("todos/region-" + std::to_string(i)).ok()) return false;
    }
    const LiveSyncState s = (*sync)->state();
    return s.connected && s.pending_local_changes == 0;
  });
  MESSAGE("converged " << MsSince(t) << " ms after the region's restart began");
  for (int i = 0; i < kWrites; ++i) {
    const CliResult r = cluster.Cli("us-east", {"get", "/todos/app-" + std::to_string(i)});
    CHECK_MESSAGE(r.exit_code == 0, "todos/app-" << i << ": " << Describe(r));
  }
  const nlohmann::json region = cluster.Status("us-east");
  CHECK(region.at("merkle_root") == (*db)->status().merkle_root);

  // stop() returns and leaves no thread; the handle stays readable.
  t = std::chrono::steady_clock::now();
  (*sync)->stop();
  MESSAGE("stop() returned after " << MsSince(t) << " ms");
  CHECK((*sync)->state().phase == LiveSyncPhase::kStopped);
  CHECK(LiveSyncThreads() == 0);
  CHECK((*db)->status().live_syncs.empty());
}

TEST_CASE("live sync: closing the database while a session waits on a dead region is prompt and clean") {
  RegionCluster cluster;
  cluster.Start("us-east");
  const Options open = AppOptions(cluster);
  auto db = Database::open(open);
  REQUIRE(db.ok());
  REQUIRE(LiveSyncThreads() == 0);
  LiveSyncOptions options = ToRegion(cluster);
  options.answer_timeout_ms = 60'000;  // a session that would hang for a minute without cancel
  auto sync = (*db)->start_sync(options);
  REQUIRE(sync.ok());
  // Settled: the first session, and any the stream's first heartbeats start, are over.
  WaitFor("the first session", [&] { return (*sync)->state().connected; });
  CHECK(LiveSyncThreads() >= 2);  // its own and libzmq's: what must be gone after it stops
  SleepMs(1000);
  WaitFor("the sync to settle", [&] { return (*sync)->state().phase == LiveSyncPhase::kIdle; });
  cluster.Pause("us-east");  // SIGSTOP: connections stay up, nothing answers
  REQUIRE((*db)->put("todos/during-pause", "{}").ok());
  WaitFor("a session in flight", [&] { return (*sync)->state().phase == LiveSyncPhase::kSyncing; });
  const auto t = std::chrono::steady_clock::now();
  db->reset();  // closes the database: stops the sync first
  const double close_ms = MsSince(t);
  MESSAGE("closing the database with a session in flight took " << close_ms << " ms");
  CHECK(close_ms < 10'000);  // a hang detector (the session alone would wait 60 s)
  CHECK((*sync)->state().phase == LiveSyncPhase::kStopped);
  CHECK(LiveSyncThreads() == 0);
  (*sync)->stop();  // harmless after the database closed
  cluster.Resume("us-east");
  // What was written is in the store, for the next sync.
  auto reopened = Database::open(open);
  REQUIRE(reopened.ok());
  CHECK((*reopened)->get("todos/during-pause").ok());
}

TEST_CASE("live sync: a region of two nodes under CURVE, named by its configuration, both ways") {
  NodeCluster cluster({"a"}, 2, 1, /*curve=*/true);
  cluster.Start("a-1");
  cluster.Start("a-2");
  Options open;
  open.path = cluster.Path("app");
  auto db = Database::open(open);
  REQUIRE(db.ok());
  Observed seen;
  auto sub = seen.HearRemoteChanges(**db);
  LiveSyncOptions options;
  options.config_path = cluster.Path("cluster.yaml");
  options.region = "a";
  options.client_key_file = cluster.Path("client.key");
  auto sync = (*db)->start_sync(options, seen.Callback());
  REQUIRE(sync.ok());
  WaitFor("the first session", [&] { return (*sync)->state().connected; });
  CHECK((*sync)->state().target == "region a");
  constexpr int kWrites = 8;  // with 64 partitions on two nodes: both nodes get some
  for (int i = 0; i < kWrites; ++i) {
    REQUIRE((*db)->put("todos/app-" + std::to_string(i), "{}").ok());
    REQUIRE(cluster.Cli("a", {"put", "/todos/region-" + std::to_string(i), "{}"}).exit_code == 0);
  }
  WaitFor("the region's writes in the app, and the app's pushed", [&] {
    for (int i = 0; i < kWrites; ++i) {
      if (!seen.HasRemote("todos/region-" + std::to_string(i))) return false;
    }
    return (*sync)->state().pending_local_changes == 0;
  });
  for (int i = 0; i < kWrites; ++i) {
    const CliResult r = cluster.Cli("a", {"get", "/todos/app-" + std::to_string(i)});
    CHECK_MESSAGE(r.exit_code == 0, "todos/app-" << i << ": " << Describe(r));
  }
  sync->reset();  // destroying the handle stops it
  CHECK(LiveSyncThreads() == 0);
}

TEST_CASE("live sync: bad options start nothing") {
  TempDir dir;
  Options open;
  open.path = dir.Sub("app");
  auto db = Database::open(open);
  REQUIRE(db.ok());
  REQUIRE(LiveSyncThreads() == 0);
  LiveSyncOptions none;
  CHECK((*db)->start_sync(none).status().IsInvalidArgument());
  LiveSyncOptions both;
  both.endpoint = "tcp://127.0.0.1:1";
  both.config_path = "regions.yaml";
  both.region = "us-east";
  CHECK((*db)->start_sync(both).status().IsInvalidArgument());
  LiveSyncOptions bad;
  bad.endpoint = "127.0.0.1:1";
  CHECK((*db)->start_sync(bad).status().IsInvalidArgument());
  LiveSyncOptions zero;
  zero.endpoint = "tcp://127.0.0.1:1";
  zero.backoff_initial_ms = 0;
  CHECK((*db)->start_sync(zero).status().IsInvalidArgument());
  LiveSyncOptions missing;
  missing.config_path = dir.Sub("missing.yaml");
  missing.region = "us-east";
  CHECK_FALSE((*db)->start_sync(missing).ok());
  CHECK(LiveSyncThreads() == 0);
}

TEST_CASE("sync --live: follows the region until SIGINT, prints JSON lines, exits 0") {
  RegionCluster cluster;
  cluster.Start("us-east");
  const std::string log = cluster.Path("live.log");
  const std::string data = cluster.Path("live-data");
  ServerProcess live({CRDTDB_CLI_PATH, "--data-dir", data, "sync", "--live", "--config", cluster.config_path(),
                      "--region", "us-east"},
                     cluster.Path(""), log);
  auto lines = [&] {
    std::vector<nlohmann::json> out;
    std::ifstream in(log);
    for (std::string line; std::getline(in, line);) {
      nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      REQUIRE_MESSAGE(!j.is_discarded(), "not a JSON line: " << line);
      out.push_back(j);
    }
    return out;
  };
  auto saw = [&](const std::function<bool(const nlohmann::json&)>& pred) {
    for (const nlohmann::json& j : lines()) {
      if (pred(j)) return true;
    }
    return false;
  };
  WaitFor("a connected line", [&] { return saw([](const nlohmann::json& j) { return j.at("connected") == true; }); });
  REQUIRE(cluster.Cli("us-east", {"put", "/todos/from-region", R"({"x":1})"}).exit_code == 0);
  WaitFor("the region's write received", [&] {
    return saw([](const nlohmann::json& j) { return j.at("documents_received").get<uint64_t>() >= 1; });
  });
  REQUIRE(kill(live.pid(), SIGINT) == 0);
  WaitFor("sync --live to exit", [&] { return !live.Running(); });
  CHECK(live.exit_code() == 0);
  const std::vector<nlohmann::json> all = lines();
  REQUIRE_FALSE(all.empty());
  CHECK(all.back().at("phase") == "stopped");
  CHECK(all.back().at("target") == "region us-east");
  const CliResult got = cluster.Local(data, {"get", "/todos/from-region"});
  CHECK_MESSAGE(got.exit_code == 0, Describe(got));
}

}  // namespace
}  // namespace crdtdb::testing
