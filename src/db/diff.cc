// Copyright (c) crdtdb authors.
//
// The adapter of sync::DiffSession over two SyncTransports (include/crdtdb/diff.h), and
// Database::diff_with, whose local side is answered in-process by the responder, read-only.

#include "crdtdb/diff.h"

#include <cstdio>
#include <deque>
#include <random>
#include <utility>

#include "db/database_impl.h"
#include "sync/diff_session.h"
#include "sync/responder.h"

namespace crdtdb {

namespace {

// A local replica's sync endpoint without the socket: the responder's answers to the read
// requests of a tree walk. Anything else (a push above all) is refused, so a diff cannot write.
class ReadOnlyResponder final : public SyncTransport {
 public:
  explicit ReadOnlyResponder(sync::LocalReplica& local) : local_(local) {}

  Result<std::string> Exchange(std::string_view request) override {
    Result<sync::Message> message = sync::Decode(request);
    if (!message.ok()) return message.status();
    const sync::Body& body = message->body;
    if (!std::holds_alternative<sync::TreeRequest>(body) &&
        !std::holds_alternative<sync::LeafRequest>(body) &&
        !std::holds_alternative<sync::DocumentRequest>(body)) {
      return Status::InvalidArgument(std::string("a diff reads only; refused ") +
                                     sync::TypeName(body));
    }
    Result<std::optional<sync::Body>> answer = sync::AnswerRequest(local_, body);
    if (!answer.ok()) return answer.status();
    if (!answer->has_value()) return Status::Corruption("the local replica gave no answer");
    return sync::Encode(sync::Message{local_.replica_id(), std::move(**answer)});
  }

  Status Send(std::string_view) override {
    return Status::InvalidArgument("a diff sends nothing unanswered");
  }

 private:
  sync::LocalReplica& local_;
};

std::string FingerprintHex(merkle::Fingerprint f) {
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>(f));
  return hex;
}

// Runs the walk to its end, one request at a time (each answer awaited), as sync_with does.
// `sender` is the replica id the requests carry (responders answer whatever it is).
Result<DiffReport> RunDiff(SyncTransport& a, SyncTransport& b, crdt::ReplicaId sender,
                           const DiffOptions& options) {
  if (options.limit == 0) return Status::InvalidArgument("the limit of a diff must be at least 1");
  std::random_device random;
  sync::DiffSession session((uint64_t{random()} << 32) | random(), options.limit);
  std::vector<sync::DiffSession::Request> out;
  session.Start(&out);
  std::deque<sync::DiffSession::Request> queue(std::make_move_iterator(out.begin()),
                                               std::make_move_iterator(out.end()));
  while (!session.done()) {
    out.clear();
    if (queue.empty()) session.Retry(&out);  // answers were cut by a budget: ask for the rest
    for (auto& r : out) queue.push_back(std::move(r));
    if (queue.empty()) break;
    sync::DiffSession::Request request = std::move(queue.front());
    queue.pop_front();
    SyncTransport& transport = request.side == sync::DiffSession::Side::kA ? a : b;
    Result<std::string> bytes =
        transport.Exchange(sync::Encode(sync::Message{sender, std::move(request.body)}));
    if (!bytes.ok()) return bytes.status();
    Result<sync::Message> answer = sync::Decode(*bytes);
    if (!answer.ok()) return Status::Corruption("malformed answer: " + answer.status().message());
    out.clear();
    session.OnAnswer(request.side, answer->body, &out);
    for (auto& r : out) queue.push_back(std::move(r));
  }
  if (session.state() != sync::DiffSession::State::kDone) {
    return session.state() == sync::DiffSession::State::kFailed
               ? Status::Unavailable(session.error())
               : Status::Corruption(session.error());
  }
  DiffReport report;
  report.root_a = FingerprintHex(session.root(sync::DiffSession::Side::kA).value_or(0));
  report.root_b = FingerprintHex(session.root(sync::DiffSession::Side::kB).value_or(0));
  for (const sync::DiffSession::Difference& d : session.differences()) {
    DocumentDifference out_d{d.key, std::nullopt, std::nullopt};
    if (d.a) out_d.a = HeldDocument{d.a->digest.ToHex(), d.a->deleted};
    if (d.b) out_d.b = HeldDocument{d.b->digest.ToHex(), d.b->deleted};
    report.differences.push_back(std::move(out_d));
  }
  report.truncated = session.truncated();
  return report;
}

}  // namespace

Result<DiffReport> diff(SyncTransport& a, SyncTransport& b, const DiffOptions& options) {
  // A diff is no replica: its requests carry an id of their own, drawn as an offline-first
  // client's would be (0 is reserved), so they claim no region's id.
  std::random_device random;
  crdt::ReplicaId sender = 0;
  while (sender == 0) sender = (uint64_t{random()} << 32) | random();
  return RunDiff(a, b, sender, options);
}

namespace db {

Result<DiffReport> DatabaseImpl::diff_with(SyncTransport& transport, const DiffOptions& options) {
  ReadOnlyResponder local(*this);
  return RunDiff(transport, local, replica_id(), options);
}

}  // namespace db

}  // namespace crdtdb
