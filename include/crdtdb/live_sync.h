// Copyright (c) crdtdb authors.
//
// Live sync (Database::start_sync): a background, continuous, two-way sync of an embedded
// database with a region, the offline-first app's way to stay in step without calling sync_with.
// docs/library.md, "Live sync", says what it guarantees and how fast.
//
// It runs on one thread of its own. Each exchange with the region is one sync session, the same
// as Database::sync_with: both sides compare Merkle trees and send only the documents whose
// digests differ, so resuming after any interruption re-sends nothing the other side holds. A
// session starts
//   - push_delay_ms after a local write (writes committed meanwhile go in the same session),
//   - as soon as the region's delta stream (its publish endpoint) shows it changed: a batch of
//     deltas, or a heartbeat (every 500 ms) announcing a Merkle root not seen before,
//   - at least every poll_interval_ms in any case (the backstop, and the only way remote changes
//     arrive when no publish endpoint is known),
//   - after a failure, when the backoff has passed: backoff_initial_ms doubling per consecutive
//     failure up to backoff_max_ms, each delay drawn at random from its upper half (jitter), and at
//     once when the region's stream is heard again after a silence (the region came back).
//
// Plain data only, so that a C wrapper can carry it: strings, integers, booleans, one callback.

#ifndef CRDTDB_INCLUDE_LIVE_SYNC_H_
#define CRDTDB_INCLUDE_LIVE_SYNC_H_

#include <cstdint>
#include <functional>
#include <string>

namespace crdtdb {

// Which region, and how eagerly. Give either `endpoint` (a one-node region) or `config_path` and
// `region` (any region of the configuration file, also of several nodes: each partition is synced
// with one of its owners, docs/sharding.md "Routing", and every node's stream is heard).
struct LiveSyncOptions {
  std::string endpoint;          // the region's sync endpoint, "tcp://HOST:PORT"
  std::string publish_endpoint;  // its publish endpoint (optional): remote changes then arrive at once
  std::string config_path;       // regions file (interfaces.md section 1)
  std::string region;            // a region of it
  // With CURVE (security.curve, or an endpoint that requires it): this client's secret key file
  // (what `crdtdb keygen` prints, as for the CLI's --client-key) and, with `endpoint`, the server's
  // public key; with a config file, each node's public key comes from it.
  std::string client_key_file;
  std::string server_public_key;

  uint32_t push_delay_ms = 50;           // local writes wait this long for company, then go out
  uint32_t poll_interval_ms = 30'000;    // a session at least this often
  uint32_t backoff_initial_ms = 250;     // first retry delay after a failed session
  uint32_t backoff_max_ms = 10'000;      // the retry delay never exceeds this
  uint32_t answer_timeout_ms = 5'000;    // a session fails when an answer takes longer
};

// Where a live sync is.
enum class LiveSyncPhase {
  kStarting,  // no session has ended yet
  kSyncing,   // a session is running
  kIdle,      // the last session succeeded; waiting for a change
  kRetrying,  // the last session failed; waiting for the backoff to pass
  kStopped,   // stopped (stop(), the handle destroyed, or the database closed)
};

// A snapshot of a live sync, given to its callback and by LiveSync::state and
// Database::status (LocalStatus::live_syncs).
struct LiveSyncState {
  std::string target;    // the endpoint, or "region NAME"
  LiveSyncPhase phase = LiveSyncPhase::kStarting;
  // The last session succeeded and the region's stream (when one is heard) has not gone silent
  // for more than 2 s (4 heartbeats) since.
  bool connected = false;
  // Local writes committed since the start of the last session that found both sides equal
  // (before the first, every local write ever): what the region may not have yet.
  uint64_t pending_local_changes = 0;
  std::string last_error;           // of the last failed session; empty after a success
  uint64_t last_sync_unix_ms = 0;   // when a session last found both sides equal; 0: never
  uint64_t sessions = 0;            // sessions run
  uint64_t failures = 0;            // consecutive failed sessions (0 after a success)
  uint64_t retry_in_ms = 0;         // kRetrying: the backoff drawn before the next attempt
  uint64_t documents_sent = 0;      // since start: local states pushed
  uint64_t documents_received = 0;  // since start: region states joined locally
  friend bool operator==(const LiveSyncState&, const LiveSyncState&) = default;
};

// Called on the live sync's thread whenever the state changed (changes that come together are
// reported once). It must return quickly; it may read the database, but must not stop or
// destroy the LiveSync it reports on (that would wait for its own thread).
using LiveSyncCallback = std::function<void(const LiveSyncState&)>;

// The handle of a running live sync. Destroying it stops it.
class LiveSync {
 public:
  virtual ~LiveSync() = default;
  // Stops the sync and joins its thread. Returns in about 100 ms plus the commit of one received
  // message (at most 1 s more: the sockets' linger, docs/protocol.md), whatever the network does:
  // an exchange in flight is abandoned; what it committed stays, and the next start_sync finishes
  // the job. Idempotent; also fine after the database closed.
  virtual void stop() = 0;
  virtual LiveSyncState state() const = 0;
};

}  // namespace crdtdb

#endif  // CRDTDB_INCLUDE_LIVE_SYNC_H_
