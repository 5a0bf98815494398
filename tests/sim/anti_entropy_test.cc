// Copyright (c) crdtdb authors.
//
// Anti-entropy between two real replicas, driven by hand: its cost is O(differences x depth)
// messages, an in-sync check is one round trip, and forged or inconsistent answers are rejected.

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "crdt/codec.h"
#include "merkle/merkle_tree.h"
#include "nlohmann/json.hpp"
#include "sync/anti_entropy.h"
#include "sync/responder.h"
#include "tests/sim/sim_cluster.h"

namespace crdtdb::testing {
namespace {

using nlohmann::json;

uint64_t Clock() { return 1'700'000'000'000; }

struct Round {
  size_t requests = 0;  // messages that expect an answer
  size_t pushes = 0;
  size_t bytes = 0;
  size_t push_bytes = 0;
  sync::AntiEntropyStats stats;
  sync::AntiEntropySession::State state = sync::AntiEntropySession::State::kRunning;
};

// Runs one anti-entropy round of `a` against `b`, delivering every message at once.
Round RunRound(db::DatabaseImpl& a, db::DatabaseImpl& b) {
  Round round;
  sync::AntiEntropySession session(a, 1);
  std::vector<sync::Body> queue{session.Start()};
  while (!queue.empty() && !session.done()) {
    sync::Body request = std::move(queue.front());
    queue.erase(queue.begin());
    const size_t request_bytes = sync::Encode(sync::Message{a.replica_id(), request}).size();
    round.bytes += request_bytes;
    Result<std::optional<sync::Body>> answer = sync::AnswerRequest(b, request);
    REQUIRE(answer.ok());
    if (!answer->has_value()) {
      ++round.pushes;
      round.push_bytes += request_bytes;
      continue;
    }
    ++round.requests;
    round.bytes += sync::Encode(sync::Message{b.replica_id(), **answer}).size();
    session.OnResponse(**answer, &queue);
  }
  for (const sync::Body& push : queue) {  // pushes made by the last answer
    const size_t push_bytes = sync::Encode(sync::Message{a.replica_id(), push}).size();
    round.bytes += push_bytes;
    round.push_bytes += push_bytes;
    REQUIRE(sync::AnswerRequest(b, push).ok());
    ++round.pushes;
  }
  round.state = session.state();
  round.stats = session.stats();
  return round;
}

// Two replicas holding the same `n` documents.
void Populate(db::DatabaseImpl& a, db::DatabaseImpl& b, int n) {
  for (int k = 0; k < n; ++k) REQUIRE(a.put("docs/" + std::to_string(k), json{{"k", k}}.dump()).ok());
  REQUIRE(RunRound(b, a).state == sync::AntiEntropySession::State::kRepaired);
  REQUIRE(a.merkle_root() == b.merkle_root());
}

TEST_CASE("an in-sync check is one round trip") {
  SimClient a(Clock), b(Clock);
  Populate(a.db(), b.db(), 1000);
  Round round = RunRound(a.db(), b.db());
  CHECK(round.state == sync::AntiEntropySession::State::kInSync);
  CHECK(round.requests == 1);
  CHECK(round.pushes == 0);
  CHECK(round.bytes < 1024);
}

TEST_CASE("anti-entropy costs O(differences x depth) messages and ships only differing documents") {
  SimClient a(Clock), b(Clock);
  Populate(a.db(), b.db(), 2000);
  REQUIRE(a.db().patch("docs/17", R"({"changed": true})").ok());
  REQUIRE(b.db().patch("docs/1234", R"({"changed": "too"})").ok());
  Round round = RunRound(a.db(), b.db());
  CHECK(round.state == sync::AntiEntropySession::State::kRepaired);
  // Root, then one path per difference down the levels, the leaves, the documents.
  CHECK(round.requests <= 2 * (merkle::kDepth + 2));
  // docs/17 from a, and a's state of docs/1234 (the join needs both), in one or two messages.
  CHECK(round.pushes >= 1);
  CHECK(round.pushes <= 2);
  CHECK(round.bytes < 16 * 1024);
  CHECK(a.db().merkle_root() == b.db().merkle_root());
  CHECK(json::parse(*a.db().get("docs/1234"))["changed"] == "too");
  CHECK(json::parse(*b.db().get("docs/17"))["changed"] == true);
}

TEST_CASE("a document changed on one side only crosses the wire once") {
  SimClient a(Clock), b(Clock);
  Populate(a.db(), b.db(), 300);
  // b wrote: a fetches b's states and, holding nothing b lacks, pushes nothing back.
  for (int k = 0; k < 10; ++k) REQUIRE(b.db().patch("docs/" + std::to_string(k * 7), R"({"by": "b"})").ok());
  Round pull = RunRound(a.db(), b.db());
  CHECK(pull.state == sync::AntiEntropySession::State::kRepaired);
  CHECK(pull.stats.documents_fetched == 10);
  CHECK(pull.stats.documents_pushed == 0);
  CHECK(a.db().merkle_root() == b.db().merkle_root());
  // Documents b does not have at all are pushed without asking b for anything.
  for (int k = 0; k < 10; ++k) REQUIRE(a.db().put("new/" + std::to_string(k), "{}").ok());
  Round push = RunRound(a.db(), b.db());
  CHECK(push.state == sync::AntiEntropySession::State::kRepaired);
  CHECK(push.stats.documents_fetched == 0);
  CHECK(push.stats.documents_pushed == 10);
  CHECK(a.db().merkle_root() == b.db().merkle_root());
  // Both wrote the same document: a fetches b's state, and pushes the join, which b lacks.
  REQUIRE(a.db().patch("docs/1", R"({"x": "a"})").ok());
  REQUIRE(b.db().patch("docs/1", R"({"y": "b"})").ok());
  Round both = RunRound(a.db(), b.db());
  CHECK(both.stats.documents_fetched == 1);
  CHECK(both.stats.documents_pushed == 1);
  CHECK(a.db().merkle_root() == b.db().merkle_root());
  CHECK(json::parse(*b.db().get("docs/1")) == json{{"k", 1}, {"x", "a"}, {"y", "b"}});
  // Of a large document both changed, a pushes only what b lacks: its own field, not the bulk.
  const std::string bulk(20'000, 'z');
  REQUIRE(a.db().put("big/1", json{{"bulk", bulk}}.dump()).ok());
  REQUIRE(RunRound(a.db(), b.db()).state == sync::AntiEntropySession::State::kRepaired);
  REQUIRE(a.db().patch("big/1", R"({"x": "a"})").ok());
  REQUIRE(b.db().patch("big/1", R"({"y": "b"})").ok());
  Round big = RunRound(a.db(), b.db());
  CHECK(big.stats.documents_fetched == 1);
  CHECK(big.stats.documents_pushed == 1);
  CHECK(big.push_bytes < 1'000);
  CHECK(a.db().merkle_root() == b.db().merkle_root());
  CHECK(json::parse(*b.db().get("big/1")) == json{{"bulk", bulk}, {"x", "a"}, {"y", "b"}});
}

// A key of `collection` in the same Merkle bucket as `key`.
std::string KeyInBucketOf(const std::string& collection, const std::string& key) {
  for (int i = 0;; ++i) {
    std::string candidate = collection + "/" + std::to_string(i);
    if (merkle::BucketOf(candidate) == merkle::BucketOf(key)) return candidate;
  }
}

TEST_CASE("each side holds documents the other lacks: one round leaves both with both") {
  SimClient a(Clock), b(Clock);
  Populate(a.db(), b.db(), 100);
  std::vector<std::string> only_a, only_b;
  for (int k = 0; k < 10; ++k) {
    only_a.push_back("a/" + std::to_string(k));  // buckets of their own
    only_b.push_back("b/" + std::to_string(k));
  }
  // And pairs sharing a bucket: its pushes wait for its fetches (AntiEntropySession::SettleBucket).
  for (int k = 0; k < 3; ++k) only_b.push_back(KeyInBucketOf("b" + std::to_string(k), only_a[k]));
  for (const std::string& key : only_a) REQUIRE(a.db().put(key, json{{"from", "a"}}.dump()).ok());
  for (const std::string& key : only_b) REQUIRE(b.db().put(key, json{{"from", "b"}}.dump()).ok());

  Round round = RunRound(a.db(), b.db());
  CHECK(round.state == sync::AntiEntropySession::State::kRepaired);
  CHECK(round.stats.documents_fetched == only_b.size());
  CHECK(round.stats.documents_pushed == only_a.size());
  for (db::DatabaseImpl* side : {&a.db(), &b.db()}) {
    for (const std::string& key : only_a) CHECK(json::parse(*side->get(key)) == json{{"from", "a"}});
    for (const std::string& key : only_b) CHECK(json::parse(*side->get(key)) == json{{"from", "b"}});
  }
  CHECK(a.db().merkle_root() == b.db().merkle_root());
}

TEST_CASE("100,000 documents of which 100 differ: bytes <= 1.2x the differing documents + 16 KiB") {
  SimClient a(Clock), b(Clock);
  const int n = 100'000;
  std::vector<sync::RemoteUpdate> batch;
  for (int k = 0; k < n; ++k) {
    const std::string key = "docs/" + std::to_string(k);
    REQUIRE(a.db().put(key, json{{"title", "document " + std::to_string(k)}, {"n", k}, {"done", false}}.dump()).ok());
    batch.push_back(sync::RemoteUpdate{key, *crdt::DecodeDocument(**a.db().ReadState(key)), true});
    if (batch.size() == 1000) REQUIRE(b.db().ApplyRemote(std::exchange(batch, {})).ok());
  }
  REQUIRE(a.db().merkle_root() == b.db().merkle_root());
  size_t differing_bytes = 0;
  for (int k = 0; k < 100; ++k) {
    const std::string key = "docs/" + std::to_string(k * 997);
    REQUIRE((k % 2 == 0 ? a : b).db().patch(key, json{{"edited", k}}.dump()).ok());
    differing_bytes += (**a.db().ReadState(key)).size() + (**b.db().ReadState(key)).size();
  }
  Round round = RunRound(a.db(), b.db());
  CHECK(round.state == sync::AntiEntropySession::State::kRepaired);
  CHECK(a.db().merkle_root() == b.db().merkle_root());
  MESSAGE("anti-entropy, 100 of 100,000 documents differing: " << round.requests << " requests, "
          << round.pushes << " pushes, " << round.bytes << " bytes; differing documents "
          << differing_bytes << " bytes");
  // Protocol 1 (full hashes, keys in leaf answers, every differing state pushed) sent 99,606.
  CHECK(round.bytes * 5 <= 6 * differing_bytes + 5 * 16 * 1024);
  CHECK(round.pushes <= 100);  // at most one push message per differing leaf
}

TEST_CASE("a tree node whose children do not add up is rejected, not followed") {
  SimClient a(Clock), b(Clock);
  REQUIRE(b.db().put("docs/1", "{}").ok());
  sync::AntiEntropySession session(a.db(), 7);
  sync::Body start = session.Start();
  Result<std::optional<sync::Body>> answer = sync::AnswerRequest(b.db(), start);
  REQUIRE(answer.ok());
  auto forged = std::get<sync::TreeResponse>(**answer);
  forged.nodes[0].children[3] ^= 1;  // no longer XORs to the root
  std::vector<sync::Body> out;
  session.OnResponse(forged, &out);
  CHECK(session.state() == sync::AntiEntropySession::State::kRejected);
  CHECK(out.empty());
  CHECK(session.error().find("does not add up") != std::string::npos);
}

TEST_CASE("duplicate, late or unasked answers are ignored, not followed") {
  SimClient a(Clock), b(Clock);
  REQUIRE(b.db().put("docs/1", "{}").ok());
  sync::AntiEntropySession session(a.db(), 7);
  const sync::Body start = session.Start();
  std::vector<sync::Body> out;
  // A well-formed leaf nobody asked for: nothing is fetched or pushed because of it.
  session.OnResponse(sync::LeafResponse{7, {sync::Leaf{5, 0, {}}}}, &out);
  CHECK(session.state() == sync::AntiEntropySession::State::kRunning);
  CHECK(out.empty());
  CHECK(session.outstanding() == 1);  // still waiting for the root
  // The root's answer, delivered twice: the second copy changes nothing.
  Result<std::optional<sync::Body>> answer = sync::AnswerRequest(b.db(), start);
  REQUIRE(answer.ok());
  session.OnResponse(**answer, &out);
  const size_t requests = out.size();
  CHECK(requests > 0);
  session.OnResponse(**answer, &out);
  CHECK(out.size() == requests);
  CHECK(session.state() == sync::AntiEntropySession::State::kRunning);
}

TEST_CASE("lost answers are asked for again, and a round gives up on a silent peer") {
  SimClient a(Clock), b(Clock);
  REQUIRE(b.db().put("docs/1", "{}").ok());
  sync::AntiEntropySession session(a.db(), 7);
  const sync::Body start = session.Start();
  std::vector<sync::Body> again;
  session.Retry(&again);
  REQUIRE(again.size() == 1);
  CHECK(again[0] == start);
  for (int i = 0; i < sync::AntiEntropySession::kMaxRetries; ++i) session.Retry(&again);
  CHECK(session.state() == sync::AntiEntropySession::State::kFailed);
}

TEST_CASE("leaf contents that do not add up to the leaf are rejected") {
  SimClient a(Clock), b(Clock);
  REQUIRE(b.db().put("docs/1", "{}").ok());
  sync::AntiEntropySession session(a.db(), 7);
  std::vector<sync::Body> queue{session.Start()};
  // Follow the honest answers down to the leaf request, then forge the leaf.
  while (!queue.empty()) {
    sync::Body request = std::move(queue.front());
    queue.erase(queue.begin());
    Result<std::optional<sync::Body>> answer = sync::AnswerRequest(b.db(), request);
    REQUIRE(answer.ok());
    REQUIRE(answer->has_value());
    if (auto* leaves = std::get_if<sync::LeafResponse>(&**answer)) {
      leaves->leaves[0].entries[0] ^= 1;
      session.OnResponse(*leaves, &queue);
      break;
    }
    session.OnResponse(**answer, &queue);
  }
  CHECK(session.state() == sync::AntiEntropySession::State::kRejected);
  CHECK(session.error().find("leaf") != std::string::npos);
}

TEST_CASE("malformed messages are dropped and counted, never fatal") {
  SimClient a(Clock);
  sync::SyncEngine engine(a.db(), {"peer"}, sync::SyncOptions{});
  const std::string garbage[] = {"", "\xc1", std::string("\xdd\xff\xff\xff\xff", 5), "not msgpack at all",
                                 sync::Encode(sync::Message{9, sync::LogRequest{1, 10}}) + "x"};
  for (const std::string& bytes : garbage) {
    engine.OnPublished("peer", bytes, 0);
    CHECK_FALSE(engine.OnRequest(bytes).has_value());
    engine.OnResponse("peer", bytes, 0);
  }
  CHECK(engine.stats().rejected_messages == 3 * std::size(garbage));
  // A delta batch whose delta does not decode is dropped whole.
  engine.OnPublished("peer", sync::Encode(sync::Message{9, sync::DeltaBatch{{{1, "docs/1", "junk"}}}}), 0);
  CHECK(engine.stats().rejected_messages == 3 * std::size(garbage) + 1);
  CHECK(a.db().get("docs/1").status().IsNotFound());
  // A request for a key that is not a document key changes nothing.
  sync::Documents bad_push{1, {{"no-slash", crdt::EncodeDocument(crdt::Document())}}, {}};
  CHECK_FALSE(engine.OnRequest(sync::Encode(sync::Message{9, bad_push})).has_value());
  CHECK(a.db().status().documents == 0);
}

}  // namespace
}  // namespace crdtdb::testing
