// Copyright (c) crdtdb authors.
//
// A cluster of real `crdtdb serve` processes on loopback, for end-to-end tests against the outside
// contract (the design's interfaces.md: the region file, the CLI, `status`).
//
// RegionCluster picks free ports, writes a region file into a temporary directory (cluster "e2e",
// anti_entropy_interval_ms 300, regions us-east, eu-west and ap-south with data_dir relative to the
// file), and starts, pauses, kills and restarts the region servers on demand. It runs the crdtdb
// binary (CRDTDB_CLI_PATH) as a user would: against a region (--config/--region), an endpoint
// (--endpoint) or an embedded store (--data-dir), and waits for convergence with a deadline.
//
// Every server it started is stopped when it is destroyed, also when a check failed. Server logs
// (stdout and stderr of `serve`) go to logs/REGION.log in the temporary directory; failure messages
// carry their tails. Deadlines scale with CRDTDB_E2E_TIMEOUT_SCALE (a number >= 1; sanitizer
// builds double them). Doctest assertions are used only in the methods that say so, which must run
// on the test's thread; Cli, AtEndpoint, Local and Run may be called from any thread.

#ifndef CRDTDB_TESTS_E2E_REGION_CLUSTER_H_
#define CRDTDB_TESTS_E2E_REGION_CLUSTER_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "tests/cli/cli_runner.h"
#include "tests/e2e/server_process.h"
#include "tests/support/free_ports.h"
#include "tests/support/temp_dir.h"

#ifndef CRDTDB_CLI_PATH
#error "CRDTDB_CLI_PATH must name the crdtdb binary (tests/e2e/CMakeLists.txt sets it)"
#endif

