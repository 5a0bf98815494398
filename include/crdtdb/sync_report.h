// Copyright (c) crdtdb authors.

#ifndef CRDTDB_INCLUDE_SYNC_REPORT_H_
#define CRDTDB_INCLUDE_SYNC_REPORT_H_

#include <cstdint>

namespace crdtdb {

// What one offline-first sync session with a region did. A session that was cut off loses
// nothing: every document it received is committed, and the next session finishes the job.
struct SyncReport {
  uint64_t documents_sent = 0;      // local states pushed to the region
  uint64_t documents_received = 0;  // region states joined locally
  uint64_t bytes_sent = 0;
  uint64_t bytes_received = 0;
  uint64_t rounds = 0;              // anti-entropy rounds run
  uint64_t duration_ms = 0;
  bool in_sync = false;             // the last round found both sides equal
};

}  // namespace crdtdb

#endif  // CRDTDB_INCLUDE_SYNC_REPORT_H_
