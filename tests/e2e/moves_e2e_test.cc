// Copyright (c) crdtdb authors.
//
// Moves with real processes (docs/sharding.md, "Moves"): two regions of three nodes with
// replication factor 2 under a steady write load through the routing CLI; a fourth node added
// (configuration changed, the node started, every node told with SIGHUP), with a move's source
// killed with kill -9 mid-move and restarted; then a node marked leaving, handing everything off,
// and removed. At the end: no move left, equal region roots, and every acknowledged write readable in
// both regions.

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/region_cluster.h"

namespace crdtdb::testing {
namespace {

// Regions a and b; each node has its three ports from the start, and the configuration file is
// rewritten as nodes join, leave and go.
class MovingCluster {
 public:
  struct Node {
    std::string name;
    int publish = 0, sync = 0, client = 0;
    bool listed = false;
    bool leaving = false;
  };

  MovingCluster() {
    const std::vector<int> ports = PickFreePorts(8 * 3);
    size_t port = 0;
    for (const std::string name : {"a-1", "a-2", "a-3", "a-4", "b-1", "b-2", "b-3", "b-4"}) {
      Node node{name, ports[port], ports[port + 1], ports[port + 2], name.back() != '4', false};
      port += 3;
      nodes_[name] = node;
    }
    WriteConfig();
  }

  void WriteConfig() {
    std::ofstream config(config_path_);
    config << "cluster: moves\npartitions: 32\nanti_entropy_interval_ms: 300\nregions:\n";
    for (const std::string region : {"a", "b"}) {
      config << "  - name: " << region << "\n    replication_factor: 2\n    nodes:\n";
      for (const auto& [name, node] : nodes_) {
        if (name[0] != region[0] || !node.listed) continue;
        config << "      - name: " << name << "\n        data_dir: data/" << name << "\n"
               << "        publish: tcp://127.0.0.1:" << node.publish << "\n"
               << "        sync: tcp://127.0.0.1:" << node.sync << "\n"
               << "        client: tcp://127.0.0.1:" << node.client << "\n";
        if (node.leaving) config << "        leaving: true\n";
      }
    }
  }
  void List(const std::string& name) { nodes_[name].listed = true; WriteConfig(); }
  void Leave(const std::string& name) { nodes_[name].leaving = true; WriteConfig(); }
  void Unlist(const std::string& name) { nodes_[name].listed = false; WriteConfig(); }
  // SIGHUP to every running node: each reads the configuration again.
  void ReloadAll() {
    for (auto& [name, server] : servers_) {
      if (server->Running()) server->Reload();
    }
  }

  void Start(const std::string& name) {
    const std::string region = name.substr(0, 1);
    servers_[name] = std::make_unique<ServerProcess>(
        std::vector<std::string>{CRDTDB_CLI_PATH, "serve", "--config", config_path_, "--region", region, "--node", name},
        dir_.path(), dir_.Sub(name + ".log"));
    const auto deadline = std::chrono::steady_clock::now() + Scaled(kReadyMs);
    while (!TcpAccepts(nodes_[name].client)) {
      REQUIRE_MESSAGE(servers_[name]->Running(), name << " " << servers_[name]->HowEnded() << "\n"
                                                      << FileTail(dir_.Sub(name + ".log"), 20));
      REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, name << " never listened");
      SleepMs(20);
    }
  }
  void Kill(const std::string& name) { servers_[name]->Kill(); }
  void Pause(const std::string& name) { servers_[name]->Pause(); }
  void Resume(const std::string& name) { servers_[name]->Resume(); }
  void Reload(const std::string& name) { servers_[name]->Reload(); }
  void Stop(const std::string& name) { servers_[name]->Terminate(Scaled(kStopMs).count()); }

  CliResult Cli(const std::string& region, std::vector<std::string> args) {
    std::vector<std::string> full{"--config", config_path_, "--region", region};
    full.insert(full.end(), args.begin(), args.end());
    return RunProcess(CRDTDB_CLI_PATH, full, "", dir_.path(), kCliTimeoutMs);
  }
  nlohmann::json Status(const std::string& region) {
    const CliResult r = Cli(region, {"status"});
    nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
    return j.is_object() ? j : nlohmann::json();
  }
  std::string Log(const std::string& name) { return FileTail(dir_.Sub(name + ".log"), 30); }

  // The partitions `node` hands off, by its own status; null if it does not answer.
  nlohmann::json HandingOff(const std::string& node) {
    const CliResult r = Cli(node.substr(0, 1), {"status", "--node", node});
    const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
    return j.is_object() ? j["handing_off"] : nlohmann::json();
  }
  // Waits until `node` says it hands some partition off.
  void WaitHandingOff(const std::string& node) {
    const auto deadline = std::chrono::steady_clock::now() + Scaled(kConvergeMs);
    while (std::chrono::steady_clock::now() < deadline) {
      const nlohmann::json moves = HandingOff(node);
      if (moves.is_array() && !moves.empty()) return;
      SleepMs(kPollMs);
    }
    FAIL(node << " never handed a partition off\n" << Log(node));
  }

