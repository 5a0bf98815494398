// Copyright (c) crdtdb authors.

#include "tests/sim/sim_cluster.h"

#include <algorithm>
#include <map>
#include <stdexcept>

#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include "db/index_catalog.h"
#include "sync/messages.h"
#include "sync/node_scope.h"
#include "sync/partition_stream.h"
#include "tests/support/fault_env.h"

namespace crdtdb::testing {

struct SimCluster::Node {
  std::string name;
  std::vector<std::string> peers;  // the replicas it replicates with
  sync::SyncOptions sync;          // with its scope
  std::map<std::string, std::string> backup;  // file name -> contents
  std::unique_ptr<leveldb::Env> memory;   // the replica's files: survive crashes
  std::unique_ptr<testing::FaultEnv> env;  // its disk, which a crash freezes
  int64_t skew_ms = 0;
  crdt::ReplicaId replica_id = 0;
  int boot = 1;  // of the replica's machine
  std::unique_ptr<db::Replica> replica;  // null while crashed
  // The counters of every engine this replica ran before its current one: engines restart with
  // fresh counters.
  std::vector<sync::SyncStats> past_engines;
};

namespace {

// Whether a request on a sync link belongs to anti-entropy (not to gap repair, nor to the catalog
// exchange).
bool IsAntiEntropy(const std::string& bytes) {
  Result<sync::Message> message = sync::Decode(bytes);
  if (!message.ok()) return false;
  return !std::holds_alternative<sync::LogRequest>(message->body) &&
         !std::holds_alternative<sync::CatalogRequest>(message->body);
}

// A transport straight into a region's replica, as the ZeroMQ one will be over the network.
class SimTransport final : public SyncTransport {
 public:
  SimTransport(std::function<db::Replica*()> region, std::function<void()> round_trip, size_t max_messages)
      : region_(std::move(region)), round_trip_(std::move(round_trip)), left_(max_messages) {}

  Result<std::string> Exchange(std::string_view request) override {
    if (left_ < 2 || region_() == nullptr) return Status::Unavailable("connection cut");
    left_ -= 2;
    std::optional<std::string> answer = region_()->OnRequest(request);
    round_trip_();
    if (!answer) return Status::Unavailable("no answer");
    return std::move(*answer);
  }
  Status Send(std::string_view message) override {
    if (left_ < 1 || region_() == nullptr) return Status::Unavailable("connection cut");
    --left_;
    (void)region_()->OnRequest(message);
    return Status::OK();
  }

