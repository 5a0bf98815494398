// Copyright (c) crdtdb authors.
//
// move_bench: issue 18's figures of moves and of replication between regions of several nodes
// (docs/sharding.md), each beside a baseline measured in the same run. Every node is a
// `crdtdb serve` process of its own (node_process.h), as an operator runs it.
//
//   move_bench [--quick] [--docs N] [--partitions P] [--rate W] [--seconds S] [--only move|lag]
//              [--crdtdb PATH] [--dir DIR] [--keep]
//
// Groups (documents: 5-field JSON objects of 200 bytes, as in the other benches):
//   move  A region of one node (listed under `nodes:`, so that a second can join) holding N
//         documents (default 20,000) in P partitions (default 32). The node is stopped and its
//         store read with the library: the documents of the partitions that the node `m-2` will
//         own once it joins, and the sum of their stored encoded states (Store::Scan: what the
//         old owner holds of them and must send). The node is started again; the configuration
//         rewritten with m-2; m-2 started; SIGHUP to m-1 (docs/sharding.md, "Runbook"). Value:
//         the time from the SIGHUP until the region's status (command::RegionStatus, as
//         `crdtdb --config F --region R status` prints it) shows no move, no node on another
//         placement and no unavailable partition, polled every 20 ms; the bytes the two nodes
//         sent during the move (their status counters `bytes_sent`: m-1's since just before m-2
//         started, m-2's since it started; every byte either sent is one the other received)
//         against the moved encoded states (issue 18: <= 1.2x + a constant); documents moved
//         per second. Checked: m-2 then holds exactly the moved documents, m-1 the others.
//   lag   The same write load, W puts per second (default 500) for S seconds (default 10), each
//         sent to the owner of its document over a connection kept per node, into region a of
//         a pair of regions a and b: two one-node regions (the baseline), then two regions of
//         three nodes with replication factor 1. An observer asks every node of b for its status
//         in turn, ~1 ms apart, and notes when each node of b has applied (or, for a partition
//         it does not own, covered) each sequence of each node of a (`peers[].last_delta_seq`);
//         a write to a-node X with sequence s is applied in b when the b-node that owns its
//         partition shows s for X. Values: p50 and p99 of the time from sending the put until
//         then, three-node regions against one-node regions.
//
// --quick: the smoke run (2,000 documents in 8 partitions; 2 s at 100 writes/s); its figures only
// show that everything runs. --crdtdb: the binary to serve nodes with (default: the one built
// beside this program). --dir: where the nodes' stores go (default: a new directory under $TMPDIR,
// removed at the end unless --keep). Build with CMAKE_BUILD_TYPE=Release for real numbers.
//
// Output as the other benches (bench_harness.h): JSON lines on stdout, detail and a Markdown
// table on stderr. Every put is checked, every wait is bounded; anything wrong aborts, and the
// nodes die with the bench (node_process.h).

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_dir.h"
#include "bench_fail.h"
#include "bench_harness.h"
#include "cluster/placement.h"
#include "command/command.h"
#include "command/region_router.h"
#include "command/region_status.h"
#include "config/cluster_config.h"
#include "db/key.h"
#include "net/client_call.h"
#include "node_process.h"
#include "served_region.h"
#include "store/store.h"

namespace crdtdb::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr size_t kDocBytes = 200;
constexpr uint32_t kLagPartitions = 256;
constexpr auto kMoveBound = std::chrono::seconds(600);   // the move must finish within this
constexpr auto kApplyBound = std::chrono::seconds(120);  // the last write must reach b within this
constexpr auto kMovePoll = std::chrono::milliseconds(20);
// What the group directories are called under --dir.
constexpr const char* kGroupDirs[] = {"move", "lag-1", "lag-3"};

struct Config {
  uint64_t docs = 20'000;
  uint32_t partitions = 32;
  uint64_t rate = 500;
  uint64_t seconds = 10;
  std::string only;
  std::string crdtdb = CRDTDB_BINARY;
  DatabaseDir dir;
};

