// Copyright (c) crdtdb authors.
//
// scale_bench: the first scale-out figures of issue 18 (docs/sharding.md), each beside a
// baseline measured in the same run.
//
//   scale_bench [--quick] [--docs N] [--writes W] [--only balance|scale|stream] [--crdtdb PATH]
//               [--dir DIR] [--keep]
//
// Groups:
//   balance   N document keys "c/<n>" (default 1,000,000) placed by cluster::Placement (256
//             partitions) on a region of 4 nodes, replication factor 1 and 2; no server, only the
//             placement and the partitioning. Documents per node (keys whose partition it owns)
//             against the mean, and the largest deviation from the mean in percent against the
//             issue's bound, 10%. The same for N writes drawn uniformly and Zipf(0.99) (the hot
//             keys are single documents: one key takes ~7% of the writes).
//   scale     The same W puts of 200-byte documents (default 40,000), one request at a time, to
//             a one-node, a two-node and a four-node region (replication factor 1), served side
//             by side, each node a `crdtdb serve` process of its own (node_process.h: in one
//             process, LevelDB's shared compaction thread would mix the nodes' CPU). The regions
//             take turns, 1,000 writes each, so that the machine's drift hits them alike. The
//             client sends each put to the owner of its partition over a connection it keeps per
//             node, as a router that caches its connections would. Two passes of W new documents:
//             `_interleaved` rows send a turn's writes in key order (consecutive writes reach
//             different node processes sharing these 2 cores), the target rows send each node's
//             writes of a turn back to back (what a node on a machine of its own sees; see Order
//             below and docs/benchmarks.md, "Scale-out"). Per node: CPU seconds the
//             writes cost it (from the first write to 2 s after the last, less its idle rate) and
//             documents held (its `status`); the largest node's against the one-node region's,
//             and the CPU per acknowledged write summed over nodes against the one-node region's.
//             Also the nodes' CPU while all idle for 2 s before the writes (ticks, anti-entropy
//             timers), summed per region, and the kernel's share of the region's CPU in the
//             writes' window (system over user + system time, /proc/PID/stat).
//   stream    The CPU that receiving a writer's delta stream costs a region of one node and one of
//             four (StreamGroup), and the bytes each node receives.
//   redirect  On the four-node region: a `get` sent to a node that does not own the document,
//             which answers with the owners' endpoints, followed by the same get to the first
//             owner, each on a new connection as the CLI makes them (cli/main.cc, RunRemote),
//             against the get sent to the owner directly. p50 and p99, samples alternated.
//
// --quick: the smoke run (100,000 keys, 2,000 writes); its figures only show that everything
// runs. --crdtdb: the binary to serve nodes with (default: the one built beside this
// program).
// --dir: where the nodes' stores go (default: a new directory under $TMPDIR, removed at the end
// unless --keep). Build with CMAKE_BUILD_TYPE=Release for real numbers.
//
// Output as the other benches (bench_harness.h): JSON lines on stdout, per-node detail and a
// Markdown table on stderr. Every put and get is checked (exit code 0, no redirect where none is
// expected, every document held by some node); anything wrong aborts.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
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
#include "config/cluster_config.h"
#include "db/key.h"
#include "net/client_call.h"
#include "node_process.h"
#include "region_yaml.h"
#include "served_region.h"
#include "zipf.h"

