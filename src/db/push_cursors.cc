// Copyright (c) crdtdb authors.

#include "db/push_cursors.h"

namespace crdtdb::db {

PushCursors::Key PushCursors::KeyOf(crdt::ReplicaId peer, const std::vector<merkle::NodeId>& start) {
  Key key{peer, {}};
  for (const merkle::NodeId& node : start) key.second.emplace_back(node.level, node.index);
  return key;
}

std::optional<store::ChangeCursor> PushCursors::Find(crdt::ReplicaId peer,
                                                     const std::vector<merkle::NodeId>& start) const {
  std::lock_guard lock(mu_);
  auto it = cursors_.find(KeyOf(peer, start));
  if (it == cursors_.end()) return std::nullopt;
  return it->second;
}

void PushCursors::Remember(crdt::ReplicaId peer, const std::vector<merkle::NodeId>& start,
                           store::ChangeCursor cursor) {
  std::lock_guard lock(mu_);
  cursors_[KeyOf(peer, start)] = cursor;
}

}  // namespace crdtdb::db