  // Waits until `region` reports no move left, every node on this configuration's placement and
  // every partition available.
  void WaitMovesDone(const std::string& region) {
    const auto deadline = std::chrono::steady_clock::now() + Scaled(2 * kConvergeMs);
    std::string last;
    while (std::chrono::steady_clock::now() < deadline) {
      const nlohmann::json s = Status(region);
      if (!s.is_null() && s["moves"].empty() && s["nodes_on_another_placement"].empty() &&
          s["unavailable_partitions"].empty()) {
        return;
      }
      last = s.dump();
      SleepMs(kPollMs * 3);
    }
    FAIL("the moves of region " << region << " did not finish; last status:\n" << Shorten(last, 3000));
  }

  // Waits until both regions report equal roots and `documents`.
  void WaitConverged(uint64_t documents) {
    const auto deadline = std::chrono::steady_clock::now() + Scaled(kConvergeMs);
    std::string last;
    while (std::chrono::steady_clock::now() < deadline) {
      const nlohmann::json a = Status("a"), b = Status("b");
      if (!a.is_null() && !b.is_null() && a["merkle_root"] == b["merkle_root"] && a["documents"] == documents &&
          b["documents"] == documents) {
        return;
      }
      last = a.dump() + "\n" + b.dump();
      SleepMs(kPollMs * 3);
    }
    FAIL("the regions did not converge to " << documents << " documents; last:\n" << Shorten(last, 3000));
  }

 private:
  TempDir dir_;
  const std::string config_path_ = dir_.Sub("cluster.yaml");
  std::map<std::string, Node> nodes_;
  std::map<std::string, std::unique_ptr<ServerProcess>> servers_;
};

// Puts new documents through the routing CLI of both regions in turn, on its own thread, until
// stopped; remembers the acknowledged ones. A put that fails (a node being killed as it was asked)
// is not acknowledged, and is not expected anywhere.
class WriteLoad {
 public:
  explicit WriteLoad(MovingCluster& cluster) : cluster_(cluster), thread_([this] { Run(); }) {}
  ~WriteLoad() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::map<std::string, std::string> acknowledged() {
    std::lock_guard<std::mutex> lock(mutex_);
    return acknowledged_;
  }

 private:
  void Run() {
    for (int k = 0; !stop_ && k < 10'000; ++k) {
      const std::string region = k % 2 == 0 ? "a" : "b";
      const std::string path = "/load/" + std::to_string(k);
      const std::string json = R"({"k":)" + std::to_string(k) + "}";
      if (cluster_.Cli(region, {"put", path, json}).exit_code != 0) continue;
      std::lock_guard<std::mutex> lock(mutex_);
      acknowledged_[path] = json;
    }
  }

  MovingCluster& cluster_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::map<std::string, std::string> acknowledged_;
  std::thread thread_;
};

TEST_CASE("a node added and a node removed under write load, with a move's source killed mid-move") {
  MovingCluster cluster;
  for (const std::string node : {"a-1", "a-2", "a-3", "b-1", "b-2", "b-3"}) cluster.Start(node);
  WriteLoad load(cluster);
  SleepMs(1'500);

  // A fourth node joins region a. It is paused, and only a-1 reads the new configuration at
  // first: a-1 hands partitions off to a-4, which cannot answer, and to co-owners still on the
  // old placement, which may not take them yet; so a-1 is a move's source, mid-move, when it is
  // killed. Restarted, it reads the configuration, finds what it still holds and goes on.
  cluster.List("a-4");
  cluster.Start("a-4");
  cluster.Pause("a-4");
  cluster.Reload("a-1");
  cluster.WaitHandingOff("a-1");
  cluster.Kill("a-1");
  SleepMs(500);
  cluster.Start("a-1");
  cluster.WaitHandingOff("a-1");
  cluster.Resume("a-4");
  cluster.ReloadAll();
  cluster.WaitMovesDone("a");
  const nlohmann::json joined = cluster.Status("a");
  for (const nlohmann::json& node : joined["nodes"]) {
    if (node["name"] == "a-4") CHECK(node["partitions"].size() > 0);
  }

  // a-1 leaves: it hands everything off, then is removed from the configuration and stopped.
  cluster.Leave("a-1");
  cluster.ReloadAll();
  cluster.WaitMovesDone("a");
  const CliResult leaving = cluster.Cli("a", {"status", "--node", "a-1"});
  const nlohmann::json left = nlohmann::json::parse(leaving.out, nullptr, false);
  REQUIRE_MESSAGE(left.is_object(), Describe(leaving));
  CHECK(left["partitions"].empty());
  CHECK(left["handing_off"].empty());
  CHECK(left["leaving"] == true);
  cluster.Unlist("a-1");
  cluster.ReloadAll();
  cluster.Stop("a-1");
  SleepMs(1'000);

  load.Stop();
  const std::map<std::string, std::string> written = load.acknowledged();
  REQUIRE(written.size() > 20);
  cluster.WaitConverged(written.size());
  for (const auto& [path, json] : written) {
    for (const std::string region : {"a", "b"}) {
      const CliResult r = cluster.Cli(region, {"get", path});
      CHECK_MESSAGE(r.out == json + "\n", region << " " << path << ": " << Describe(r));
    }
  }
  INFO(cluster.Log("a-4"));
}

}  // namespace
}  // namespace crdtdb::testing
