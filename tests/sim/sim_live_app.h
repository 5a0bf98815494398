// Copyright (c) crdtdb authors.
//
// An offline-first app with a live sync (crdtdb/live_sync.h) on the simulated network: an embedded
// replica (SimClient) and the live sync's own loop (sync::LiveSyncDriver, as the adapter's thread
// runs it), syncing with one replica of a SimCluster over a simulated link. The link has seeded
// latency, loss and duplication, and can be cut (the app partitioned from the region). Sessions
// are the real ones (Database::sync_with over a SyncTransport); the delta stream the app hears is
// the region's real one (heartbeats and delta batches, which may also overtake each other).
//
// As over ZeroMQ, a session's requests and answers keep their order (one TCP connection per
// session) and an answer that comes after its exchange gave up is not taken for the next one's;
// a session runs through virtual time, as it blocks the adapter's thread, and what the stream
// says meanwhile waits for it to end. Time advances in the cluster's ticks: the world (writes,
// faults) acts between them through the `between` hook, also while a session runs.

#ifndef CRDTDB_TESTS_SIM_SIM_LIVE_APP_H_
#define CRDTDB_TESTS_SIM_SIM_LIVE_APP_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "crdtdb/live_sync.h"
#include "sync/live_sync_driver.h"
#include "tests/sim/sim_cluster.h"

namespace crdtdb::testing {

struct SimLinkOptions {
  double loss = 0.0;       // probability a message is dropped
  double duplicate = 0.0;  // probability a message is delivered twice
  uint64_t latency_min_ms = 5;
  uint64_t latency_max_ms = 60;
  uint64_t answer_timeout_ms = 1'000;  // an exchange fails (Unavailable) without an answer by then
};

class SimLiveApp {
 public:
  // Syncs with replica `region` of `cluster` (a one-node region: whole-tree sessions, one stream).
  // Takes over the cluster's published-message tap.
  SimLiveApp(SimCluster& cluster, size_t region, uint64_t seed, sync::LiveSyncTiming timing, SimLinkOptions link);
  ~SimLiveApp();

  db::DatabaseImpl& db() { return client_.db(); }
  void set_link(SimLinkOptions link) { link_ = link; }
  // Cuts (or heals) the link between the app and the region, both ways.
  void SetPartitioned(bool partitioned) { partitioned_ = partitioned; }
  // The app closes its database (its live sync stops; a session running is abandoned) and opens
  // it again with a new live sync, at the end of the current tick.
  void RequestReopen() { reopen_requested_ = true; }
  // Called once per tick, before the cluster runs it: the test's writes and faults.
  void set_between(std::function<void()> between) { between_ = std::move(between); }

  // Advances virtual time by at least `ms` (a session that is running finishes first).
  void RunFor(uint64_t ms);
  // Runs until the app's replica and every replica of the cluster hold the same Merkle root, with
  // no session running, or `max_ms` passes; returns whether they did.
  bool RunUntilConverged(uint64_t max_ms);
  bool Converged();

  LiveSyncState state() const { return driver_->State(); }
  uint64_t sessions() const { return sessions_; }
  uint64_t failed_sessions() const { return failed_sessions_; }
  uint64_t reopens() const { return reopens_; }

 private:
  class Transport;
  struct Event {
    uint64_t at_ms;
    uint64_t order;
    enum class Kind { kRequest, kAnswer, kFrame } kind;
    uint64_t tag;  // requests and answers: the exchange; 0 for a message that needs no answer
    std::string bytes;
    bool operator>(const Event& other) const {
      return at_ms != other.at_ms ? at_ms > other.at_ms : order > other.order;
    }
  };

  void Start();  // a new live sync on the app's (re)opened database
  // One tick of the world: the hook, the cluster, the link.
  void Step();
  void Deliver(Event event);
  // Puts a message on the link; `ordered` keeps it behind the last of its direction (a session's).
  void Send(Event::Kind kind, uint64_t tag, std::string bytes, bool ordered);
  Result<SyncReport> RunSession();

  SimCluster& cluster_;
  const size_t region_;
  const sync::LiveSyncTiming timing_;
  SimLinkOptions link_;
  std::mt19937_64 rng_;
  SimClient client_;
  std::unique_ptr<sync::LiveSyncDriver> driver_;
  std::unique_ptr<Subscription> subscription_;
  bool local_write_ = false;
  bool partitioned_ = false;
  bool reopen_requested_ = false;
  bool in_session_ = false;
  std::function<void()> between_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> in_flight_;
  uint64_t order_ = 0;
  uint64_t last_request_at_ = 0, last_answer_at_ = 0;  // FIFO per direction, for sessions
  uint64_t next_tag_ = 0;
  std::optional<std::pair<uint64_t, std::string>> answer_;  // the waiting exchange's, by its tag
  std::vector<std::string> frames_held_;  // heard during a session
  uint64_t sessions_ = 0, failed_sessions_ = 0, reopens_ = 0;
};

}  // namespace crdtdb::testing

#endif  // CRDTDB_TESTS_SIM_SIM_LIVE_APP_H_
