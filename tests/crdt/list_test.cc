// Copyright (c) crdtdb authors.
//
// Lists (docs/crdt.md section 7): worked examples of each rule, FugueMax non-interleaving (the
// cases where RGA and YATA interleave), and the list mutators' errors.

#include <doctest/doctest.h>

#include <algorithm>
#include <initializer_list>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "crdt/codec.h"
#include "crdt/document.h"
#include "crdt/list_mutators.h"
#include "crdt/list_node.h"
#include "crdt/materialize.h"
#include "crdt/mutators.h"
#include "tests/crdt/example_replicas.h"
#include "tests/support/seed.h"

namespace crdt = crdtdb::crdt;

namespace {

using crdt::Document;
using crdt::FieldPath;
using crdt::Json;
using crdt::WriteStamp;

using crdtdb::testing::CheckConverged;
using crdtdb::testing::ExchangeAll;
using crdtdb::testing::J;
using crdtdb::testing::Replica;
using crdtdb::testing::StartFrom;

Json Get(const Replica& r, const char* field) { return crdt::ToJson(r.doc)[field]; }

// Types `text` one character per delta at `index`, forwards (each after the previous) or
// backwards (each before the previous).
void Type(Replica& r, const FieldPath& path, size_t index, std::string_view text, bool backwards = false) {
  for (size_t i = 0; i < text.size(); ++i) {
    const size_t at = backwards ? index : index + i;
    const char c = backwards ? text[text.size() - 1 - i] : text[i];
    r.Commit(crdt::ListInsertDelta(r.doc, path, at, Json::array({std::string(1, c)}), r.Now()));
  }
}

std::string Text(const Json& list) {
  std::string out;
  for (const Json& c : list) out += c.get<std::string>();
  return out;
}

}  // namespace

TEST_CASE("an array written by put reads back as it was written, and is a list") {
  Replica a{1};
  a.Commit(crdt::PutDelta(a.doc, J(R"({"l": [1, "two", {"x": [3, []]}, null, [true]]})"), a.Now()));
  CHECK(crdt::ToJson(a.doc) == J(R"({"l": [1, "two", {"x": [3, []]}, null, [true]]})"));
  CHECK(crdt::DocumentJson(a.doc) == crdt::ToJson(a.doc).dump());
  REQUIRE(a.doc.root().fields.at("l").list != nullptr);
  CHECK(a.doc.root().fields.at("l").registers.empty());
  CheckConverged({&a});
}

TEST_CASE("concurrent inserts at the same place both survive, in the same order everywhere") {
  Replica a{1}, b{2};
  StartFrom(R"({"todo": ["milk", "eggs"]})", {&a, &b});
  a.Commit(crdt::ListInsertDelta(a.doc, {"todo"}, 1, J(R"(["bread"])"), a.Now()));
  b.Commit(crdt::ListInsertDelta(b.doc, {"todo"}, 1, J(R"(["jam"])"), b.Now()));
  ExchangeAll({&a, &b});
  // Both are left children of "eggs" (which descends from "milk"): ordered by id, replica 1 first.
  CHECK(Get(a, "todo") == J(R"(["milk", "bread", "jam", "eggs"])"));
  CheckConverged({&a, &b});
}

TEST_CASE("runs typed forwards concurrently at one place do not interleave") {
  Replica a{1}, b{2};
  StartFrom(R"({"t": ["[", "]"]})", {&a, &b});
  Type(a, {"t"}, 1, "abc");
  Type(b, {"t"}, 1, "xyz");
  ExchangeAll({&a, &b});
  CHECK(Text(Get(a, "t")) == "[abcxyz]");
  CheckConverged({&a, &b});
}

TEST_CASE("runs typed backwards concurrently at one place do not interleave") {
  Replica a{7}, b{3};
  StartFrom(R"({"t": ["[", "]"]})", {&a, &b});
  Type(a, {"t"}, 1, "abc", /*backwards=*/true);
  Type(b, {"t"}, 1, "xyz", /*backwards=*/true);
  ExchangeAll({&a, &b});
  const std::string text = Text(Get(a, "t"));
  CHECK((text == "[abcxyz]" || text == "[xyzabc]"));
  CheckConverged({&a, &b});
}

