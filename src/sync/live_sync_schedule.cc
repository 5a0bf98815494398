// Copyright (c) crdtdb authors.

#include "sync/live_sync_schedule.h"

#include <algorithm>

namespace crdtdb::sync {

LiveSyncSchedule::LiveSyncSchedule(LiveSyncTiming timing, size_t streams, uint64_t seed,
                                   uint64_t synced_sequence, uint64_t now_ms)
    : timing_(timing),
      streams_(streams),
      random_(seed == 0 ? 0x9e3779b97f4a7c15 : seed),
      due_ms_(now_ms),
      last_end_ms_(now_ms),
      synced_sequence_(synced_sequence) {}

void LiveSyncSchedule::DueBy(uint64_t ms) { due_ms_ = std::min(due_ms_, std::max(ms, backoff_until_ms_)); }

void LiveSyncSchedule::OnLocalWrite(uint64_t local_sequence, uint64_t now_ms) {
  if (local_sequence > synced_sequence_) DueBy(now_ms + timing_.push_delay_ms);
}

void LiveSyncSchedule::OnStreamMessage(size_t stream, std::optional<merkle::Hash> root, uint64_t now_ms) {
  if (stream >= streams_.size()) return;
  Stream& s = streams_[stream];
  const bool back = s.silent || !s.heard_ms;
  s.heard_ms = now_ms;
  s.silent = false;
  silent_ = AnyStreamSilent(now_ms);
  // The region is back after a silence (or heard for the first time): no reason to wait longer.
  if (back && state_.failures > 0) backoff_until_ms_ = now_ms;
  const bool changed = !root || (s.root != root && s.assumed != root);
  if (root) s.root = root;
  if (changed || (back && state_.failures > 0)) DueBy(now_ms);
}

bool LiveSyncSchedule::AnyStreamSilent(uint64_t now_ms) const {
  for (const Stream& s : streams_) {
    // A stream never heard counts from the last session's end: it may not have connected yet.
    const uint64_t since = s.heard_ms.value_or(last_end_ms_);
    if (now_ms > since + timing_.silence_ms) return true;
  }
  return false;
}

void LiveSyncSchedule::OnTick(uint64_t now_ms) {
  for (Stream& s : streams_) {
    const uint64_t since = s.heard_ms.value_or(last_end_ms_);
    if (now_ms > since + timing_.silence_ms) s.silent = true;
  }
  silent_ = AnyStreamSilent(now_ms);
}

uint64_t LiveSyncSchedule::NextWakeMs(uint64_t now_ms) const {
  uint64_t wake = due_ms_;
  for (const Stream& s : streams_) {
    if (!s.silent) wake = std::min(wake, s.heard_ms.value_or(last_end_ms_) + timing_.silence_ms + 1);
  }
  return std::max(wake, now_ms);
}

void LiveSyncSchedule::OnSessionStarted(uint64_t local_sequence) {
  session_start_sequence_ = local_sequence;
  state_.phase = LiveSyncPhase::kSyncing;
  ++state_.sessions;
  due_ms_ = UINT64_MAX;  // what happens during the session makes the next one due
}

uint64_t LiveSyncSchedule::DrawBackoff() {
  const uint32_t doublings = static_cast<uint32_t>(std::min<uint64_t>(state_.failures - 1, 30));
  const uint64_t whole =
      std::min(timing_.backoff_max_ms, timing_.backoff_initial_ms << std::min<uint32_t>(doublings, 20));
  random_ ^= random_ << 13;
  random_ ^= random_ >> 7;
  random_ ^= random_ << 17;
  // Uniform in [whole - whole/2, whole].
  return whole - random_ % (whole / 2 + 1);
}

void LiveSyncSchedule::OnSessionEnded(const Status& error, const SyncReport& report, uint64_t now_ms,
                                      uint64_t now_unix_ms) {
  last_end_ms_ = now_ms;
  state_.documents_sent += report.documents_sent;
  state_.documents_received += report.documents_received;
  if (!error.ok()) {
    ++state_.failures;
    session_ok_ = false;
    state_.last_error = error.ToString();
    state_.retry_in_ms = DrawBackoff();
    backoff_until_ms_ = now_ms + state_.retry_in_ms;
    state_.phase = LiveSyncPhase::kRetrying;
    due_ms_ = std::min(due_ms_, backoff_until_ms_);
    return;
  }
  state_.failures = 0;
  state_.retry_in_ms = 0;
  backoff_until_ms_ = 0;
  session_ok_ = true;
  state_.last_error.clear();
  state_.phase = LiveSyncPhase::kIdle;
  for (Stream& s : streams_) {
    // A session that succeeded reached the region: its streams are counted silent from now on.
    if (s.silent) s.heard_ms.reset();
    s.silent = false;
  }
  silent_ = false;
  if (report.in_sync) {
    synced_sequence_ = std::max(synced_sequence_, session_start_sequence_);
    state_.last_sync_unix_ms = now_unix_ms;
    due_ms_ = std::min(due_ms_, now_ms + timing_.poll_interval_ms);
  } else {
    due_ms_ = now_ms;  // the region kept changing under the session's rounds: go on
  }
}

LiveSyncState LiveSyncSchedule::State(uint64_t local_sequence) const {
  LiveSyncState state = state_;
  state.connected = session_ok_ && !silent_;
  state.pending_local_changes = local_sequence > synced_sequence_ ? local_sequence - synced_sequence_ : 0;
  if (state.phase != LiveSyncPhase::kRetrying) state.retry_in_ms = 0;
  return state;
}

}  // namespace crdtdb::sync
