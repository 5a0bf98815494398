// Copyright (c) crdtdb authors.

#include "sync/client_session.h"

#include <utility>

#include "sync/responder.h"

namespace crdtdb::sync {

ClientSession::ClientSession(LocalReplica& local, uint64_t first_session_id,
                             std::vector<merkle::NodeId> start, ChangedSince changed_since)
    : local_(local),
      next_session_id_(first_session_id),
      start_(std::move(start)),
      changed_since_(std::move(changed_since)) {}

std::vector<ClientSession::Outgoing> ClientSession::Encode(std::vector<Body> bodies) {
  std::vector<Outgoing> out;
  for (Body& body : bodies) {
    const bool expects_answer = !std::holds_alternative<Documents>(body);
    std::string bytes = sync::Encode(Message{local_.replica_id(), std::move(body)});
    report_.bytes_sent += bytes.size();
    out.push_back(Outgoing{std::move(bytes), expects_answer});
  }
  return out;
}

std::vector<ClientSession::Outgoing> ClientSession::StartRound() {
  round_ = std::make_unique<AntiEntropySession>(local_, next_session_id_++, start_);
  ++report_.rounds;
  std::vector<Body> first;
  first.push_back(round_->Start());
  return Encode(std::move(first));
}

std::vector<ClientSession::Outgoing> ClientSession::Start() { return StartRound(); }

std::vector<ClientSession::Outgoing> ClientSession::PushChangedSince(crdt::ReplicaId peer) {
  std::optional<std::vector<DocumentState>> changed = changed_since_(peer);
  // Nothing known, or nothing changed here: the region's own changes make the difference.
  if (!changed || changed->empty()) return {};
  // As few messages as the bounds allow (kMaxDocumentsPerMessage documents, an answer's bytes):
  // the region applies each in one commit.
  std::vector<Body> pushes;
  Documents batch{round_->id(), {}, {}};
  size_t bytes = 0;
  for (DocumentState& d : *changed) {
    const size_t size = d.key.size() + d.state.size();
    if (!batch.documents.empty() &&
        (batch.documents.size() == kMaxDocumentsPerMessage || bytes + size > kDocumentBytesPerAnswer)) {
      pushes.push_back(std::exchange(batch, Documents{round_->id(), {}, {}}));
      bytes = 0;
    }
    bytes += size;
    batch.documents.push_back(std::move(d));
  }
  if (!batch.documents.empty()) pushes.push_back(std::move(batch));
  report_.documents_sent += changed->size();
  // The round that found the sides apart is dropped: a new one compares them after the pushes.
  std::vector<Outgoing> out = Encode(std::move(pushes));
  for (Outgoing& request : StartRound()) out.push_back(std::move(request));
  return out;
}

std::vector<ClientSession::Outgoing> ClientSession::Retry() {
  if (done_) return {};
  std::vector<Body> again;
  round_->Retry(&again);
  CheckRoundFailed();
  return Encode(std::move(again));
}

void ClientSession::CheckRoundFailed() {
  if (round_->state() == AntiEntropySession::State::kRejected ||
      round_->state() == AntiEntropySession::State::kFailed) {
    error_ = Status::Corruption("sync with the region failed: " + round_->error());
    done_ = true;
  }
}

std::vector<ClientSession::Outgoing> ClientSession::OnAnswer(std::string_view bytes) {
  if (done_) return {};
  report_.bytes_received += bytes.size();
  Result<Message> message = Decode(bytes);
  if (!message.ok()) {
    error_ = message.status();
    done_ = true;
    return {};
  }
  if (!peer_) peer_ = message->sender;
  std::vector<Body> next;
  const uint64_t fetched_before = round_->stats().documents_fetched;
  const uint64_t pushed_before = round_->stats().documents_pushed;
  round_->OnResponse(message->body, &next);
  report_.documents_received += round_->stats().documents_fetched - fetched_before;
  report_.documents_sent += round_->stats().documents_pushed - pushed_before;
  if (changed_since_ && !resume_tried_ && !round_->done()) {
    // The first answer, and the roots differ: push what the region is known to lack, then compare
    // again (the requests of this round are dropped with it).
    resume_tried_ = true;
    if (std::vector<Outgoing> resumed = PushChangedSince(message->sender); !resumed.empty()) return resumed;
  }
  std::vector<Outgoing> out = Encode(std::move(next));
  if (!round_->done()) return out;
  switch (round_->state()) {
    case AntiEntropySession::State::kInSync:
      report_.in_sync = true;
      done_ = true;
      return out;
    case AntiEntropySession::State::kRepaired:
      // Check the repair: another round finds both sides equal, or repairs what changed since.
      if (report_.rounds < static_cast<uint64_t>(kMaxRounds)) {
        for (Outgoing& request : StartRound()) out.push_back(std::move(request));
      } else {
        done_ = true;
      }
      return out;
    default:
      CheckRoundFailed();
      return out;
  }
}

}  // namespace crdtdb::sync
