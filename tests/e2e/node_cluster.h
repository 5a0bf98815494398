// Copyright (c) crdtdb authors.
//
// Regions of several nodes as real `crdtdb serve` processes on loopback (docs/sharding.md), for
// end-to-end tests: NodeCluster writes a region file of regions each of `nodes` nodes (cluster
// "scale-out", 64 partitions), starts and kills nodes, and runs the CLI against a region
// (--config/--region), an endpoint or an embedded store. Shared by the scale-out and find tests.

#ifndef CRDTDB_TESTS_E2E_NODE_CLUSTER_H_
#define CRDTDB_TESTS_E2E_NODE_CLUSTER_H_

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/region_cluster.h"

namespace crdtdb::testing {

// A CURVE key pair as `crdtdb keygen` prints it.
struct KeyPair {
  std::string public_key, secret_key;
};

inline KeyPair Keygen(const std::string& cwd) {
  const CliResult r = RunProcess(CRDTDB_CLI_PATH, {"keygen"}, "", cwd, kCliTimeoutMs);
  REQUIRE_MESSAGE(r.exit_code == 0, Describe(r));
  const nlohmann::json j = nlohmann::json::parse(r.out);
  return KeyPair{j["public"], j["secret"]};
}

class NodeCluster {
 public:
  // Regions a and b of `nodes` nodes each with `factor` owners per partition; with `curve`, every
  // node has a key pair and a client key ("client.key") is listed.
  explicit NodeCluster(std::vector<std::string> regions = {"a", "b"}, int nodes = 3, int factor = 2,
                       bool curve = false) {
    const std::vector<int> ports = PickFreePorts(regions.size() * static_cast<size_t>(nodes) * 3);
    std::ofstream file(config_path_);
    file << "cluster: scale-out\npartitions: 64\nanti_entropy_interval_ms: 300\nregions:\n";
    std::ostringstream config;
    size_t port = 0;
    for (const std::string& region : regions) {
      config << "  - name: " << region << "\n    replication_factor: " << factor << "\n    nodes:\n";
      for (int n = 1; n <= nodes; ++n) {
        const std::string node = region + "-" + std::to_string(n);
        nodes_.push_back(node);
        client_ports_[node] = ports[port + 2];
        config << "      - name: " << node << "\n        data_dir: data/" << node << "\n";
        for (const char* socket : {"publish", "sync", "client"}) {
          config << "        " << socket << ": tcp://127.0.0.1:" << ports[port++] << "\n";
        }
        if (curve) {
          const KeyPair keys = Keygen(dir_.path());
          public_keys_[node] = keys.public_key;
          WriteSecret(node + ".key", keys.secret_key);
          config << "        public_key: \"" << keys.public_key << "\"\n        secret_key_file: " << node
                 << ".key\n";
        }
      }
    }
    regions_yaml_ = config.str();
    if (curve) {
      const KeyPair client = Keygen(dir_.path());
      WriteSecret("client.key", client.secret_key);
      config << "security:\n  curve: true\n  clients:\n    - \"" << client.public_key << "\"\n";
    }
    file << config.str();
  }

  std::string Path(const std::string& name) const { return dir_.Sub(name); }
  const std::string& PublicKey(const std::string& node) { return public_keys_[node]; }
  std::string ClientEndpoint(const std::string& node) {
    return "tcp://127.0.0.1:" + std::to_string(client_ports_[node]);
  }
  CliResult Run(const std::vector<std::string>& args) {
    return RunProcess(CRDTDB_CLI_PATH, args, "", dir_.path(), kCliTimeoutMs);
  }

  void Start(const std::string& node) {
    const std::string region = node.substr(0, 1);
    servers_[node] = std::make_unique<ServerProcess>(
        std::vector<std::string>{CRDTDB_CLI_PATH, "serve", "--config", config_path_, "--region",
                                 region, "--node", node},
        dir_.path(), dir_.Sub(node + ".log"));
    const auto deadline = std::chrono::steady_clock::now() + Scaled(kReadyMs);
    while (!TcpAccepts(client_ports_[node])) {
      REQUIRE_MESSAGE(servers_[node]->Running(), node << " " << servers_[node]->HowEnded()
                                                      << "\n" << FileTail(dir_.Sub(node + ".log"), 20));
      REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, node << " never listened");
      SleepMs(20);
    }
  }
  void Kill(const std::string& node) { servers_[node]->Kill(); }

  // `crdtdb --data-dir DIR sync --config F --region R`: an offline-first store synced with a region.
  CliResult SyncLocal(const std::string& data_dir, const std::string& region) {
    return RunProcess(CRDTDB_CLI_PATH,
                      {"--data-dir", dir_.Sub(data_dir), "sync", "--config", config_path_, "--region", region},
                      "", dir_.path(), kCliTimeoutMs);
  }
  CliResult Local(const std::string& data_dir, std::vector<std::string> args) {
    std::vector<std::string> full{"--data-dir", dir_.Sub(data_dir)};
    full.insert(full.end(), args.begin(), args.end());
    return RunProcess(CRDTDB_CLI_PATH, full, "", dir_.path(), kCliTimeoutMs);
  }

  CliResult Cli(const std::string& region, std::vector<std::string> args) {
    std::vector<std::string> full{"--config", config_path_, "--region", region};
    full.insert(full.end(), args.begin(), args.end());
    return RunProcess(CRDTDB_CLI_PATH, full, "", dir_.path(), kCliTimeoutMs);
  }

  nlohmann::json Status(const std::string& region) {
    const CliResult r = Cli(region, {"status"});
    nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
    return r.exit_code == 0 && j.is_object() ? j : nlohmann::json();
  }

  // Waits until both regions answer a healthy status with equal roots and `documents`.
  void WaitConverged(uint64_t documents) {
    const auto deadline = std::chrono::steady_clock::now() + Scaled(kConvergeMs);
    std::string last;
    while (std::chrono::steady_clock::now() < deadline) {
      const nlohmann::json a = Status("a"), b = Status("b");
      if (!a.is_null() && !b.is_null() && a["merkle_root"] == b["merkle_root"] &&
          a["documents"] == documents && b["documents"] == documents && a["healthy"] == true &&
          b["healthy"] == true) {
        return;
      }
      last = a.dump() + "\n" + b.dump();
      SleepMs(kPollMs * 3);
    }
    FAIL("the regions did not converge to " << documents << " documents; last:\n" << Shorten(last, 3000));
  }

  const std::vector<std::string>& nodes() const { return nodes_; }
  // The `regions:` entries of this cluster's file: listed with another cluster's in a file of the
  // CLI's own, they name regions that do not replicate with each other, so they keep differing.
  const std::string& RegionsYaml() const { return regions_yaml_; }

 private:
  TempDir dir_;
  const std::string config_path_ = dir_.Sub("cluster.yaml");
  std::vector<std::string> nodes_;
  void WriteSecret(const std::string& name, const std::string& secret) {
    std::ofstream(dir_.Sub(name)) << secret << "\n";
    std::filesystem::permissions(dir_.Sub(name), std::filesystem::perms::owner_read |
                                                     std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::replace);
  }

  std::string regions_yaml_;
  std::map<std::string, int> client_ports_;
  std::map<std::string, std::string> public_keys_;
  std::map<std::string, std::unique_ptr<ServerProcess>> servers_;
};

}  // namespace crdtdb::testing

#endif  // CRDTDB_TESTS_E2E_NODE_CLUSTER_H_
