// Copyright (c) crdtdb authors.
//
// Database::sync_with(endpoint): the public offline-first entry point, a client session over
// ZeroMQ to a region's sync endpoint.

#include "crdtdb/database.h"
#include "net/client_call.h"

namespace crdtdb {

Result<SyncReport> Database::sync_with(const std::string& endpoint) {
  net::ClientConnection connection(endpoint, net::kDefaultCallTimeoutMs);
  return sync_with(connection);
}

}  // namespace crdtdb