std::string DocKey(uint64_t n) {
  std::string key = "c/";  // built in place: GCC 12's false -Wrestrict on "literal" + to_string
  key += std::to_string(n);
  return key;
}

command::Command Put(uint64_t n) {
  command::Command c;
  c.verb = command::Command::Verb::kPut;
  c.path = DocKey(n);
  c.json = DocJson(n, 1, kDocBytes);
  return c;
}

command::Outcome Call(net::ClientConnection& connection, const command::Command& command) {
  return Must(command::DecodeOutcome(Must(connection.Exchange(command::EncodeCommand(command)),
                                          "request", command.path)),
              "answer");
}

json NodeStatus(net::ClientConnection& connection) {
  const command::Outcome status = Call(connection, StatusCommand());
  if (status.exit_code != 0) Fail("status: " + status.error);
  return json::parse(status.out);
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// A node of the configurations this bench writes: its endpoints stay the same when the file is
// rewritten (a reload refuses a node whose endpoints changed).
struct Node {
  std::string name, publish, sync, client;
};

Node NewNode(const std::string& name) {
  const RegionEndpoints e = NewRegion(name);
  return Node{name, e.publish, e.sync, e.client};
}

struct RegionSpec {
  std::string name;
  std::vector<Node> nodes;
  bool listed = true;  // false: a one-node region written without `nodes:`, as today
};

// The YAML of `regions`, each node storing its data in a directory named after it beside the file.
std::string ClusterYaml(uint32_t partitions, const std::vector<RegionSpec>& regions) {
  std::string yaml =
      "cluster: move-bench\npartitions: " + std::to_string(partitions) + "\nregions:\n";
  auto endpoints = [](const std::string& indent, const Node& node) {
    return indent + "data_dir: " + node.name + "\n" + indent + "publish: \"" + node.publish +
           "\"\n" + indent + "sync: \"" + node.sync + "\"\n" + indent + "client: \"" + node.client +
           "\"\n";
  };
  for (const RegionSpec& region : regions) {
    yaml += "  - name: " + region.name + "\n";
    if (!region.listed) {
      yaml += endpoints("    ", region.nodes.at(0));
      continue;
    }
    yaml += "    replication_factor: 1\n    nodes:\n";
    for (const Node& node : region.nodes)
      yaml += "      - name: " + node.name + "\n" + endpoints("        ", node);
  }
  return yaml;
}

void WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) Fail("cannot write " + path.string());
}

std::unique_ptr<NodeProcess> StartNode(const Config& cfg, const fs::path& yaml,
                                       const std::string& region, const Node& node, bool listed) {
  return std::make_unique<NodeProcess>(cfg.crdtdb, yaml.string(), region, listed ? node.name : "",
                                       node.client,
                                       (yaml.parent_path() / (node.name + ".log")).string());
}

// ---------------------------------------------------------------------------------------------
// move

// What the partitions that move hold, read from the old owner's stopped store.
struct Moved {
  uint64_t documents = 0;
  uint64_t state_bytes = 0;  // the stored encoded states
  uint64_t key_bytes = 0;
  uint32_t partitions = 0;
};

Moved ReadMoved(const fs::path& data_dir, const cluster::Placement& placement,
                const std::string& target) {
  store::StoreOptions options;
  options.path = data_dir.string();
  options.read_only = true;
  options.create_if_missing = false;
  const std::unique_ptr<store::Store> store =
      Must(store::Store::Open(options), "open " + data_dir.string());
  const cluster::PartitionSet owned = placement.OwnedBy(target);
  Moved moved;
  for (cluster::PartitionId p = 0; p < placement.partitioning().count(); ++p)
    moved.partitions += owned.Contains(p);
  MustOk(store->Scan("", "",
                     [&](std::string_view key, std::string_view state) {
                       if (owned.Contains(placement.partitioning().PartitionOf(key))) {
                         ++moved.documents;
                         moved.state_bytes += state.size();
                         moved.key_bytes += key.size();
                       }
                       return true;
                     }),
         "scan");
  return moved;
}