namespace crdtdb::bench {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t kPartitions = 256;
constexpr int kBalanceNodes = 4;
constexpr double kBalanceBoundPct = 10;
constexpr size_t kDocBytes = 200;
constexpr uint64_t kSeed = 1;
constexpr uint64_t kChunk = 1000;  // writes per turn of a region in the scale group
// How long the scale group waits after the last write for the flushes and compactions it caused.
constexpr auto kSettle = std::chrono::seconds(2);
// The regions the scale group creates under the directory, one per node count.
constexpr const char* kRegionDirs[] = {"one", "two", "four", "stream1", "stream2", "stream4"};

struct Config {
  uint64_t docs = 1'000'000;
  // 40,000 puts fill LevelDB's 4 MiB memtable 4 times in the one-node region, twice in each node
  // of the two-node one and once in each of the four: the same flushes per write in all three.
  uint64_t writes = 40'000;
  uint64_t redirect_samples = 500;
  double idle_seconds = 2.0;
  std::string crdtdb = CRDTDB_BINARY;
  std::string only;  // one group (balance, scale, stream) or, empty, every group
  DatabaseDir dir;
};

std::string DocKey(uint64_t n) {
  std::string key = "c/";  // built in place: GCC 12's false -Wrestrict on "literal" + to_string
  key += std::to_string(n);
  return key;
}

cluster::PartitionId PartitionOfDoc(const cluster::Placement& placement, uint64_t n) {
  return placement.partitioning().PartitionOf(Must(db::NormalizeKey(DocKey(n)), "key"));
}

// The head of every cluster file the bench writes; region entries (RegionEntryYaml) follow.
std::string ClusterHeadYaml() {
  return "cluster: scale-bench\npartitions: " + std::to_string(kPartitions) +
         "\nanti_entropy_interval_ms: 1000\nregions:\n";
}

std::string RegionYaml(const std::string& name, int nodes, int replication_factor) {
  return ClusterHeadYaml() + RegionEntryYaml(name, nodes, replication_factor);
}

// ---------------------------------------------------------------------------------------------
// balance

// The largest deviation of `per_node` from its mean, in percent of the mean.
double MaxDeviationPct(const std::vector<double>& per_node) {
  double mean = 0;
  for (double v : per_node) mean += v;
  mean /= static_cast<double>(per_node.size());
  double worst = 0;
  for (double v : per_node) worst = std::max(worst, std::fabs(v - mean) / mean * 100);
  return worst;
}

// Sums `per_partition` over the partitions each node of `region` owns.
std::vector<double> PerNode(const cluster::Placement& placement, const RegionConfig& region,
                            const std::vector<double>& per_partition) {
  std::vector<double> out;
  for (const NodeConfig& node : region.nodes) {
    const cluster::PartitionSet owned = placement.OwnedBy(node.name);
    double sum = 0;
    for (cluster::PartitionId p = 0; p < kPartitions; ++p)
      sum += owned.Contains(p) ? per_partition[p] : 0;
    out.push_back(sum);
  }
  return out;
}

void ReportBalance(Reporter& out, const std::string& name, const std::vector<double>& per_node,
                   bool rows_per_node) {
  double mean = 0;
  for (double v : per_node) mean += v;
  mean /= static_cast<double>(per_node.size());
  std::fprintf(stderr, "scale_bench: %s per node:", name.c_str());
  for (size_t i = 0; i < per_node.size(); ++i) {
    std::fprintf(stderr, " %.0f", per_node[i]);
    if (rows_per_node) {
      out.Report(
          {name + "_node" + std::to_string(i + 1), per_node[i], "docs", "mean_per_node", mean});
    }
  }
  std::fprintf(stderr, " (mean %.1f)\n", mean);
  out.Report({name + "_max_dev_pct", MaxDeviationPct(per_node), "%", "issue_18_bound_pct",
              kBalanceBoundPct});
}

void BalanceGroup(const Config& cfg, Reporter& out) {
  std::vector<double> docs(kPartitions), uniform(kPartitions), zipf(kPartitions);
  const cluster::Placement any = cluster::Placement::Compute(
      Must(ParseClusterConfig(RegionYaml("b", kBalanceNodes, 1), "balance", ""), "config"));
  for (uint64_t n = 0; n < cfg.docs; ++n) docs[PartitionOfDoc(any, n)] += 1;
  const Zipf ranks(cfg.docs, 0.99);
  for (uint64_t i = 0; i < cfg.docs; ++i) {
    uniform[PartitionOfDoc(any, Mix(kSeed ^ (2 * i)) % cfg.docs)] += 1;
    zipf[PartitionOfDoc(any, ranks.Rank(Uniform(kSeed, 2 * i + 1)))] += 1;
  }
  for (int rf : {1, 2}) {
    const ClusterConfig config =
        Must(ParseClusterConfig(RegionYaml("b", kBalanceNodes, rf), "balance", ""), "config");
    const cluster::Placement placement = cluster::Placement::Compute(config);
    const RegionConfig& region = config.regions[0];
    const std::string prefix = "balance_" + std::to_string(cfg.docs) + "_rf" + std::to_string(rf);
    ReportBalance(out, prefix + "_docs", PerNode(placement, region, docs), true);
    ReportBalance(out, prefix + "_uniform_writes", PerNode(placement, region, uniform), false);
    ReportBalance(out, prefix + "_zipf_writes", PerNode(placement, region, zipf), false);
  }
}

// ---------------------------------------------------------------------------------------------
// scale and redirect

command::Command Put(uint64_t n) {
  command::Command c;
  c.verb = command::Command::Verb::kPut;
  c.path = DocKey(n);
  c.json = DocJson(n, 1, kDocBytes);
  return c;
}

command::Command Get(uint64_t n) {
  command::Command c;
  c.verb = command::Command::Verb::kGet;
  c.path = DocKey(n);
  return c;
}

command::Outcome Call(net::ClientConnection& connection, const command::Command& command) {
  return Must(command::DecodeOutcome(Must(connection.Exchange(command::EncodeCommand(command)),
                                          "request", command.path)),
              "answer");
}

// A region of `nodes` nodes, each a `crdtdb serve` process, from the moment every node answers
// status until it is destroyed.
class Region {
 public:
  // The region `name` of the cluster file `yaml`; the nodes' stores and logs go beside the file.
  Region(const Config& cfg, const fs::path& yaml, const std::string& name) {
    config_ = Must(LoadClusterConfig(yaml.string()), "config");
    placement_ = std::make_unique<cluster::Placement>(cluster::Placement::Compute(config_));
    for (size_t r = 0; r < config_.regions.size(); ++r) {
      if (config_.regions[r].name == name) index_ = r;
    }
    const bool one_node = region().nodes.size() == 1;
    for (const NodeConfig& node : region().nodes) {
      processes_.push_back(std::make_unique<NodeProcess>(
          cfg.crdtdb, yaml.string(), name, one_node ? "" : node.name, node.client,
          (yaml.parent_path() / (node.name + ".log")).string()));
      connections_.push_back(std::make_unique<net::ClientConnection>(node.client, 5000));
    }
  }
  // A region alone in its cluster, of `nodes` nodes with replication factor 1: its file, stores
  // and logs go to parent/name.
  static std::unique_ptr<Region> Alone(const Config& cfg, const fs::path& parent,
                                       const std::string& name, int nodes) {
    return std::make_unique<Region>(cfg, WriteCluster(parent / name, RegionYaml(name, nodes, 1)),
                                    name);
  }
  // Writes `yaml` to dir/region.yaml, creating dir.
  static fs::path WriteCluster(const fs::path& dir, const std::string& yaml) {
    fs::create_directories(dir);
    std::ofstream(dir / "region.yaml") << yaml;
    return dir / "region.yaml";
  }

