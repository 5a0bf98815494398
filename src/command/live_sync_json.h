// Copyright (c) crdtdb authors.
//
// A live sync's state (crdtdb/live_sync.h) as one JSON object: what `crdtdb sync --live` prints
// per change and what the C ABI hands its state callback (crdtdb_start_sync).

#ifndef CRDTDB_COMMAND_LIVE_SYNC_JSON_H_
#define CRDTDB_COMMAND_LIVE_SYNC_JSON_H_

#include <string>

#include "crdtdb/live_sync.h"

namespace crdtdb::command {

// {"target", "phase": "starting"|"syncing"|"idle"|"retrying"|"stopped", "connected",
//  "pending_local_changes", "last_error", "last_sync_unix_ms", "sessions", "failures",
//  "retry_in_ms", "documents_sent", "documents_received"}, on one line.
std::string LiveSyncStateJson(const LiveSyncState& state);

}  // namespace crdtdb::command

#endif  // CRDTDB_COMMAND_LIVE_SYNC_JSON_H_