namespace crdtdb::testing {

// ---- Time ----------------------------------------------------------------------------------

inline double TimeoutScale() {
  double scale = 1.0;
#ifdef CRDTDB_E2E_SANITIZED
  scale = 2.0;
#endif
  if (const char* s = std::getenv("CRDTDB_E2E_TIMEOUT_SCALE")) scale = std::max(1.0, std::atof(s));
  return scale;
}

// `ms` milliseconds, scaled for slow builds and machines.
inline std::chrono::milliseconds Scaled(int ms) {
  return std::chrono::milliseconds(static_cast<int64_t>(ms * TimeoutScale()));
}

constexpr int kConvergeMs = 30'000;     // writes done -> equal merkle_root and lists everywhere
constexpr int kReadyMs = 30'000;        // serve started -> answers `status`
constexpr int kCliTimeoutMs = 30'000;   // any one CLI run; beyond it the run is a hang (a failure)
constexpr int kPollMs = 100;            // between two looks at the cluster
constexpr int kStopMs = 10'000;         // SIGTERM -> exited

inline void SleepMs(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// ---- Text helpers --------------------------------------------------------------------------

inline std::string Join(const std::vector<std::string>& args) {
  std::string s;
  for (const std::string& a : args) s += (s.empty() ? "" : " ") + a;
  return s;
}

inline std::string Shorten(const std::string& s, size_t max = 600) {
  return s.size() <= max ? s : s.substr(0, max) + "...(" + std::to_string(s.size()) + " bytes)";
}

inline std::string Describe(const CliResult& r) {
  return "exit " + std::to_string(r.exit_code) + ", stdout: [" + Shorten(r.out) + "], stderr: [" +
         Shorten(r.err) + "]";
}

// The last `lines` lines of a file, or a note that it does not exist.
inline std::string FileTail(const std::string& path, size_t lines) {
  std::ifstream in(path);
  if (!in) return "(no file " + path + ")\n";
  std::deque<std::string> tail;
  std::string line;
  while (std::getline(in, line)) {
    tail.push_back(Shorten(line, 400));
    if (tail.size() > lines) tail.pop_front();
  }
  std::string s;
  for (const std::string& l : tail) s += "  | " + l + "\n";
  return s.empty() ? "  (empty)\n" : s;
}

// ---- The cluster ---------------------------------------------------------------------------

enum class Socket { kPublish, kSync, kClient };

// What every region showed at one moment: `status` and the `list` of some collections.
struct Snapshot {
  std::map<std::string, nlohmann::json> status;                          // region -> status
  std::map<std::string, std::map<std::string, std::string>> lists;       // region -> coll -> NDJSON
  std::string root(const std::string& region) const {
    const nlohmann::json& s = status.at(region);
    return s.contains("merkle_root") && s["merkle_root"].is_string()
               ? s["merkle_root"].get<std::string>()
               : "";
  }
};

class RegionCluster {
 public:
  RegionCluster() : regions_{"us-east", "eu-west", "ap-south"} {
    const std::vector<int> ports = PickFreePorts(3 * regions_.size());
    for (size_t i = 0; i < regions_.size(); ++i) {
      ports_[regions_[i]] = {ports[3 * i], ports[3 * i + 1], ports[3 * i + 2]};
    }
    std::filesystem::create_directories(dir_.Sub("logs"));
    // The servers and the CLI run in a directory of their own, so that a data_dir resolved against
    // the working directory instead of the file's would show.
    std::filesystem::create_directories(dir_.Sub("cwd"));
    config_path_ = WriteConfig("regions.yaml", {});
  }

  // Stops every server still running: SIGTERM, then SIGKILL after a bound.
  ~RegionCluster() {
    for (auto& [name, server] : servers_) {
      if (server) server->Terminate(kStopMs);
    }
  }
  RegionCluster(const RegionCluster&) = delete;
  RegionCluster& operator=(const RegionCluster&) = delete;

  // Writes the cluster's region file as `name` in the temporary directory, with the sync endpoint
  // of each region of `sync_ports` moved to that port, and returns its path. A server started with
  // such a file (Start's `config`) cannot reach those regions' sync endpoints when nothing listens
  // there: a cut of its sync links alone, while its delta streams stay up.
  std::string WriteConfig(const std::string& name,
                          const std::map<std::string, int>& sync_ports) const {
    const std::string path = dir_.Sub(name);
    std::ofstream out(path);
    out << "# written by tests/e2e/region_cluster.h\n"
        << "cluster: e2e\n"
        << "anti_entropy_interval_ms: 300\n"
        << "regions:\n";
    for (const std::string& r : regions_) {
      auto moved = sync_ports.find(r);
      out << "  - name: " << r << "\n"
          << "    data_dir: data/" << r << "\n"
          << "    publish: " << Endpoint(r, Socket::kPublish) << "\n"
          << "    sync: "
          << (moved == sync_ports.end() ? Endpoint(r, Socket::kSync)
                                        : "tcp://127.0.0.1:" + std::to_string(moved->second))
          << "\n"
          << "    client: " << Endpoint(r, Socket::kClient) << "\n";
    }
    if (!out.flush()) throw std::runtime_error("cannot write " + path);
    return path;
  }

  const std::vector<std::string>& regions() const { return regions_; }
  const std::string& config_path() const { return config_path_; }
  std::string Path(const std::string& relative) const { return dir_.Sub(relative); }
  const std::string& cwd() const { return cwd_; }

  int Port(const std::string& region, Socket which) const {
    const std::array<int, 3>& p = ports_.at(region);
    return p[which == Socket::kPublish ? 0 : which == Socket::kSync ? 1 : 2];
  }
  std::string Endpoint(const std::string& region, Socket which) const {
    return "tcp://127.0.0.1:" + std::to_string(Port(region, which));
  }

  // ---- Running the CLI (any thread) ----

  // crdtdb ARGS..., in the cluster's working directory. A run that does not finish within
  // `timeout_ms` is killed and throws, with the servers' logs in the message.
  CliResult Run(const std::vector<std::string>& args, const std::string& input = "",
                int timeout_ms = kCliTimeoutMs) const {
    try {
      return RunProcess(CRDTDB_CLI_PATH, args, input, cwd_, timeout_ms);
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string(e.what()) + " (" + std::to_string(timeout_ms) +
                               " ms): crdtdb " + Join(args) + "\n" + LogTails());
    }
  }
  // crdtdb --config FILE --region REGION ARGS...
  CliResult Cli(const std::string& region, std::vector<std::string> args,
                const std::string& input = "", int timeout_ms = kCliTimeoutMs) const {
    args.insert(args.begin(), {"--config", config_path_, "--region", region});
    return Run(args, input, timeout_ms);
  }
  // crdtdb --endpoint ENDPOINT ARGS...
  CliResult AtEndpoint(const std::string& endpoint, std::vector<std::string> args,
                       const std::string& input = "", int timeout_ms = kCliTimeoutMs) const {
    args.insert(args.begin(), {"--endpoint", endpoint});
    return Run(args, input, timeout_ms);
  }
  // crdtdb --data-dir DATA_DIR ARGS... (an embedded store, no server)
  CliResult Local(const std::string& data_dir, std::vector<std::string> args,
                  const std::string& input = "", int timeout_ms = kCliTimeoutMs) const {
    args.insert(args.begin(), {"--data-dir", data_dir});
    return Run(args, input, timeout_ms);
  }

  // ---- Servers (the test's thread; these assert) ----

  // Starts `crdtdb serve` for `region` (with the region file `config`, by default the cluster's)
  // and waits until it answers `status` as that region. Fails the test at once if the server exits,
  // and after kReadyMs if it never answers.
  void Start(const std::string& region, const std::string& config = "") {
    REQUIRE_MESSAGE(!IsRunning(region), region << " is already running");
    servers_[region].reset();
    servers_[region] = std::make_unique<ServerProcess>(
        std::vector<std::string>{CRDTDB_CLI_PATH, "serve", "--config",
                                 config.empty() ? config_path_ : config, "--region", region},
        cwd_, LogPath(region));
    ServerProcess& server = *servers_[region];
    const auto started = std::chrono::steady_clock::now();
    const auto deadline = started + Scaled(kReadyMs);
    // First its client endpoint takes connections (cheap to poll, and notices an early exit fast),
    // then it answers `status` as the region it was told to be.
    while (!TcpAccepts(Port(region, Socket::kClient))) {
      if (!server.Running()) {
        FAIL("crdtdb serve --region " << region << " " << server.HowEnded()
                                      << " before it was ready\n" << LogTail(region));
      }
      if (std::chrono::steady_clock::now() > deadline) {
        FAIL("crdtdb serve --region " << region << " did not listen on "
                                      << Endpoint(region, Socket::kClient) << " within "
                                      << Scaled(kReadyMs).count() << " ms\n" << LogTail(region));
      }
      SleepMs(20);
    }
    std::string last;
    for (int attempt = 1;; ++attempt) {
      const CliResult r = Cli(region, {"status"}, "", 15'000);
      if (r.exit_code == 0) {
        const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
        if (j.is_object() && j.contains("region") && j["region"] == region) return;
        last = "status printed something else than this region's status: " + Shorten(r.out);
      } else {
        last = Describe(r);
      }
      if (!server.Running()) {
        FAIL("crdtdb serve --region " << region << " " << server.HowEnded()
                                      << " before it answered status; last status: " << last
                                      << "\n" << LogTail(region));
      }
      if (std::chrono::steady_clock::now() > deadline) {
        FAIL(region << " did not answer status within " << Scaled(kReadyMs).count() << " ms ("
                    << attempt << " attempts); last: " << last << "\n" << LogTail(region));
      }
      SleepMs(kPollMs);
    }
  }
  void StartAll() {
    for (const std::string& r : regions_) Start(r);
  }

  bool IsRunning(const std::string& region) {
    auto it = servers_.find(region);
    return it != servers_.end() && it->second && it->second->Running();
  }
  ServerProcess& Server(const std::string& region) {
    auto it = servers_.find(region);
    REQUIRE_MESSAGE((it != servers_.end() && it->second), region << " was never started");
    return *it->second;
  }
  // Fails the test, with the logs, unless every one of `regions` is still running.
  void RequireRunning(const std::vector<std::string>& regions) {
    for (const std::string& r : regions) {
      if (!IsRunning(r)) {
        FAIL(r << " is not running ("
               << (servers_.count(r) != 0 && servers_[r] ? servers_[r]->HowEnded() : "never started")
               << ")\n" << LogTails());
      }
    }
  }

  void Kill(const std::string& region) { Server(region).Kill(); }      // kill -9
  void Pause(const std::string& region) { Server(region).Pause(); }    // SIGSTOP
  void Resume(const std::string& region) { Server(region).Resume(); }  // SIGCONT
  // SIGTERM; true if it exited within kStopMs (then Server(region).exit_code() says how).
  bool Stop(const std::string& region) { return Server(region).Terminate(Scaled(kStopMs).count()); }

  // `status` of a region as JSON; fails the test if it does not answer with a JSON object.
  nlohmann::json Status(const std::string& region) const {
    const CliResult r = Cli(region, {"status"}, "", 15'000);
    REQUIRE_MESSAGE(r.exit_code == 0, "status of " << region << ": " << Describe(r) << "\n"
                                                   << LogTail(region));
    const nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
    REQUIRE_MESSAGE(j.is_object(), "status of " << region << " is not a JSON object: " << r.out);
    return j;
  }

  // Polls until every one of `regions` shows the same merkle_root, the same `documents` and the
  // same `list` of every one of `collections`, and returns what they showed. Fails the test with
  // the last observation and the logs after kConvergeMs, or at once if a server exits.
  Snapshot WaitConverged(const std::vector<std::string>& regions,
                         const std::vector<std::string>& collections) {
    const auto deadline = std::chrono::steady_clock::now() + Scaled(kConvergeMs);
    std::string last;
    while (true) {
      RequireRunning(regions);
      Snapshot s;
      std::string problem;
      for (const std::string& r : regions) {
        const CliResult st = Cli(r, {"status"}, "", 15'000);
        nlohmann::json j = nlohmann::json::parse(st.out, nullptr, false);
        if (st.exit_code != 0 || !j.is_object()) {
          problem = r + " status: " + Describe(st);
          break;
        }
        s.status[r] = std::move(j);
        for (const std::string& c : collections) {
          const CliResult l = Cli(r, {"list", "/" + c}, "", 15'000);
          if (l.exit_code != 0) {
            problem = r + " list /" + c + ": " + Describe(l);
            break;
          }
          s.lists[r][c] = l.out;
        }
        if (!problem.empty()) break;
      }
      if (problem.empty()) {
        problem = Difference(s, regions, collections);
        if (problem.empty()) return s;
        last = problem + "\n" + Summary(s, regions, collections);
      } else {
        last = problem;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        FAIL("regions " << Join(regions) << " did not converge within "
                        << Scaled(kConvergeMs).count() << " ms: " << last << "\n"
                        << LogTails());
      }
      SleepMs(kPollMs);
    }
  }

  // ---- Logs ----

  std::string LogPath(const std::string& region) const { return dir_.Sub("logs/" + region + ".log"); }
  std::string LogTail(const std::string& region, size_t lines = 30) const {
    return "--- tail of the log of " + region + " (" + LogPath(region) + ") ---\n" +
           FileTail(LogPath(region), lines);
  }
  std::string LogTails(size_t lines = 30) const {
    std::string s;
    for (const std::string& r : regions_) s += LogTail(r, lines);
    return s;
  }

 private:
  // Empty if `s` shows the regions converged; else what differs.
  static std::string Difference(const Snapshot& s, const std::vector<std::string>& regions,
                                const std::vector<std::string>& collections) {
    const std::string& first = regions.front();
    if (s.root(first).empty()) return first + " status has no merkle_root string";
    for (const std::string& r : regions) {
      if (s.root(r) != s.root(first)) return "merkle_root differs";
      if (s.status.at(r).value("documents", nlohmann::json()) !=
          s.status.at(first).value("documents", nlohmann::json())) {
        return "documents differs";
      }
      for (const std::string& c : collections) {
        if (s.lists.at(r).at(c) != s.lists.at(first).at(c)) return "list /" + c + " differs";
      }
    }
    return "";
  }
  static std::string Summary(const Snapshot& s, const std::vector<std::string>& regions,
                             const std::vector<std::string>& collections) {
    std::ostringstream out;
    for (const std::string& r : regions) {
      out << "  " << r << ": merkle_root " << s.root(r) << ", documents "
          << s.status.at(r).value("documents", nlohmann::json()).dump();
      for (const std::string& c : collections) {
        const std::string& l = s.lists.at(r).at(c);
        out << ", /" << c << " " << std::count(l.begin(), l.end(), '\n') << " lines";
      }
      out << "\n";
      for (const std::string& c : collections) {
        std::string listing = Shorten(s.lists.at(r).at(c), 300);
        for (size_t at = listing.find('\n'); at != std::string::npos && at + 1 < listing.size();
             at = listing.find('\n', at + 1)) {
          listing.insert(at + 1, "      ");
        }
        out << "    /" << c << ":\n      " << listing << "\n";
      }
    }
    return out.str();
  }

  TempDir dir_;  // first member: removed last, after the servers have stopped
  std::vector<std::string> regions_;
  std::map<std::string, std::array<int, 3>> ports_;  // publish, sync, client
  std::string config_path_;
  std::string cwd_ = dir_.Sub("cwd");
  std::map<std::string, std::unique_ptr<ServerProcess>> servers_;
};

}  // namespace crdtdb::testing

#endif  // CRDTDB_TESTS_E2E_REGION_CLUSTER_H_
