// Copyright (c) crdtdb authors.

#include "sync/origin_stream.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace crdtdb::sync {

void OriginStream::Keep(const SyncScope& scope) {
  // A chain gained starts as the least covered one is: nothing it lacks is taken as covered.
  const SequenceTracker* least = nullptr;
  for (const auto& [p, chain] : chains_) {
    if (least == nullptr || chain.contiguous() < least->contiguous()) least = &chain;
  }
  const SequenceTracker start = least != nullptr ? *least : SequenceTracker();
  if (!scope.partitioning) {
    partitioning_.reset();
    keeps_all_ = true;
    chains_.clear();
    chains_.emplace(0, start);
    return;
  }
  if (!partitioning_ || partitioning_->count() != scope.partitioning->count()) chains_.clear();
  partitioning_ = scope.partitioning;
  keeps_all_ = scope.keeps_all;
  std::map<cluster::PartitionId, SequenceTracker> kept;
  for (cluster::PartitionId p = 0; p < partitioning_->count(); ++p) {
    if (!scope.keeps_all && !scope.owned.Contains(p) && !scope.handing_off.Contains(p)) continue;
    auto it = chains_.find(p);
    kept.emplace(p, it != chains_.end() ? std::move(it->second) : start);
  }
  chains_ = std::move(kept);
}

void OriginStream::Forget(cluster::PartitionId partition) {
  if (!partitioning_) return;
  chains_.erase(partition);
  keeps_all_ = false;
}

SequenceTracker* OriginStream::ChainOf(std::string_view key) {
  if (!partitioning_) return &chains_.begin()->second;
  auto it = chains_.find(partitioning_->PartitionOf(key));
  return it == chains_.end() ? nullptr : &it->second;
}

bool OriginStream::Covered(std::string_view key, uint64_t sequence) {
  const SequenceTracker* chain = ChainOf(key);
  return chain == nullptr || chain->Covered(sequence);
}

std::vector<SequenceTracker*> OriginStream::ChainsFor(uint32_t count, const std::vector<uint32_t>& partitions) {
  std::vector<SequenceTracker*> out;
  if (count == 0) {
    for (auto& [p, chain] : chains_) out.push_back(&chain);
    return out;
  }
  // A chain of partitions this replica does not cut the key space into (or, without a placement,
  // at all) speaks for none of its chains: its deltas count one by one.
  if (!partitioning_ || partitioning_->count() != count) return out;
  for (uint32_t p : partitions) {
    auto it = chains_.find(p);
    if (it != chains_.end()) out.push_back(&it->second);
  }
  return out;
}

void OriginStream::CoverExcept(uint64_t first, uint64_t last, const std::vector<SequenceTracker*>& chains,
                               const std::vector<LoggedDelta>& deltas) {
  std::map<SequenceTracker*, std::vector<uint64_t>> holes;  // ascending, as the deltas are
  for (const LoggedDelta& d : deltas) {
    SequenceTracker* chain = ChainOf(d.key);
    if (chain != nullptr && !chain->Covered(d.sequence)) holes[chain].push_back(d.sequence);
  }
  for (SequenceTracker* chain : chains) {
    chain->SawUpTo(last);  // a hole at the end is a gap too
    auto it = holes.find(chain);
    if (it == holes.end()) {
      chain->AddRange(first, last);
    } else {
      chain->AddRangeExcept(first, last, it->second);
    }
  }
}

bool OriginStream::Tracks(const DeltaBatch& batch) const {
  if (batch.partition_count == 0 || !partitioning_ || partitioning_->count() != batch.partition_count) {
    return true;
  }
  return chains_.contains(batch.partition);
}

void OriginStream::OnBatch(const DeltaBatch& batch) {
  if (batch.deltas.empty()) return;
  const uint64_t last = batch.deltas.back().sequence;
  const std::vector<SequenceTracker*> chains = ChainsFor(batch.partition_count, {batch.partition});
  if (chains.empty()) {
    // Counted delta by delta (ApplyDeltas); what is not applied stays a gap.
    for (const LoggedDelta& d : batch.deltas) {
      if (SequenceTracker* chain = ChainOf(d.key)) chain->SawUpTo(d.sequence);
    }
    return;
  }
  CoverExcept(batch.previous + 1, last, chains, batch.deltas);
}