  const RegionConfig& region() const { return config_.regions[index_]; }
  size_t size() const { return processes_.size(); }
  // The index of the first owner of document n.
  size_t OwnerOf(uint64_t n) const {
    const std::string& owner = placement_->Owners(region().name, PartitionOfDoc(*placement_, n))[0];
    for (size_t i = 0; i < size(); ++i) {
      if (region().nodes[i].name == owner) return i;
    }
    Fail("no node " + owner);
  }
  std::vector<double> CpuSeconds() const {
    std::vector<double> out;
    for (const auto& p : processes_) out.push_back(p->CpuSeconds());
    return out;
  }
  // Per node: (user, system) CPU seconds so far (NodeProcess::UserSystemSeconds).
  std::vector<std::pair<double, double>> UserSystemSeconds() const {
    std::vector<std::pair<double, double>> out;
    for (const auto& p : processes_) out.push_back(p->UserSystemSeconds());
    return out;
  }
  net::ClientConnection& connection(size_t node) { return *connections_[node]; }
  // A figure of the node's `status` ("documents", "bytes_received", ...).
  double StatusFigure(size_t node, const char* figure) {
    const command::Outcome status = Call(connection(node), StatusCommand());
    return nlohmann::json::parse(status.out).at(figure).get<double>();
  }
  double Documents(size_t node) { return StatusFigure(node, "documents"); }

