// Copyright (c) crdtdb authors.

#include "sync/partition_stream.h"

#include <algorithm>
#include <utility>

namespace crdtdb::sync {
namespace {

constexpr char kHeartbeatTopic = 'h';
constexpr char kWholeTopic = 'a';
constexpr char kPartitionTopic = 'd';

std::string PartitionTopic(uint32_t partition) {
  return std::string{kPartitionTopic, static_cast<char>(partition >> 8), static_cast<char>(partition & 0xff)};
}

}  // namespace

std::string TopicOf(const Body& body) {
  if (const auto* batch = std::get_if<DeltaBatch>(&body)) {
    return batch->partition_count == 0 ? std::string(1, kWholeTopic) : PartitionTopic(batch->partition);
  }
  return std::string(1, kHeartbeatTopic);
}

std::optional<std::pair<std::string_view, std::string_view>> SplitTopic(std::string_view frame) {
  if (frame.empty()) return std::nullopt;
  size_t length = 0;
  switch (frame[0]) {
    case kHeartbeatTopic:
    case kWholeTopic: length = 1; break;
    case kPartitionTopic: length = 3; break;
    default: return std::nullopt;
  }
  if (frame.size() < length) return std::nullopt;
  return std::make_pair(frame.substr(0, length), frame.substr(length));
}

std::vector<std::string> SubscriptionsOf(const SyncScope& scope) {
  if (!scope.partitioning || scope.keeps_all) return {""};
  std::vector<std::string> out{std::string(1, kHeartbeatTopic), std::string(1, kWholeTopic)};
  for (cluster::PartitionId p = 0; p < scope.partitioning->count(); ++p) {
    if (scope.owned.Contains(p) || scope.handing_off.Contains(p)) out.push_back(PartitionTopic(p));
  }
  return out;
}

bool Subscribed(const std::vector<std::string>& subscriptions, std::string_view frame) {
  return std::any_of(subscriptions.begin(), subscriptions.end(),
                     [&](const std::string& prefix) { return frame.starts_with(prefix); });
}

bool SplitsStream(const SyncScope& scope) {
  if (!scope.partitioning) return false;
  if (!scope.keeps_all) return true;
  return std::any_of(scope.shared.begin(), scope.shared.end(), [](const auto& peer) { return !peer.second.full(); });
}

std::vector<DeltaBatch> PartitionChains::Split(std::vector<LoggedDelta> deltas,
                                               const cluster::Partitioning& partitioning) {
  if (last_sent_.size() != partitioning.count()) last_sent_.assign(partitioning.count(), 0);
  std::vector<std::vector<LoggedDelta>> by_partition(partitioning.count());
  std::vector<cluster::PartitionId> touched;
  for (LoggedDelta& d : deltas) {
    const cluster::PartitionId p = partitioning.PartitionOf(d.key);
    if (by_partition[p].empty()) touched.push_back(p);
    by_partition[p].push_back(std::move(d));
  }
  std::sort(touched.begin(), touched.end());
  std::vector<DeltaBatch> batches;
  batches.reserve(touched.size());
  for (cluster::PartitionId p : touched) {
    DeltaBatch batch;
    batch.partition_count = partitioning.count();
    batch.partition = p;
    batch.previous = std::max(start_, last_sent_[p]);
    batch.deltas = std::move(by_partition[p]);
    last_sent_[p] = batch.deltas.back().sequence;
    batches.push_back(std::move(batch));
  }
  return batches;
}

DeltaBatch PartitionChains::Whole(std::vector<LoggedDelta> deltas, uint64_t previous) {
  DeltaBatch batch;
  batch.previous = previous;
  batch.deltas = std::move(deltas);
  SkipTo(batch.deltas.empty() ? previous : batch.deltas.back().sequence);
  return batch;
}

void PartitionChains::SkipTo(uint64_t sequence) { start_ = std::max(start_, sequence); }

std::vector<PartitionHead> PartitionChains::HeadsNow() const {
  std::vector<PartitionHead> heads;
  for (cluster::PartitionId p = 0; p < last_sent_.size(); ++p) {
    if (last_sent_[p] > start_) heads.push_back(PartitionHead{p, last_sent_[p]});
  }
  return heads;
}

void PartitionChains::Announce(Heartbeat* heartbeat, bool current) {
  std::vector<PartitionHead> now = HeadsNow();
  heartbeat->stream_start = current ? start_ : announced_start_;
  heartbeat->heads = current ? now : std::move(announced_heads_);
  announced_start_ = start_;
  announced_heads_ = std::move(now);
}

}  // namespace crdtdb::sync
