// Copyright (c) crdtdb authors.

#ifndef CRDTDB_INCLUDE_SYNC_TRANSPORT_H_
#define CRDTDB_INCLUDE_SYNC_TRANSPORT_H_

#include <string>
#include <string_view>

#include "crdtdb/result.h"
#include "crdtdb/status.h"

namespace crdtdb {

// How Database::sync_with reaches a region's sync endpoint. crdtdb brings one over ZeroMQ; a test
// or an app with its own network can bring another. The messages are opaque bytes
// (docs/protocol.md); the transport only carries them, in order.
class SyncTransport {
 public:
  virtual ~SyncTransport() = default;
  // Sends `request` and returns the region's answer; Unavailable when none comes in time.
  virtual Result<std::string> Exchange(std::string_view request) = 0;
  // Sends a message that has no answer (documents pushed to the region).
  virtual Status Send(std::string_view message) = 0;
};

}  // namespace crdtdb

#endif  // CRDTDB_INCLUDE_SYNC_TRANSPORT_H_