 private:
  ClusterConfig config_;
  size_t index_ = 0;  // of region() in config_
  std::unique_ptr<cluster::Placement> placement_;
  std::vector<std::unique_ptr<NodeProcess>> processes_;
  std::vector<std::unique_ptr<net::ClientConnection>> connections_;
};

std::vector<double> Minus(std::vector<double> a, const std::vector<double>& b) {
  for (size_t i = 0; i < a.size(); ++i) a[i] -= b[i];
  return a;
}
double Sum(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}
double Max(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }

// What one region's nodes spent and hold.
struct Load {
  std::vector<double> idle_cpu_s;  // per node, while every region idled (cfg.idle_seconds)
  std::vector<double> cpu_s;       // per node, caused by the writes (see ScaleGroup)
  std::vector<double> docs;        // per node, after the writes
  // The kernel's share of the region's CPU from the first write to kSettle after the last, in
  // percent (system over user + system, summed over the nodes, idle included).
  double system_pct = 0;
  double seconds = 0;              // wall time of the region's turns
};

// The order in which a region's writes reach its nodes. The nodes of a region share this
// machine's 2 cores, where a write sent to another process than the last one finds the caches and
// TLB filled by the others; on machines of their own, a node's caches hold only its own work.
enum class Order {
  kInterleaved,  // in key order: consecutive writes go to different nodes, as a router sends them
  kByNode,       // each node's writes of a chunk back to back: what each node sees on its own machine
};

// Writes [first, last) to `region`, each put to the owner of its document, in `order`.
void WriteChunk(Region& region, uint64_t first, uint64_t last, Order order, Load* load) {
  std::vector<std::pair<size_t, uint64_t>> writes;  // (owner, document)
  for (uint64_t n = first; n < last; ++n) writes.emplace_back(region.OwnerOf(n), n);
  if (order == Order::kByNode) {
    std::stable_sort(writes.begin(), writes.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  Stopwatch watch;
  for (const auto& [owner, n] : writes) {
    const command::Outcome put = Call(region.connection(owner), Put(n));
    if (put.exit_code != 0 || !put.redirect.empty()) Fail("put " + DocKey(n) + ": " + put.error);
  }
  load->seconds += watch.Seconds();
}

void PrintLoad(const Config& cfg, uint64_t writes, Region& region, const Load& load,
               const std::string& suffix) {
  std::fprintf(stderr,
               "scale_bench%s: %zu node(s), %llu puts in %.2f s; idle CPU %.3f s in %.1f s;",
               suffix.c_str(), region.size(), static_cast<unsigned long long>(writes), load.seconds,
               Sum(load.idle_cpu_s), cfg.idle_seconds);
  for (size_t i = 0; i < region.size(); ++i) {
    std::fprintf(stderr, " node %zu: %.3f CPU s, %.0f docs;", i + 1, load.cpu_s[i], load.docs[i]);
  }
  std::fprintf(stderr, " system %.1f%% of the CPU\n", load.system_pct);
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// A get of document n on a new connection to `endpoint`, as the CLI sends it.
command::Outcome GetOnce(const std::string& endpoint, uint64_t n) {
  net::ClientConnection connection(endpoint, 5000);
  return Call(connection, Get(n));
}

void RedirectGroup(const Config& cfg, Region& region, Reporter& out) {
  std::vector<double> direct_us, redirected_us;
  for (uint64_t i = 0; i < cfg.redirect_samples; ++i) {
    const uint64_t n = Mix(kSeed ^ i) % cfg.writes;
    const size_t owner = region.OwnerOf(n);
    const std::string& owner_client = region.region().nodes[owner].client;
    const std::string& other_client = region.region().nodes[(owner + 1) % region.size()].client;
    Stopwatch direct;
    const command::Outcome got = GetOnce(owner_client, n);
    direct_us.push_back(direct.Seconds() * 1e6);
    if (got.exit_code != 0 || !got.redirect.empty()) Fail("get " + DocKey(n) + ": " + got.error);
    Stopwatch redirected;
    const command::Outcome redirect = GetOnce(other_client, n);
    if (redirect.redirect.empty()) Fail("no redirect for " + DocKey(n));
    const command::Outcome followed = GetOnce(redirect.redirect[0].endpoint, n);
    redirected_us.push_back(redirected.Seconds() * 1e6);
    if (followed.exit_code != 0 || followed.out != got.out) Fail("redirected get " + DocKey(n));
  }
  out.Report({"redirect_get_p50_us", Percentile(redirected_us, 0.5), "us", "direct_get_p50_us",
              Percentile(direct_us, 0.5)});
  out.Report({"redirect_get_p99_us", Percentile(redirected_us, 0.99), "us", "direct_get_p99_us",
              Percentile(direct_us, 0.99)});
}

// Runs `work` on `regions` (it fills each Load's `seconds` if it times them) and returns what it
// cost each region's nodes in CPU: all they spent from the start of `work` until kSettle after
// its end (so that the memtable flushes and compactions it caused count, whenever LevelDB runs
// them), less what they spend idle in that time, at the rate measured over cfg.idle_seconds
// before it.
template <typename Work>
std::vector<Load> MeasureLoads(const Config& cfg, const std::vector<Region*>& regions,
                               Work&& work) {
  std::vector<Load> loads(regions.size());
  for (size_t r = 0; r < regions.size(); ++r) loads[r].idle_cpu_s = regions[r]->CpuSeconds();
  std::this_thread::sleep_for(std::chrono::duration<double>(cfg.idle_seconds));
  std::vector<std::vector<double>> start(regions.size());
  std::vector<std::vector<std::pair<double, double>>> start_split(regions.size());
  for (size_t r = 0; r < regions.size(); ++r) {
    start[r] = regions[r]->CpuSeconds();
    start_split[r] = regions[r]->UserSystemSeconds();
    loads[r].idle_cpu_s = Minus(start[r], loads[r].idle_cpu_s);
  }
  Stopwatch window;
  work(loads);
  std::this_thread::sleep_for(kSettle);
  const double window_s = window.Seconds();
  for (size_t r = 0; r < regions.size(); ++r) {
    loads[r].cpu_s = Minus(regions[r]->CpuSeconds(), start[r]);
    double user = 0, system = 0;
    const auto split = regions[r]->UserSystemSeconds();
    for (size_t i = 0; i < split.size(); ++i) {
      user += split[i].first - start_split[r][i].first;
      system += split[i].second - start_split[r][i].second;
    }
    loads[r].system_pct = user + system > 0 ? system / (user + system) * 100 : 0;
    for (size_t i = 0; i < loads[r].cpu_s.size(); ++i) {
      loads[r].cpu_s[i] -= loads[r].idle_cpu_s[i] / cfg.idle_seconds * window_s;
    }
  }
  return loads;
}

// Writes documents [first, last) to `regions` in `order` and reports what each region's nodes
// spent against the one-node region (regions[0]), under row names scale_<n>nodes<suffix>_*.
void MeasureScale(const Config& cfg, const std::vector<std::unique_ptr<Region>>& regions,
                  uint64_t first_doc, uint64_t last_doc, Order order, const std::string& suffix,
                  Reporter& out) {
  std::vector<Region*> measured;
  for (const auto& region : regions) measured.push_back(region.get());
  // The regions take turns, a chunk each, every other turn in reverse order, so that a drift of
  // the machine's speed (other jobs on its 2 cores) hits the three alike.
  std::vector<Load> loads = MeasureLoads(cfg, measured, [&](std::vector<Load>& timed) {
    for (uint64_t first = first_doc, turn = 0; first < last_doc; first += kChunk, ++turn) {
      const uint64_t last = std::min(last_doc, first + kChunk);
      for (size_t i = 0; i < regions.size(); ++i) {
        const size_t r = turn % 2 == 0 ? i : regions.size() - 1 - i;
        WriteChunk(*regions[r], first, last, order, &timed[r]);
      }
    }
  });
  const uint64_t writes = last_doc - first_doc;
  for (size_t r = 0; r < regions.size(); ++r) {
    std::vector<double> held;
    for (size_t i = 0; i < regions[r]->size(); ++i) held.push_back(regions[r]->Documents(i));
    if (Sum(held) != static_cast<double>(last_doc)) Fail("the nodes hold other than every document");
    loads[r].docs = held;  // every document each node holds, an earlier pass's included
    PrintLoad(cfg, writes, *regions[r], loads[r], suffix);
  }
  const Load& one = loads[0];
  const double per_write_us = 1e6 / static_cast<double>(writes);
  for (size_t r = 1; r < regions.size(); ++r) {
    const Load& load = loads[r];
    const std::string prefix = "scale_" + std::to_string(regions[r]->size()) + "nodes" + suffix;
    out.Report({prefix + "_cpu_s_max_node", Max(load.cpu_s), "s", "one_node_cpu_s", one.cpu_s[0]});
    out.Report({prefix + "_docs_max_node", Max(load.docs), "docs", "one_node_docs", one.docs[0]});
    out.Report({prefix + "_cpu_us_per_write", Sum(load.cpu_s) * per_write_us, "us",
                "one_node_cpu_us_per_write", one.cpu_s[0] * per_write_us});
    out.Report({prefix + "_system_cpu_pct", load.system_pct, "%", "one_node_system_cpu_pct",
                one.system_pct});
    out.Report({prefix + "_idle_cpu_ms_per_s", Sum(load.idle_cpu_s) / cfg.idle_seconds * 1e3,
                "ms/s", "one_node_idle_cpu_ms_per_s",
                Sum(one.idle_cpu_s) / cfg.idle_seconds * 1e3});
  }
}

void ScaleGroup(const Config& cfg, const fs::path& dir, Reporter& out) {
  std::vector<std::unique_ptr<Region>> regions;
  for (const auto& [name, nodes] : {std::pair{"one", 1}, {"two", 2}, {"four", 4}}) {
    regions.push_back(Region::Alone(cfg, dir, name, nodes));
  }
  // Two passes of W new documents each on the same regions: first in key order (the figures of
  // nodes that share these 2 cores), then by node (the figures of nodes on machines of their
  // own: the targets), on stores the first pass already filled.
  MeasureScale(cfg, regions, 0, cfg.writes, Order::kInterleaved, "_interleaved", out);
  MeasureScale(cfg, regions, cfg.writes, 2 * cfg.writes, Order::kByNode, "", out);
  RedirectGroup(cfg, *regions.back(), out);
}

// ---------------------------------------------------------------------------------------------
// stream

// What receiving a writer's delta stream costs the nodes of a region, by their number: a writer
// region of one node with a region of one node, and (other clusters, side by side) with a region
// of two and of four. Each node of four keeps a quarter of the partitions, applies a quarter of
// the deltas and, with per-partition topics (docs/sharding.md, "Per-partition stream topics"), is
// sent only those: the bytes each receives show whether the stream is cut per node, and the
// excess of the four nodes' summed CPU over the one node's what replication per node costs.
void StreamGroup(const Config& cfg, const fs::path& dir, Reporter& out) {
  std::vector<std::unique_ptr<Region>> writers, readers;
  for (int nodes : {1, 2, 4}) {
    const std::string n = std::to_string(nodes);
    const fs::path yaml =
        Region::WriteCluster(dir / ("stream" + n), ClusterHeadYaml() + RegionEntryYaml("w" + n, 1, 1) +
                                                      RegionEntryYaml("r" + n, nodes, 1));
    writers.push_back(std::make_unique<Region>(cfg, yaml, "w" + n));
    readers.push_back(std::make_unique<Region>(cfg, yaml, "r" + n));
  }
  // Readers first, then their writers.
  std::vector<Region*> measured;
  for (auto& r : readers) measured.push_back(r.get());
  for (auto& w : writers) measured.push_back(w.get());
  const size_t n = readers.size();
  const std::vector<Load> loads = MeasureLoads(cfg, measured, [&](std::vector<Load>& timed) {
    for (uint64_t first = 0, turn = 0; first < cfg.writes; first += kChunk, ++turn) {
      const uint64_t last = std::min(cfg.writes, first + kChunk);
      for (size_t i = 0; i < writers.size(); ++i) {
        const size_t w = turn % 2 == 0 ? i : writers.size() - 1 - i;
        WriteChunk(*writers[w], first, last, Order::kInterleaved, &timed[n + w]);
      }
    }
    // Until every reader holds every document (by the stream, or anti-entropy for what it lost).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    for (auto& reader : readers) {
      for (;;) {
        double held = 0;
        for (size_t i = 0; i < reader->size(); ++i) held += reader->Documents(i);
        if (held == static_cast<double>(cfg.writes)) break;
        if (std::chrono::steady_clock::now() > deadline) Fail("the stream did not deliver");
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  });
  std::vector<double> bytes_received[3];
  for (size_t r = 0; r < readers.size(); ++r) {
    for (size_t i = 0; i < readers[r]->size(); ++i)
      bytes_received[r].push_back(readers[r]->StatusFigure(i, "bytes_received"));
    std::fprintf(stderr, "scale_bench: stream to %zu node(s): CPU s per node", readers[r]->size());
    for (double cpu : loads[r].cpu_s) std::fprintf(stderr, " %.3f", cpu);
    std::fprintf(stderr, ", the writer's %.3f; bytes received per node", loads[n + r].cpu_s[0]);
    for (double bytes : bytes_received[r]) std::fprintf(stderr, " %.0f", bytes);
    std::fprintf(stderr, "; system %.1f%% of the readers' CPU; idle (heartbeats, anti-entropy) %.2f ms/s per reader\n",
                 loads[r].system_pct,
                 Sum(loads[r].idle_cpu_s) / cfg.idle_seconds * 1e3 / static_cast<double>(readers[r]->size()));
  }
  const double per_write_us = 1e6 / static_cast<double>(cfg.writes);
  out.Report({"stream_2nodes_bytes_received_max_node", Max(bytes_received[1]), "bytes",
              "one_node_bytes_received", bytes_received[0][0]});
  out.Report({"stream_4nodes_cpu_us_per_write", Sum(loads[2].cpu_s) * per_write_us, "us",
              "one_node_cpu_us_per_write", loads[0].cpu_s[0] * per_write_us});
  out.Report({"stream_4nodes_cpu_s_max_node", Max(loads[2].cpu_s), "s", "one_node_cpu_s",
              loads[0].cpu_s[0]});
  out.Report({"stream_4nodes_bytes_received_max_node", Max(bytes_received[2]), "bytes",
              "one_node_bytes_received", bytes_received[0][0]});
  out.Report({"stream_4nodes_idle_cpu_ms_per_s", Sum(loads[2].idle_cpu_s) / cfg.idle_seconds * 1e3,
              "ms/s", "one_node_idle_cpu_ms_per_s", Sum(loads[0].idle_cpu_s) / cfg.idle_seconds * 1e3});
  out.Report({"stream_4nodes_writer_cpu_s", loads[n + 2].cpu_s[0], "s", "one_reader_writer_cpu_s",
              loads[n].cpu_s[0]});
}

int Main(int argc, char** argv) {
  SetBenchProgram("scale_bench");
  WarnIfNotRelease();
  Config cfg;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const char* next = i + 1 < argc ? argv[i + 1] : nullptr;
    if (arg == "--quick") {
      cfg.docs = 100'000;
      cfg.writes = 2'000;
      cfg.redirect_samples = 20;
      cfg.idle_seconds = 0.2;
    } else if (arg == "--docs") {
      cfg.docs = ParseCount("--docs", next), ++i;
    } else if (arg == "--writes") {
      cfg.writes = ParseCount("--writes", next), ++i;
    } else if (arg == "--only" && next != nullptr) {
      cfg.only = next, ++i;
    } else if (arg == "--crdtdb" && next != nullptr) {
      cfg.crdtdb = next, ++i;
    } else if (!cfg.dir.ParseFlag(argc, argv, &i)) {
      std::fprintf(
          stderr,
          "usage: scale_bench [--quick] [--docs N] [--writes W] [--only balance|scale|stream] "
          "[--crdtdb PATH] [--dir DIR] [--keep]\n");
      return 2;
    }
  }
  Reporter reporter;
  if (cfg.only.empty() || cfg.only == "balance") BalanceGroup(cfg, reporter);
  const fs::path dir = cfg.dir.Create();
  if (cfg.only.empty() || cfg.only == "scale") ScaleGroup(cfg, dir, reporter);
  if (cfg.only.empty() || cfg.only == "stream") StreamGroup(cfg, dir, reporter);
  std::fprintf(stderr, "\n");
  reporter.PrintTable(stderr);
  cfg.dir.Remove(kRegionDirs);
  return 0;
}

}  // namespace
}  // namespace crdtdb::bench

int main(int argc, char** argv) { return crdtdb::bench::Main(argc, argv); }
