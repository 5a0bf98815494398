// Copyright (c) crdtdb authors.

#include "sync/live_sync_driver.h"

#include <optional>
#include <utility>

#include "sync/messages.h"
#include "sync/partition_stream.h"

namespace crdtdb::sync {

void LiveSyncDriver::OnStreamFrame(size_t stream, std::string_view frame, uint64_t now_ms) {
  const std::optional<std::pair<std::string_view, std::string_view>> topic = SplitTopic(frame);
  if (!topic) return;
  Result<Message> decoded = Decode(topic->second);
  if (!decoded.ok()) return;
  if (const auto* heartbeat = std::get_if<Heartbeat>(&decoded->body)) {
    schedule_.OnStreamMessage(stream, heartbeat->merkle_root, now_ms);
  } else if (std::holds_alternative<DeltaBatch>(decoded->body)) {
    schedule_.OnStreamMessage(stream, std::nullopt, now_ms);
  }
}

void LiveSyncDriver::OnSessionEnded(const Result<SyncReport>& report, uint64_t now_ms, uint64_t now_unix_ms) {
  schedule_.OnSessionEnded(report.status(), report.ok() ? *report : SyncReport{}, now_ms, now_unix_ms);
  if (report.ok() && report->in_sync && whole_tree_) schedule_.AssumeRoot(0, local_.merkle_root());
}

}  // namespace crdtdb::sync
