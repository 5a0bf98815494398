// Copyright (c) crdtdb authors.
//
// The delta stream of a SyncEngine (docs/protocol.md, "The delta stream"): this replica's own deltas
// published in batches and heartbeats, the peers' deltas applied in the order of each origin's
// sequence, and gap repair, which asks a peer's delta log for a range its stream skipped.

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crdt/codec.h"
#include "sync/sync_engine.h"
#include "sync/sync_engine_peer.h"

namespace crdtdb::sync {

void SyncEngine::OnPublished(const std::string& name, std::string_view bytes, uint64_t now_ms) {
  last_now_ms_ = now_ms;
  Peer* peer = FindPeer(name);
  // The topic must be the message's own: a subscriber trusts it to have filtered what it keeps.
  std::optional<std::pair<std::string_view, std::string_view>> topic = SplitTopic(bytes);
  if (topic) {  // counted with the message, which Receive counts
    stats_.bytes_received += topic->first.size();
    if (peer != nullptr) peer->traffic.bytes_received += topic->first.size();
  }
  Result<Message> message = Receive(peer, topic ? topic->second : bytes);
  if (message.ok() && (!topic || topic->first != TopicOf(message->body))) {
    message = Status::Corruption("a published message under another topic");
    ++stats_.rejected_messages;
    if (peer != nullptr) ++peer->traffic.rejected_messages;
  }
  if (peer == nullptr || !message.ok()) {
    if (peer == nullptr && message.ok()) ++stats_.rejected_messages;
    return;
  }
  if (peer->replica_id && *peer->replica_id != message->sender) {
    // The region's replica was rebuilt with a new identity: its sequence numbers start over.
    peer->stream = OriginStream();
    peer->stream.Keep(scope_);
    peer->stream_started = false;
    peer->next_anti_entropy_ms = 0;
  }
  peer->replica_id = message->sender;
  peer->last_heard_ms = now_ms;
  if (!peer->stream_started) ResumeStream(*peer);
  if (const auto* batch = std::get_if<DeltaBatch>(&message->body)) {
    OnDeltaBatch(*peer, *batch, now_ms);
  } else if (const auto* heartbeat = std::get_if<Heartbeat>(&message->body)) {
    OnHeartbeat(*peer, *heartbeat, now_ms);
  } else {
    ++stats_.rejected_messages;  // only deltas and heartbeats travel on a delta stream
    ++peer->traffic.rejected_messages;
  }
  NoteProgress(*peer, now_ms);
}

void SyncEngine::ResumeStream(Peer& peer) {
  // Where this replica stopped applying the origin's stream before a restart: gap repair fills
  // the rest from the origin's log. Unknown (a new replica): the stream starts where it is first
  // heard, and the past is anti-entropy's (docs/protocol.md).
  std::optional<uint64_t> progress = local_.StreamProgress(*peer.replica_id);
  if (!progress) return;
  peer.stream.CoverThrough(*progress);
  peer.stream_started = true;
  peer.progress_saved = *progress;
}

void SyncEngine::SaveProgress(Peer& peer, uint64_t now_ms, bool now) {
  constexpr uint64_t kProgressSaveIntervalMs = 1000;
  if (!peer.replica_id || !peer.stream_started || peer.stream.contiguous() <= peer.progress_saved) return;
  if (!now && now_ms - peer.progress_saved_ms < kProgressSaveIntervalMs) return;
  local_.SaveStreamProgress(*peer.replica_id, peer.stream.contiguous());
  peer.progress_saved = peer.stream.contiguous();
  peer.progress_saved_ms = now_ms;
}

void SyncEngine::NoteProgress(Peer& peer, uint64_t now_ms) {
  if (peer.stream.contiguous() >= peer.stream.highest_seen()) {
    peer.behind_since_ms.reset();
  } else if (!peer.behind_since_ms) {
    peer.behind_since_ms = now_ms;
  }
}

void SyncEngine::ApplyDeltas(Peer& peer, const std::vector<LoggedDelta>& deltas, uint64_t now_ms) {
  std::vector<RemoteUpdate> updates;
  std::vector<const LoggedDelta*> applying;
  for (const LoggedDelta& d : deltas) {
    // A duplicate, or a partition this node does not keep: not its to apply.
    if (peer.stream.Covered(d.key, d.sequence) || !scope_.Keeps(d.key)) continue;
    Result<crdt::Document> delta = crdt::DecodeDelta(d.delta);
    if (!delta.ok()) {
      ++stats_.rejected_messages;  // left uncovered: gap repair, then anti-entropy, take it up
      ++peer.traffic.rejected_messages;
      continue;
    }
    // A delta logged by reference is the origin's whole state: joined as a state, so that the
    // fields and the document it removed go here too (codec.h, IsStateLayout).
    updates.push_back(RemoteUpdate{d.key, std::move(delta).value(), crdt::IsStateLayout(d.delta)});
    applying.push_back(&d);
  }
  if (updates.empty()) return;
  // Only the deltas applied are covered: a failed one stays a gap, asked for again.
  const ApplyResult applied = local_.ApplyRemote(std::move(updates));
  for (size_t i = 0; i < applying.size(); ++i) {
    if (applied.updates[i].ok()) {
      peer.stream.ChainOf(applying[i]->key)->Add(applying[i]->sequence);
      ++stats_.deltas_received;
      ++peer.traffic.deltas_received;
    } else {
      NoteApplyFailure(&peer, applied.updates[i], now_ms);
    }
  }
}

void SyncEngine::OnDeltaBatch(Peer& peer, const DeltaBatch& batch, uint64_t now_ms) {
  // A batch of a partition not kept here comes only while a subscription is being changed.
  if (batch.deltas.empty() || !peer.stream.Tracks(batch)) return;
  if (!peer.stream_started) {
    // The first delta heard: earlier ones are the business of anti-entropy, which runs at start.
    peer.stream.CoverThrough(batch.previous);
    peer.stream_started = true;
  }
  ApplyDeltas(peer, batch.deltas, now_ms);
  peer.stream.OnBatch(batch);
  RequestMissing(peer, now_ms);
}

void SyncEngine::OnHeartbeat(Peer& peer, const Heartbeat& heartbeat, uint64_t now_ms) {
  const crdt::ReplicaId self = local_.replica_id();
  for (const StreamAck& ack : heartbeat.acknowledged) {
    if (ack.origin != self) continue;
    peer.acknowledged = ack.sequence;
    local_.OnOwnStreamAcknowledged(peer.name, ack.sequence);
  }
  if (!peer.stream_started) {
    peer.stream.CoverThrough(heartbeat.last_sequence);
    peer.stream_started = true;
  }
  peer.stream.OnHeartbeat(heartbeat);
  RequestMissing(peer, now_ms);
  // Both streams idle and caught up, yet the roots differ twice in a row: something the streams
  // cannot repair (a lost delta of a third replica, a restart): run anti-entropy now.
  // Roots compare only between replicas that keep the same keys; nodes that share some
  // partitions leave it to their periodic rounds.
  const bool idle = peer.stream.contiguous() >= heartbeat.last_sequence &&
                    published_upto_ == local_.last_sequence() &&
                    scope_.SharesAllWith(peer.name);
  if (!idle || heartbeat.merkle_root == local_.merkle_root()) {
    peer.idle_mismatch.reset();
    return;
  }
  const std::pair<uint64_t, uint64_t> now_seqs{heartbeat.last_sequence, local_.last_sequence()};
  if (peer.idle_mismatch == now_seqs && !peer.session) peer.next_anti_entropy_ms = now_ms;
  peer.idle_mismatch = now_seqs;
}

void SyncEngine::RequestMissing(Peer& peer, uint64_t now_ms) {
  if (peer.log_request_sent_ms) return;
  // One request at a time, for every chain with a gap (OriginStream::NextRequest).
  std::optional<LogRequest> request = peer.stream.NextRequest(static_cast<uint32_t>(kMaxDeltasPerMessage));
  if (!request) return;
  peer.log_request_sent_ms = now_ms;
  peer.log_request_from = request->from_sequence;
  ++stats_.log_requests;
  Send(Outgoing::Kind::kRequest, peer.name, *std::move(request));
}

void SyncEngine::OnLogResponse(Peer& peer, const LogResponse& response, uint64_t now_ms) {
  const std::vector<uint64_t> before = peer.stream.Progress();
  // An answer says what it covers (the request is echoed), so a late or duplicated one is taken
  // as it is; only the answer to the request outstanding clears it and may end the repair.
  const bool awaited = peer.log_request_sent_ms && response.from_sequence == peer.log_request_from;
  if (awaited) peer.log_request_sent_ms.reset();
  if (response.first_available > std::max<uint64_t>(response.from_sequence, 1) && !peer.session) {
    // The origin's log dropped what we miss: anti-entropy repairs it; the stream goes on after.
    peer.next_anti_entropy_ms = now_ms;
  }
  ApplyDeltas(peer, response.deltas, now_ms);
  peer.stream.OnLogResponse(response);
  peer.stream.OriginEndsAt(response.last_sequence);
  if (!awaited) return;
  if (!peer.stream.Advanced(before) && peer.stream.FirstMissing()) {
    // No progress: what is missing cannot come from the log (a delta this replica cannot decode
    // or apply). Anti-entropy repairs the documents instead; asking again would loop.
    peer.stream.GiveUp(response);
    if (!peer.session) peer.next_anti_entropy_ms = now_ms;
    return;
  }
  RequestMissing(peer, now_ms);
}

void SyncEngine::PublishOwnDeltas(uint64_t now_ms) {
  const uint64_t last = local_.last_sequence();
  for (size_t batches = 0; published_upto_ < last && batches < options_.publish_batches_per_tick_max; ++batches) {
    // The budget goes to the reader, so that it reads no document it would not send.
    Result<std::vector<LoggedDelta>> deltas =
        local_.ReadLog(published_upto_ + 1, kMaxDeltasPerMessage, options_.publish_bytes_max);
    if (!deltas.ok() || deltas->empty()) {
      published_upto_ = last;  // gone from the log: subscribers repair by anti-entropy
      chains_.SkipTo(last);
      break;
    }
    const uint64_t previous = std::exchange(published_upto_, deltas->back().sequence);
    stats_.deltas_sent += deltas->size();
    if (splits_stream_) {
      for (DeltaBatch& batch : chains_.Split(std::move(deltas).value(), *scope_.partitioning)) {
        Send(Outgoing::Kind::kPublish, "", std::move(batch));
      }
    } else {
      Send(Outgoing::Kind::kPublish, "", chains_.Whole(std::move(deltas).value(), previous));
    }
    last_publish_ms_ = now_ms;
  }
  // Once an interval, busy or idle: receivers learn where the stream ends and peers how far this
  // replica has applied theirs. While busy it announces only what was published by the previous
  // heartbeat, an interval ago: a heartbeat that overtook the batches it announces would make
  // receivers ask the log for deltas still on their way.
  if (now_ms - last_heartbeat_ms_ >= options_.heartbeat_interval_ms) {
    const bool idle = now_ms - last_publish_ms_ >= options_.heartbeat_interval_ms;
    const uint64_t announced = idle ? published_upto_ : published_at_last_heartbeat_;
    Heartbeat heartbeat{announced, local_.merkle_root(), Acknowledgements()};
    chains_.Announce(&heartbeat, idle);
    Send(Outgoing::Kind::kPublish, "", std::move(heartbeat));
    last_heartbeat_ms_ = now_ms;
    published_at_last_heartbeat_ = published_upto_;
  }
}

std::vector<StreamAck> SyncEngine::Acknowledgements() const {
  std::map<crdt::ReplicaId, uint64_t> acks;  // ascending, one per origin
  for (const auto& [name, peer] : peers_) {
    if (!peer->replica_id || !peer->stream_started) continue;
    uint64_t& seq = acks[*peer->replica_id];
    seq = std::max(seq, peer->stream.contiguous());
  }
  std::vector<StreamAck> out;
  for (const auto& [origin, seq] : acks) {
    if (out.size() == kMaxAcknowledgementsPerHeartbeat) break;
    out.push_back(StreamAck{origin, seq});
  }
  return out;
}

}  // namespace crdtdb::sync