TEST_CASE("three replicas typing at one place, forwards and backwards, do not interleave") {
  Replica a{1}, b{2}, c{3};
  StartFrom(R"({"t": []})", {&a, &b, &c});
  Type(a, {"t"}, 0, "abc");
  Type(b, {"t"}, 0, "xyz", /*backwards=*/true);
  Type(c, {"t"}, 0, "123");
  ExchangeAll({&a, &b, &c});
  const std::string text = Text(Get(a, "t"));
  CHECK(text.size() == 9);
  for (const char* run : {"abc", "xyz", "123"}) CHECK(text.find(run) != std::string::npos);
  CheckConverged({&a, &b, &c});
}

TEST_CASE("a put of the array never clobbers a concurrent insert") {
  Replica a{1}, b{2};
  StartFrom(R"({"l": [1, 2, 3]})", {&a, &b});
  a.Commit(crdt::PutDelta(a.doc, J(R"({"l": [1, 3, 4]})"), a.Now()));  // removes 2, appends 4
  b.Commit(crdt::ListInsertDelta(b.doc, {"l"}, 1, J("[9]"), b.Now()));   // 9 after 1
  ExchangeAll({&a, &b});
  CHECK(Get(a, "l") == J("[1, 9, 3, 4]"));
  CheckConverged({&a, &b});
}

TEST_CASE("a merge patch and a set of arrays merge with concurrent writes of the same array") {
  Replica a{1}, b{2};
  StartFrom(R"({"tags": ["red"]})", {&a, &b});
  a.Commit(crdt::SetFieldDelta(a.doc, {"tags"}, J(R"(["red", "green"])"), a.Now()));
  b.Commit(crdt::PatchDelta(b.doc, J(R"({"tags": ["blue", "red"]})"), b.Now()));
  ExchangeAll({&a, &b});
  CHECK(Get(a, "tags") == J(R"(["blue", "red", "green"])"));
  CHECK(crdt::Conflicts(a.doc) == J("{}"));
  CheckConverged({&a, &b});
}

TEST_CASE("an unchanged element keeps its identity when the array is written again") {
  Replica a{1};
  a.Commit(crdt::PutDelta(a.doc, J(R"({"l": ["a", "b", "c"]})"), a.Now()));
  const std::vector<crdt::Dot> before = *crdt::ListElementIds(a.doc, {"l"});
  a.Commit(crdt::PutDelta(a.doc, J(R"({"l": ["a", "x", "c"]})"), a.Now()));
  const std::vector<crdt::Dot> after = *crdt::ListElementIds(a.doc, {"l"});
  REQUIRE(after.size() == 3);
  CHECK(after[0] == before[0]);
  CHECK(after[1] != before[1]);
  CHECK(after[2] == before[2]);
  CHECK(Get(a, "l") == J(R"(["a", "x", "c"])"));
}

TEST_CASE("an update of an element concurrent with its delete keeps the element") {
  Replica a{1}, b{2};
  StartFrom(R"({"l": ["a", "b", "c"]})", {&a, &b});
  a.Commit(crdt::ListReplaceDelta(a.doc, {"l"}, 1, J(R"("B")"), a.Now()));
  b.Commit(crdt::ListRemoveDelta(b.doc, {"l"}, 1, 1));
  ExchangeAll({&a, &b});
  CHECK(Get(a, "l") == J(R"(["a", "B", "c"])"));
  CheckConverged({&a, &b});
}

TEST_CASE("concurrent deletes of one element are one delete") {
  Replica a{1}, b{2};
  StartFrom(R"({"l": ["a", "b", "c"]})", {&a, &b});
  a.Commit(crdt::ListRemoveDelta(a.doc, {"l"}, 1, 1));
  b.Commit(crdt::ListRemoveElementDelta(b.doc, {"l"}, (*crdt::ListElementIds(b.doc, {"l"}))[1]));
  ExchangeAll({&a, &b});
  CHECK(Get(a, "l") == J(R"(["a", "c"])"));
  CheckConverged({&a, &b});
}

