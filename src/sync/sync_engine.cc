// Copyright (c) crdtdb authors.
//
// The SyncEngine's peers and scope, the dispatch of what arrives, anti-entropy rounds, the
// operator's warnings and the status. The delta stream is in sync_delta_stream.cc, the hand-off
// of partitions in sync_hand_off.cc, the catalog exchange in sync_catalog.cc.

#include "sync/sync_engine.h"

#include <algorithm>
#include <utility>

#include "crdt/codec.h"
#include "sync/origin_stream.h"
#include "sync/responder.h"
#include "sync/sync_engine_peer.h"

namespace crdtdb::sync {

SyncEngine::SyncEngine(LocalReplica& local, std::vector<std::string> peers, SyncOptions options)
    : local_(local),
      options_(options),
      scope_(options.scope),
      published_upto_(local.last_sequence()),
      chains_(published_upto_),
      splits_stream_(SplitsStream(scope_)),
      published_at_last_heartbeat_(published_upto_) {
  // Deltas written before this engine started are not published again: peers find them through
  // heartbeats (gap repair) or anti-entropy.
  for (std::string& name : peers) {
    auto peer = std::make_unique<Peer>();
    peer->name = name;
    peer->stream.Keep(scope_);
    peers_.emplace(std::move(name), std::move(peer));
  }
}

SyncEngine::~SyncEngine() {
  for (auto& [name, peer] : peers_) SaveProgress(*peer, last_now_ms_, /*now=*/true);
}

void SyncEngine::SetScope(SyncScope scope, std::vector<std::string> peers) {
  scope_ = std::move(scope);
  splits_stream_ = SplitsStream(scope_);
  std::map<std::string, std::unique_ptr<Peer>> kept;
  for (std::string& name : peers) {
    auto it = peers_.find(name);
    std::unique_ptr<Peer> peer;
    if (it != peers_.end()) {
      peer = std::move(it->second);
      peers_.erase(it);
    } else {
      peer = std::make_unique<Peer>();
      peer->name = name;
    }
    // What the two share may have changed: a round in progress over the old subtrees could fetch
    // documents of a partition no longer kept (and not handed off: it was empty at the reload),
    // so it ends, and the next starts over the new ones now.
    peer->session.reset();
    peer->next_anti_entropy_ms = 0;
    peer->next_hand_off_ms = 0;
    peer->next_catalog_ms = 0;  // a node it gained as a peer has every definition to give
    peer->stream.Keep(scope_);
    kept.emplace(std::move(name), std::move(peer));
  }
  for (auto& [name, peer] : peers_) SaveProgress(*peer, last_now_ms_, /*now=*/true);
  peers_ = std::move(kept);
}

SyncEngine::Peer* SyncEngine::FindPeer(const std::string& name) {
  auto it = peers_.find(name);
  return it == peers_.end() ? nullptr : it->second.get();
}

Result<Message> SyncEngine::Receive(Peer* peer, std::string_view bytes) {
  stats_.bytes_received += bytes.size();
  if (peer != nullptr) peer->traffic.bytes_received += bytes.size();
  Result<Message> message = Decode(bytes);
  if (!message.ok()) {
    ++stats_.rejected_messages;
    if (peer != nullptr) ++peer->traffic.rejected_messages;
  }
  return message;
}

void SyncEngine::Send(Outgoing::Kind kind, const std::string& peer, Body body) {
  std::string bytes = kind == Outgoing::Kind::kPublish ? TopicOf(body) : std::string();
  bytes += Encode(Message{local_.replica_id(), std::move(body)});
  stats_.bytes_sent += bytes.size();
  if (Peer* to = peer.empty() ? nullptr : FindPeer(peer)) to->traffic.bytes_sent += bytes.size();
  outgoing_.push_back(Outgoing{kind, peer, std::move(bytes)});
}

std::vector<Outgoing> SyncEngine::TakeOutgoing() { return std::exchange(outgoing_, {}); }

void SyncEngine::NoteApplyFailure(Peer* peer, const Status& why, uint64_t now_ms) {
  ++stats_.apply_failures;
  const std::string sender = peer != nullptr ? "peer " + peer->name : "a client";
  if (peer != nullptr) {
    ++peer->apply_failures;
    peer->last_apply_error = why.ToString();
  }
  std::optional<uint64_t> count = WarningDue(apply_warnings_[{sender, why.code()}], now_ms);
  if (!count) return;
  warnings_.push_back(
      "could not apply " + std::to_string(*count) + " update(s) from " + sender +
      "; they stay apart until repaired (docs/operations.md); the last: " + why.ToString());
}

void SyncEngine::NoteFutileRepair(Peer& peer, const std::string& key, uint64_t now_ms) {
  ++stats_.futile_repairs;
  ++peer.futile_repairs;
  peer.last_futile_repair = "/" + key;
  std::optional<uint64_t> count = WarningDue(futile_warnings_[peer.name], now_ms);
  if (!count) return;
  warnings_.push_back(
      "anti-entropy with peer " + peer.name + " found " + std::to_string(*count) +
      " document(s) that differ while neither side can change; they stay apart until "
      "repaired (docs/operations.md); the last: " +
      peer.last_futile_repair);
}

std::optional<uint64_t> SyncEngine::WarningDue(WarningState& w, uint64_t now_ms) {
  // One line per sender and cause a minute: a document refused on every round must not flood
  // the log, nor go unsaid.
  constexpr uint64_t kWarningIntervalMs = 60'000;
  ++w.unreported;
  if (w.last_ms && now_ms - *w.last_ms < kWarningIntervalMs) return std::nullopt;
  w.last_ms = now_ms;
  return std::exchange(w.unreported, 0);
}

SyncEngine::Peer* SyncEngine::PeerWithReplicaId(crdt::ReplicaId id) {
  for (auto& [name, peer] : peers_) {
    if (peer->replica_id == id) return peer.get();
  }
  return nullptr;
}

std::vector<std::string> SyncEngine::TakeWarnings() { return std::exchange(warnings_, {}); }

std::optional<std::string> SyncEngine::OnRequest(const Message& request) {
  if (const auto* hand_off = std::get_if<HandOffRequest>(&request.body)) {
    // The roots of the asked partitions this replica owns by its placement; the asker compares.
    HandOffAnswer answer{scope_.placement_version, {}};
    for (const sync::PartitionRoot& theirs : hand_off->roots) {
      if (scope_.partitioning && theirs.partition < scope_.partitioning->count() &&
          scope_.owned.Contains(theirs.partition)) {
        answer.roots.push_back(sync::PartitionRoot{theirs.partition, PartitionRoot(theirs.partition)});
      }
    }
    std::string reply = Encode(Message{local_.replica_id(), std::move(answer)});
    stats_.bytes_sent += reply.size();
    return reply;
  }
  if (const auto* push = std::get_if<Documents>(&request.body);
      push != nullptr && scope_.partitioning && !scope_.keeps_all && PeerWithReplicaId(request.sender) != nullptr) {
    // A peer pushes what it thinks the two share; a partition this node no longer keeps (handed
    // off, dropped) is not taken back. A client's push is kept whatever its partition
    // (docs/sharding.md, "Routing").
    Documents kept = *push;
    std::erase_if(kept.documents, [&](const DocumentState& d) { return !scope_.Keeps(d.key); });
    return OnAnswerableRequest(Message{request.sender, std::move(kept)});
  }
  return OnAnswerableRequest(request);
}

std::optional<std::string> SyncEngine::OnAnswerableRequest(const Message& request) {
  ApplyResult pushed;
  Result<std::optional<Body>> answer = AnswerRequest(local_, request.body, &pushed);
  Peer* peer = PeerWithReplicaId(request.sender);  // null for a client
  if (!answer.ok()) {
    if (answer.status().IsInvalidArgument()) {
      ++stats_.rejected_messages;
      if (peer != nullptr) ++peer->traffic.rejected_messages;
    }
    return std::nullopt;
  }
  for (const Status& s : pushed.updates) {
    if (s.ok()) {
      ++stats_.docs_repaired;
      if (peer != nullptr) ++peer->traffic.docs_repaired;
    } else {
      NoteApplyFailure(peer, s, last_now_ms_);
    }
  }
  if (!answer->has_value()) return std::nullopt;
  std::string reply = Encode(Message{local_.replica_id(), std::move(**answer)});
  stats_.bytes_sent += reply.size();
  if (peer != nullptr) peer->traffic.bytes_sent += reply.size();
  return reply;
}

void SyncEngine::OnResponse(const std::string& name, std::string_view bytes, uint64_t now_ms) {
  last_now_ms_ = now_ms;
  Peer* peer = FindPeer(name);
  Result<Message> message = Receive(peer, bytes);
  if (peer == nullptr || !message.ok()) return;
  peer->last_heard_ms = now_ms;
  // The answer comes over the link to the peer's own sync endpoint (authenticated by its key under
  // CURVE), so it tells the peer's replica id as surely as its stream does, and often sooner: the
  // sync socket's admission check needs that id to refuse clients claiming it.
  if (!peer->replica_id) peer->replica_id = message->sender;
  if (const auto* log = std::get_if<LogResponse>(&message->body)) {
    if (peer->replica_id && *peer->replica_id != message->sender) return;  // an older identity
    OnLogResponse(*peer, *log, now_ms);
    return NoteProgress(*peer, now_ms);
  }
  if (const auto* hand_off = std::get_if<HandOffAnswer>(&message->body)) return OnHandOffAnswer(*peer, *hand_off);
  if (const auto* catalog = std::get_if<CatalogAnswer>(&message->body)) return OnCatalogAnswer(*peer, *catalog, now_ms);
  const uint64_t session = std::visit(
      [](const auto& b) -> uint64_t {
        if constexpr (requires { b.session; }) {
          return b.session;
        } else {
          return 0;
        }
      },
      message->body);
  if (!peer->session || peer->session->id() != session) return;  // the answer of an ended round
  std::vector<Body> requests;
  const AntiEntropyStats before = peer->session->stats();
  peer->session->OnResponse(message->body, &requests);
  const AntiEntropyStats& after = peer->session->stats();
  stats_.docs_repaired += after.documents_fetched - before.documents_fetched;  // joined now
  peer->traffic.docs_repaired += after.documents_fetched - before.documents_fetched;
  for (uint64_t f = before.documents_failed; f < after.documents_failed; ++f) {
    NoteApplyFailure(peer, peer->session->last_apply_error(), now_ms);
  }
  for (uint64_t f = before.documents_futile; f < after.documents_futile; ++f) {
    NoteFutileRepair(*peer, peer->session->last_futile_repair(), now_ms);
  }
  peer->session_activity_ms = now_ms;
  for (Body& request : requests) Send(Outgoing::Kind::kRequest, peer->name, std::move(request));
  if (peer->session->done()) FinishSession(*peer, now_ms);
}

void SyncEngine::FinishSession(Peer& peer, uint64_t now_ms) {
  const AntiEntropySession& s = *peer.session;
  switch (s.state()) {
    case AntiEntropySession::State::kInSync:
    case AntiEntropySession::State::kRepaired:
      ++stats_.anti_entropy_rounds;
      ++peer.traffic.anti_entropy_rounds;
      break;
    case AntiEntropySession::State::kRejected:
      ++stats_.rejected_messages;
      ++peer.traffic.rejected_messages;
      break;
    case AntiEntropySession::State::kFailed:
    case AntiEntropySession::State::kRunning: break;
  }
  peer.session.reset();
  peer.next_anti_entropy_ms = now_ms + options_.anti_entropy_interval_ms;
  peer.next_hand_off_ms = now_ms;  // a round that copied a moving partition may have completed it
}

void SyncEngine::OnPeerConnected(const std::string& name) {
  if (Peer* peer = FindPeer(name); peer != nullptr && !peer->session) peer->next_anti_entropy_ms = 0;
}

void SyncEngine::RunAntiEntropy(Peer& peer, uint64_t now_ms) {
  if (peer.session) {
    if (now_ms - peer.session_activity_ms > options_.request_timeout_ms) {
      std::vector<Body> requests;
      peer.session->Retry(&requests);  // answers were lost, or the peer went away
      peer.session_activity_ms = now_ms;
      for (Body& request : requests) Send(Outgoing::Kind::kRequest, peer.name, std::move(request));
      if (peer.session->done()) FinishSession(peer, now_ms);
    }
    return;
  }
  if (now_ms < peer.next_anti_entropy_ms) return;
  std::vector<merkle::NodeId> subtrees = scope_.SubtreesWith(peer.name);
  if (subtrees.empty()) return;  // nothing shared
  peer.session = std::make_unique<AntiEntropySession>(local_, ++peer.rounds_started, std::move(subtrees));
  peer.session_activity_ms = now_ms;
  Send(Outgoing::Kind::kRequest, peer.name, peer.session->Start());
}

void SyncEngine::OnTick(uint64_t now_ms) {
  last_now_ms_ = now_ms;
  PublishOwnDeltas(now_ms);
  for (auto& [name, peer] : peers_) {
    if (peer->log_request_sent_ms && now_ms - *peer->log_request_sent_ms > options_.request_timeout_ms) {
      peer->log_request_sent_ms.reset();  // lost: ask again
      RequestMissing(*peer, now_ms);
    }
    RunAntiEntropy(*peer, now_ms);
    RequestHandOff(*peer, now_ms);
    RequestCatalog(*peer, now_ms);
    SaveProgress(*peer, now_ms, /*now=*/false);
  }
}

std::optional<crdt::ReplicaId> SyncEngine::peer_replica_id(const std::string& name) const {
  auto it = peers_.find(name);
  return it == peers_.end() ? std::nullopt : it->second->replica_id;
}

std::vector<PeerStatus> SyncEngine::peer_status(uint64_t now_ms) const {
  std::vector<PeerStatus> out;
  for (const auto& [name, peer] : peers_) {
    PeerStatus s;
    s.name = name;
    s.last_delta_seq = peer->stream.contiguous();
    if (peer->last_heard_ms) {
      const uint64_t silent_ms = now_ms - *peer->last_heard_ms;
      s.connected = silent_ms <= 3 * options_.heartbeat_interval_ms;
      // Caught up when last heard, unless a gap has been open since.
      s.lag_ms = peer->behind_since_ms ? now_ms - *peer->behind_since_ms : s.connected ? 0 : silent_ms;
    }
    s.anti_entropy_running = peer->session != nullptr;
    s.traffic = peer->traffic;
    s.apply_failures = peer->apply_failures;
    s.last_apply_error = peer->last_apply_error;
    s.futile_repairs = peer->futile_repairs;
    s.last_futile_repair = peer->last_futile_repair;
    s.behind_deltas = peer->stream.highest_seen() - std::min(peer->stream.highest_seen(), peer->stream.contiguous());
    if (peer->acknowledged) {
      // A peer that acknowledges an earlier epoch of this replica's stream lacks all of this one:
      // the sequences between are never issued (crdt::kEpochShift).
      const uint64_t last = local_.last_sequence();
      const uint64_t epoch_start = (last >> crdt::kEpochShift) << crdt::kEpochShift;
      const uint64_t acked = std::min(last, std::max(*peer->acknowledged, epoch_start));
      s.unacknowledged_deltas = last - acked;
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace crdtdb::sync
