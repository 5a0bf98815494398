// Copyright (c) crdtdb authors.

#include "command/live_sync_json.h"

#include <nlohmann/json.hpp>

namespace crdtdb::command {

namespace {

const char* PhaseName(LiveSyncPhase phase) {
  switch (phase) {
    case LiveSyncPhase::kStarting: return "starting";
    case LiveSyncPhase::kSyncing: return "syncing";
    case LiveSyncPhase::kIdle: return "idle";
    case LiveSyncPhase::kRetrying: return "retrying";
    case LiveSyncPhase::kStopped: return "stopped";
  }
  return "unknown";
}

}  // namespace

std::string LiveSyncStateJson(const LiveSyncState& state) {
  nlohmann::ordered_json j;
  j["target"] = state.target;
  j["phase"] = PhaseName(state.phase);
  j["connected"] = state.connected;
  j["pending_local_changes"] = state.pending_local_changes;
  j["last_error"] = state.last_error;
  j["last_sync_unix_ms"] = state.last_sync_unix_ms;
  j["sessions"] = state.sessions;
  j["failures"] = state.failures;
  j["retry_in_ms"] = state.retry_in_ms;
  j["documents_sent"] = state.documents_sent;
  j["documents_received"] = state.documents_received;
  return j.dump();
}

}  // namespace crdtdb::command