uint64_t Counter(const json& status, const char* name) { return status.at(name).get<uint64_t>(); }

void MoveGroup(const Config& cfg, const fs::path& parent, Reporter& out) {
  const fs::path dir = parent / "move";
  fs::create_directories(dir);
  const fs::path yaml = dir / "cluster.yaml";
  const Node first = NewNode("m-1"), second = NewNode("m-2");
  const std::string before_yaml = ClusterYaml(cfg.partitions, {{"m", {first}}});
  const std::string after_yaml = ClusterYaml(cfg.partitions, {{"m", {first, second}}});
  WriteFile(yaml, before_yaml);

  Stopwatch fill;
  {
    const NodeProcess node(cfg.crdtdb, yaml.string(), "m", first.name, first.client,
                           (dir / "m-1.log").string());
    net::ClientConnection connection(first.client, 5000);
    for (uint64_t n = 0; n < cfg.docs; ++n) {
      const command::Outcome put = Call(connection, Put(n));
      if (put.exit_code != 0) Fail("put " + DocKey(n) + ": " + put.error);
    }
  }
  const double fill_s = fill.Seconds();
  // The placement after the move, from the file as the nodes will read it.
  const fs::path after_path = dir / "after.yaml";
  WriteFile(after_path, after_yaml);
  const ClusterConfig after = Must(LoadClusterConfig(after_path.string()), "config");
  const cluster::Placement placement = cluster::Placement::Compute(after);
  const Moved moved = ReadMoved(dir / first.name, placement, second.name);
  std::fprintf(
      stderr,
      "move_bench: move: %llu documents put in %.1f s; %u of %u partitions move to m-2 with "
      "%llu documents, %llu bytes of encoded states (+ %llu bytes of keys)\n",
      static_cast<unsigned long long>(cfg.docs), fill_s, moved.partitions, cfg.partitions,
      static_cast<unsigned long long>(moved.documents),
      static_cast<unsigned long long>(moved.state_bytes),
      static_cast<unsigned long long>(moved.key_bytes));
  if (moved.documents == 0) Fail("no document moves");

  const auto source = std::make_unique<NodeProcess>(cfg.crdtdb, yaml.string(), "m", first.name,
                                                    first.client, (dir / "m-1.log").string());
  net::ClientConnection first_client(first.client, 5000);
  const json source_before = NodeStatus(first_client);
  WriteFile(yaml, after_yaml);
  Stopwatch start_target;
  const auto target = std::make_unique<NodeProcess>(cfg.crdtdb, yaml.string(), "m", second.name,
                                                    second.client, (dir / "m-2.log").string());
  const double target_start_s = start_target.Seconds();
  // m-2 shares no partition with m-1 until m-1 reloads (m-1 still owns everything): nothing moves
  // before the SIGHUP, which this checks.
  net::ClientConnection second_client(second.client, 5000);
  if (Counter(NodeStatus(second_client), "documents") != 0)
    Fail("m-2 held documents before the SIGHUP");

  const RegionConfig& region = after.regions.at(0);
  const command::RegionRouter router(after, region, command::RouterOptions{});
  Stopwatch move;
  source->Reload();
  json status;
  uint64_t polls = 0;
  for (;;) {
    const command::Outcome outcome = command::RegionStatus(router, after, region, "");
    ++polls;
    status = json::parse(outcome.out, nullptr, /*allow_exceptions=*/false);
    if (status.is_object() && status.at("moves").empty() &&
        status.at("nodes_on_another_placement").empty() &&
        status.at("unavailable_partitions").empty()) {
      break;
    }
    if (move.Seconds() > std::chrono::duration<double>(kMoveBound).count()) {
      Fail("the move did not finish; last status: " + outcome.out + outcome.error);
    }
    std::this_thread::sleep_for(kMovePoll);
  }
  const double move_s = move.Seconds();

  // The nodes' counters as the status that showed the move done gave them.
  uint64_t sent = 0, received = 0;
  std::map<std::string, json> nodes;
  for (const json& node : status.at("nodes")) nodes[node.at("name").get<std::string>()] = node;
  const json& source_after = nodes.at(first.name);
  const json& target_after = nodes.at(second.name);
  sent = Counter(source_after, "bytes_sent") - Counter(source_before, "bytes_sent") +
         Counter(target_after, "bytes_sent");
  received = Counter(source_after, "bytes_received") - Counter(source_before, "bytes_received") +
             Counter(target_after, "bytes_received");
  const uint64_t target_docs = Counter(target_after, "documents");
  const uint64_t source_docs = Counter(source_after, "documents");
  if (target_docs != moved.documents || source_docs != cfg.docs - moved.documents) {
    Fail("after the move m-2 holds " + std::to_string(target_docs) + " documents (expected " +
         std::to_string(moved.documents) + "), m-1 " + std::to_string(source_docs));
  }
  std::fprintf(stderr,
               "move_bench: move: m-2 answered status %.2f s after its start; the move took %.2f s "
               "after the "
               "SIGHUP (%llu status polls); bytes sent %llu (m-1 %llu, m-2 %llu), received %llu\n",
               target_start_s, move_s, static_cast<unsigned long long>(polls),
               static_cast<unsigned long long>(sent),
               static_cast<unsigned long long>(Counter(source_after, "bytes_sent") -
                                               Counter(source_before, "bytes_sent")),
               static_cast<unsigned long long>(Counter(target_after, "bytes_sent")),
               static_cast<unsigned long long>(received));
  const std::string prefix = "move_" + std::to_string(cfg.docs) + "docs_" +
                             std::to_string(moved.partitions) + "of" +
                             std::to_string(cfg.partitions) + "p";
  out.Report({prefix + "_bytes", static_cast<double>(sent), "bytes", "moved_encoded_state_bytes",
              static_cast<double>(moved.state_bytes)});
  out.Report({prefix + "_seconds", move_s, "s", "fill_seconds", fill_s});
  out.Report({prefix + "_docs_per_s", static_cast<double>(moved.documents) / move_s, "docs/s",
              "fill_docs_per_s", static_cast<double>(cfg.docs) / fill_s});
}

