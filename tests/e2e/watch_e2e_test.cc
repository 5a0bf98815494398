// Copyright (c) crdtdb authors.
//
// `crdtdb watch` against running regions (docs/changes.md): a watcher of us-east sees every
// local and replicated change in the order us-east applied them (their cursors' sequences run
// 1, 2, 3, ... without a gap, since every change is under the watched prefix). Killed with -9 and
// started again with its last cursor, after us-east itself was killed with -9 and restarted, it
// goes on right after that cursor with nothing missed. Bad and foreign cursors are refused.

#include <algorithm>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/region_cluster.h"

namespace crdtdb::testing {
namespace {

// What a watcher printed so far: its complete JSON lines (stderr shares the file).
struct Watched {
  std::vector<uint64_t> sequences;
  std::vector<std::string> paths;
  std::string last_cursor;
};

Watched ReadWatchLog(const std::string& path) {
  Watched w;
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    const std::string line = text.substr(start, end - start);
    if (!line.starts_with("{")) continue;
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    REQUIRE_MESSAGE((j.is_object() && j.contains("cursor") && j.contains("path")), "watch printed " << line);
    REQUIRE_MESSAGE((j.contains("doc") || j.value("deleted", false)), "watch printed " << line);
    w.last_cursor = j["cursor"];
    w.sequences.push_back(std::stoull(w.last_cursor.substr(w.last_cursor.find('-') + 1)));
    w.paths.push_back(j["path"]);
  }
  return w;
}

// Waits until the watcher printed every path of `wanted` (bounded; then fails with what it saw).
Watched WaitWatched(const std::string& log, const std::set<std::string>& wanted) {
  const auto deadline = std::chrono::steady_clock::now() + Scaled(kConvergeMs);
  for (;;) {
    Watched w = ReadWatchLog(log);
    std::set<std::string> missing = wanted;
    for (const std::string& p : w.paths) missing.erase(p);
    if (missing.empty()) return w;
    if (std::chrono::steady_clock::now() > deadline) {
      FAIL("the watcher never printed " << *missing.begin() << " (" << missing.size() << " missing)");
    }
    SleepMs(kPollMs);
  }
}

std::unique_ptr<ServerProcess> StartWatcher(const RegionCluster& cluster, const std::string& region,
                                            const std::string& since, const std::string& log) {
  return std::make_unique<ServerProcess>(
      std::vector<std::string>{CRDTDB_CLI_PATH, "--config", cluster.config_path(), "--region", region, "watch",
                               "/t", "--since", since},
      cluster.cwd(), log);
}

// Puts /t/NAME on `region`; returns the path.
std::string PutOn(const RegionCluster& cluster, const std::string& region, const std::string& name) {
  const CliResult r = cluster.Cli(region, {"put", "/t/" + name, R"({"by": ")" + region + R"("})"});
  REQUIRE_MESSAGE(r.exit_code == 0, Describe(r));
  return "/t/" + name;
}

// The paths of `region`'s writes in the order the watcher printed them.
std::vector<std::string> OfRegion(const Watched& w, const std::string& tag) {
  std::vector<std::string> out;
  for (const std::string& p : w.paths) {
    if (p.find(tag) != std::string::npos) out.push_back(p);
  }
  return out;
}

TEST_CASE("watch: every change in apply order, resumed after kill -9 of the watcher and of the replica") {
  RegionCluster cluster;
  cluster.Start("us-east");
  cluster.Start("eu-west");

  const std::string log1 = cluster.Path("logs/watch-1.log");
  auto watcher = StartWatcher(cluster, "us-east", "0", log1);
  std::set<std::string> first;
  std::vector<std::string> local_order, remote_order;
  for (int i = 0; i < 10; ++i) {
    local_order.push_back(PutOn(cluster, "us-east", "us-a" + std::to_string(i)));
    remote_order.push_back(PutOn(cluster, "eu-west", "eu-a" + std::to_string(i)));
  }
  first.insert(local_order.begin(), local_order.end());
  first.insert(remote_order.begin(), remote_order.end());
  const Watched w1 = WaitWatched(log1, first);
  // In the order us-east applied them: its own writes as made; eu-west's as they arrived (the
  // stream, or gap repair and anti-entropy for what a new subscription missed), each once.
  CHECK(OfRegion(w1, "/t/us-") == local_order);
  std::vector<std::string> remote_seen = OfRegion(w1, "/t/eu-");
  std::sort(remote_seen.begin(), remote_seen.end());
  CHECK(remote_seen == remote_order);
  for (size_t i = 0; i < w1.sequences.size(); ++i) CHECK(w1.sequences[i] == i + 1);
  watcher->Kill();

  // While nobody watches: writes, a kill -9 of us-east, writes while it is down, a restart.
  std::set<std::string> second;
  for (int i = 0; i < 5; ++i) {
    second.insert(PutOn(cluster, "us-east", "us-b" + std::to_string(i)));
    second.insert(PutOn(cluster, "eu-west", "eu-b" + std::to_string(i)));
  }
  cluster.Kill("us-east");
  for (int i = 0; i < 5; ++i) second.insert(PutOn(cluster, "eu-west", "eu-c" + std::to_string(i)));
  cluster.Start("us-east");
  for (int i = 0; i < 5; ++i) second.insert(PutOn(cluster, "us-east", "us-c" + std::to_string(i)));

  const std::string log2 = cluster.Path("logs/watch-2.log");
  watcher = StartWatcher(cluster, "us-east", w1.last_cursor, log2);
  const Watched w2 = WaitWatched(log2, second);
  // Right after the last cursor the first watcher printed, and not one change skipped.
  REQUIRE(!w2.sequences.empty());
  for (size_t i = 0; i < w2.sequences.size(); ++i) CHECK(w2.sequences[i] == w1.sequences.back() + 1 + i);
  for (const std::string& p : w2.paths) CHECK(first.count(p) == 0);

  // A malformed cursor is exit 2; another replica's cursor is exit 1, saying to resync.
  const CliResult bad = cluster.Cli("us-east", {"watch", "/t", "--since", "nope"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("cursor") != std::string::npos);
  const CliResult foreign = cluster.Cli("eu-west", {"watch", "/t", "--since", w1.last_cursor});
  CHECK(foreign.exit_code == 1);
  CHECK(foreign.err.find("resync") != std::string::npos);
}

TEST_CASE("watch: an embedded store prints the changes since a cursor and exits") {
  RegionCluster cluster;
  const std::string data = cluster.Path("local");
  for (int i = 0; i < 3; ++i) {
    const CliResult r = cluster.Local(data, {"put", "/t/" + std::to_string(i), "{}"});
    REQUIRE_MESSAGE(r.exit_code == 0, Describe(r));
  }
  REQUIRE(cluster.Local(data, {"delete", "/t/1"}).exit_code == 0);
  const CliResult all = cluster.Local(data, {"watch", "/t", "--since", "0"});
  REQUIRE_MESSAGE(all.exit_code == 0, Describe(all));
  std::vector<nlohmann::json> lines;
  size_t start = 0;
  for (size_t end; (end = all.out.find('\n', start)) != std::string::npos; start = end + 1) {
    lines.push_back(nlohmann::json::parse(all.out.substr(start, end - start)));
  }
  REQUIRE(lines.size() == 4);
  CHECK(lines[0]["path"] == "/t/0");
  CHECK(lines[3]["path"] == "/t/1");
  CHECK(lines[3]["deleted"] == true);
  const CliResult rest = cluster.Local(data, {"watch", "/t", "--since", lines[2]["cursor"]});
  REQUIRE(rest.exit_code == 0);
  CHECK(rest.out.find("\"/t/1\"") != std::string::npos);
  CHECK(rest.out.find("\"/t/2\"") == std::string::npos);
}

}  // namespace
}  // namespace crdtdb::testing
