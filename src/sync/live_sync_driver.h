// Copyright (c) crdtdb authors.
//
// LiveSyncDriver is what a live sync's loop does with each thing it sees, without the thread, the
// sockets or the clock: it owns the LiveSyncSchedule, reads the replica's sequence and root when
// the schedule needs them, decodes the frames of the region's delta streams and books the end of
// each session. The adapter (net/live_sync_runner.h) feeds it from its thread; the simulated
// network (tests/sim/sim_live_app.h) feeds it virtual time and simulated messages, so that both
// run the same rules.

#ifndef CRDTDB_SYNC_LIVE_SYNC_DRIVER_H_
#define CRDTDB_SYNC_LIVE_SYNC_DRIVER_H_

#include <cstdint>
#include <string_view>

#include "crdtdb/live_sync.h"
#include "crdtdb/result.h"
#include "crdtdb/sync_report.h"
#include "sync/live_sync_schedule.h"
#include "sync/local_replica.h"

namespace crdtdb::sync {

class LiveSyncDriver {
 public:
  // `whole_tree`: sessions compare the whole tree with the one node behind stream 0 (a one-node
  // region), so a session that found both equal knows that node's root. Nothing is known to be at
  // the region yet: every local write counts as pending until a session finds both sides equal.
  LiveSyncDriver(const LocalReplica& local, LiveSyncTiming timing, size_t streams, bool whole_tree, uint64_t seed,
                 uint64_t now_ms)
      : local_(local), schedule_(timing, streams, seed, /*synced_sequence=*/0, now_ms), whole_tree_(whole_tree) {}

  // Local writes were committed since the last call.
  void OnLocalWrites(uint64_t now_ms) { schedule_.OnLocalWrite(local_.last_sequence(), now_ms); }
  // A frame of stream `stream` (a topic, then a message: sync/partition_stream.h). Frames that are
  // not the region's, or damaged, are ignored: only a hint is lost.
  void OnStreamFrame(size_t stream, std::string_view frame, uint64_t now_ms);
  // Time passed. Returns whether a session is due now.
  bool OnTick(uint64_t now_ms) {
    schedule_.OnTick(now_ms);
    return schedule_.SessionDue(now_ms);
  }
  uint64_t NextWakeMs(uint64_t now_ms) const { return schedule_.NextWakeMs(now_ms); }

  void OnSessionStarted() { schedule_.OnSessionStarted(local_.last_sequence()); }
  void OnSessionEnded(const Result<SyncReport>& report, uint64_t now_ms, uint64_t now_unix_ms);

  LiveSyncState State() const { return schedule_.State(local_.last_sequence()); }

 private:
  const LocalReplica& local_;
  LiveSyncSchedule schedule_;
  const bool whole_tree_;
};

}  // namespace crdtdb::sync

#endif  // CRDTDB_SYNC_LIVE_SYNC_DRIVER_H_
