// Copyright (c) crdtdb authors.
//
// Property tests of a list's position index (position_index.h), a cache of the order
// (list_order.h) kept across deltas applied: random inserts, removes, moves and replacements by
// index on several replicas, deltas applied (lost, duplicated, reordered), concurrent removals of
// the whole list, full joins and states decoded. After every step the index a replica kept, if
// any, shows exactly ListOrder's visible elements and places every insert where ListOrder does;
// every delta an operation makes through the index equals the one made from a copy (which carries
// no index: built afresh) and names the elements and anchors ListOrder gives; a read through the
// index shows what a read of a copy shows.

#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "crdt/codec.h"
#include "crdt/document.h"
#include "crdt/list_mutators.h"
#include "crdt/list_node.h"
#include "crdt/list_order.h"
#include "crdt/materialize.h"
#include "crdt/mutators.h"
#include "crdt/position_index.h"
#include "tests/crdt/random_ops.h"
#include "tests/support/seed.h"

namespace crdt = crdtdb::crdt;

namespace {

using crdt::Document;
using crdt::FieldPath;
using crdt::Json;
using crdtdb::Result;
using crdtdb::testing::PropertySeeds;
using crdtdb::testing::RandomOps;
using crdtdb::testing::Replica;

const FieldPath kItems{"items"};

crdt::WriteStamp Now(Replica& r) { return crdt::WriteStamp{r.id, r.clock.Now(++r.physical_ms)}; }

const crdt::ListNode* ListOf(const Document& doc) {
  auto it = doc.root().fields.find("items");
  return it == doc.root().fields.end() ? nullptr : it->second.list.get();
}

std::vector<crdt::Dot> Visible(const Document& doc) {
  const crdt::ListNode* list = ListOf(doc);
  return list == nullptr ? std::vector<crdt::Dot>() : crdt::ListOrder(*list).visible();
}

// The kept index, if any, against the definition: the same visible elements, and every place
// (each anchor, the start, an id without an anchor) answered as ListOrder::PlaceAfter answers.
void CheckKeptIndex(const Document& doc) {
  const crdt::ListNode* list = ListOf(doc);
  if (list == nullptr) return;
  const crdt::PositionIndex* index = crdt::KeptListIndex(*list);
  if (index == nullptr) return;
  const crdt::ListOrder order(*list);
  std::vector<crdt::Dot> shown;
  index->ForEachVisibleId([&](crdt::Dot id) { shown.push_back(id); });
  REQUIRE(shown == order.visible());
  REQUIRE(index->size() == order.visible().size());
  for (size_t i = 0; i < shown.size(); ++i) REQUIRE(index->VisibleAt(i) == shown[i]);
  const crdt::Dot fresh{999, 1};
  std::vector<crdt::Dot> lefts{crdt::kNoElement, crdt::Dot{998, 7}};
  for (const crdt::ListAnchor& a : list->anchors) lefts.push_back(a.id);
  for (const crdt::Dot& left : lefts) REQUIRE(index->PlaceAfter(left, fresh) == order.PlaceAfter(left, fresh));
}

// A delta made through `r`'s index equals the one made from a copy of `r`'s document.
Document Made(const Replica& r, const std::function<Result<Document>(const Document&)>& make) {
  const Document copy = r.doc;  // no index
  Result<Document> kept = make(r.doc);
  Result<Document> fresh = make(copy);
  REQUIRE_MESSAGE(kept.ok(), kept.status().ToString());
  REQUIRE(fresh.ok());
  REQUIRE(crdt::EncodeDelta(*kept) == crdt::EncodeDelta(*fresh));
  return std::move(kept).value();
}

Json SomeItem(RandomOps& random, uint64_t n) {
  if (random.Chance(0.2)) return Json::array({static_cast<int64_t>(n), "x"});  // a nested list
  if (random.Chance(0.2)) return Json::object({{"n", static_cast<int64_t>(n)}});
  return static_cast<int64_t>(n);
}

// One random edit by index on `r`, checked against ListOrder; the deltas it made go to `sent`.
void RandomEdit(RandomOps& random, Replica& r, std::vector<Document>& sent) {
  const std::vector<crdt::Dot> visible = Visible(r.doc);
  const size_t size = visible.size();
  auto commit = [&](Document delta) {
    r.doc.ApplyDelta(delta);
    sent.push_back(std::move(delta));
  };
  const uint64_t kind = size == 0 ? 0 : random.Uniform(10);
  if (kind < 4) {  // insert
    const size_t at = random.Uniform(size + 1);
    Json values = Json::array();
    for (size_t k = 0, n = 1 + random.Uniform(3); k < n; ++k) values.push_back(SomeItem(random, r.physical_ms));
    const crdt::WriteStamp stamp = Now(r);
    Document delta = Made(r, [&](const Document& d) { return crdt::ListInsertDelta(d, kItems, at, values, stamp); });
    // The first new anchor is where ListOrder puts it.
    const crdt::ListNode* mention = ListOf(delta);
    REQUIRE(mention != nullptr);
    REQUIRE(mention->anchors.size() == values.size());
    if (const crdt::ListNode* list = ListOf(r.doc)) {
      const crdt::Dot left = at == 0 ? crdt::kNoElement : visible[at - 1];
      CHECK(mention->anchors[0] == crdt::ListOrder(*list).PlaceAfter(left, mention->anchors[0].id));
    }
    commit(std::move(delta));
  } else if (kind < 6) {  // remove
    const size_t at = random.Uniform(size);
    const size_t count = 1 + random.Uniform(std::min<size_t>(size - at, 3));
    Document delta = Made(r, [&](const Document& d) { return crdt::ListRemoveDelta(d, kItems, at, count); });
    std::vector<crdt::Dot> named;
    for (const auto& [id, element] : ListOf(delta)->elements) named.push_back(id);
    std::vector<crdt::Dot> expected(visible.begin() + at, visible.begin() + at + count);
    std::sort(expected.begin(), expected.end());
    CHECK(named == expected);
    commit(std::move(delta));
  } else if (kind < 8) {  // move: remove one, insert its value elsewhere
    const size_t from = random.Uniform(size);
    const size_t to = random.Uniform(size);
    const Json value = crdt::FieldValue(ListOf(r.doc)->elements.at(visible[from]).value);
    commit(Made(r, [&](const Document& d) { return crdt::ListRemoveDelta(d, kItems, from, 1); }));
    const crdt::WriteStamp stamp = Now(r);
    commit(Made(r, [&](const Document& d) {
      return crdt::ListInsertDelta(d, kItems, to, Json::array({value}), stamp);
    }));
  } else if (kind < 9) {  // replace
    const size_t at = random.Uniform(size);
    const crdt::WriteStamp stamp = Now(r);
    const Json value = SomeItem(random, r.physical_ms);
    Document delta = Made(r, [&](const Document& d) { return crdt::ListReplaceDelta(d, kItems, at, value, stamp); });
    CHECK(ListOf(delta)->elements.begin()->first == visible[at]);
    commit(std::move(delta));
  } else {  // the whole list removed (concurrent inserts leave malformed trees)
    Result<Document> delta = crdt::RemoveFieldDelta(r.doc, kItems);
    REQUIRE(delta.ok());
    commit(std::move(delta).value());
  }
  CHECK(*crdt::ListElementIds(r.doc, kItems) == Visible(r.doc));
}

}  // namespace

