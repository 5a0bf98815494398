// Copyright (c) crdtdb authors.
//
// The publishing side of per-partition stream topics (docs/protocol.md, "Topics"). Every message a
// replica publishes starts with a topic, which a ZeroMQ PUB matches against its subscribers'
// prefixes at the publisher, so what a subscriber does not want never leaves the publisher:
//
//   "h"                      a Heartbeat
//   "a"                      a DeltaBatch of the whole stream (partition_count 0)
//   "d" + partition (2 bytes, big-endian)   a DeltaBatch of that partition
//
// A node that keeps everything subscribes to "" (every topic); one that keeps some partitions to
// "h", "a" and "d" + each partition it keeps. A publisher whose peers all keep everything (a
// one-node region among one-node regions) sends whole batches under "a", as before topics;
// otherwise it splits each read of its log into one batch per partition touched.
//
// PartitionChains is the publisher's bookkeeping of the chains: for each partition, the last
// delta sent of it in this run, so that each batch says `previous` and each heartbeat the heads.
// Pure bookkeeping: no I/O. Single-threaded.

#ifndef CRDTDB_SYNC_PARTITION_STREAM_H_
#define CRDTDB_SYNC_PARTITION_STREAM_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/partitioning.h"
#include "sync/messages.h"
#include "sync/sync_scope.h"

namespace crdtdb::sync {

// The topic `body` is published under (a Heartbeat or a DeltaBatch).
std::string TopicOf(const Body& body);
// Splits a published frame into its topic and the message after it; nullopt if it starts with no
// topic of the protocol.
std::optional<std::pair<std::string_view, std::string_view>> SplitTopic(std::string_view frame);
// The prefixes a replica keeping what `scope` says subscribes to on each peer's stream.
std::vector<std::string> SubscriptionsOf(const SyncScope& scope);
// Whether a subscriber with `subscriptions` receives `frame` (a prefix match, as libzmq's PUB does).
bool Subscribed(const std::vector<std::string>& subscriptions, std::string_view frame);
// Whether a replica with `scope` publishes one batch per partition: it has a placement and some
// peer (or itself) keeps only some partitions.
bool SplitsStream(const SyncScope& scope);

class PartitionChains {
 public:
  // Chains start at `start`: the last sequence of the log when this run's publishing started.
  explicit PartitionChains(uint64_t start) : start_(start), announced_start_(start) {}

  // The deltas of one read of the log (ascending, the next after every earlier read) as one batch
  // per partition touched, in partition order.
  std::vector<DeltaBatch> Split(std::vector<LoggedDelta> deltas, const cluster::Partitioning& partitioning);
  // The same read as one batch of the whole stream, `previous` the last sequence published before
  // it: every chain moves past it.
  DeltaBatch Whole(std::vector<LoggedDelta> deltas, uint64_t previous);
  // The log could not be read back up to `sequence` (trimmed): every chain moves past it, so
  // that receivers see the gap and repair it.
  void SkipTo(uint64_t sequence);
  // Fills heartbeat's stream_start and heads: as of now if `current`, else as of the previous
  // call (the busy rule: a heartbeat announces what was published by the previous one). Then
  // remembers the chains as they are now for the next call.
  void Announce(Heartbeat* heartbeat, bool current);

 private:
  std::vector<PartitionHead> HeadsNow() const;

  uint64_t start_;                    // every chain is at least here
  std::vector<uint64_t> last_sent_;   // per partition; below start_ means start_
  uint64_t announced_start_;
  std::vector<PartitionHead> announced_heads_;
};

}  // namespace crdtdb::sync

#endif  // CRDTDB_SYNC_PARTITION_STREAM_H_
