// Copyright (c) crdtdb authors.
//
// PendingStates holds the new state of every document whose write is queued but not yet
// committed. A writer reads a document's state here before it reads the store, under the
// document's lock (key_locks.h), and releases that lock as soon as its write is queued: so the
// next writer of the same document builds on the queued state and can join the same commit
// (group commit for a hot document) instead of waiting for the first write's fsync.
//
// Commits happen in queue order, so the newest queued state of a document is what the store
// holds once they all land. If a commit fails, the store refuses every later commit (store.h),
// so no write built on a state that never landed can land either. Thread-safe.

#ifndef CRDTDB_DB_PENDING_STATES_H_
#define CRDTDB_DB_PENDING_STATES_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "store/store.h"

namespace crdtdb::db {

class PendingStates {
 public:
  using State = std::shared_ptr<const store::StoredDocument>;

  // The newest queued state of `key`, or null.
  State Find(std::string_view key) const {
    std::lock_guard lock(mu_);
    auto it = states_.find(key);
    return it != states_.end() ? it->second.state : nullptr;
  }

  // Records `state` (with its digest) as the newest queued state of `key`; returns the ticket
  // to Clear it with.
  uint64_t Set(const std::string& key, crdt::Document state, const crdt::Digest& digest) {
    auto entry = std::make_shared<const store::StoredDocument>(
        store::StoredDocument{std::move(state), digest});
    std::lock_guard lock(mu_);
    const uint64_t ticket = ++last_ticket_;
    states_.insert_or_assign(key, Entry{std::move(entry), ticket});
    return ticket;
  }

  // Forgets the state Set under `ticket` once its write is committed (or failed), unless a later
  // write of the document has replaced it.
  void Clear(const std::string& key, uint64_t ticket) {
    std::lock_guard lock(mu_);
    auto it = states_.find(key);
    if (it != states_.end() && it->second.ticket == ticket) states_.erase(it);
  }

 private:
  struct Entry {
    State state;
    uint64_t ticket = 0;
  };
  mutable std::mutex mu_;
  std::map<std::string, Entry, std::less<>> states_;
  uint64_t last_ticket_ = 0;
};

}  // namespace crdtdb::db

#endif  // CRDTDB_DB_PENDING_STATES_H_
