// Copyright (c) crdtdb authors.
//
// The adapter of a live sync (crdtdb/live_sync.h): one thread that waits on the database's local
// writes (a subscription that wakes it through an eventfd), on SUB sockets connected to the delta
// streams of the region's nodes (net::PeerLink: reconnects by itself, also after a protocol
// error) and on the clock, feeds what it sees to a sync::LiveSyncDriver, and runs a sync session
// whenever the driver's schedule says one is due. Everything it decides is the driver's (the
// simulated network runs the same one: tests/sim/sim_live_app.h); here are only the sockets, the
// thread and the callback.
//
// Stopping is bounded: the stop flag is the sessions' cancel flag (net::ClientConnection checks it
// every kCancelCheckMs) and the wait's eventfd is written, so the thread ends within about 100 ms
// plus the commit of one received message. The database stops its live syncs before it closes
// (db::LiveSyncs), so the thread never outlives it.

#ifndef CRDTDB_NET_LIVE_SYNC_RUNNER_H_
#define CRDTDB_NET_LIVE_SYNC_RUNNER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crdtdb/live_sync.h"
#include "crdtdb/result.h"
#include "crdtdb/sync_report.h"
#include "db/database_impl.h"
#include "net/peer_link.h"
#include "sync/live_sync_driver.h"

namespace crdtdb::net {

// A node's delta stream to hear.
struct LiveStream {
  std::string endpoint;  // its publish endpoint
  std::optional<CurveClientKeys> curve;
};

// The name of a live sync's thread (at most 15 characters, as Linux allows).
constexpr char kLiveSyncThreadName[] = "crdtdb-live";

// What to sync with, resolved from LiveSyncOptions.
struct LiveSyncPlan {
  std::string target;  // for LiveSyncState::target
  // Runs one two-way session; must end soon after `cancel` turns true.
  std::function<Result<SyncReport>(const std::atomic<bool>& cancel)> session;
  std::vector<LiveStream> streams;
  // Sessions compare the whole tree with the one node behind streams[0] (a one-node region): after
  // one that found both equal, that node's root is known.
  bool whole_tree = false;
  sync::LiveSyncTiming timing;
};

// The plan's timing from the options, checked: InvalidArgument for a zero backoff or interval.
Result<sync::LiveSyncTiming> TimingOf(const LiveSyncOptions& options);

// Starts the live sync on `db` and registers it there. Fails (nothing started) if a stream's
// socket cannot be made or the database is closing.
Result<std::unique_ptr<LiveSync>> StartLiveSync(db::DatabaseImpl& db, LiveSyncPlan plan,
                                                LiveSyncCallback on_state);

}  // namespace crdtdb::net

#endif  // CRDTDB_NET_LIVE_SYNC_RUNNER_H_
