// Copyright (c) crdtdb authors.
//
// Property tests of texts: random concurrent splices on several replicas, deltas lost, duplicated
// and reordered across origins (a delete may come before its insert), then either every delta
// delivered, in another order at each replica and a fresh one, after which the delta stream alone
// must have converged, or deltas lost for good and anti-entropy by full states; every replica ends
// byte-identical, and the text each shows through its incrementally kept index (position_index.h) is
// the text a fresh index and the definition of the order (list_order.h) give. And concurrent runs
// stay contiguous.

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "crdt/codec.h"
#include "crdt/document.h"
#include "crdt/list_node.h"
#include "crdt/list_order.h"
#include "crdt/materialize.h"
#include "crdt/text_chars.h"
#include "crdt/text_mutators.h"
#include "tests/crdt/random_ops.h"
#include "tests/support/seed.h"

namespace crdt = crdtdb::crdt;

namespace {

using crdt::Document;
using crdt::FieldPath;
using crdtdb::testing::PropertySeeds;
using crdtdb::testing::RandomOps;
using crdtdb::Result;

struct Replica {
  crdt::ReplicaId id;
  Document doc{};
  crdt::Timestamp clock = 100;
  crdt::WriteStamp Now() { return crdt::WriteStamp{id, ++clock}; }
};

const FieldPath kBody{"body"};

// The text by the definition: ListOrder's sequence without the deleted ids, from a copy (a copy
// carries no index).
std::string TextByDefinition(const Document& doc) {
  auto it = doc.root().fields.find("body");
  if (it == doc.root().fields.end() || it->second.text == nullptr) return "";
  const crdt::ListNode& text = *it->second.text;
  const crdt::ListOrder order(text);
  std::string out;
  for (const crdt::Dot& id : order.sequence()) {
    auto a = std::lower_bound(text.anchors.begin(), text.anchors.end(), id,
                              [](const crdt::ListAnchor& x, const crdt::Dot& d) { return x.id < d; });
    if (a != text.anchors.end() && a->id == id && !text.deleted.Contains(id)) crdt::AppendUtf8(a->ch, &out);
  }
  return out;
}

std::string Shown(const Document& doc) { return *crdt::TextContent(doc, kBody); }

void RandomSplice(RandomOps& random, Replica& r, std::vector<Document>& sent) {
  const size_t size = *crdt::TextLength(r.doc, kBody);
  const size_t position = random.Uniform(size + 1);
  const size_t removed = random.Chance(0.3) ? random.Uniform(std::min<size_t>(size - position, 3) + 1) : 0;
  std::string inserted;
  if (removed == 0 || random.Chance(0.5)) {
    const char* kChars[] = {"a", "b", "c", "é", "😀"};
    for (size_t k = 0, n = 1 + random.Uniform(3); k < n; ++k) inserted += kChars[random.Uniform(5)];
  }
  Result<Document> delta = crdt::TextSpliceDelta(r.doc, kBody, position, removed, inserted, r.Now());
  REQUIRE_MESSAGE(delta.ok(), delta.status().ToString());
  r.doc.ApplyDelta(*delta);
  sent.push_back(std::move(delta).value());
}

// Two to four replicas, ids 1...
std::vector<Replica> SomeReplicas(RandomOps& random) {
  std::vector<Replica> replicas;
  for (size_t i = 0, n = 2 + random.Uniform(3); i < n; ++i) replicas.push_back(Replica{i + 1});
  return replicas;
}

TEST_CASE("texts converge under random concurrent splices with loss, duplication and reordering") {
  for (uint64_t seed : PropertySeeds(300)) {
    CAPTURE(seed);
    RandomOps random(seed);
    std::vector<Replica> replicas = SomeReplicas(random);
    const size_t n = replicas.size();
    std::vector<Document> sent;
    for (size_t step = 0, steps = 20 + random.Uniform(80); step < steps; ++step) {
      Replica& r = replicas[random.Uniform(n)];
      if (sent.empty() || random.Chance(0.6)) {
        RandomSplice(random, r, sent);
      } else {
        // Some delta, any of them, perhaps again, perhaps never (loss).
        const Document& delta = sent[random.Uniform(sent.size())];
        const std::string bytes = crdt::EncodeDelta(delta);
        Result<Document> decoded = crdt::DecodeDelta(bytes);
        REQUIRE(decoded.ok());
        r.doc.ApplyDelta(*decoded);
      }
      REQUIRE(Shown(r.doc) == TextByDefinition(r.doc));
    }
    if (random.Chance(0.5)) {
      // Every delta delivered, each replica in its own order, and a replica that had none: the
      // stream alone converges (no anti-entropy yet), deletes that came first included.
      replicas.push_back(Replica{n + 1});
      for (Replica& r : replicas) {
        std::vector<size_t> order(sent.size());
        for (size_t k = 0; k < order.size(); ++k) order[k] = k;
        std::shuffle(order.begin(), order.end(), random.rng());
        for (size_t k : order) {
          Result<Document> decoded = crdt::DecodeDelta(crdt::EncodeDelta(sent[k]));
          REQUIRE(decoded.ok());
          r.doc.ApplyDelta(*decoded);
        }
      }
      for (const Replica& r : replicas) {
        CHECK(crdt::EncodeDocument(r.doc) == crdt::EncodeDocument(replicas[0].doc));
        CHECK(Shown(r.doc) == TextByDefinition(r.doc));
        CHECK(Shown(r.doc) == Shown(replicas[0].doc));
      }
    }
    const size_t ring = replicas.size();
    // Anti-entropy: full states, round a ring twice.
    for (int round = 0; round < 2; ++round) {
      for (size_t i = 0; i < ring; ++i) {
        replicas[(i + 1) % ring].doc.Join(replicas[i].doc);
        replicas[(i + 1) % ring].doc.Normalize();
      }
    }
    const std::string bytes = crdt::EncodeDocument(replicas[0].doc);
    for (const Replica& r : replicas) {
      CHECK(crdt::EncodeDocument(r.doc) == bytes);
      CHECK(Shown(r.doc) == TextByDefinition(r.doc));
      CHECK(Shown(r.doc) == Shown(replicas[0].doc));
    }
    Result<Document> decoded = crdt::DecodeDocument(bytes);
    REQUIRE(decoded.ok());
    CHECK(Shown(*decoded) == Shown(replicas[0].doc));
  }
}

TEST_CASE("runs typed concurrently at random places stay contiguous") {
  for (uint64_t seed : PropertySeeds(200)) {
    CAPTURE(seed);
    RandomOps random(seed);
    std::vector<Replica> replicas = SomeReplicas(random);
    const size_t n = replicas.size();
    replicas[0].doc.ApplyDelta(*crdt::TextSpliceDelta(replicas[0].doc, kBody, 0, 0, "0123456789", replicas[0].Now()));
    for (size_t i = 1; i < n; ++i) replicas[i].doc = replicas[0].doc;
    std::vector<Document> sent;
    std::vector<std::string> runs;
    for (size_t i = 0; i < n; ++i) {
      Replica& r = replicas[i];
      const std::string run(4, static_cast<char>('A' + i));
      runs.push_back(run);
      const size_t at = random.Uniform(11);
      const bool backwards = random.Chance(0.5);
      for (size_t k = 0; k < run.size(); ++k) {
        Result<Document> d = crdt::TextSpliceDelta(r.doc, kBody, backwards ? at : at + k, 0, run.substr(k, 1), r.Now());
        REQUIRE(d.ok());
        r.doc.ApplyDelta(*d);
        sent.push_back(std::move(d).value());
      }
    }
    for (Replica& r : replicas) {
      std::vector<size_t> order(sent.size());
      for (size_t k = 0; k < order.size(); ++k) order[k] = k;
      std::shuffle(order.begin(), order.end(), random.rng());
      for (size_t k : order) r.doc.ApplyDelta(sent[k]);
    }
    const std::string text = Shown(replicas[0].doc);
    CAPTURE(text);
    for (const Replica& r : replicas) CHECK(Shown(r.doc) == text);
    CHECK(text == TextByDefinition(replicas[0].doc));
    for (const std::string& run : runs) CHECK(text.find(run) != std::string::npos);
  }
}

}  // namespace
