// Copyright (c) crdtdb authors.
//
// The adapter of one sync::DiffSession over two SyncTransports: it carries the session's requests
// to each side, one at a time (each answer awaited, as a sync does), until the walk ends. The
// diff of two replicas as wholes (include/crdtdb/diff.h) is one walk from the root; the diff of a
// region of several nodes is one walk per group of partitions (command/region_diff.h), all with
// one session id, so that their roots add up by XOR to the region's.

#ifndef CRDTDB_DB_DIFF_WALK_H_
#define CRDTDB_DB_DIFF_WALK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "crdt/dot.h"
#include "crdtdb/diff.h"
#include "crdtdb/result.h"
#include "crdtdb/sync_transport.h"
#include "merkle/merkle_tree.h"
#include "sync/diff_session.h"

namespace crdtdb::db {

// What one walk found.
struct DiffWalk {
  merkle::Fingerprint root_a = 0, root_b = 0;   // the XOR of the start nodes' fingerprints
  std::vector<DocumentDifference> differences;  // in key order, at most the limit
  bool truncated = false;
};

// Where a walk runs: over the subtrees under `start` (inner nodes; the root for a whole replica),
// in the window of `session`, with requests that carry `sender`.
struct DiffWalkPlan {
  uint64_t session = 0;
  crdt::ReplicaId sender = 0;
  std::vector<merkle::NodeId> start = {merkle::NodeId{0, 0}};
  size_t limit = 1000;  // >= 1
};

// Runs the walk to its end. On an error, *failed is the side whose transport failed or whose
// answer ended the walk (Unavailable: it stopped answering; Corruption: a malformed or forged
// answer).
Result<DiffWalk> WalkDiff(SyncTransport& a, SyncTransport& b, const DiffWalkPlan& plan,
                          sync::DiffSession::Side* failed);

// A fresh random session id, and a fresh sender id (never 0, which is reserved) for a diff that
// is no replica: its requests then claim no region's id.
uint64_t NewDiffSession();
crdt::ReplicaId NewDiffSender();

// A fingerprint as the report shows it: 8 hex digits.
std::string FingerprintHex(merkle::Fingerprint f);

}  // namespace crdtdb::db

#endif  // CRDTDB_DB_DIFF_WALK_H_
