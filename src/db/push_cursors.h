// Copyright (c) crdtdb authors.
//
// PushCursors is the per-peer state of a client's syncs (issue 22, docs/protocol.md "Resuming a
// sync"): for each peer replica and each set of Merkle subtrees synced with it, the position of
// this replica's change log at which a sync last found both sides equal. Every document this
// replica held then was held by the peer in the same state or a later one, so the next sync only
// has to push what the change log holds after that position, instead of walking the tree down to
// each changed document and fetching the peer's older state first.
//
// A cursor is a hint, never trusted for correctness: the sync that uses it still compares the two
// Merkle roots after the push and walks wherever they differ, so a peer that lost documents since
// (restored from a backup, a partition dropped) is repaired as without a cursor. Cursors live in
// memory, one set per open database: a restarted app starts with none, and its first sync with each
// peer is a full comparison, as a new peer's. Thread-safe.

#ifndef CRDTDB_DB_PUSH_CURSORS_H_
#define CRDTDB_DB_PUSH_CURSORS_H_

#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "crdt/dot.h"
#include "merkle/merkle_tree.h"
#include "store/store.h"

namespace crdtdb::db {

class PushCursors {
 public:
  // The cursor of the last sync with `peer` over the subtrees `start` that ended equal, if any.
  std::optional<store::ChangeCursor> Find(crdt::ReplicaId peer, const std::vector<merkle::NodeId>& start) const;
  // A sync with `peer` over `start` found both sides equal; `cursor` is the change log's head taken
  // before it compared them.
  void Remember(crdt::ReplicaId peer, const std::vector<merkle::NodeId>& start, store::ChangeCursor cursor);

 private:
  using Key = std::pair<crdt::ReplicaId, std::vector<std::pair<int, uint32_t>>>;
  static Key KeyOf(crdt::ReplicaId peer, const std::vector<merkle::NodeId>& start);

  mutable std::mutex mu_;
  std::map<Key, store::ChangeCursor> cursors_;
};

}  // namespace crdtdb::db

#endif  // CRDTDB_DB_PUSH_CURSORS_H_