void OriginStream::OnHeartbeat(const Heartbeat& heartbeat) {
  const uint64_t last = heartbeat.last_sequence;
  if (!partitioning_) {
    // One chain: split batches (heads) cannot be followed in it; their deltas count one by one.
    SequenceTracker& chain = chains_.begin()->second;
    if (heartbeat.heads.empty() && chain.contiguous() >= heartbeat.stream_start) {
      chain.AddRange(heartbeat.stream_start + 1, last);
    } else {
      chain.SawUpTo(last);
    }
    return;
  }
  auto head = heartbeat.heads.begin();
  for (auto& [p, chain] : chains_) {
    while (head != heartbeat.heads.end() && head->partition < p) ++head;
    const uint64_t at = head != heartbeat.heads.end() && head->partition == p ? head->sequence : heartbeat.stream_start;
    if (chain.contiguous() >= at) {
      chain.AddRange(at + 1, last);
    } else {
      chain.SawUpTo(last);  // the chain's tail was lost: a gap up to here
    }
  }
}

void OriginStream::OnLogResponse(const LogResponse& response) {
  const std::vector<SequenceTracker*> chains = ChainsFor(response.partition_count, response.partitions);
  const uint64_t from = std::max<uint64_t>(response.from_sequence, 1);
  if (response.first_available > from) {
    for (SequenceTracker* chain : chains) chain->CoverThrough(response.first_available - 1);
  }
  CoverExcept(from, std::min(response.scanned_through, response.last_sequence), chains, response.deltas);
}

void OriginStream::GiveUp(const LogResponse& response) {
  for (SequenceTracker* chain : ChainsFor(response.partition_count, response.partitions)) {
    chain->CoverThrough(response.last_sequence);
  }
}

std::vector<uint64_t> OriginStream::Progress() const {
  std::vector<uint64_t> out;
  out.reserve(chains_.size());
  for (const auto& [p, chain] : chains_) out.push_back(chain.contiguous());
  return out;
}

std::optional<LogRequest> OriginStream::NextRequest(uint32_t max_deltas) const {
  std::optional<uint64_t> from;
  std::vector<uint32_t> gaps;
  for (const auto& [p, chain] : chains_) {
    std::optional<uint64_t> missing = chain.FirstMissing();
    if (!missing) continue;
    gaps.push_back(p);
    from = std::min(from.value_or(*missing), *missing);
  }
  if (!from) return std::nullopt;
  LogRequest request{*from, max_deltas};
  if (partitioning_ && !(keeps_all_ && gaps.size() == partitioning_->count())) {
    request.partition_count = partitioning_->count();
    request.partitions = std::move(gaps);
  }
  return request;
}

void OriginStream::CoverThrough(uint64_t sequence) {
  for (auto& [p, chain] : chains_) chain.CoverThrough(sequence);
}

void OriginStream::OriginEndsAt(uint64_t sequence) {
  for (auto& [p, chain] : chains_) chain.OriginEndsAt(sequence);
}

uint64_t OriginStream::contiguous() const {
  if (chains_.empty()) return 0;
  uint64_t least = std::numeric_limits<uint64_t>::max();
  for (const auto& [p, chain] : chains_) least = std::min(least, chain.contiguous());
  return least;
}

uint64_t OriginStream::highest_seen() const {
  uint64_t highest = 0;
  for (const auto& [p, chain] : chains_) highest = std::max(highest, chain.highest_seen());
  return highest;
}

std::optional<uint64_t> OriginStream::FirstMissing() const {
  std::optional<uint64_t> first;
  for (const auto& [p, chain] : chains_) {
    if (std::optional<uint64_t> missing = chain.FirstMissing()) first = std::min(first.value_or(*missing), *missing);
  }
  return first;
}

}  // namespace crdtdb::sync
