// Copyright (c) crdtdb authors.
//
// A region of two `crdtdb serve` nodes with HTTP (one owner per partition, so either node forwards
// what the other owns) and bearer tokens, one in the config and one in security.http_tokens_file,
// for the HTTP e2e tests (http_e2e_test.cc, http_flood_e2e_test.cc, http_reload_e2e_test.cc,
// http_in_process_e2e_test.cc); with security.curve on when asked.

#ifndef CRDTDB_TESTS_E2E_HTTP_CLUSTER_H_
#define CRDTDB_TESTS_E2E_HTTP_CLUSTER_H_

#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "http/token_hash.h"
#include "net/curve_keys.h"
#include "tests/e2e/region_cluster.h"

namespace crdtdb::testing {

inline constexpr char kToken[] = "e2e-token-0123456789abcdef";
inline constexpr char kFileToken[] = "e2e-token-from-the-tokens-file";  // security.http_tokens_file's

class HttpCluster {
 public:
  explicit HttpCluster(bool curve = false) {
    const std::vector<int> ports = PickFreePorts(8);
    std::ofstream file(dir_.path() + "/regions.yaml");
    file << "cluster: http\npartitions: 64\nanti_entropy_interval_ms: 300\nregions:\n"
         << "  - name: a\n    replication_factor: 1\n    nodes:\n";
    for (int n = 0; n < 2; ++n) {
      const std::string node = "a-" + std::to_string(n + 1);
      file << "      - name: " << node << "\n        data_dir: data/" << node << "\n";
      int p = n * 4;
      for (const char* socket : {"publish", "sync", "client"}) {
        file << "        " << socket << ": tcp://127.0.0.1:" << ports[static_cast<size_t>(p++)]
             << "\n";
      }
      file << "        http: 127.0.0.1:" << ports[static_cast<size_t>(p)] << "\n";
      if (curve) {
        Result<net::CurveKeyPair> keys = net::GenerateCurveKeyPair();
        REQUIRE(keys.ok());
        const std::string key_file = dir_.path() + "/" + node + ".key";
        std::ofstream(key_file) << keys->secret_key << "\n";
        REQUIRE(chmod(key_file.c_str(), 0600) == 0);
        file << "        public_key: \"" << keys->public_key << "\"\n        secret_key_file: " << node << ".key\n";
      }
      http_ports_.push_back(ports[static_cast<size_t>(p)]);
      nodes_.push_back(node);
    }
    file << "security:\n" << (curve ? "  curve: true\n" : "") << "  http_tokens:\n    - " << http::TokenDigest(kToken) << "\n  http_tokens_file: tokens\n";
    file.close();
    std::ofstream(dir_.path() + "/tokens") << "# a token issued apart from the config\n" << http::TokenDigest(kFileToken) << "\n";
    for (const std::string& node : nodes_) {
      servers_.push_back(std::make_unique<ServerProcess>(
          std::vector<std::string>{CRDTDB_CLI_PATH, "serve", "--config",
                                   dir_.path() + "/regions.yaml", "--region", "a", "--node", node},
          dir_.path(), dir_.path() + "/" + node + ".log"));
    }
    for (size_t n = 0; n < nodes_.size(); ++n) {
      const auto deadline = std::chrono::steady_clock::now() + Scaled(kReadyMs);
      while (true) {
        httplib::Result r = Client(n).Get("/v1/status");
        if (r && r->status == 200) break;
        REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline,
                        "node " << nodes_[n] << " never answered HTTP");
        SleepMs(kPollMs);
      }
    }
  }

  int http_port(size_t n) const { return http_ports_[n]; }
  const std::string& dir() const { return dir_.path(); }
  size_t size() const { return nodes_.size(); }

  // SIGHUP to every node: each reads the configuration (and its tokens file) again.
  void ReloadAll() {
    for (const auto& server : servers_) server->Reload();
  }
  // Everything node n logged so far.
  std::string LogOf(size_t n) const {
    std::ifstream in(dir_.path() + "/" + nodes_[n] + ".log");
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  // A client of node n with the token.
  httplib::Client Client(size_t n, bool with_token = true) const {
    httplib::Client client("127.0.0.1", http_ports_[n]);
    client.set_read_timeout(std::chrono::seconds(30));
    if (with_token) client.set_bearer_token_auth(kToken);
    return client;
  }

 private:
  TempDir dir_;
  std::vector<std::string> nodes_;
  std::vector<int> http_ports_;
  std::vector<std::unique_ptr<ServerProcess>> servers_;
};

inline nlohmann::json Body(const httplib::Result& r) { return nlohmann::json::parse(r->body); }

}  // namespace crdtdb::testing

#endif  // CRDTDB_TESTS_E2E_HTTP_CLUSTER_H_
