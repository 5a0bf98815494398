// Copyright (c) crdtdb authors.

#include "db/replica.h"

#include <utility>

namespace crdtdb::db {

Replica::Replica(std::unique_ptr<DatabaseImpl> db, std::string cluster, std::string region,
                 std::vector<std::string> peers, sync::SyncOptions options)
    : db_(std::move(db)),
      cluster_(std::move(cluster)),
      region_(std::move(region)),
      engine_(*db_, std::move(peers), options) {}

ReplicaStatus Replica::status(uint64_t now_ms) const {
  return ReplicaStatus{cluster_, region_, db_->status(), engine_.peer_status(now_ms), engine_.stats()};
}

}  // namespace crdtdb::db
