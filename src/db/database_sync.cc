// Copyright (c) crdtdb authors.
//
// Database::sync_with: a client session of anti-entropy rounds with a region (sync/client_session.h),
// resumed from this database's per-peer state (db/push_cursors.h) when it has some.

#include <chrono>
#include <deque>
#include <random>
#include <set>

#include "db/database_impl.h"
#include "sync/client_session.h"

namespace crdtdb::db {

namespace {

// A resync pushes at most this many changed documents, whole, before comparing the trees; past it
// the walk finds them (O(differences) either way, the push only saves the walk's round trips and
// the fetch of each document's older state).
constexpr size_t kMaxResumedChanges = 4096;
constexpr size_t kMaxResumedBytes = 16u << 20;

// Whether a key's bucket lies under one of the inner nodes `start`.
bool Under(const std::vector<merkle::NodeId>& start, std::string_view key) {
  const uint32_t bucket = merkle::BucketOf(key);
  for (const merkle::NodeId& node : start) {
    if ((bucket >> (4 * (merkle::kDepth - node.level))) == node.index) return true;
  }
  return false;
}

}  // namespace

Result<SyncReport> DatabaseImpl::sync_with(SyncTransport& transport) {
  return SyncSubtrees(transport, {merkle::NodeId{0, 0}});
}

std::optional<std::vector<sync::DocumentState>> DatabaseImpl::ChangedSince(
    crdt::ReplicaId peer, const std::vector<merkle::NodeId>& start) const {
  const std::optional<store::ChangeCursor> cursor = push_cursors_.Find(peer, start);
  if (!cursor) return std::nullopt;
  Result<store::ChangeLogPage> page =
      store_->ReadChangeLog(*cursor, "", kMaxResumedChanges + 1, kMaxResumedChanges + 1);
  // Gone (the log moved past it, or the store started a new feed) or too many: walk the tree.
  if (!page.ok() || page->entries.size() > kMaxResumedChanges) return std::nullopt;
  std::vector<sync::DocumentState> changed;
  std::set<std::string_view> seen;
  size_t bytes = 0;
  for (const store::ChangeLogEntry& entry : page->entries) {
    if (!Under(start, entry.key) || !seen.insert(entry.key).second) continue;
    Result<std::optional<std::string>> state = store_->ReadEncodedState(entry.key);
    if (!state.ok() || !state->has_value()) return std::nullopt;  // the walk reads it again, or reports it
    bytes += entry.key.size() + (*state)->size();
    if (bytes > kMaxResumedBytes) return std::nullopt;
    changed.push_back(sync::DocumentState{entry.key, std::move(**state)});
  }
  return changed;
}

Result<SyncReport> DatabaseImpl::SyncSubtrees(SyncTransport& transport,
                                              std::vector<merkle::NodeId> start) {
  const auto started = std::chrono::steady_clock::now();
  // Taken before any comparison: if the session ends with both sides equal, the region held every
  // change up to it.
  const store::ChangeCursor head = store_->ChangeLogHead();
  std::random_device random;
  sync::ClientSession session(*this, (uint64_t{random()} << 32) | random(), start,
                              [&](crdt::ReplicaId peer) { return ChangedSince(peer, start); });
  std::deque<sync::ClientSession::Outgoing> queue;
  auto enqueue = [&](std::vector<sync::ClientSession::Outgoing> messages) {
    for (auto& m : messages) queue.push_back(std::move(m));
  };
  enqueue(session.Start());
  while (!session.done()) {
    // Nothing left to send but items unanswered (the region's answer was cut by its budget).
    if (queue.empty()) enqueue(session.Retry());
    if (queue.empty()) break;
    sync::ClientSession::Outgoing message = std::move(queue.front());
    queue.pop_front();
    if (!message.expects_answer) {
      if (Status s = transport.Send(message.bytes); !s.ok()) return s;
      continue;
    }
    Result<std::string> answer = transport.Exchange(message.bytes);
    if (!answer.ok()) return answer.status();
    enqueue(session.OnAnswer(*answer));
  }
  // Pushes made by the last answer still go out.
  for (const auto& m : queue) {
    if (!m.expects_answer) {
      if (Status s = transport.Send(m.bytes); !s.ok()) return s;
    }
  }
  if (!session.error().ok()) return session.error();
  SyncReport report = session.report();
  if (report.in_sync && session.peer()) push_cursors_.Remember(*session.peer(), start, head);
  report.duration_ms = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());
  return report;
}

}  // namespace crdtdb::db
