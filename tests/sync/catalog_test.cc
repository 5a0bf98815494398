// Copyright (c) crdtdb authors.
//
// The catalog exchange against fake replicas, one message at a time (sync/catalog.h; on a
// network: tests/sim/catalog_sim_test.cc): the answer is empty when the digests agree and pages
// the catalog otherwise; the engine of a node that keeps some partitions asks each peer once an
// interval, asks for the next page at once, drops late answers and refuses foreign documents.

#include "sync/catalog.h"

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "cluster/partition_set.h"
#include "cluster/partitioning.h"
#include "sync/responder.h"
#include "sync/sync_engine.h"
#include "tests/sync/fake_replica.h"

namespace crdtdb::sync {
namespace {

using testing::FakeReplica;
using testing::ValidState;

constexpr uint64_t kNow = 1'000'000;

// `count` definitions "_indexes/NNNN" and a few documents outside the catalog.
void AddCatalog(FakeReplica& replica, int count) {
  for (int i = 0; i < count; ++i) {
    replica.AddDocument("_indexes/" + std::to_string(1000 + i), ValidState("f" + std::to_string(i)));
  }
  for (const char* key : {"docs/1", "todos/2", "zz/3"}) replica.AddDocument(key, ValidState("x"));
}

merkle::Hash Digest(const FakeReplica& replica) {
  Result<merkle::Hash> digest = CatalogDigest(replica);
  REQUIRE(digest.ok());
  return *digest;
}

CatalogAnswer Ask(FakeReplica& peer, const CatalogRequest& request) {
  Result<std::optional<Body>> answer = AnswerRequest(peer, request);
  REQUIRE_MESSAGE(answer.ok(), answer.status().ToString());
  REQUIRE(answer->has_value());
  return std::get<CatalogAnswer>(**answer);
}

TEST_CASE("a catalog answer is empty for an equal digest, and otherwise pages the catalog in key order") {
  FakeReplica peer(2), empty(1), same(3);
  AddCatalog(peer, 300);
  AddCatalog(same, 300);
  CHECK(Digest(peer) == Digest(same));
  CHECK(Digest(peer) != Digest(empty));

  const CatalogAnswer none = Ask(peer, CatalogRequest{Digest(same), ""});
  CHECK(none.documents.empty());
  CHECK_FALSE(none.more);
  CHECK(none.digest == Digest(peer));

  const CatalogAnswer first = Ask(peer, CatalogRequest{Digest(empty), ""});
  REQUIRE(first.documents.size() == kMaxCatalogDocumentsPerMessage);
  CHECK(first.more);
  CHECK(first.documents.front().key == "_indexes/1000");
  const CatalogAnswer second = Ask(peer, CatalogRequest{Digest(empty), first.documents.back().key});
  CHECK(second.after == first.documents.back().key);
  REQUIRE(second.documents.size() == 300 - kMaxCatalogDocumentsPerMessage);
  CHECK_FALSE(second.more);
  CHECK(second.documents.back().key == "_indexes/1299");
  // Every one is a definition, with its state as held.
  for (const CatalogAnswer* page : {&first, &second}) {
    for (const DocumentState& d : page->documents) {
      CHECK(peer.InCatalog(d.key));
      CHECK(*peer.ReadState(d.key) == d.state);
    }
  }
  // Round trip through the codec too.
  CHECK(*Decode(Encode(Message{2, first})) == Message{2, first});
}

// A node that keeps partition 1 of 4, with one peer "b".
SyncOptions Partial() {
  SyncOptions options;
  cluster::PartitionSet owned(4);
  owned.Add(1);
  options.scope.Set(cluster::Partitioning(4), owned);
  return options;
}

// The catalog requests the engine sent to "b".
std::vector<CatalogRequest> Asked(SyncEngine& engine) {
  std::vector<CatalogRequest> asked;
  for (const Outgoing& o : engine.TakeOutgoing()) {
    if (o.kind != Outgoing::Kind::kRequest) continue;
    Result<Message> m = Decode(o.bytes);
    REQUIRE(m.ok());
    if (const auto* r = std::get_if<CatalogRequest>(&m->body)) {
      CHECK(o.peer == "b");
      asked.push_back(*r);
    }
  }
  return asked;
}

TEST_CASE("a node that keeps some partitions joins a peer's catalog, page after page, once an interval") {
  FakeReplica local(1), b(2);
  AddCatalog(b, 300);
  SyncOptions options = Partial();
  SyncEngine engine(local, {"b"}, options);
  engine.OnTick(kNow);
  std::vector<CatalogRequest> asked = Asked(engine);
  REQUIRE(asked.size() == 1);
  CHECK(asked[0].digest == Digest(local));
  CHECK(asked[0].after.empty());

  const CatalogAnswer first = Ask(b, asked[0]);
  engine.OnResponse("b", Encode(Message{2, first}), kNow);
  CHECK(local.applied.size() == kMaxCatalogDocumentsPerMessage);
  CHECK(local.applied.front().is_state);
  asked = Asked(engine);  // the next page at once
  REQUIRE(asked.size() == 1);
  CHECK(asked[0].after == first.documents.back().key);
  // The first answer again (late, repeated) is not the one awaited: dropped, nothing asked.
  engine.OnResponse("b", Encode(Message{2, first}), kNow);
  CHECK(local.applied.size() == kMaxCatalogDocumentsPerMessage);
  CHECK(Asked(engine).empty());
  engine.OnResponse("b", Encode(Message{2, Ask(b, asked[0])}), kNow);
  CHECK(local.applied.size() == 300);
  CHECK(Asked(engine).empty());
  CHECK(engine.stats().docs_repaired == 300);
  CHECK(engine.stats().rejected_messages == 0);

  // Not again before the interval; then again.
  engine.OnTick(kNow + options.anti_entropy_interval_ms / 2);
  CHECK(Asked(engine).empty());
  engine.OnTick(kNow + options.anti_entropy_interval_ms);
  CHECK(Asked(engine).size() == 1);
  // That one is lost: given up after request_timeout_ms, asked again at the next interval.
  engine.OnTick(kNow + 2 * options.anti_entropy_interval_ms + options.request_timeout_ms);
  CHECK(Asked(engine).size() == 1);
}

TEST_CASE("a catalog answer with a document outside the catalog, or one that does not decode, is refused whole") {
  FakeReplica local(1);
  SyncEngine engine(local, {"b"}, Partial());
  uint64_t now = kNow;
  for (const DocumentState& bad : {DocumentState{"docs/1", ValidState("x")}, DocumentState{"_indexes/2", "junk"}}) {
    CAPTURE(bad.key);
    engine.OnTick(now += 10'000);  // an interval since the last request
    REQUIRE(Asked(engine).size() == 1);
    const uint64_t rejected = engine.stats().rejected_messages;
    CatalogAnswer answer{merkle::Hash{1, 1}, "", {DocumentState{"_indexes/1", ValidState("y")}, bad}, false};
    engine.OnResponse("b", Encode(Message{2, answer}), now);
    CHECK(engine.stats().rejected_messages == rejected + 1);
    CHECK(local.applied.empty());
  }
}

TEST_CASE("a replica that keeps every partition never asks for the catalog") {
  FakeReplica local(1);
  SyncOptions options;
  options.scope.Set(cluster::Partitioning(4), cluster::PartitionSet::All(4));
  SyncEngine all(local, {"b"}, options);
  SyncEngine unplaced(local, {"b"}, SyncOptions{});
  for (SyncEngine* engine : {&all, &unplaced}) {
    engine->OnTick(kNow);
    CHECK(Asked(*engine).empty());
  }
}

}  // namespace
}  // namespace crdtdb::sync