TEST_CASE("a list's kept index answers as the order does, through deltas, joins and decoding") {
  for (uint64_t seed : PropertySeeds(200)) {
    CAPTURE(seed);
    RandomOps random(seed);
    std::vector<Replica> replicas(2 + random.Uniform(2));
    for (size_t i = 0; i < replicas.size(); ++i) replicas[i].id = i + 1;
    std::vector<Document> sent;
    for (size_t step = 0, steps = 30 + random.Uniform(90); step < steps; ++step) {
      Replica& r = replicas[random.Uniform(replicas.size())];
      const uint64_t what = random.Uniform(20);
      if (sent.empty() || what < 10) {
        RandomEdit(random, r, sent);
      } else if (what < 17) {  // some delta, perhaps again, perhaps never (loss)
        Result<Document> decoded = crdt::DecodeDelta(crdt::EncodeDelta(sent[random.Uniform(sent.size())]));
        REQUIRE(decoded.ok());
        r.doc.ApplyDelta(*decoded);
      } else if (what < 19) {  // anti-entropy by a full state
        r.doc.Join(replicas[random.Uniform(replicas.size())].doc);
        r.doc.Normalize();
      } else {  // restarted from its stored state
        Result<Document> decoded = crdt::DecodeDocument(crdt::EncodeDocument(r.doc));
        REQUIRE(decoded.ok());
        r.doc = std::move(decoded).value();
      }
      CheckKeptIndex(r.doc);
      const Document copy = r.doc;  // read without an index
      REQUIRE(crdt::ToJson(r.doc) == crdt::ToJson(copy));
    }
    // Every delta everywhere, then full states: one state, one list.
    for (Replica& r : replicas) {
      for (const Document& delta : sent) r.doc.ApplyDelta(delta);
      CheckKeptIndex(r.doc);
    }
    for (Replica& r : replicas) {
      CHECK(crdt::EncodeDocument(r.doc) == crdt::EncodeDocument(replicas[0].doc));
      CHECK(*crdt::ListElementIds(r.doc, kItems) == Visible(replicas[0].doc));
    }
  }
}

