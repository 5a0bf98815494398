// Copyright (c) crdtdb authors.
//
// A deterministic simulated network of replicas, for replication tests: every replica is a real
// DatabaseImpl (on LevelDB's in-memory Env) with a real SyncEngine; the network between them has
// seeded latency, loss, duplication and reordering, directed partitions, and crash-restart. Time
// is virtual, so a schedule of minutes runs in milliseconds, and any failure replays from its seed.

#ifndef CRDTDB_TESTS_SIM_SIM_CLUSTER_H_
#define CRDTDB_TESTS_SIM_SIM_CLUSTER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/placement.h"
#include "config/cluster_config.h"
#include "db/database_impl.h"
#include "db/replica.h"
#include "crdtdb/sync_report.h"
#include "sync/sync_engine.h"

namespace leveldb {
class Env;
}

namespace crdtdb::testing {

// An offline-first app's embedded replica, outside the cluster, that syncs with one region.
class SimClient {
 public:
  explicit SimClient(std::function<uint64_t()> clock_ms);
  ~SimClient();
  db::DatabaseImpl& db() { return *db_; }
  // Closes the database and opens it again from its files, as an app that restarts.
  void Reopen();

 private:
  void Open();
  std::function<uint64_t()> clock_ms_;
  std::unique_ptr<leveldb::Env> env_;
  std::unique_ptr<db::DatabaseImpl> db_;
};

struct SimOptions {
  double loss = 0.0;       // probability a message is dropped
  double duplicate = 0.0;  // probability a message is delivered twice
  uint64_t latency_min_ms = 5;
  uint64_t latency_max_ms = 60;  // uniform in between: messages overtake each other
  uint64_t tick_ms = 10;
  uint64_t max_clock_skew_ms = 0;  // each replica's clock is off by up to this much
  // One-way latency per directed link [from][to] (e.g. from a regions file's links); when set it
  // replaces latency_min_ms, and up to `jitter_ms` is added to each message.
  std::vector<std::vector<uint64_t>> link_latency_ms;
  uint64_t jitter_ms = 10;
  uint64_t delta_log_max_entries = 100'000;
  sync::SyncOptions sync;
  // False: every anti-entropy request is dropped on the wire, so that a test proves the delta
  // stream and gap repair on their own, with no backstop to hide their bugs.
  bool anti_entropy = true;
  // False: every message of every delta stream (deltas and heartbeats) is dropped, so that a test
  // proves anti-entropy on its own.
  bool stream = true;
  // Regions of several nodes (docs/sharding.md): when set, the replicas are the nodes of these
  // regions in order (SimCluster's `replicas` must be their count), named as the config names
  // them; each keeps the partitions its placement gives it and hears only the nodes it shares a
  // partition with. Only names, partitions and replication factors are read. Unset: every
  // replica keeps everything, as a one-node region does.
  std::optional<ClusterConfig> topology;
  // Replicas beyond the topology's nodes, by name, in no region until a later topology
  // (SimCluster::SetTopology) lists them: nodes to add while the cluster runs.
  std::vector<std::string> spares;
};

// A topology for SimOptions: `regions` as (name, node count, replication factor); nodes are
// named NAME-0, NAME-1, ...
ClusterConfig SimTopology(uint32_t partitions,
                          const std::vector<std::tuple<std::string, size_t, int>>& regions);
// A node named `name` added to `region` of `config` (which must list its nodes).
ClusterConfig WithNode(ClusterConfig config, const std::string& region, const std::string& name);

class SimCluster {
 public:
  SimCluster(uint64_t seed, size_t replicas, SimOptions options);
  ~SimCluster();

  size_t size() const { return nodes_.size(); }
  // The replica's database; precondition: it is up.
  db::DatabaseImpl& db(size_t i);
  // The replica itself, or null while it is down: for a simulated client that talks to it.
  db::Replica* replica(size_t i);
  // Every message a replica publishes on its delta stream is also given to `tap` (a simulated
  // client's subscription), before the network decides its fate.
  void TapPublished(std::function<void(size_t from, const std::string& frame)> tap) { tap_ = std::move(tap); }
  bool up(size_t i) const;
  uint64_t now_ms() const { return now_ms_; }
  std::mt19937_64& rng() { return rng_; }

  // Advances virtual time, delivering messages and ticking every replica.
  void RunFor(uint64_t ms);
  // Runs until every replica holds the same Merkle root and no message is in flight, or
  // `max_ms` passes; returns whether it converged.
  bool RunUntilConverged(uint64_t max_ms);

  // Cuts or heals the link from `from` to `to` (one direction).
  void SetLink(size_t from, size_t to, bool up);
  void Isolate(size_t i, bool isolated);
  // Clogs the link from `from` to `to`: every message sent on it from now on takes `extra_ms`
  // longer (0 unclogs it; what is already in flight keeps its delay).
  void SetLinkDelay(size_t from, size_t to, uint64_t extra_ms);
  // Moves replica `i`'s physical clock by `delta_ms` (backwards when negative), as NTP might.
  void JumpClock(size_t i, int64_t delta_ms);
  // Drops the next `count` messages of `from`'s delta stream to `to` (a lost PUB/SUB message).
  void DropNextPublished(size_t from, size_t to, int count);
  // Stops a replica as kill -9 would (its in-memory files survive) and starts it again.
  void Crash(size_t i);
  void Restart(size_t i);
  // Stops a replica and starts it again as after a reboot of its machine (another boot id), with
  // its files intact: it starts a new stream epoch (docs/storage.md).
  void Reboot(size_t i);
  // Cuts a replica's power: its disk keeps only what LevelDB had synced (with buffered
  // durability, the writes since its last open may be lost), then its machine boots again and it
  // starts in a new stream epoch, while its peers may hold the writes it lost.
  void PowerLoss(size_t i);
  // Copies a replica's files aside, as a backup would, and later puts that copy back in place of
  // its files, as a restore would. Preconditions: the replica is down (crashed).
  void Backup(size_t i);
  void RestoreBackup(size_t i);