TEST_CASE("an insert concurrent with the removal of the whole list keeps the list and the insert") {
  Replica a{1}, b{2};
  StartFrom(R"({"l": ["a", "b"], "n": 1})", {&a, &b});
  a.Commit(crdt::RemoveFieldDelta(a.doc, {"l"}));
  b.Commit(crdt::ListInsertDelta(b.doc, {"l"}, 2, J(R"(["c"])"), b.Now()));
  ExchangeAll({&a, &b});
  CHECK(Get(a, "l") == J(R"(["c"])"));
  CheckConverged({&a, &b});
}

TEST_CASE("elements hold any value: nested objects and lists merge inside a list") {
  Replica a{1}, b{2};
  StartFrom(R"({"cards": [{"title": "t", "checklist": ["x"]}]})", {&a, &b});
  a.Commit(crdt::ListReplaceDelta(a.doc, {"cards"}, 0, J(R"({"title": "t", "checklist": ["x", "y"]})"), a.Now()));
  b.Commit(crdt::ListReplaceDelta(b.doc, {"cards"}, 0, J(R"({"title": "t", "checklist": ["w", "x"]})"), b.Now()));
  ExchangeAll({&a, &b});
  CHECK(Get(a, "cards") == J(R"([{"title": "t", "checklist": ["w", "x", "y"]}])"));
  CheckConverged({&a, &b});
}

TEST_CASE("an insert after an element id lands after it, even when that element was deleted") {
  Replica a{1}, b{2};
  StartFrom(R"({"l": ["a", "b", "c"]})", {&a, &b});
  const crdt::Dot b_id = (*crdt::ListElementIds(a.doc, {"l"}))[1];
  a.Commit(crdt::ListRemoveDelta(a.doc, {"l"}, 1, 1));
  a.Commit(crdt::ListInsertAfterDelta(a.doc, {"l"}, b_id, J(R"(["after-b"])"), a.Now()));
  b.Commit(crdt::ListInsertAfterDelta(b.doc, {"l"}, crdt::kNoElement, J(R"(["first"])"), b.Now()));
  ExchangeAll({&a, &b});
  CHECK(Get(a, "l") == J(R"(["first", "a", "after-b", "c"])"));
  CheckConverged({&a, &b});
}

TEST_CASE("list mutators refuse bad input with an error and no effect") {
  Replica a{1};
  a.Commit(crdt::PutDelta(a.doc, J(R"({"l": [1, 2], "n": 5})"), a.Now()));
  const Document before = a.doc;
  auto fails = [](const crdtdb::Result<Document>& r, std::string_view words) {
    CHECK(!r.ok());
    CHECK_MESSAGE(r.status().ToString().find(words) != std::string::npos, r.status().ToString());
  };
  fails(crdt::ListInsertDelta(a.doc, {"l"}, 3, J("[0]"), a.Now()), "index 3 is out of range");
  fails(crdt::ListInsertDelta(a.doc, {"n"}, 0, J("[0]"), a.Now()), "is a value, not a list");
  fails(crdt::ListInsertDelta(a.doc, {"l"}, 0, J("0"), a.Now()), "must be a JSON array");
  fails(crdt::ListRemoveDelta(a.doc, {"l"}, 1, 2), "out of range");
  fails(crdt::ListReplaceDelta(a.doc, {"l"}, 2, J("0"), a.Now()), "out of range");
  fails(crdt::ListReplaceDelta(a.doc, {"missing"}, 0, J("0"), a.Now()), "out of range");
  fails(crdt::ListInsertAfterDelta(a.doc, {"l"}, crdt::Dot{99, 99}, J("[0]"), a.Now()), "no element with that id");
  fails(crdt::ListRemoveDelta(a.doc, {}, 0, 1), "at least one name");
  CHECK(a.doc == before);
  CHECK(crdt::ListRemoveDelta(a.doc, {"missing"}, 0, 0)->bottom());
  CHECK(crdt::ListRemoveElementDelta(a.doc, {"l"}, crdt::Dot{99, 99})->bottom());
}

