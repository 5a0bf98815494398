// Copyright (c) crdtdb authors.
//
// SyncEngine's delta-stream receiver against a fake replica, one message at a time (the whole
// protocol on a network is tests/sim): gap repair from the origin's log, and what happens when the
// log cannot repair a gap: no request loop, anti-entropy instead (docs/protocol.md).

#include "sync/sync_engine.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "cluster/partition_set.h"
#include "cluster/partitioning.h"
#include "sync/partition_stream.h"
#include "sync/responder.h"
#include "tests/sync/fake_replica.h"

namespace crdtdb::sync {
namespace {

using testing::FakeReplica;
using testing::StateAfterPatches;
using testing::ValidDelta;
using testing::ValidState;

constexpr uint64_t kNow = 1'000'000;

// Messages of peer "b", replica id 2, and the same as published: under their topic.
std::string FromB(Body body) { return Encode(Message{2, std::move(body)}); }
std::string Published(Body body) { return TopicOf(body) + FromB(std::move(body)); }

// A message this engine sends: a published one after its topic.
Result<Message> DecodeOut(const Outgoing& o) {
  if (o.kind == Outgoing::Kind::kRequest) return Decode(o.bytes);
  auto topic = SplitTopic(o.bytes);
  REQUIRE(topic.has_value());
  return Decode(topic->second);
}

struct Sent {
  size_t log_requests = 0;
  size_t tree_requests = 0;
  std::vector<LogRequest> logs;
};

Sent Take(SyncEngine& engine) {
  Sent sent;
  for (const Outgoing& o : engine.TakeOutgoing()) {
    Result<Message> m = DecodeOut(o);
    REQUIRE(m.ok());
    if (o.kind != Outgoing::Kind::kRequest) continue;
    CHECK(o.peer == "b");
    if (const auto* log = std::get_if<LogRequest>(&m->body)) {
      ++sent.log_requests;
      sent.logs.push_back(*log);
    }
    if (std::holds_alternative<TreeRequest>(m->body)) ++sent.tree_requests;
  }
  return sent;
}

std::vector<LoggedDelta> Deltas(uint64_t first, uint64_t last) {
  std::vector<LoggedDelta> out;
  for (uint64_t s = first; s <= last; ++s)
    out.push_back({s, "docs/" + std::to_string(s), ValidDelta("x")});
  return out;
}

// b's whole stream from `first` through `last` (what "b" published before is first - 1), and its
// heartbeat announcing `last` as a publisher that started at `last` would (no chain is claimed).
std::string Batch(uint64_t first, uint64_t last) { return Published(DeltaBatch{Deltas(first, last), 0, 0, first - 1}); }
std::string Beat(uint64_t last, std::vector<StreamAck> acks) {
  return Published(Heartbeat{last, {}, std::move(acks), last});
}

// b's answer to a LogRequest from `from` for every partition, read as far as its deltas go.
std::string Answer(uint64_t from, LogResponse response) {
  response.from_sequence = from;
  response.scanned_through = response.deltas.empty() ? response.last_sequence : response.deltas.back().sequence;
  return FromB(std::move(response));
}

uint64_t LastDeltaSeq(SyncEngine& engine) {
  return engine.peer_status(kNow).front().last_delta_seq;
}

TEST_CASE("a node that keeps some partitions repairs a gap from the log with only their deltas") {
  FakeReplica local(1);
  SyncOptions options;
  const cluster::Partitioning partitioning(4);
  cluster::PartitionSet owned(4);
  owned.Add(2);
  options.scope.Set(partitioning, owned);
  SyncEngine engine(local, {"b"}, options);
  auto kept = [&](uint64_t s) { return partitioning.PartitionOf("docs/" + std::to_string(s)) == 2; };
  engine.OnPublished("b", Batch(1, 2), kNow);
  engine.OnPublished("b", Batch(30, 30), kNow);  // 3 to 29 lost
  Sent sent = Take(engine);
  REQUIRE(sent.log_requests == 1);
  CHECK(sent.logs[0].from_sequence == 3);
  CHECK(sent.logs[0].partition_count == 4);
  CHECK(sent.logs[0].partitions == std::vector<uint32_t>{2});

  // The origin's answer: partition 2's deltas of 3 to 29, read through 29.
  LogResponse answer{3, 30, {}, 29, 3, 4, {2}};
  for (const LoggedDelta& d : Deltas(3, 29)) {
    if (kept(d.sequence)) answer.deltas.push_back(d);
  }
  REQUIRE(!answer.deltas.empty());
  REQUIRE(answer.deltas.size() < 27);
  engine.OnResponse("b", FromB(answer), kNow);
  // Every sequence up to 30 is covered: the answer's deltas applied, the others' not this node's.
  CHECK(LastDeltaSeq(engine) == 30);
  CHECK(Take(engine).log_requests == 0);
  uint64_t applied = 0;
  for (uint64_t s : {1, 2, 30}) applied += kept(s) ? 1 : 0;
  CHECK(engine.stats().deltas_received == applied + answer.deltas.size());

  // An answer read only part of the way leaves the rest a gap, asked for next.
  engine.OnPublished("b", Batch(60, 60), kNow);  // 31 to 59 lost
  REQUIRE(Take(engine).log_requests == 1);
  LogResponse partial{31, 60, {}, 40, 31, 4, {2}};
  engine.OnResponse("b", FromB(partial), kNow);
  CHECK(LastDeltaSeq(engine) == 40);
  sent = Take(engine);
  REQUIRE(sent.log_requests == 1);
  CHECK(sent.logs[0].from_sequence == 41);
  // The same answer again (late, or duplicated) changes nothing.
  engine.OnResponse("b", FromB(partial), kNow);
  CHECK(LastDeltaSeq(engine) == 40);
}

TEST_CASE("a gap in the stream is pulled from the origin's log, one request at a time") {
  FakeReplica local(1);
  SyncEngine engine(local, {"b"}, SyncOptions{});
  engine.OnPublished("b", Batch(1, 2), kNow);
  CHECK(Take(engine).log_requests == 0);
  engine.OnPublished("b", Batch(5, 6), kNow);  // 3 and 4 lost
  Sent sent = Take(engine);
  REQUIRE(sent.log_requests == 1);
  CHECK(sent.logs[0].from_sequence == 3);
  engine.OnPublished("b", Batch(8, 8), kNow);  // 7 lost too: still one request
  CHECK(Take(engine).log_requests == 0);
  engine.OnResponse("b", Answer(3, LogResponse{3, 8, Deltas(3, 8)}), kNow);
  CHECK(LastDeltaSeq(engine) == 8);
  CHECK(Take(engine).log_requests == 0);
  CHECK(engine.stats().deltas_received == 8);  // the duplicates 5, 6, 8 are not applied twice
  CHECK(local.applied.size() == 8);
}

TEST_CASE(
    "a log answer that makes no progress falls back to anti-entropy instead of asking again") {
  FakeReplica local(1);
  SyncEngine engine(local, {"b"}, SyncOptions{});
  engine.OnTick(kNow);  // the first round of anti-entropy starts at the first tick...
  REQUIRE(Take(engine).tree_requests == 1);
  engine.OnResponse("b", FromB(TreeResponse{1, {{{0, 0}, 0, std::vector<merkle::Fingerprint>(16)}}}),
                    kNow);
  REQUIRE(engine.stats().anti_entropy_rounds == 1);  // ...and ends in sync (both trees empty)

  SUBCASE("a delta in the origin's log that does not decode") {
    engine.OnPublished("b", Beat(0, {}), kNow);  // the stream starts at 0
    engine.OnPublished("b", Published(DeltaBatch{{{1, "docs/1", "not a delta"}}}), kNow);
    CHECK(Take(engine).log_requests == 1);
    for (int i = 0; i < 10; ++i) {
      engine.OnResponse("b", Answer(1, LogResponse{1, 1, {{1, "docs/1", "not a delta"}}}), kNow);
      CHECK(Take(engine).log_requests == 0);
    }
    CHECK(engine.stats().rejected_messages == 2);  // the batch, the first answer; then ignored
  }
  SUBCASE("a delta the local replica refuses to apply") {
    local.apply_status = Status::InvalidArgument("remote update for an invalid key");
    engine.OnPublished("b", Beat(0, {}), kNow);
    engine.OnPublished("b", Batch(1, 1), kNow);
    CHECK(Take(engine).log_requests == 1);
    engine.OnResponse("b", Answer(1, LogResponse{1, 1, Deltas(1, 1)}), kNow);
    CHECK(Take(engine).log_requests == 0);
  }
  CHECK(LastDeltaSeq(engine) == 1);  // left to anti-entropy
  // The next round is due at once, not anti_entropy_interval_ms later.
  engine.OnTick(kNow + 1);
  CHECK(Take(engine).tree_requests == 1);
}

TEST_CASE("an origin whose log ends below what it announced is not asked again and again") {
  FakeReplica local(1);
  SyncEngine engine(local, {"b"}, SyncOptions{});
  engine.OnPublished("b", Beat(10, {}), kNow);  // the stream starts at 10
  engine.OnPublished("b", Beat(20, {}), kNow);  // 11..20 missing
  Sent sent = Take(engine);
  REQUIRE(sent.log_requests == 1);
  CHECK(sent.logs[0].from_sequence == 11);
  // The origin lost its tail (an OS crash with buffered durability): its log ends at 15.
  engine.OnResponse("b", Answer(11, LogResponse{11, 15, Deltas(11, 15)}), kNow);
  CHECK(LastDeltaSeq(engine) == 15);
  CHECK(Take(engine).log_requests == 0);
  for (int i = 0; i < 10; ++i) {
    engine.OnResponse("b", Answer(16, LogResponse{16, 15, {}}), kNow);
    CHECK(Take(engine).log_requests == 0);
  }
  // When it writes on, the stream picks up again.
  engine.OnPublished("b", Batch(17, 17), kNow);
  sent = Take(engine);
  REQUIRE(sent.log_requests == 1);
  CHECK(sent.logs[0].from_sequence == 16);
}

TEST_CASE("local writes are published when the adapter says so, without waiting for a tick") {
  FakeReplica local(1);
  SyncEngine engine(local, {"b"}, SyncOptions{});
  engine.OnTick(kNow);
  (void)engine.TakeOutgoing();
  local.AppendLog("docs/1", ValidDelta("x"));
  local.AppendLog("docs/2", ValidDelta("y"));
  engine.OnLocalWrites(kNow + 1);
  std::vector<Outgoing> out = engine.TakeOutgoing();
  REQUIRE(out.size() == 1);
  CHECK(out[0].kind == Outgoing::Kind::kPublish);
  Result<Message> m = DecodeOut(out[0]);
  REQUIRE(m.ok());
  const auto* batch = std::get_if<DeltaBatch>(&m->body);
  REQUIRE(batch != nullptr);
  REQUIRE(batch->deltas.size() == 2);
  CHECK(batch->deltas[1].sequence == 2);
  CHECK(engine.stats().deltas_sent == 2);
  engine.OnTick(kNow + 2);  // nothing new, and no heartbeat right after a batch
  CHECK(engine.TakeOutgoing().empty());
}

TEST_CASE("publishing gives publish_bytes_max to the log reader, which reads nothing past it") {
  FakeReplica local(1);
  SyncOptions options;
  options.publish_bytes_max = 1000;
  options.publish_batches_per_tick_max = 4;
  SyncEngine engine(local, {}, options);
  for (int i = 0; i < 8; ++i) local.AppendLog("docs/" + std::to_string(i), std::string(400, 'd'));
  engine.OnTick(kNow);
  // Two deltas of ~400 bytes per batch, four batches; each read was given the budget, so a store
  // under it reads no document (a delta logged by reference) it would not send.
  CHECK(local.log_budgets == std::vector<size_t>(4, 1000));
  size_t batches = 0;
  for (const Outgoing& o : engine.TakeOutgoing()) {
    Result<Message> m = DecodeOut(o);
    REQUIRE(m.ok());
    if (const auto* batch = std::get_if<DeltaBatch>(&m->body)) {
      CHECK(batch->deltas.size() == 2);
      ++batches;
    }
  }
  CHECK(batches == 4);
  CHECK(engine.stats().deltas_sent == 8);
}

TEST_CASE("lag_ms is how long the replica has been behind the peer's stream, or without news of it") {
  FakeReplica local(1);
  SyncOptions options;
  SyncEngine engine(local, {"b"}, options);
  auto lag_at = [&](uint64_t t) { return engine.peer_status(t).front().lag_ms; };
  CHECK(lag_at(kNow) == 0);  // never heard of
  engine.OnPublished("b", Batch(1, 2), kNow);
  CHECK(lag_at(kNow + 100) == 0);  // caught up, and heard from recently
  engine.OnPublished("b", Batch(5, 5), kNow + 200);  // 3 and 4 lost
  CHECK(lag_at(kNow + 700) == 500);
  engine.OnPublished("b", Beat(6, {}), kNow + 800);  // still behind: since the gap opened
  CHECK(lag_at(kNow + 900) == 700);
  engine.OnResponse("b", Answer(3, LogResponse{3, 6, Deltas(3, 6)}), kNow + 1000);
  CHECK(LastDeltaSeq(engine) == 6);
  CHECK(lag_at(kNow + 1000) == 0);
  // Silence beyond three heartbeat intervals: it may have written since.
  const uint64_t silent = 3 * options.heartbeat_interval_ms + 1;
  CHECK(lag_at(kNow + 1000 + silent) == silent);
}

TEST_CASE("a LogRequest without answer is sent again after request_timeout_ms") {
  FakeReplica local(1);
  SyncOptions options;
  SyncEngine engine(local, {"b"}, options);
  engine.OnPublished("b", Beat(0, {}), kNow);
  engine.OnPublished("b", Beat(3, {}), kNow);
  CHECK(Take(engine).log_requests == 1);
  engine.OnTick(kNow + options.request_timeout_ms);
  CHECK(Take(engine).log_requests == 0);
  engine.OnTick(kNow + options.request_timeout_ms + 1);
  CHECK(Take(engine).log_requests == 1);
}

TEST_CASE("only accepted document pushes count as repaired documents") {
  FakeReplica local(1);
  SyncEngine engine(local, {"b"}, SyncOptions{});
  CHECK_FALSE(engine.OnRequest(FromB(Documents{1, {{"docs/1", "not a state"}, {"docs/2", "x"}}, {}}))
                  .has_value());
  CHECK(engine.stats().rejected_messages == 1);
  CHECK(engine.stats().docs_repaired == 0);
  CHECK(local.applied.empty());
  CHECK_FALSE(engine.OnRequest(FromB(Documents{1, {{"docs/1", ValidState("a")}}, {}})).has_value());
  CHECK(engine.stats().docs_repaired == 1);
  CHECK(local.applied.size() == 1);
}

TEST_CASE("only deltas and heartbeats travel on a stream, and only from configured peers") {
  FakeReplica local(1);
  SyncEngine engine(local, {"b"}, SyncOptions{});
  engine.OnPublished("b", Published(LogRequest{1, 1}), kNow);
  engine.OnPublished("c", Beat(1, {}), kNow);
  engine.OnPublished("b", "\xc1", kNow);
  CHECK(engine.stats().rejected_messages == 3);
}

TEST_CASE("each peer's traffic is counted on it, and adds up to the engine's") {
  FakeReplica local(1);
  SyncEngine engine(local, {"b", "c"}, SyncOptions{});
  engine.OnTick(kNow);  // an anti-entropy round starts with each peer
  uint64_t to_b = 0, to_c = 0;
  for (const Outgoing& o : engine.TakeOutgoing()) {
    if (o.peer == "b") to_b += o.bytes.size();
    if (o.peer == "c") to_c += o.bytes.size();
  }
  REQUIRE(to_b > 0);
  // b's round ends in sync (both trees empty): counted on b only.
  const std::string tree = FromB(TreeResponse{1, {{{0, 0}, 0, std::vector<merkle::Fingerprint>(16)}}});
  engine.OnResponse("b", tree, kNow);
  REQUIRE(engine.stats().anti_entropy_rounds == 1);

  const std::string batch = Batch(1, 3);
  const std::string out_of_place = Published(LogRequest{1, 1});  // a request on a stream
  engine.OnPublished("b", batch, kNow);
  engine.OnPublished("b", "\xc1", kNow);  // malformed
  engine.OnPublished("b", out_of_place, kNow);
  const std::vector<PeerStatus> peers = engine.peer_status(kNow);
  REQUIRE(peers.size() == 2);
  const PeerTraffic& b = peers[0].traffic;
  const PeerTraffic& c = peers[1].traffic;
  CHECK(b.anti_entropy_rounds == 1);
  CHECK(c.anti_entropy_rounds == 0);
  CHECK(b.deltas_received == 3);
  CHECK(b.rejected_messages == 2);
  CHECK(b.bytes_received == tree.size() + batch.size() + 1 + out_of_place.size());
  CHECK(b.bytes_sent == to_b);
  CHECK(c.deltas_received == 0);
  CHECK(c.bytes_received == 0);
  CHECK(c.bytes_sent == to_c);
  CHECK(engine.stats().deltas_received == b.deltas_received + c.deltas_received);
  CHECK(engine.stats().rejected_messages == b.rejected_messages + c.rejected_messages);
  CHECK(engine.stats().bytes_received == b.bytes_received + c.bytes_received);
}

TEST_CASE("a peer's replica id is learned from its stream or from its sync answers, whichever comes first") {
  FakeReplica local(1);
  SyncEngine engine(local, {"b"}, SyncOptions{});
  CHECK_FALSE(engine.peer_replica_id("b").has_value());
  SUBCASE("from an answer on the sync link, before the stream has said anything") {
    engine.OnTick(kNow);
    REQUIRE(Take(engine).tree_requests == 1);
    engine.OnResponse("b", FromB(TreeResponse{1, {{{0, 0}, 0, std::vector<merkle::Fingerprint>(16)}}}), kNow);
    CHECK(engine.peer_replica_id("b") == 2);
    // A later answer under another id (an older identity of the region) does not replace it.
    engine.OnResponse("b", Encode(Message{9, LogResponse{1, 1, {}}}), kNow);
    CHECK(engine.peer_replica_id("b") == 2);
  }
  SUBCASE("from the stream") {
    engine.OnPublished("b", Beat(0, {}), kNow);
    CHECK(engine.peer_replica_id("b") == 2);
  }
  CHECK(engine.peer_replica_id("c") == std::nullopt);
}

TEST_CASE("a delta logged by reference is joined as a state; a mutator's delta as a delta") {
  FakeReplica local(1);
  SyncEngine engine(local, {"b"}, SyncOptions{});
  engine.OnPublished("b", Beat(0, {}), kNow);
  const std::string by_reference = crdt::StateAsDelta(ValidState("x")).value();
  engine.OnPublished("b", Published(DeltaBatch{{{1, "docs/1", by_reference}, {2, "docs/2", ValidDelta("x")}}}), kNow);
  REQUIRE(local.applied.size() == 2);
  CHECK(local.applied[0].is_state);
  CHECK_FALSE(local.applied[1].is_state);
  CHECK(LastDeltaSeq(engine) == 2);
}

TEST_CASE("a delta that cannot be applied fails alone: the others apply, it stays a gap, it is reported") {
  FakeReplica local(1);
  SyncEngine engine(local, {"b"}, SyncOptions{});
  engine.OnPublished("b", Beat(0, {}), kNow);
  (void)Take(engine);
  local.apply_status = Status::InvalidArgument("document /docs/2 would be too large");
  local.fail_key = "docs/2";
  engine.OnPublished("b", Batch(1, 3), kNow);
  REQUIRE(local.applied.size() == 2);
  CHECK(local.applied[0].key == "docs/1");
  CHECK(local.applied[1].key == "docs/3");
  CHECK(LastDeltaSeq(engine) == 1);  // 2 is not covered...
  Sent sent = Take(engine);
  REQUIRE(sent.log_requests == 1);  // ...so it is asked for again
  CHECK(sent.logs[0].from_sequence == 2);
  const PeerStatus peer = engine.peer_status(kNow).front();
  CHECK(peer.apply_failures == 1);
  CHECK(peer.last_apply_error.find("docs/2") != std::string::npos);
  CHECK(engine.stats().apply_failures == 1);
  CHECK(engine.stats().deltas_received == 2);
  const std::vector<std::string> warnings = engine.TakeWarnings();
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("peer b") != std::string::npos);
  CHECK(warnings[0].find("docs/2") != std::string::npos);
}

TEST_CASE("failures to apply are logged once a minute per peer and cause, with the count since") {
  FakeReplica local(1);
  SyncEngine engine(local, {"b"}, SyncOptions{});
  engine.OnPublished("b", Beat(0, {}), kNow);
  local.apply_status = Status::InvalidArgument("too large");
  for (uint64_t s = 1; s <= 5; ++s) engine.OnPublished("b", Batch(s, s), kNow + s);
  CHECK(engine.TakeWarnings().size() == 1);
  engine.OnPublished("b", Batch(6, 6), kNow + 60'000);
  CHECK(engine.TakeWarnings().empty());  // within a minute of the first line
  engine.OnPublished("b", Batch(7, 7), kNow + 60'001);
  const std::vector<std::string> later = engine.TakeWarnings();
  REQUIRE(later.size() == 1);
  CHECK(later[0].find("could not apply 6 update(s)") != std::string::npos);
  CHECK(engine.stats().apply_failures == 7);
}

// Runs the anti-entropy round that is due at `now_ms` with peer "b", whose sync endpoint is
// `peer`: each request is answered at once, and pushes are joined there.
void RunRound(SyncEngine& engine, FakeReplica& peer, uint64_t now_ms) {
  engine.OnTick(now_ms);
  for (bool answered = true; answered;) {
    answered = false;
    for (const Outgoing& o : engine.TakeOutgoing()) {
      if (o.kind != Outgoing::Kind::kRequest) continue;
      Result<Message> request = DecodeOut(o);
      REQUIRE(request.ok());
      Result<std::optional<Body>> answer = AnswerRequest(peer, request->body);
      REQUIRE(answer.ok());
      if (!answer->has_value()) continue;
      engine.OnResponse("b", FromB(std::move(**answer)), now_ms);
      answered = true;
    }
  }
  REQUIRE_FALSE(engine.peer_status(now_ms).front().anti_entropy_running);
}

TEST_CASE("a repair that changes nothing is counted on the peer and logged once a minute") {
  FakeReplica local(1), peer(2);
  local.AddDocument("docs/a", StateAfterPatches({"a"}));
  peer.AddDocument("docs/a", StateAfterPatches({"a", "b"}));
  local.apply_changes_nothing = true;  // a broken apply path: every round repairs docs/a in vain
  SyncEngine engine(local, {"b"}, SyncOptions{});
  RunRound(engine, peer, kNow);
  CHECK(engine.stats().anti_entropy_rounds == 1);
  CHECK(engine.stats().futile_repairs == 1);
  CHECK(engine.stats().apply_failures == 0);
  const PeerStatus status = engine.peer_status(kNow).front();
  CHECK(status.futile_repairs == 1);
  CHECK(status.last_futile_repair == "/docs/a");
  std::vector<std::string> warnings = engine.TakeWarnings();
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("peer b") != std::string::npos);
  CHECK(warnings[0].find("/docs/a") != std::string::npos);
  // Every round finds it again: counted each time, logged once a minute with the count since.
  RunRound(engine, peer, kNow + 1'000);
  CHECK(engine.stats().futile_repairs == 2);
  CHECK(engine.TakeWarnings().empty());
  RunRound(engine, peer, kNow + 61'000);
  CHECK(engine.stats().futile_repairs == 3);
  warnings = engine.TakeWarnings();
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("found 2 document(s)") != std::string::npos);
}

TEST_CASE("a restarted engine resumes an origin's stream from the saved progress, by gap repair") {
  FakeReplica local(1);
  {
    SyncEngine engine(local, {"b"}, SyncOptions{});
    engine.OnPublished("b", Beat(0, {}), kNow);
    engine.OnPublished("b", Batch(1, 5), kNow);
    engine.OnTick(kNow + 10);  // the first save is due at once
    CHECK(local.progress[2] == 5);
    engine.OnPublished("b", Batch(6, 6), kNow + 20);
    engine.OnTick(kNow + 30);
    CHECK(local.progress[2] == 5);  // at most once a second...
  }
  CHECK(local.progress[2] == 6);  // ...and when the engine stops
  SyncEngine restarted(local, {"b"}, SyncOptions{});
  restarted.OnPublished("b", Beat(9, {}), kNow + 1'000);
  Sent sent = Take(restarted);
  REQUIRE(sent.log_requests == 1);
  CHECK(sent.logs[0].from_sequence == 7);
  CHECK(LastDeltaSeq(restarted) == 6);
}

// The heartbeats `engine` publishes now.
std::vector<Heartbeat> Heartbeats(SyncEngine& engine) {
  std::vector<Heartbeat> out;
  for (const Outgoing& o : engine.TakeOutgoing()) {
    Result<Message> m = DecodeOut(o);
    REQUIRE(m.ok());
    if (const auto* h = std::get_if<Heartbeat>(&m->body)) out.push_back(*h);
  }
  return out;
}

TEST_CASE("heartbeats acknowledge each peer's stream, and status shows both directions") {
  FakeReplica local(1);
  for (int i = 0; i < 7; ++i) local.AppendLog("docs/mine", ValidDelta("x"));
  SyncEngine engine(local, {"b"}, SyncOptions{});
  CHECK_FALSE(engine.peer_status(kNow).front().unacknowledged_deltas.has_value());  // not heard yet
  engine.OnPublished("b", Beat(0, {}), kNow);
  engine.OnPublished("b", Batch(1, 3), kNow);
  engine.OnPublished("b", Beat(5, {}), kNow);  // 4 and 5 not here yet
  PeerStatus b = engine.peer_status(kNow).front();
  CHECK(b.last_delta_seq == 3);
  CHECK(b.behind_deltas == 2);
  engine.OnTick(kNow);
  const std::vector<Heartbeat> sent = Heartbeats(engine);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].acknowledged == std::vector<StreamAck>{{2, 3}});
  // b says it has applied this replica's stream up to 4 of 7.
  engine.OnPublished("b", Beat(5, {{1, 4}, {9, 100}}), kNow);
  b = engine.peer_status(kNow).front();
  REQUIRE(b.unacknowledged_deltas.has_value());
  CHECK(*b.unacknowledged_deltas == 3);
  // Heartbeats go out once an interval even while deltas are published.
  local.AppendLog("docs/mine", ValidDelta("y"));
  engine.OnLocalWrites(kNow + 100);
  CHECK(Heartbeats(engine).empty());
  local.AppendLog("docs/mine", ValidDelta("z"));
  engine.OnLocalWrites(kNow + 500);
  const std::vector<Heartbeat> busy = Heartbeats(engine);
  REQUIRE(busy.size() == 1);
  // It announces what was published by the previous heartbeat, not the batches it could overtake.
  CHECK(busy[0].last_sequence == 7);
  engine.OnTick(kNow + 1'000);
  const std::vector<Heartbeat> idle = Heartbeats(engine);
  REQUIRE(idle.size() == 1);
  CHECK(idle[0].last_sequence == 9);
}

TEST_CASE("a peer that acknowledges an earlier epoch lacks this epoch's deltas, not the gap between") {
  FakeReplica local(1);
  SyncEngine engine(local, {"b"}, SyncOptions{});
  for (int i = 0; i < 3; ++i) local.AppendLog("docs/mine", ValidDelta("x"));
  engine.OnPublished("b", Beat(0, {{1, 3}}), kNow);
  CHECK(*engine.peer_status(kNow).front().unacknowledged_deltas == 0);
  // A new stream epoch: the sequence jumps to 2^40, then two deltas.
  local.StartEpoch(1);
  local.AppendLog("docs/mine", ValidDelta("x"));
  local.AppendLog("docs/mine", ValidDelta("y"));
  CHECK(*engine.peer_status(kNow).front().unacknowledged_deltas == 2);
}

TEST_CASE(
    "consecutive rounds with one peer look through every fingerprint window, however many peers") {
  // With four peers whose rounds start together, one counter shared by all peers gave each peer
  // the same session % 4, so the same 32-bit window, round after round: a collision in that
  // window (docs/protocol.md, "Why 32-bit fingerprints") would never be looked past.
  FakeReplica local(1);
  SyncOptions options;
  const std::vector<std::string> peers = {"b", "c", "d", "e"};
  SyncEngine engine(local, peers, options);
  std::map<std::string, std::set<uint64_t>> windows;
  uint64_t now = kNow;
  for (int round = 0; round < 4; ++round, now += options.anti_entropy_interval_ms) {
    engine.OnTick(now);
    for (const Outgoing& o : engine.TakeOutgoing()) {
      Result<Message> m = DecodeOut(o);
      REQUIRE(m.ok());
      const auto* tree = std::get_if<TreeRequest>(&m->body);
      if (tree == nullptr) continue;
      windows[o.peer].insert(tree->session % 4);
      // Both trees are empty: in sync, so the next round starts an interval later.
      const merkle::NodeId root{0, 0};
      engine.OnResponse(
          o.peer,
          Encode(Message{
              2, TreeResponse{tree->session,
                              {TreeNode{root, 0,
                                        std::vector<merkle::Fingerprint>(merkle::kFanout, 0)}}}}),
          now);
    }
  }
  for (const std::string& peer : peers) {
    INFO(peer);
    CHECK(windows[peer].size() == 4);
  }
}

TEST_CASE(
    "a request decoded once for the adapter's admission check is answered and counted as in one "
    "step") {
  // The region's sync socket looks at a request's sender before it answers (node_admission.cc,
  // Admit); it decodes the request once and hands the engine the decoded message.
  FakeReplica local(1);
  local.AddDocument("docs/a", ValidState("a"));
  SyncEngine one_step(local, {"b"}, SyncOptions{});
  SyncEngine two_steps(local, {"b"}, SyncOptions{});
  const std::string request = FromB(TreeRequest{3, {merkle::NodeId{0, 0}}});
  const std::optional<std::string> expected = one_step.OnRequest(request);
  REQUIRE(expected.has_value());
  Result<Message> decoded = two_steps.ReceiveRequest(request);
  REQUIRE(decoded.ok());
  CHECK(two_steps.OnRequest(*decoded) == expected);
  CHECK(two_steps.stats().bytes_received == request.size());
  CHECK(two_steps.stats().bytes_sent == one_step.stats().bytes_sent);
  CHECK_FALSE(two_steps.ReceiveRequest("not a message").ok());
  CHECK(two_steps.stats().rejected_messages == 1);
  CHECK(two_steps.stats().bytes_received == request.size() + 13);
}

}  // namespace
}  // namespace crdtdb::sync