  // Runs Database::sync_with between the client and `region` over a transport that delivers
  // straight to the region's replica, each round trip taking 2 x latency_min_ms of virtual time,
  // and that is cut (Unavailable) after `max_messages` messages.
  Result<SyncReport> SyncClient(SimClient& client, size_t region, size_t max_messages = SIZE_MAX);

  // Topologies only: a new configuration (nodes added, leaving or removed, replication factors).
  // Replicas move to it one by one, as each reloads it (ReloadTopology, or a restart, which reads
  // the newest). Placement-dependent accessors below use the newest.
  void SetTopology(ClusterConfig topology);
  const ClusterConfig& topology() const { return *options_.topology; }
  // The replica's node name, and its region by the newest topology ("" for a spare).
  const std::string& name(size_t i) const;
  std::string RegionOf(size_t i) const;
  void ReloadTopology(size_t i);
  // Whether replica `i` keeps (owns, or hands off) `key`'s partition now: what a node serves.
  bool Keeps(size_t i, const std::string& key) const;
  // Partitions replica `i` holds without owning them, not yet handed off.
  size_t HandingOff(size_t i) const;

  // With a topology: every partition's owners, in every region, hold equal partition roots.
  // Without: every replica holds the same Merkle root.
  bool Converged() const;
  // Topologies only: the index of the node of `region` that owns `key`'s partition, `rank`-th in
  // preference; the placement; the XOR of the subtrees of partition `p` on replica `i`; the
  // region's root computed from one owner per partition (equal on two regions exactly when they
  // hold the same documents).
  size_t Owner(const std::string& region, const std::string& key, size_t rank = 0) const;
  const cluster::Placement& placement() const { return *placement_; }
  merkle::Hash PartitionRoot(size_t i, cluster::PartitionId p) const;
  merkle::Hash RegionRoot(const std::string& region) const;
  size_t IndexOf(const std::string& name) const;
  // Every replica's documents of `collection` as "id=json" lines, for comparing full dumps.
  std::string Dump(size_t i, const std::string& collection);
  const sync::SyncStats& stats(size_t i) const;
  // Over the whole run (restarts included): updates that some replica could not apply, and
  // documents that some anti-entropy round found apart with nothing to change on either side. A
  // correct run has none: each is a document that stays apart until an operator acts.
  uint64_t apply_failures() const { return Total(&sync::SyncStats::apply_failures); }
  uint64_t futile_repairs() const { return Total(&sync::SyncStats::futile_repairs); }
  db::ReplicaStatus status(size_t i) const;
  uint64_t messages_delivered() const { return delivered_; }
  // Bytes of the delta stream delivered to replica `i` (topics included), and delta batches of
  // one partition delivered to a replica that does not keep it then.
  uint64_t stream_bytes_received(size_t i) const {
    auto it = stream_bytes_received_.find(i);
    return it == stream_bytes_received_.end() ? 0 : it->second;
  }
  uint64_t unkept_batches_received() const { return unkept_batches_received_; }
  // Anti-entropy requests dropped because SimOptions::anti_entropy is false.
  uint64_t anti_entropy_dropped() const { return anti_entropy_dropped_; }

 private:
  struct Node;
  struct Event {
    uint64_t at_ms;
    uint64_t order;  // ties broken by send order: deterministic
    enum class Kind { kPublished, kRequest, kResponse } kind;
    size_t from, to;
    std::string bytes;
    bool operator>(const Event& other) const {
      return at_ms != other.at_ms ? at_ms > other.at_ms : order > other.order;
    }
  };

  // A counter summed over every engine of every replica, restarts included.
  uint64_t Total(uint64_t sync::SyncStats::*counter) const;
  void Open(size_t i);
  // The scope and peers of replica `i` by the newest topology and what its store holds.
  void ApplyTopology(size_t i);
  void Route(size_t from, std::vector<sync::Outgoing> outgoing);
  void Schedule(Event::Kind kind, size_t from, size_t to, std::string bytes);
  void Deliver(Event event);
  void NoteStreamDelivery(size_t to, std::string_view frame);

  SimOptions options_;
  std::optional<cluster::Placement> placement_;
  std::mt19937_64 rng_;
  uint64_t now_ms_ = 1'700'000'000'000;
  uint64_t order_ = 0;
  uint64_t delivered_ = 0;
  std::map<size_t, uint64_t> stream_bytes_received_;
  uint64_t unkept_batches_received_ = 0;
  uint64_t anti_entropy_dropped_ = 0;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<std::vector<bool>> link_up_;
  std::vector<std::vector<int>> drop_published_;
  std::vector<std::vector<uint64_t>> extra_delay_ms_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> in_flight_;
  std::function<void(size_t, const std::string&)> tap_;
};

}  // namespace crdtdb::testing

#endif  // CRDTDB_TESTS_SIM_SIM_CLUSTER_H_
