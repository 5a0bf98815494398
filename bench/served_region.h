// Copyright (c) crdtdb authors.
//
// A region served in-process, exactly as `crdtdb serve` serves it (server::Serve on a thread of
// this process, its store on disk), for the benches that talk to regions over real ZeroMQ
// sockets on loopback (net_bench, ae_net_bench): free loopback endpoints for a region, the cluster
// config of such regions, and ServedRegion, which serves one until it is destroyed and runs
// commands on it through its client endpoint (the CLI's protocol).
//
// The cluster is named after the program (bench_fail.h's BenchProgram(), '_' as '-'); anything
// that goes wrong (a port, the config, a region that does not start or a command that fails) is a
// Fail.

#ifndef CRDTDB_BENCH_SERVED_REGION_H_
#define CRDTDB_BENCH_SERVED_REGION_H_

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_fail.h"
#include "command/command.h"
#include "config/cluster_config.h"
#include "net/client_call.h"
#include "server/region_server.h"

namespace crdtdb::bench {

// How long a served region may take to answer its first status.
constexpr auto kRegionStartBound = std::chrono::seconds(120);

// A loopback TCP port nothing listens on right now (the kernel's choice), and that no earlier call
// in this process returned: once its probe socket is closed the kernel may offer a port again,
// and a bench's regions are all configured before any of them binds.
inline int FreePort() {
  static std::mutex mu;
  static std::set<int> taken;
  std::lock_guard lock(mu);
  for (;;) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      Fail("cannot pick a loopback port");
    }
    close(fd);
    const int port = ntohs(addr.sin_port);
    if (taken.insert(port).second) return port;
  }
}

struct RegionEndpoints {
  std::string name, publish, sync, client;
};

// Region `name` with three free loopback endpoints.
inline RegionEndpoints NewRegion(const std::string& name) {
  auto endpoint = [] {
    std::string e = "tcp://127.0.0.1:";  // not "literal" + to_string: GCC 12's false -Wrestrict
    e += std::to_string(FreePort());
    return e;
  };
  RegionEndpoints r;
  r.name = name;
  r.publish = endpoint();
  r.sync = endpoint();
  r.client = endpoint();
  return r;
}

// A cluster config of `regions`, each storing its data in dir/NAME.
inline ClusterConfig MakeClusterConfig(const std::vector<RegionEndpoints>& regions,
                                       const std::filesystem::path& dir) {
  std::string cluster = BenchProgram();
  std::replace(cluster.begin(), cluster.end(), '_', '-');
  std::string yaml = "cluster: " + cluster + "\nanti_entropy_interval_ms: 1000\nregions:\n";
  for (const RegionEndpoints& r : regions) {
    yaml += "  - {name: " + r.name + ", data_dir: " + r.name + ", publish: \"" + r.publish +
            "\", sync: \"" + r.sync + "\", client: \"" + r.client + "\"}\n";
  }
  return Must(ParseClusterConfig(yaml, BenchProgram(), dir.string()), "cluster config");
}

inline command::Command StatusCommand() {
  command::Command c;
  c.verb = command::Command::Verb::kStatus;
  return c;
}

// One region served on a thread of this process, as `crdtdb serve` serves it, from the moment it
// answers `status`; stopped (its store closed) when destroyed. `config` must outlive it.
class ServedRegion {
 public:
  ServedRegion(const ClusterConfig& config, const RegionEndpoints& region)
      : client_(region.client, 5000) {
    thread_ = std::thread([this, &config, name = region.name] {
      const crdtdb::Status s = server::Serve(config, name, /*node=*/"", stop_);
      if (!s.ok()) Fail("serve " + name + ": " + s.ToString());
    });
    const auto deadline = std::chrono::steady_clock::now() + kRegionStartBound;
    while (!client_.Exchange(command::EncodeCommand(StatusCommand())).ok()) {
      if (std::chrono::steady_clock::now() > deadline) {
        Fail("region " + region.name + " did not answer status");
      }
    }
  }
  ~ServedRegion() {
    stop_ = true;
    thread_.join();
  }
  ServedRegion(const ServedRegion&) = delete;
  ServedRegion& operator=(const ServedRegion&) = delete;

  // Runs `command` on the region; its stdout.
  std::string Run(const command::Command& command) {
    const std::string answer = Must(client_.Exchange(command::EncodeCommand(command)), "request");
    const command::Outcome outcome = Must(command::DecodeOutcome(answer), "answer");
    if (outcome.exit_code != 0) Fail("command failed: " + outcome.error);
    return outcome.out;
  }
  nlohmann::json Status() { return nlohmann::json::parse(Run(StatusCommand())); }

 private:
  std::atomic<bool> stop_{false};
  net::ClientConnection client_;
  std::thread thread_;
};

}  // namespace crdtdb::bench

#endif  // CRDTDB_BENCH_SERVED_REGION_H_
