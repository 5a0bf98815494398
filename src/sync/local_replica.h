// Copyright (c) crdtdb authors.
//
// LocalReplica is what the replication protocol needs from the replica it runs for: read access to
// its delta log, Merkle tree and document states, and a way to join remote updates through the
// replica's own write path. The protocol state machines call it synchronously and never touch a
// socket or a clock; the replica core (src/db) implements it over the store.

#ifndef CRDTDB_SYNC_LOCAL_REPLICA_H_
#define CRDTDB_SYNC_LOCAL_REPLICA_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crdt/document.h"
#include "crdtdb/result.h"
#include "merkle/merkle_tree.h"
#include "sync/messages.h"

namespace crdtdb::sync {

// A remote update to join: a delta from a peer's log, or a whole state from anti-entropy.
struct RemoteUpdate {
  std::string key;
  crdt::Document document;
  bool is_state = false;  // a full state (joined with Join) rather than a delta (ApplyDelta)
};

// What ApplyRemote did with each update of a batch.
struct ApplyResult {
  std::vector<Status> updates;  // one per update, in the order given
  // One per update: whether its document's state here changed (false for a failed update). An
  // update that applied without changing anything was already held here, which is how
  // anti-entropy tells a repair that changes nothing (anti_entropy.h).
  std::vector<bool> changed;

  bool ok() const { return status().ok(); }
  // OK, or the first failure.
  Status status() const {
    for (const Status& s : updates) {
      if (!s.ok()) return s;
    }
    return Status::OK();
  }
};

// One document of a Merkle bucket, as the replica holds it.
struct LeafEntry {
  std::string key;
  crdt::Digest digest;
  friend bool operator==(const LeafEntry&, const LeafEntry&) = default;
};

// How anti-entropy names the entry on the wire in the round `session` (messages.h, Leaf).
inline merkle::Fingerprint EntryFingerprint(const LeafEntry& e, uint64_t session) {
  return merkle::FingerprintOf(merkle::Contribution(e.key, e.digest), session);
}

class LocalReplica {
 public:
  virtual ~LocalReplica() = default;

  virtual crdt::ReplicaId replica_id() const = 0;
  virtual uint64_t last_sequence() const = 0;
  virtual merkle::Hash merkle_root() const = 0;
  virtual merkle::Hash merkle_node(merkle::NodeId id) const = 0;
  // The kFanout children of an inner node.
  virtual std::vector<merkle::Hash> merkle_children(merkle::NodeId id) const = 0;

  // Up to `max` of this replica's own deltas from sequence `from` on, whose key and delta bytes add
  // up to at most `max_bytes` (but at least one delta, whatever its size); the first returned
  // sequence is above `from` when older deltas left the log. The budget bounds the work, not only
  // the answer: a delta logged as a reference to its document's state is not read past it
  // (store::Store::ReadDeltaLog). A sequence may be missing from an answer, the others keeping
  // theirs, because its delta was logged by reference to a document this replica has dropped
  // since (DropBuckets): receivers that miss it get that document from its owners by
  // anti-entropy, as for a delta that left the log.
  virtual Result<std::vector<LoggedDelta>> ReadLog(uint64_t from, size_t max,
                                                   size_t max_bytes) const = 0;
  // The documents of one Merkle bucket with their digests, sorted by key.
  virtual Result<std::vector<LeafEntry>> ReadLeaf(uint32_t bucket) const = 0;
  // The canonical encoding of a document's state; nullopt if this replica never saw the key.
  virtual Result<std::optional<std::string>> ReadState(const std::string& key) const = 0;

  // The catalog (docs/sharding.md, "Indexes"): the documents every node keeps whatever partitions
  // it owns, the database's index definitions. Whether `key` is one; and up to `max` of them
  // (live or deleted) with keys after `after` (empty: from the first), ascending by key.
  virtual bool InCatalog(std::string_view key) const = 0;
  virtual Result<std::vector<DocumentState>> ReadCatalog(std::string_view after, size_t max) const = 0;

  // Joins remote updates, in one commit, without adding them to this replica's delta log (deltas
  // are re-published only by their origin). Each document succeeds or fails on its own: an
  // update that cannot be applied (an invalid key, a document that cannot be read, a join past
  // crdt::kMaxEncodedBytes) fails with the other updates of its document only, and the rest are
  // committed; a failed commit fails every update it carried.
  virtual ApplyResult ApplyRemote(std::vector<RemoteUpdate> updates) = 0;

  // Removes every document (live or deleted) of the Merkle buckets first..last (inclusive) from
  // this replica, with its Merkle contribution; returns how many it removed. For a node that
  // handed a partition off to its new owner (docs/sharding.md): nothing is deleted in the CRDT
  // sense, no delta is logged or sent, the replica only stops holding the documents, which its
  // owners keep. Index definitions stay (every node keeps them: docs/sharding.md, "Indexes").
  // It is serialized with every write: a write that commits before it is dropped
  // with the rest, one that commits after it stays. InvalidArgument unless first <= last <
  // merkle::kLeafCount; a storage error leaves some of the documents dropped, and calling it
  // again finishes the drop.
  virtual Result<uint64_t> DropBuckets(uint32_t first, uint32_t last) = 0;

  // How far this replica has applied `origin`'s delta stream, as last saved (a lower bound), so
  // that gap repair resumes there after a restart; nullopt if unknown.
  virtual std::optional<uint64_t> StreamProgress(crdt::ReplicaId origin) const = 0;
  // A peer acknowledged this replica's own stream up to `sequence`. Above last_sequence() it
  // means this replica's store is older than what it issued (restored from a backup, or a copy
  // run as a second replica): the replica must stop writing until it starts a new epoch.
  virtual void OnOwnStreamAcknowledged(const std::string& peer, uint64_t sequence) = 0;
  // Saves it; every delta of `origin` up to `sequence` must already be applied. Best effort: a
  // failure only makes the next restart's gap repair longer.
  virtual void SaveStreamProgress(crdt::ReplicaId origin, uint64_t sequence) = 0;
};

}  // namespace crdtdb::sync

#endif  // CRDTDB_SYNC_LOCAL_REPLICA_H_
