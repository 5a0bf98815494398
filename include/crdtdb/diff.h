// Copyright (c) crdtdb authors.
//
// What differs between two replicas (crdtdb diff, docs/cli.md): the documents whose states are not
// equal, found by walking both Merkle trees with the anti-entropy requests of each replica's sync
// endpoint. Read-only: neither replica is written to.

#ifndef CRDTDB_INCLUDE_DIFF_H_
#define CRDTDB_INCLUDE_DIFF_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crdtdb/result.h"
#include "crdtdb/sync_transport.h"

namespace crdtdb {

struct DiffOptions {
  size_t limit = 1000;  // at most this many documents are reported; >= 1
};

// How one replica holds a document.
struct HeldDocument {
  std::string digest;    // of its state, 32 hex digits: equal digests mean equal states
  bool deleted = false;  // a tombstone: deleted there, its deletion still to be replicated
};

// A document whose state differs: how each side holds it, nullopt where a side does not.
struct DocumentDifference {
  std::string key;  // "collection/id"
  std::optional<HeldDocument> a;
  std::optional<HeldDocument> b;
};

struct DiffReport {
  // The roots' fingerprints (8 hex digits) in the walk's window: equal exactly when the roots are,
  // but for a chance of 2^-32 (docs/protocol.md, "Why 32-bit fingerprints"). For a region of
  // several nodes, the XOR of its partitions' roots. Empty when partitions are missing.
  std::string root_a, root_b;
  std::vector<DocumentDifference> differences;  // in key order
  bool truncated = false;                       // more documents differ than the limit let through
  // With a region of several nodes: the partitions (ascending) left out because no owner of them
  // answered; the differences are those of the other partitions.
  std::vector<uint32_t> missing_partitions;
  // Nothing is claimed equal of partitions not compared.
  bool equal() const { return missing_partitions.empty() && root_a == root_b; }
};

// Compares the replicas behind two sync endpoints. Unavailable if one stops answering;
// Corruption if one sends a malformed or inconsistent answer.
Result<DiffReport> diff(SyncTransport& a, SyncTransport& b, const DiffOptions& options = {});

}  // namespace crdtdb

#endif  // CRDTDB_INCLUDE_DIFF_H_