 private:
  std::function<db::Replica*()> region_;
  std::function<void()> round_trip_;
  size_t left_;
};

}  // namespace

SimClient::SimClient(std::function<uint64_t()> clock_ms)
    : clock_ms_(std::move(clock_ms)), env_(leveldb::NewMemEnv(leveldb::Env::Default())) {
  Open();
}

void SimClient::Open() {
  store::StoreOptions so;
  so.path = "/sim/client";
  so.env = env_.get();
  Result<std::unique_ptr<store::Store>> store = store::Store::Open(so);
  if (!store.ok()) throw std::runtime_error("sim: cannot open the client: " + store.status().ToString());
  db_ = std::make_unique<db::DatabaseImpl>(std::move(store).value(), clock_ms_);
}

void SimClient::Reopen() {
  db_.reset();
  Open();
}

SimClient::~SimClient() { db_.reset(); }

Result<SyncReport> SimCluster::SyncClient(SimClient& client, size_t region, size_t max_messages) {
  SimTransport transport([this, region] { return nodes_[region]->replica.get(); },
                         [this] { RunFor(2 * options_.latency_min_ms); }, max_messages);
  return client.db().sync_with(transport);
}

ClusterConfig SimTopology(uint32_t partitions,
                          const std::vector<std::tuple<std::string, size_t, int>>& regions) {
  ClusterConfig config;
  config.partitions = partitions;
  for (const auto& [name, nodes, factor] : regions) {
    RegionConfig region;
    region.name = name;
    region.replication_factor = factor;
    region.listed_nodes = true;
    for (size_t n = 0; n < nodes; ++n) {
      NodeConfig node;
      node.name = name + "-" + std::to_string(n);
      region.nodes.push_back(std::move(node));
    }
    config.regions.push_back(std::move(region));
  }
  return config;
}

ClusterConfig WithNode(ClusterConfig config, const std::string& region, const std::string& name) {
  NodeConfig node;
  node.name = name;
  for (RegionConfig& r : config.regions) {
    if (r.name == region) r.nodes.push_back(node);
  }
  return config;
}

SimCluster::SimCluster(uint64_t seed, size_t replicas, SimOptions options)
    : options_(options),
      rng_(seed),
      link_up_(replicas, std::vector<bool>(replicas, true)),
      drop_published_(replicas, std::vector<int>(replicas, 0)),
      extra_delay_ms_(replicas, std::vector<uint64_t>(replicas, 0)) {
  for (size_t i = 0; i < replicas; ++i) {
    auto node = std::make_unique<Node>();
    node->name = "r" + std::to_string(i);
    node->sync = options_.sync;
    node->memory.reset(leveldb::NewMemEnv(leveldb::Env::Default()));
    node->env = std::make_unique<testing::FaultEnv>(node->memory.get());
    node->replica_id = rng_() | 1;
    if (options_.max_clock_skew_ms > 0) {
      node->skew_ms = static_cast<int64_t>(rng_() % (2 * options_.max_clock_skew_ms + 1)) -
                      static_cast<int64_t>(options_.max_clock_skew_ms);
    }
    nodes_.push_back(std::move(node));
  }
  if (options_.topology) {
    placement_ = cluster::Placement::Compute(*options_.topology);
    size_t i = 0;
    for (const RegionConfig& region : options_.topology->regions) {
      for (const NodeConfig& n : region.nodes) {
        if (i == replicas) throw std::runtime_error("sim: the topology has more nodes than replicas");
        nodes_[i++]->name = n.name;
      }
    }
    for (const std::string& spare : options_.spares) {
      if (i == replicas) throw std::runtime_error("sim: the topology and spares have more nodes than replicas");
      nodes_[i++]->name = spare;
    }
    if (i != replicas) throw std::runtime_error("sim: the topology and spares have fewer nodes than replicas");
  } else {
    for (size_t i = 0; i < replicas; ++i) {
      for (size_t j = 0; j < replicas; ++j) {
        if (j != i) nodes_[i]->peers.push_back(nodes_[j]->name);
      }
    }
  }
  for (size_t i = 0; i < replicas; ++i) Open(i);
}

SimCluster::~SimCluster() {
  for (auto& node : nodes_) node->replica.reset();
}

void SimCluster::Open(size_t i) {
  Node& node = *nodes_[i];
  store::StoreOptions so;
  so.path = "/sim/" + node.name;
  so.env = node.env.get();
  so.delta_log_max_entries = options_.delta_log_max_entries;
  so.new_replica_id = node.replica_id;  // drawn from the seed: runs replay byte for byte
  so.boot_id = "sim-boot-" + std::to_string(node.boot);
  Result<std::unique_ptr<store::Store>> store = store::Store::Open(so);
  if (!store.ok()) throw std::runtime_error("sim: cannot open " + node.name + ": " + store.status().ToString());
  auto db = std::make_unique<db::DatabaseImpl>(std::move(store).value(), [this, i] {
    return static_cast<uint64_t>(static_cast<int64_t>(now_ms_) + nodes_[i]->skew_ms);
  });
  node.replica = std::make_unique<db::Replica>(std::move(db), "sim", node.name, node.peers, node.sync);
  // A (re)started node reads the newest configuration, and finds what it holds in its store.
  if (placement_) ApplyTopology(i);
}

void SimCluster::ApplyTopology(size_t i) {
  Node& node = *nodes_[i];
  const RegionConfig* region = options_.topology->RegionOfNode(node.name);
  sync::NodeScope scope =
      sync::ScopeOfNode(*placement_, region != nullptr ? region->name : "", node.name,
                        sync::HeldPartitions(placement_->partitioning(), node.replica->database(),
                                             db::IsIndexDefinition));
  scope.scope.concurrent_moves = options_.sync.scope.concurrent_moves;
  node.peers = scope.peers;
  node.replica->SetScope(std::move(scope.scope), std::move(scope.peers));
}

void SimCluster::SetTopology(ClusterConfig topology) {
  options_.topology = std::move(topology);
  placement_ = cluster::Placement::Compute(*options_.topology);
}

const std::string& SimCluster::name(size_t i) const { return nodes_[i]->name; }

std::string SimCluster::RegionOf(size_t i) const {
  const RegionConfig* region = options_.topology->RegionOfNode(nodes_[i]->name);
  return region != nullptr ? region->name : "";
}

void SimCluster::ReloadTopology(size_t i) {
  if (up(i)) ApplyTopology(i);
}

bool SimCluster::Keeps(size_t i, const std::string& key) const {
  return up(i) && nodes_[i]->replica->scope().Keeps(key);
}

size_t SimCluster::HandingOff(size_t i) const {
  return up(i) ? nodes_[i]->replica->scope().handing_off.size() : 0;
}

db::DatabaseImpl& SimCluster::db(size_t i) { return nodes_[i]->replica->database(); }
bool SimCluster::up(size_t i) const { return nodes_[i]->replica != nullptr; }
db::Replica* SimCluster::replica(size_t i) { return nodes_[i]->replica.get(); }

const sync::SyncStats& SimCluster::stats(size_t i) const {
  return up(i) ? nodes_[i]->replica->sync_stats() : nodes_[i]->past_engines.back();
}

uint64_t SimCluster::Total(uint64_t sync::SyncStats::*counter) const {
  uint64_t total = 0;
  for (const auto& node : nodes_) {
    for (const sync::SyncStats& past : node->past_engines) total += past.*counter;
    if (node->replica) total += node->replica->sync_stats().*counter;
  }
  return total;
}

db::ReplicaStatus SimCluster::status(size_t i) const { return nodes_[i]->replica->status(now_ms_); }

void SimCluster::SetLink(size_t from, size_t to, bool is_up) { link_up_[from][to] = is_up; }

void SimCluster::Isolate(size_t i, bool isolated) {
  for (size_t j = 0; j < nodes_.size(); ++j) {
    if (j == i) continue;
    SetLink(i, j, !isolated);
    SetLink(j, i, !isolated);
  }
}

void SimCluster::SetLinkDelay(size_t from, size_t to, uint64_t extra_ms) { extra_delay_ms_[from][to] = extra_ms; }

void SimCluster::JumpClock(size_t i, int64_t delta_ms) { nodes_[i]->skew_ms += delta_ms; }

void SimCluster::DropNextPublished(size_t from, size_t to, int count) { drop_published_[from][to] += count; }

void SimCluster::Crash(size_t i) {
  Node& node = *nodes_[i];
  if (!node.replica) return;
  node.past_engines.push_back(node.replica->sync_stats());
  // Killed, the process writes nothing more: not the clean-close record of its store either.
  node.env->Freeze();
  node.replica.reset();
  node.env->Thaw();
}

void SimCluster::Restart(size_t i) {
  if (!up(i)) Open(i);
}

void SimCluster::Reboot(size_t i) {
  Crash(i);
  ++nodes_[i]->boot;
  Open(i);
}

void SimCluster::PowerLoss(size_t i) {
  Node& node = *nodes_[i];
  if (node.replica) {
    node.past_engines.push_back(node.replica->sync_stats());
    node.env->Freeze();
    node.replica.reset();
  }
  if (!node.env->DropUnsyncedData().ok()) throw std::runtime_error("sim: power loss of " + node.name + " failed");
  node.env->Thaw();
  ++node.boot;
  Open(i);
}

void SimCluster::Backup(size_t i) {
  Node& node = *nodes_[i];
  if (node.replica) throw std::runtime_error("sim: back up " + node.name + " while it is down");
  const std::string dir = "/sim/" + node.name;
  std::vector<std::string> names;
  if (!node.env->GetChildren(dir, &names).ok()) throw std::runtime_error("sim: cannot list " + dir);
  node.backup.clear();
  for (const std::string& name : names) {
    std::string contents;
    if (!leveldb::ReadFileToString(node.env.get(), dir + "/" + name, &contents).ok()) {
      throw std::runtime_error("sim: cannot back up " + dir + "/" + name);
    }
    node.backup[name] = std::move(contents);
  }
}

void SimCluster::RestoreBackup(size_t i) {
  Node& node = *nodes_[i];
  if (node.replica) throw std::runtime_error("sim: restore " + node.name + " while it is down");
  const std::string dir = "/sim/" + node.name;
  std::vector<std::string> names;
  if (!node.env->GetChildren(dir, &names).ok()) throw std::runtime_error("sim: cannot list " + dir);
  for (const std::string& name : names) (void)node.env->RemoveFile(dir + "/" + name);
  for (const auto& [name, contents] : node.backup) {
    if (!leveldb::WriteStringToFile(node.env.get(), contents, dir + "/" + name).ok()) {
      throw std::runtime_error("sim: cannot restore " + dir + "/" + name);
    }
  }
}

void SimCluster::Schedule(Event::Kind kind, size_t from, size_t to, std::string bytes) {
  if (!link_up_[from][to]) return;
  if (kind == Event::Kind::kRequest && !options_.anti_entropy && IsAntiEntropy(bytes)) {
    ++anti_entropy_dropped_;
    return;
  }
  if (kind == Event::Kind::kPublished && !options_.stream) return;
  if (kind == Event::Kind::kPublished && drop_published_[from][to] > 0) {
    --drop_published_[from][to];
    return;
  }
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  if (coin(rng_) < options_.loss) return;
  const int copies = coin(rng_) < options_.duplicate ? 2 : 1;
  for (int c = 0; c < copies; ++c) {
    const uint64_t latency =
        options_.link_latency_ms.empty()
            ? options_.latency_min_ms + rng_() % (options_.latency_max_ms - options_.latency_min_ms + 1)
            : options_.link_latency_ms[from][to] + rng_() % (options_.jitter_ms + 1);
    in_flight_.push(Event{now_ms_ + latency + extra_delay_ms_[from][to], order_++, kind, from, to, bytes});
  }
}

void SimCluster::Route(size_t from, std::vector<sync::Outgoing> outgoing) {
  for (sync::Outgoing& out : outgoing) {
    if (out.kind == sync::Outgoing::Kind::kPublish) {
      if (tap_) tap_(from, out.bytes);
      // Subscribers: the replicas that replicate with `from`, as their own peers name it (every
      // other, without a topology; a node handing a partition off subscribes to its new owner,
      // which need not subscribe back).
      // Each subscriber receives the topics it subscribes to only, as a ZeroMQ PUB filters them
      // (sync/partition_stream.h); a subscriber that is down receives nothing anyway.
      for (size_t to = 0; to < nodes_.size(); ++to) {
        const std::vector<std::string>& peers = nodes_[to]->peers;
        if (to == from || std::find(peers.begin(), peers.end(), nodes_[from]->name) == peers.end()) continue;
        if (nodes_[to]->replica &&
            !sync::Subscribed(sync::SubscriptionsOf(nodes_[to]->replica->scope()), out.bytes)) {
          continue;
        }
        Schedule(Event::Kind::kPublished, from, to, out.bytes);
      }
    } else {
      for (size_t to = 0; to < nodes_.size(); ++to) {
        if (nodes_[to]->name == out.peer) Schedule(Event::Kind::kRequest, from, to, std::move(out.bytes));
      }
    }
  }
}

void SimCluster::NoteStreamDelivery(size_t to, std::string_view frame) {
  stream_bytes_received_[to] += frame.size();
  const sync::SyncScope& scope = nodes_[to]->replica->scope();
  std::optional<std::pair<std::string_view, std::string_view>> topic = sync::SplitTopic(frame);
  if (!topic || topic->first.size() != 3 || !scope.partitioning) return;  // not one partition's
  const cluster::PartitionId p = (static_cast<uint8_t>(topic->first[1]) << 8) | static_cast<uint8_t>(topic->first[2]);
  if (!scope.keeps_all && !scope.owned.Contains(p) && !scope.handing_off.Contains(p)) ++unkept_batches_received_;
}

void SimCluster::Deliver(Event event) {
  Node& to = *nodes_[event.to];
  if (!to.replica) return;  // a crashed replica receives nothing
  ++delivered_;
  const std::string& from_name = nodes_[event.from]->name;
  switch (event.kind) {
    case Event::Kind::kPublished:
      NoteStreamDelivery(event.to, event.bytes);
      to.replica->OnPublished(from_name, event.bytes, now_ms_);
      break;
    case Event::Kind::kRequest:
      if (std::optional<std::string> reply = to.replica->OnRequest(event.bytes)) {
        Schedule(Event::Kind::kResponse, event.to, event.from, std::move(*reply));
      }
      break;
    case Event::Kind::kResponse: to.replica->OnResponse(from_name, event.bytes, now_ms_); break;
  }
  Route(event.to, to.replica->TakeOutgoing());
}

void SimCluster::RunFor(uint64_t ms) {
  const uint64_t end = now_ms_ + ms;
  while (now_ms_ < end) {
    const uint64_t next_tick = std::min(end, now_ms_ + options_.tick_ms);
    while (!in_flight_.empty() && in_flight_.top().at_ms <= next_tick) {
      Event event = in_flight_.top();
      in_flight_.pop();
      now_ms_ = std::max(now_ms_, event.at_ms);
      Deliver(std::move(event));
    }
    now_ms_ = next_tick;
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (!nodes_[i]->replica) continue;
      nodes_[i]->replica->OnTick(now_ms_);
      Route(i, nodes_[i]->replica->TakeOutgoing());
    }
  }
}

