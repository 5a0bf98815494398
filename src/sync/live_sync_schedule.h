// Copyright (c) crdtdb authors.
//
// LiveSyncSchedule is the sans-IO heart of a live sync (crdtdb/live_sync.h): it is told what
// happened (a local write, a message on a region node's delta stream, a session's start and end,
// the passing of time) and says when the next sync session is due and what the state is. The
// adapter (net/live_sync_runner.h) owns the thread, the sockets and the sessions; everything it
// decides is here, so the rules are tested without a network or a clock.
//
// The rules (docs/library.md, "Live sync"):
//   - a local write makes a session due push_delay after it (unless one is due sooner);
//   - a batch of deltas on a stream, or a heartbeat whose Merkle root differs from the last one
//     that stream announced and from the one a session found there (AssumeRoot), makes a session
//     due at once (a root that is neither is news; comparing with both also keeps a node whose
//     root never equals this replica's from starting a session at every heartbeat);
//   - a session is due at least poll_interval after the last one ended;
//   - a failed session makes the next one wait a backoff: backoff_initial doubled per consecutive
//     failure, at most backoff_max, drawn uniformly from [half, whole] of that (jitter, so that
//     clients cut off together do not come back together); a stream heard again after a silence
//     (the region is back) ends the wait at once;
//   - connected: the last session succeeded and no stream has been silent for silence_ms since.
// Triggers other than local writes wait for the backoff too, so a region that is up but failing
// sessions is not hammered.

#ifndef CRDTDB_SYNC_LIVE_SYNC_SCHEDULE_H_
#define CRDTDB_SYNC_LIVE_SYNC_SCHEDULE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crdtdb/live_sync.h"
#include "crdtdb/status.h"
#include "crdtdb/sync_report.h"
#include "merkle/merkle_tree.h"

namespace crdtdb::sync {

struct LiveSyncTiming {
  uint64_t push_delay_ms = 50;
  uint64_t poll_interval_ms = 30'000;
  uint64_t backoff_initial_ms = 250;
  uint64_t backoff_max_ms = 10'000;
  uint64_t silence_ms = 2'000;  // 4 heartbeats (SyncOptions::heartbeat_interval_ms, 500 ms)
};

class LiveSyncSchedule {
 public:
  // `streams`: how many delta streams are heard (0: none, the schedule then polls). `seed` drives
  // the jitter; local writes up to `synced_sequence` are known to be at the region. The first
  // session is due at once.
  LiveSyncSchedule(LiveSyncTiming timing, size_t streams, uint64_t seed, uint64_t synced_sequence,
                   uint64_t now_ms);

  // Local writes were committed; `local_sequence` is the replica's last sequence after them.
  void OnLocalWrite(uint64_t local_sequence, uint64_t now_ms);
  // A message on stream `stream`: deltas (`root` unset), or a heartbeat announcing `root`.
  void OnStreamMessage(size_t stream, std::optional<merkle::Hash> root, uint64_t now_ms);
  // Time passed (silences are noticed here).
  void OnTick(uint64_t now_ms);

  bool SessionDue(uint64_t now_ms) const { return due_ms_ <= now_ms; }
  // When the adapter must look again at the latest (a session due, a silence to notice).
  uint64_t NextWakeMs(uint64_t now_ms) const;

  // A session starts now; `local_sequence` is the replica's last sequence before it.
  void OnSessionStarted(uint64_t local_sequence);
  // It ended: `report` on success, else `error`. `now_unix_ms` stamps a successful one.
  void OnSessionEnded(const Status& error, const SyncReport& report, uint64_t now_ms, uint64_t now_unix_ms);

  // A session just found this replica equal to the node behind `stream` over its whole tree: that
  // node's root is `root`, and its next heartbeat announcing it is no news.
  void AssumeRoot(size_t stream, const merkle::Hash& root) {
    if (stream < streams_.size()) streams_[stream].assumed = root;
  }

  // The state, with pending changes counted up to `local_sequence`.
  LiveSyncState State(uint64_t local_sequence) const;

 private:
  void DueBy(uint64_t ms);
  bool AnyStreamSilent(uint64_t now_ms) const;
  uint64_t DrawBackoff();

  struct Stream {
    std::optional<uint64_t> heard_ms;  // last message
    std::optional<merkle::Hash> root;     // last heartbeat's root
    std::optional<merkle::Hash> assumed;  // AssumeRoot's
    bool silent = false;               // nothing heard for silence_ms
  };

  const LiveSyncTiming timing_;
  std::vector<Stream> streams_;
  uint64_t random_;  // xorshift64 state
  uint64_t due_ms_;  // the next session
  uint64_t backoff_until_ms_ = 0;
  uint64_t last_end_ms_;

  // What State reports, but for connected and pending_local_changes (computed from the rest).
  LiveSyncState state_;
  bool session_ok_ = false;
  bool silent_ = false;
  uint64_t synced_sequence_;  // local writes up to here are at the region
  uint64_t session_start_sequence_ = 0;
};

}  // namespace crdtdb::sync

#endif  // CRDTDB_SYNC_LIVE_SYNC_SCHEDULE_H_
