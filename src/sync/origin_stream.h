// Copyright (c) crdtdb authors.
//
// OriginStream is what a replica knows of one origin's delta stream: which of the origin's
// sequence numbers it has covered (applied, or known not to be its business), per chain
// (docs/protocol.md, "Topics"). A replica without a placement tracks one chain, the whole stream;
// one with a placement tracks one chain per partition it keeps, so a delta lost from one
// partition is a gap of that partition alone, and a partition it does not keep never holds it up.
// Each chain is a SequenceTracker over the origin's own sequence numbers.
//
// The stream's progress (what is saved, acknowledged and shown in status) is the least covered
// over the chains. Pure bookkeeping: no I/O. Single-threaded.

#ifndef CRDTDB_SYNC_ORIGIN_STREAM_H_
#define CRDTDB_SYNC_ORIGIN_STREAM_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "cluster/partitioning.h"
#include "sync/messages.h"
#include "sync/sequence_tracker.h"
#include "sync/sync_scope.h"

namespace crdtdb::sync {

class OriginStream {
 public:
  // One chain, the whole stream, until Keep says otherwise.
  OriginStream() { chains_.emplace(0, SequenceTracker()); }

  // Tracks what `scope` keeps: a chain per partition kept (owned or handing off), or one chain
  // without a placement. A chain added starts where the least covered one is (its deltas since
  // arrive by its topic, and a `previous` beyond shows a gap); a chain dropped is forgotten.
  void Keep(const SyncScope& scope);
  // Stops tracking `partition` (handed off and dropped here).
  void Forget(cluster::PartitionId partition);

  // The chain a delta of `key` is on; nullptr if this replica does not track it.
  SequenceTracker* ChainOf(std::string_view key);
  // Whether a delta of `key` at `sequence` needs nothing more here: covered, or not tracked.
  bool Covered(std::string_view key, uint64_t sequence);

  // After `batch` was applied (each applied delta Added to its chain): covers what the batch
  // speaks for, [previous + 1, last delta], in the chains it is of, but for the deltas of those
  // chains left uncovered (not applied: they stay gaps).
  void OnBatch(const DeltaBatch& batch);
  // Whether this replica tracks the chain `batch` is of (or, for a whole batch, any).
  bool Tracks(const DeltaBatch& batch) const;
  // A heartbeat: a chain that covers its head covers everything up to last_sequence (the origin
  // published nothing of it since); one that does not has a gap up to there.
  void OnHeartbeat(const Heartbeat& heartbeat);
  // A log answer: covers [from_sequence, scanned_through] of the chains it answers for, but for
  // the deltas of them left uncovered.
  void OnLogResponse(const LogResponse& response);
  // What the log cannot give (a delta this replica cannot decode or apply): the chains `response`
  // answers for are covered through its last_sequence, left to anti-entropy.
  void GiveUp(const LogResponse& response);
  // Each chain's contiguous, to tell whether an answer advanced any (Advanced).
  std::vector<uint64_t> Progress() const;
  bool Advanced(const std::vector<uint64_t>& before) const { return Progress() != before; }

  // The next gap-repair request: from the least missing sequence, naming the partitions with a
  // gap (every partition, partition_count 0, when each chain of a replica keeping all has one).
  std::optional<LogRequest> NextRequest(uint32_t max_deltas) const;

  // On every chain.
  void CoverThrough(uint64_t sequence);
  void OriginEndsAt(uint64_t sequence);

  // The least covered sequence over the chains, the highest the origin announced, and the first
  // missing one.
  uint64_t contiguous() const;
  uint64_t highest_seen() const;
  std::optional<uint64_t> FirstMissing() const;

 private:
  // The chains a batch or answer of `count` partitions, naming `partitions` (all if empty or
  // count 0), speaks for.
  std::vector<SequenceTracker*> ChainsFor(uint32_t count, const std::vector<uint32_t>& partitions);
  // Covers [first, last] in `chains`, but for the sequences of `deltas` a chain left uncovered.
  void CoverExcept(uint64_t first, uint64_t last, const std::vector<SequenceTracker*>& chains,
                   const std::vector<LoggedDelta>& deltas);

  std::optional<cluster::Partitioning> partitioning_;  // nullopt: one chain, key 0
  bool keeps_all_ = true;
  std::map<cluster::PartitionId, SequenceTracker> chains_;
};

}  // namespace crdtdb::sync

#endif  // CRDTDB_SYNC_ORIGIN_STREAM_H_