size_t SimCluster::IndexOf(const std::string& name) const {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i]->name == name) return i;
  }
  throw std::runtime_error("sim: no replica " + name);
}

size_t SimCluster::Owner(const std::string& region, const std::string& key, size_t rank) const {
  const std::vector<std::string>& owners =
      placement_->Owners(region, placement_->partitioning().PartitionOf(key));
  return IndexOf(owners.at(rank));
}

merkle::Hash SimCluster::PartitionRoot(size_t i, cluster::PartitionId p) const {
  merkle::Hash root;
  for (const merkle::NodeId& node : placement_->partitioning().SubtreesOf(p)) {
    root = merkle::Xor(root, nodes_[i]->replica->database().merkle_node(node));
  }
  return root;
}

merkle::Hash SimCluster::RegionRoot(const std::string& region) const {
  merkle::Hash root;
  for (cluster::PartitionId p = 0; p < placement_->partitioning().count(); ++p) {
    root = merkle::Xor(root, PartitionRoot(IndexOf(placement_->Owners(region, p).at(0)), p));
  }
  return root;
}

bool SimCluster::Converged() const {
  if (placement_) {
    for (const auto& node : nodes_) {
      if (!node->replica) return false;
    }
    for (cluster::PartitionId p = 0; p < placement_->partitioning().count(); ++p) {
      std::optional<merkle::Hash> root;
      for (const RegionConfig& region : options_.topology->regions) {
        for (const std::string& owner : placement_->Owners(region.name, p)) {
          const merkle::Hash r = PartitionRoot(IndexOf(owner), p);
          if (root && !(*root == r)) return false;
          root = r;
        }
      }
    }
    return true;
  }
  std::optional<merkle::Hash> root;
  for (const auto& node : nodes_) {
    if (!node->replica) return false;
    const merkle::Hash r = node->replica->database().merkle_root();
    if (root && !(*root == r)) return false;
    root = r;
  }
  return true;
}

bool SimCluster::RunUntilConverged(uint64_t max_ms) {
  const uint64_t end = now_ms_ + max_ms;
  while (now_ms_ < end) {
    RunFor(options_.tick_ms);
    if (Converged()) return true;
  }
  return Converged();
}

std::string SimCluster::Dump(size_t i, const std::string& collection) {
  std::string out;
  ListOptions options;
  options.limit = kMaxListPage;
  while (true) {
    Result<ListPage> page = db(i).list(collection, options);
    if (!page.ok()) return "error: " + page.status().ToString();
    for (const ListedDocument& d : page->documents) out += d.id + "=" + d.json + "\n";
    if (!page->next_start_after) return out;
    options.start_after = *page->next_start_after;
  }
}

}  // namespace crdtdb::testing
