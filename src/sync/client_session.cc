// Copyright (c) crdtdb authors.

#include "sync/client_session.h"

#include <utility>

namespace crdtdb::sync {

ClientSession::ClientSession(LocalReplica& local, uint64_t first_session_id,
                             std::vector<merkle::NodeId> start)
    : local_(local), next_session_id_(first_session_id), start_(std::move(start)) {}

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
  std::vector<Body> next;
  const uint64_t fetched_before = round_->stats().documents_fetched;
  const uint64_t pushed_before = round_->stats().documents_pushed;
  round_->OnResponse(message->body, &next);
  report_.documents_received += round_->stats().documents_fetched - fetched_before;
  report_.documents_sent += round_->stats().documents_pushed - pushed_before;
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