// ---------------------------------------------------------------------------------------------
// lag

struct Lag {
  std::vector<double> lag_ms;         // per write: put sent until applied in b
  std::vector<double> round_trip_ms;  // per write: put sent until acknowledged by a
  double rate = 0;                    // writes per second achieved
};

// Each node of b's view of the delta streams of a's nodes, as the observer saw it change.
struct Seen {
  Clock::time_point at;
  uint64_t sequence;
};

Lag LagRun(const Config& cfg, const fs::path& parent, int nodes) {
  const fs::path dir = parent / ("lag-" + std::to_string(nodes));
  fs::create_directories(dir);
  const fs::path yaml = dir / "cluster.yaml";
  std::vector<RegionSpec> regions;
  for (const std::string name : {"a", "b"}) {
    RegionSpec region{name, {}, nodes > 1};
    if (nodes == 1) region.nodes.push_back(NewNode(name));
    for (int i = 1; nodes > 1 && i <= nodes; ++i)
      region.nodes.push_back(NewNode(name + "-" + std::to_string(i)));
    regions.push_back(std::move(region));
  }
  WriteFile(yaml, ClusterYaml(kLagPartitions, regions));
  const ClusterConfig config = Must(LoadClusterConfig(yaml.string()), "config");
  const cluster::Placement placement = cluster::Placement::Compute(config);
  std::vector<std::unique_ptr<NodeProcess>> processes;
  for (const RegionSpec& region : regions) {
    for (const Node& node : region.nodes)
      processes.push_back(StartNode(cfg, yaml, region.name, node, region.listed));
  }
  const std::vector<Node>& a = regions[0].nodes;
  const std::vector<Node>& b = regions[1].nodes;
  auto index_of = [](const std::vector<Node>& in, const std::string& name) {
    for (size_t i = 0; i < in.size(); ++i) {
      if (in[i].name == name) return i;
    }
    Fail("no node " + name);
  };

  // Per write: the a-node it goes to, its sequence there (the stores are new: the k-th put to a
  // node is its sequence k), and the b-node that keeps it.
  const uint64_t writes = cfg.rate * cfg.seconds;
  std::vector<size_t> a_node(writes), b_node(writes);
  std::vector<uint64_t> sequence(writes);
  std::vector<uint64_t> per_a(a.size(), 0);
  for (uint64_t i = 0; i < writes; ++i) {
    const cluster::PartitionId p =
        placement.partitioning().PartitionOf(Must(db::NormalizeKey(DocKey(i)), "key"));
    a_node[i] = index_of(a, placement.Owners("a", p)[0]);
    b_node[i] = index_of(b, placement.Owners("b", p)[0]);
    sequence[i] = ++per_a[a_node[i]];
  }

  // seen[y][x]: b-node y's last_delta_seq of a-node x, each time it rose.
  std::vector<std::vector<std::vector<Seen>>> seen(b.size(),
                                                   std::vector<std::vector<Seen>>(a.size()));
  std::thread observer([&] {
    std::vector<std::unique_ptr<net::ClientConnection>> connections;
    for (const Node& node : b)
      connections.push_back(std::make_unique<net::ClientConnection>(node.client, 5000));
    const auto deadline = Clock::now() + std::chrono::seconds(cfg.seconds) + kApplyBound;
    for (bool done = false; !done;) {
      if (Clock::now() > deadline) Fail("region b did not apply every write of region a");
      done = true;
      for (size_t y = 0; y < b.size(); ++y) {
        const json status = NodeStatus(*connections[y]);
        const auto now = Clock::now();
        for (const json& peer : status.at("peers")) {
          const std::string name = peer.at("region").get<std::string>();
          const auto it =
              std::find_if(a.begin(), a.end(), [&](const Node& n) { return n.name == name; });
          if (it == a.end()) continue;
          const size_t x = static_cast<size_t>(it - a.begin());
          const uint64_t s = peer.at("last_delta_seq").get<uint64_t>();
          if (seen[y][x].empty() || seen[y][x].back().sequence < s) seen[y][x].push_back({now, s});
        }
        for (size_t x = 0; x < a.size(); ++x) {
          if (seen[y][x].empty() || seen[y][x].back().sequence < per_a[x]) done = false;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });

  std::vector<std::unique_ptr<net::ClientConnection>> connections;
  for (const Node& node : a)
    connections.push_back(std::make_unique<net::ClientConnection>(node.client, 5000));
  std::vector<Clock::time_point> sent(writes), acked(writes);
  const auto start = Clock::now();
  for (uint64_t i = 0; i < writes; ++i) {
    std::this_thread::sleep_until(start + std::chrono::microseconds(i * 1'000'000 / cfg.rate));
    sent[i] = Clock::now();
    const command::Outcome put = Call(*connections[a_node[i]], Put(i));
    acked[i] = Clock::now();
    if (put.exit_code != 0 || !put.redirect.empty()) Fail("put " + DocKey(i) + ": " + put.error);
  }
  const double write_s = std::chrono::duration<double>(Clock::now() - start).count();
  observer.join();
  for (size_t x = 0; x < a.size(); ++x) {
    if (Counter(NodeStatus(*connections[x]), "last_sequence") != per_a[x]) {
      Fail("node " + a[x].name + "'s sequence is not its write count");
    }
  }

  Lag lag;
  lag.rate = static_cast<double>(writes) / write_s;
  for (uint64_t i = 0; i < writes; ++i) {
    const std::vector<Seen>& timeline = seen[b_node[i]][a_node[i]];
    const auto at = std::find_if(timeline.begin(), timeline.end(),
                                 [&](const Seen& s) { return s.sequence >= sequence[i]; });
    lag.lag_ms.push_back(std::chrono::duration<double, std::milli>(at->at - sent[i]).count());
    lag.round_trip_ms.push_back(
        std::chrono::duration<double, std::milli>(acked[i] - sent[i]).count());
  }
  std::fprintf(stderr,
               "move_bench: lag, regions of %d node(s): %llu puts at %.0f/s; lag p50 %.2f ms, p99 "
               "%.2f ms; put "
               "round trip p50 %.3f ms, p99 %.3f ms\n",
               nodes, static_cast<unsigned long long>(writes), lag.rate,
               Percentile(lag.lag_ms, 0.5), Percentile(lag.lag_ms, 0.99),
               Percentile(lag.round_trip_ms, 0.5), Percentile(lag.round_trip_ms, 0.99));
  return lag;
}

void LagGroup(const Config& cfg, const fs::path& parent, Reporter& out) {
  const Lag one = LagRun(cfg, parent, 1);
  const Lag three = LagRun(cfg, parent, 3);
  out.Report({"lag_3nodes_rf1_p50_ms", Percentile(three.lag_ms, 0.5), "ms",
              "one_node_regions_p50_ms", Percentile(one.lag_ms, 0.5)});
  out.Report({"lag_3nodes_rf1_p99_ms", Percentile(three.lag_ms, 0.99), "ms",
              "one_node_regions_p99_ms", Percentile(one.lag_ms, 0.99)});
  out.Report({"lag_3nodes_rf1_write_rate", three.rate, "writes/s", "one_node_regions_write_rate",
              one.rate});
}

// ---------------------------------------------------------------------------------------------

int Main(int argc, char** argv) {
  SetBenchProgram("move_bench");
  WarnIfNotRelease();
  Config cfg;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const char* next = i + 1 < argc ? argv[i + 1] : nullptr;
    if (arg == "--quick") {
      cfg.docs = 2'000;
      cfg.partitions = 8;
      cfg.rate = 100;
      cfg.seconds = 2;
    } else if (arg == "--docs") {
      cfg.docs = ParseCount("--docs", next), ++i;
    } else if (arg == "--partitions") {
      cfg.partitions = static_cast<uint32_t>(ParseCount("--partitions", next)), ++i;
    } else if (arg == "--rate") {
      cfg.rate = ParseCount("--rate", next), ++i;
    } else if (arg == "--seconds") {
      cfg.seconds = ParseCount("--seconds", next), ++i;
    } else if (arg == "--only" && next != nullptr &&
               (std::string(next) == "move" || std::string(next) == "lag")) {
      cfg.only = next, ++i;
    } else if (arg == "--crdtdb" && next != nullptr) {
      cfg.crdtdb = next, ++i;
    } else if (!cfg.dir.ParseFlag(argc, argv, &i)) {
      std::fprintf(
          stderr,
          "usage: move_bench [--quick] [--docs N] [--partitions P] [--rate W] [--seconds S] "
          "[--only move|lag] [--crdtdb PATH] [--dir DIR] [--keep]\n");
      return 2;
    }
  }
  Reporter reporter;
  const fs::path& dir = cfg.dir.Create();
  if (cfg.only.empty() || cfg.only == "move") MoveGroup(cfg, dir, reporter);
  if (cfg.only.empty() || cfg.only == "lag") LagGroup(cfg, dir, reporter);
  std::fprintf(stderr, "\n");
  reporter.PrintTable(stderr);
  cfg.dir.Remove(kGroupDirs);
  return 0;
}

}  // namespace
}  // namespace crdtdb::bench

int main(int argc, char** argv) { return crdtdb::bench::Main(argc, argv); }
