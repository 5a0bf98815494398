// Copyright (c) crdtdb authors.
//
// LiveSyncSchedule (sync/live_sync_schedule.h), driven by hand with a fake clock: when a session is
// due after local writes, stream messages, failures and recoveries, how the backoff grows and is
// jittered within its bounds, and what the state says about pending writes and connectivity.

#include "sync/live_sync_schedule.h"

#include <cstdint>
#include <set>

#include <doctest/doctest.h>

namespace crdtdb::sync {
namespace {

LiveSyncTiming Timing() {
  LiveSyncTiming t;
  t.push_delay_ms = 50;
  t.poll_interval_ms = 30'000;
  t.backoff_initial_ms = 200;
  t.backoff_max_ms = 3'000;
  t.silence_ms = 2'000;
  return t;
}

SyncReport InSync() {
  SyncReport r;
  r.in_sync = true;
  return r;
}

merkle::Hash Root(uint8_t b) {
  merkle::Hash h;
  h.low = b;
  return h;
}

// Runs a successful in-sync session at `now` with the replica at `sequence`.
void SucceedAt(LiveSyncSchedule& s, uint64_t sequence, uint64_t now) {
  REQUIRE(s.SessionDue(now));
  s.OnSessionStarted(sequence);
  s.OnSessionEnded(Status::OK(), InSync(), now, 1'000'000 + now);
}

TEST_CASE("the first session is due at once; afterwards only the poll interval makes one due") {
  LiveSyncSchedule s(Timing(), 0, 1, 0, 1000);
  CHECK(s.State(0).phase == LiveSyncPhase::kStarting);
  SucceedAt(s, 0, 1000);
  CHECK(s.State(0).phase == LiveSyncPhase::kIdle);
  CHECK(s.State(0).connected);
  CHECK(s.State(0).last_sync_unix_ms == 1'001'000);
  CHECK_FALSE(s.SessionDue(1000 + 29'999));
  CHECK(s.SessionDue(1000 + 30'000));
  CHECK(s.NextWakeMs(2000) == 31'000);
}

TEST_CASE("a local write makes a session due push_delay later and counts as pending until synced") {
  LiveSyncSchedule s(Timing(), 0, 1, 10, 0);
  SucceedAt(s, 10, 0);
  CHECK(s.State(10).pending_local_changes == 0);
  s.OnLocalWrite(12, 100);
  CHECK(s.State(12).pending_local_changes == 2);
  CHECK_FALSE(s.SessionDue(149));
  CHECK(s.SessionDue(150));
  // A write during the session is not covered by it.
  s.OnSessionStarted(12);
  s.OnSessionEnded(Status::OK(), InSync(), 160, 5);
  CHECK(s.State(13).pending_local_changes == 1);
  // A session that did not find both sides equal covers nothing and goes on at once.
  s.OnLocalWrite(13, 200);
  s.OnSessionStarted(13);
  SyncReport repaired;
  s.OnSessionEnded(Status::OK(), repaired, 260, 6);
  CHECK(s.State(13).pending_local_changes == 1);
  CHECK(s.SessionDue(260));
}

TEST_CASE("deltas and a new root on a stream make a session due at once; a repeated root does not") {
  LiveSyncSchedule s(Timing(), 2, 1, 0, 0);
  SucceedAt(s, 0, 0);
  s.OnStreamMessage(0, Root(1), 10);  // first heartbeat: a root not seen before
  CHECK(s.SessionDue(10));
  SucceedAt(s, 0, 10);
  s.OnStreamMessage(0, Root(1), 500);
  s.OnStreamMessage(1, Root(7), 500);
  CHECK(s.SessionDue(500));  // stream 1's first root
  SucceedAt(s, 0, 500);
  s.OnStreamMessage(0, Root(1), 1000);
  s.OnStreamMessage(1, Root(7), 1000);
  CHECK_FALSE(s.SessionDue(1000));
  s.OnStreamMessage(1, Root(8), 1500);
  CHECK(s.SessionDue(1500));
  SucceedAt(s, 0, 1500);
  s.OnStreamMessage(0, std::nullopt, 1600);  // a batch of deltas
  CHECK(s.SessionDue(1600));
}

TEST_CASE("a root assumed after a whole-tree session is no news in the next heartbeat") {
  LiveSyncSchedule s(Timing(), 1, 1, 0, 0);
  SucceedAt(s, 0, 0);
  s.AssumeRoot(0, Root(4));
  s.OnStreamMessage(0, Root(4), 100);
  CHECK_FALSE(s.SessionDue(100));
  s.OnStreamMessage(0, Root(5), 600);
  CHECK(s.SessionDue(600));
}

TEST_CASE("a node whose root never equals the replica's starts no session at every heartbeat") {
  LiveSyncSchedule s(Timing(), 1, 1, 0, 0);
  SucceedAt(s, 0, 0);
  s.AssumeRoot(0, Root(4));  // what the replica holds
  s.OnStreamMessage(0, Root(9), 500);  // the node holds part of it only
  REQUIRE(s.SessionDue(500));
  SucceedAt(s, 0, 500);
  s.AssumeRoot(0, Root(4));
  for (uint64_t t = 1000; t <= 5000; t += 500) {
    s.OnStreamMessage(0, Root(9), t);
    CHECK_FALSE(s.SessionDue(t));
  }
}

TEST_CASE("failures back off exponentially with jitter within [half, whole], capped at the maximum") {
  std::set<uint64_t> first_delays;
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    LiveSyncSchedule s(Timing(), 0, seed, 0, 0);
    uint64_t now = 0;
    uint64_t whole = 200;
    for (int failure = 1; failure <= 8; ++failure) {
      REQUIRE(s.SessionDue(now));
      s.OnSessionStarted(0);
      s.OnSessionEnded(Status::Unavailable("no answer"), SyncReport{}, now, 0);
      const LiveSyncState st = s.State(0);
      CHECK(st.phase == LiveSyncPhase::kRetrying);
      CHECK_FALSE(st.connected);
      CHECK(st.failures == static_cast<uint64_t>(failure));
      CHECK(st.last_error.find("no answer") != std::string::npos);
      CHECK(st.retry_in_ms >= whole - whole / 2);
      CHECK(st.retry_in_ms <= whole);
      if (failure == 1) first_delays.insert(st.retry_in_ms);
      // Nothing brings the retry forward, not even a local write.
      s.OnLocalWrite(1, now + 1);
      CHECK_FALSE(s.SessionDue(now + st.retry_in_ms - 1));
      now += st.retry_in_ms;
      whole = std::min<uint64_t>(whole * 2, 3'000);
    }
    SucceedAt(s, 1, now);
    CHECK(s.State(1).failures == 0);
    CHECK(s.State(1).last_error.empty());
    CHECK(s.State(1).retry_in_ms == 0);
  }
  CHECK(first_delays.size() > 10);  // the jitter spreads clients that failed together
}

TEST_CASE("a silent stream disconnects; hearing it again ends the backoff at once") {
  LiveSyncSchedule s(Timing(), 1, 3, 0, 0);
  SucceedAt(s, 0, 0);
  s.OnStreamMessage(0, Root(1), 100);
  SucceedAt(s, 0, 100);
  s.OnStreamMessage(0, Root(1), 600);
  s.OnTick(2600);
  CHECK(s.State(0).connected);
  CHECK(s.NextWakeMs(2600) == 2601);  // to notice the silence
  s.OnTick(2601);
  CHECK_FALSE(s.State(0).connected);
  // The region is down: a local write's session fails, and retries wait.
  s.OnLocalWrite(1, 3000);
  REQUIRE(s.SessionDue(3050));
  s.OnSessionStarted(1);
  s.OnSessionEnded(Status::Unavailable("down"), SyncReport{}, 3100, 0);
  s.OnSessionStarted(1);
  s.OnSessionEnded(Status::Unavailable("down"), SyncReport{}, 3400, 0);
  CHECK_FALSE(s.SessionDue(3401));
  // The region restarted: its first heartbeat (same root as before) brings the retry forward.
  s.OnStreamMessage(0, Root(1), 3402);
  CHECK(s.SessionDue(3402));
  SucceedAt(s, 1, 3402);
  CHECK(s.State(1).connected);
  CHECK(s.State(1).pending_local_changes == 0);
}

TEST_CASE("sessions and documents add up across sessions") {
  LiveSyncSchedule s(Timing(), 0, 1, 0, 0);
  SyncReport r = InSync();
  r.documents_sent = 3;
  r.documents_received = 4;
  s.OnSessionStarted(0);
  s.OnSessionEnded(Status::OK(), r, 0, 0);
  s.OnSessionStarted(0);
  s.OnSessionEnded(Status::OK(), r, 0, 0);
  CHECK(s.State(0).sessions == 2);
  CHECK(s.State(0).documents_sent == 6);
  CHECK(s.State(0).documents_received == 8);
}

}  // namespace
}  // namespace crdtdb::sync
