// Copyright (c) crdtdb authors.

#include "db/diff_walk.h"

#include <cstdio>
#include <deque>
#include <random>
#include <utility>

namespace crdtdb::db {

Result<DiffWalk> WalkDiff(SyncTransport& a, SyncTransport& b, const DiffWalkPlan& plan,
                          sync::DiffSession::Side* failed) {
  using Side = sync::DiffSession::Side;
  if (plan.limit == 0) return Status::InvalidArgument("the limit of a diff must be at least 1");
  sync::DiffSession session(plan.session, plan.limit, plan.start);
  std::vector<sync::DiffSession::Request> out;
  session.Start(&out);
  std::deque<sync::DiffSession::Request> queue(std::make_move_iterator(out.begin()),
                                               std::make_move_iterator(out.end()));
  Side last = Side::kA;  // the side of the last answer: a rejected or silent walk is blamed on it
  while (!session.done()) {
    out.clear();
    if (queue.empty()) session.Retry(&out);  // answers were cut by a budget: ask for the rest
    for (auto& r : out) queue.push_back(std::move(r));
    if (queue.empty()) break;
    sync::DiffSession::Request request = std::move(queue.front());
    queue.pop_front();
    last = request.side;
    SyncTransport& transport = request.side == Side::kA ? a : b;
    Result<std::string> bytes =
        transport.Exchange(sync::Encode(sync::Message{plan.sender, std::move(request.body)}));
    if (!bytes.ok()) {
      *failed = request.side;
      return bytes.status();
    }
    Result<sync::Message> answer = sync::Decode(*bytes);
    if (!answer.ok()) {
      *failed = request.side;
      return Status::Corruption("malformed answer: " + answer.status().message());
    }
    out.clear();
    session.OnAnswer(request.side, answer->body, &out);
    for (auto& r : out) queue.push_back(std::move(r));
  }
  if (session.state() != sync::DiffSession::State::kDone) {
    *failed = last;
    return session.state() == sync::DiffSession::State::kFailed ? Status::Unavailable(session.error())
                                                                : Status::Corruption(session.error());
  }
  DiffWalk walk;
  walk.root_a = session.root(Side::kA).value_or(0);
  walk.root_b = session.root(Side::kB).value_or(0);
  for (const sync::DiffSession::Difference& d : session.differences()) {
    DocumentDifference out_d{d.key, std::nullopt, std::nullopt};
    if (d.a) out_d.a = HeldDocument{d.a->digest.ToHex(), d.a->deleted};
    if (d.b) out_d.b = HeldDocument{d.b->digest.ToHex(), d.b->deleted};
    walk.differences.push_back(std::move(out_d));
  }
  walk.truncated = session.truncated();
  return walk;
}

uint64_t NewDiffSession() {
  std::random_device random;
  return (uint64_t{random()} << 32) | random();
}

crdt::ReplicaId NewDiffSender() {
  std::random_device random;
  crdt::ReplicaId sender = 0;
  while (sender == 0) sender = (uint64_t{random()} << 32) | random();
  return sender;
}

std::string FingerprintHex(merkle::Fingerprint f) {
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>(f));
  return hex;
}

}  // namespace crdtdb::db