TEST_CASE("a list's index is kept across the deltas of one writer, and dropped by a full join") {
  Replica a;
  a.id = 1;
  for (int k = 0; k < 50; ++k) {
    Result<Document> d = crdt::ListInsertDelta(a.doc, kItems, static_cast<size_t>(k / 2), Json::array({k}), Now(a));
    REQUIRE(d.ok());
    a.doc.ApplyDelta(*d);
  }
  const crdt::PositionIndex* index = crdt::KeptListIndex(*ListOf(a.doc));
  REQUIRE(index != nullptr);  // built by the inserts, kept in step by each delta applied
  for (int k = 0; k < 20; ++k) {
    Result<Document> d = k % 2 == 0 ? crdt::ListRemoveDelta(a.doc, kItems, static_cast<size_t>(k), 1)
                                    : crdt::ListInsertDelta(a.doc, kItems, 3, Json::array({k}), Now(a));
    REQUIRE(d.ok());
    a.doc.ApplyDelta(*d);
    CHECK(crdt::KeptListIndex(*ListOf(a.doc)) == index);  // the same index, not a rebuilt one
    CheckKeptIndex(a.doc);
  }
  const Document copy = a.doc;
  CHECK(crdt::KeptListIndex(*ListOf(copy)) == nullptr);  // not copied with the value
  a.doc.Join(copy);
  CHECK(crdt::KeptListIndex(*ListOf(a.doc)) == nullptr);  // a full join drops it
  CHECK(*crdt::ListElementIds(a.doc, kItems) == Visible(copy));
}

namespace {

// An edit inside an element (LiftElementDelta) renews the element without its anchor: on a replica
// that removed the whole list concurrently and made a new one, the element comes back without an
// anchor, and ListOrder shows it last, where an index cannot place it. The index JoinList keeps
// then shows one element fewer than the list holds, and is not used (ListIndexOf and KeptListIndex
// compare the counts): reads and edits by index follow the order.
TEST_CASE("an element that comes back without its anchor is read and edited as the order places it") {
  Replica a;
  a.id = 1;
  Result<Document> first = crdt::ListInsertDelta(a.doc, kItems, 0, Json::array({Json{{"t", 1}}}), Now(a));
  REQUIRE(first.ok());
  a.doc.ApplyDelta(*first);
  Replica b;
  b.id = 2;
  b.doc.Join(a.doc);
  const crdt::Dot x = Visible(a.doc).at(0);

  // a edits inside x; b, concurrently, removes the whole list and makes a new one, then edits it by
  // index so that it keeps an index.
  Result<Document> inner = crdt::ElementAsDocument(a.doc, kItems, x, "e");
  REQUIRE(inner.ok());
  const crdt::WriteStamp stamp = Now(a);
  Result<Document> edit = crdt::PatchDelta(*inner, Json{{"e", {{"t", 2}}}}, stamp);
  REQUIRE(edit.ok());
  Result<Document> lifted = crdt::LiftElementDelta(a.doc, kItems, x, "e", std::move(edit).value(), stamp);
  REQUIRE(lifted.ok());
  Result<Document> removed = crdt::RemoveFieldDelta(b.doc, kItems);
  REQUIRE(removed.ok());
  b.doc.ApplyDelta(*removed);
  for (int k = 0; k < 3; ++k) {
    Result<Document> d = crdt::ListInsertDelta(b.doc, kItems, static_cast<size_t>(k), Json::array({k}), Now(b));
    REQUIRE(d.ok());
    b.doc.ApplyDelta(*d);
  }
  REQUIRE(crdt::KeptListIndex(*ListOf(b.doc)) != nullptr);

  b.doc.ApplyDelta(*lifted);
  const std::vector<crdt::Dot> order = Visible(b.doc);
  REQUIRE(order.size() == 4);
  CHECK(order.back() == x);  // without its anchor: last
  CheckKeptIndex(b.doc);
  CHECK(*crdt::ListElementIds(b.doc, kItems) == order);
  Result<Document> appended = crdt::ListInsertDelta(b.doc, kItems, 4, Json::array({9}), Now(b));
  REQUIRE(appended.ok());  // index 4 exists: the list holds 4 elements
}

}  // namespace
