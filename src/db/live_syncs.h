// Copyright (c) crdtdb authors.
//
// LiveSyncs is what a DatabaseImpl knows of the live syncs running on it (crdtdb/live_sync.h):
// their states for status(), and a way to stop them all before it closes, so that no sync thread
// ever touches a closed database. The syncs themselves (their thread and sockets) live in
// src/net; the database holds them weakly, their handles strongly.

#ifndef CRDTDB_DB_LIVE_SYNCS_H_
#define CRDTDB_DB_LIVE_SYNCS_H_

#include <memory>
#include <mutex>
#include <vector>

#include "crdtdb/live_sync.h"
#include "crdtdb/status.h"

namespace crdtdb::db {

class LiveSyncs {
 public:
  class Task {
   public:
    virtual ~Task() = default;
    // Stops the sync and joins its thread; idempotent, callable from any thread but its own.
    virtual void Stop() = 0;
    virtual LiveSyncState State() const = 0;
  };

  // Stops every sync still running (the database closes).
  ~LiveSyncs() { StopAll(); }

  // Registers a sync; Unavailable once the database is closing (the caller then stops it).
  Status Add(const std::shared_ptr<Task>& task);
  void StopAll();
  std::vector<LiveSyncState> States() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::weak_ptr<Task>> tasks_;
  bool closing_ = false;
};

}  // namespace crdtdb::db

#endif  // CRDTDB_DB_LIVE_SYNCS_H_