TEST_CASE("an insert into a missing field creates the list") {
  Replica a{1};
  a.Commit(crdt::ListInsertDelta(a.doc, {"o", "l"}, 0, J(R"(["a", "b"])"), a.Now()));
  CHECK(crdt::ToJson(a.doc) == J(R"({"o": {"l": ["a", "b"]}})"));
}

TEST_CASE("an array stored whole as a register, before lists existed, reads as it did until rewritten") {
  Document doc;
  doc.mutable_context().Add(crdt::Dot{1, 1});
  doc.mutable_context().Add(crdt::Dot{1, 2});
  doc.mutable_root().presence.push_back(crdt::Dot{1, 1});
  doc.mutable_root().fields["tags"].registers.push_back(crdt::RegisterEntry{crdt::Dot{1, 2}, 5, J(R"(["a"])")});
  const std::string bytes = crdt::EncodeDocument(doc);
  REQUIRE(crdt::DecodeDocument(bytes).ok());
  CHECK(crdt::ToJson(doc) == J(R"({"tags": ["a"]})"));
  crdtdb::Result<Document> delta = crdt::SetFieldDelta(doc, {"tags"}, J(R"(["a", "b"])"), WriteStamp{2, 10});
  REQUIRE(delta.ok());
  doc.ApplyDelta(*delta);
  CHECK(crdt::ToJson(doc) == J(R"({"tags": ["a", "b"]})"));
  CHECK(doc.root().fields.at("tags").registers.empty());
  CHECK(doc.root().fields.at("tags").list != nullptr);
}

TEST_CASE("property: runs typed concurrently, forwards or backwards, stay contiguous and in order") {
  for (uint64_t seed : crdtdb::testing::PropertySeeds(300)) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    auto uniform = [&](size_t n) { return static_cast<size_t>(std::uniform_int_distribution<uint64_t>(0, n - 1)(rng)); };
    std::vector<Replica> replicas;
    const size_t n = 2 + uniform(3);
    for (size_t i = 0; i < n; ++i) replicas.push_back(Replica{1 + uniform(1000) * 8 + i});
    // A shared start: a list of a few elements, some of them deleted.
    Replica& first = replicas[0];
    Json start = Json::array();
    for (size_t i = uniform(5); i > 0; --i) start.push_back("_");
    first.Commit(crdt::PutDelta(first.doc, Json{{"t", start}}, first.Now()));
    if (!start.empty() && uniform(2) == 0) first.Commit(crdt::ListRemoveDelta(first.doc, {"t"}, uniform(start.size()), 1));
    for (size_t i = 1; i < n; ++i) replicas[i].Receive(first);
    const size_t size = crdt::ToJson(first.doc)["t"].size();
    const size_t shared_gap = uniform(size + 1);
    std::vector<std::string> runs;
    for (size_t i = 0; i < n; ++i) {
      std::string run;
      for (size_t k = 2 + uniform(4); k > 0; --k) run += static_cast<char>('a' + i * 6 + run.size());
      runs.push_back(run);
      Type(replicas[i], {"t"}, uniform(2) == 0 ? shared_gap : uniform(size + 1), run, /*backwards=*/uniform(2) == 0);
    }
    // Every replica receives the others' deltas in its own random order.
    for (Replica& r : replicas) {
      std::vector<const Document*> deltas;
      for (const Replica& from : replicas) {
        for (const Document& d : from.made) deltas.push_back(&d);
      }
      std::shuffle(deltas.begin(), deltas.end(), rng);
      for (const Document* d : deltas) r.doc.ApplyDelta(*d);
    }
    const std::string text = Text(Get(replicas[0], "t"));
    for (const std::string& run : runs) CHECK_MESSAGE(text.find(run) != std::string::npos, text);
    for (const Replica& r : replicas) CHECK(crdt::EncodeDocument(r.doc) == crdt::EncodeDocument(replicas[0].doc));
  }
}
