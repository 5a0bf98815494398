// Copyright (c) crdtdb authors.
//
// One worked example per rule of docs/crdt.md: what a user sees when replicas write concurrently.
// Every test builds replicas as plain Documents, exchanges the deltas the mutators return, and
// checks the exact JSON a read shows, the exact conflicts, and that all replicas end equal (by
// operator== and by canonical bytes).

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "crdt/codec.h"
#include "crdt/digest.h"
#include "crdt/document.h"
#include "crdt/hlc.h"
#include "crdt/json_input.h"
#include "crdt/limits.h"
#include "crdt/materialize.h"
#include "crdt/mutators.h"
#include "tests/crdt/example_replicas.h"

namespace crdt = crdtdb::crdt;

namespace {

using crdtdb::testing::CheckConverged;
using crdtdb::testing::ExchangeAll;
using crdtdb::testing::J;
using crdtdb::testing::Replica;
using crdtdb::testing::StartFrom;

using crdt::Document;
using crdt::FieldPath;
using crdt::Json;
using crdt::WriteStamp;

// The state of `a` joined with `b` by the full (state) join: must equal what delta exchange gave.
Document FullJoin(const Document& a, const Document& b) {
  Document out = a;
  out.Join(b);
  return out;
}

crdtdb::Status StatusOf(const crdtdb::Result<Document>& r) { return r.status(); }

std::string Hex(const std::string& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    if (!out.empty()) out += ' ';
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Registers: scalar and array fields.

TEST_CASE("concurrent set of one field keeps both values and shows the highest timestamp") {
  Replica a{1}, b{2};
  StartFrom(R"({"title": "draft"})", {&a, &b});
  a.Commit(crdt::SetFieldDelta(a.doc, {"title"}, "from a", a.At(30)));
  b.Commit(crdt::SetFieldDelta(b.doc, {"title"}, "from b", b.At(20)));
  ExchangeAll({&a, &b});

  CHECK(crdt::ToJson(a.doc) == J(R"({"title": "from a"})"));  // 30 > 20, though b's id is higher
  CHECK(crdt::Conflicts(a.doc) == J(R"({"/title": ["from a", "from b"]})"));
  CheckConverged({&a, &b});
}

TEST_CASE("concurrent set with equal timestamps shows the value of the higher replica id") {
  Replica a{1}, b{2};
  StartFrom(R"({"title": "draft"})", {&a, &b});
  a.Commit(crdt::SetFieldDelta(a.doc, {"title"}, "from a", a.At(20)));
  b.Commit(crdt::SetFieldDelta(b.doc, {"title"}, "from b", b.At(20)));
  ExchangeAll({&a, &b});

  CHECK(crdt::ToJson(b.doc) == J(R"({"title": "from b"})"));
  CHECK(crdt::Conflicts(b.doc) == J(R"({"/title": ["from b", "from a"]})"));
  CheckConverged({&a, &b});
}

TEST_CASE("conflicts lists every concurrent value by JSON pointer, the shown one first") {
  Replica a{1}, b{2}, c{3};
  StartFrom(R"({"meta": {"a/b~c": 0}, "x": 1})", {&a, &b, &c});
  const FieldPath path{"meta", "a/b~c"};
  a.Commit(crdt::SetFieldDelta(a.doc, path, "x", a.At(30)));
  b.Commit(crdt::SetFieldDelta(b.doc, path, "y", b.At(50)));
  c.Commit(crdt::SetFieldDelta(c.doc, path, "z", c.At(40)));
  ExchangeAll({&a, &b, &c});

  CHECK(crdt::ToJson(c.doc) == J(R"({"meta": {"a/b~c": "y"}, "x": 1})"));
  // RFC 6901 escaping: "/" -> "~1", "~" -> "~0". Then descending (timestamp, replica id).
  CHECK(crdt::Conflicts(c.doc) == J(R"({"/meta/a~1b~0c": ["y", "z", "x"]})"));
  CheckConverged({&a, &b, &c});

  // A write that has seen all three replaces all three.
  a.Commit(crdt::SetFieldDelta(a.doc, path, "settled", a.At(60)));
  ExchangeAll({&a, &b, &c});
  CHECK(crdt::ToJson(b.doc) == J(R"({"meta": {"a/b~c": "settled"}, "x": 1})"));
  CHECK(crdt::Conflicts(b.doc) == Json::object());
  CheckConverged({&a, &b, &c});
}

TEST_CASE("concurrent writes of the same value still show as a conflict") {
  Replica a{1}, b{2};
  StartFrom(R"({"x": 0})", {&a, &b});
  a.Commit(crdt::SetFieldDelta(a.doc, {"x"}, 1, a.At(20)));
  b.Commit(crdt::SetFieldDelta(b.doc, {"x"}, 1, b.At(21)));
  ExchangeAll({&a, &b});

  CHECK(crdt::ToJson(a.doc) == J(R"({"x": 1})"));
  CHECK(crdt::Conflicts(a.doc) == J(R"({"/x": [1, 1]})"));
  CheckConverged({&a, &b});
}

TEST_CASE("a write that observed a value replaces it even with a lower timestamp") {
  // Timestamps only rank concurrent values: causality decides first. (The hybrid clock makes a
  // lower timestamp after an observed one impossible; the CRDT does not rely on that.)
  Replica a{1}, b{2};
  StartFrom(R"({"x": "old"})", {&a, &b});
  a.Commit(crdt::SetFieldDelta(a.doc, {"x"}, "seen by b", a.At(100)));
  b.Receive(a);
  b.Commit(crdt::SetFieldDelta(b.doc, {"x"}, "newer", b.At(50)));
  ExchangeAll({&a, &b});

  CHECK(crdt::ToJson(a.doc) == J(R"({"x": "newer"})"));
  CHECK(crdt::Conflicts(a.doc) == Json::object());
  CheckConverged({&a, &b});
}

TEST_CASE("concurrent set and remove of a field keep the set value") {
  Replica a{1}, b{2};
  StartFrom(R"({"a": 1, "b": 2})", {&a, &b});
  a.Commit(crdt::RemoveFieldDelta(a.doc, {"a"}));  // concurrent with b's set: loses
  a.Commit(crdt::RemoveFieldDelta(a.doc, {"b"}));  // nothing concurrent: removed
  b.Commit(crdt::SetFieldDelta(b.doc, {"a"}, 5, b.At(20)));
  ExchangeAll({&a, &b});

  CHECK(crdt::ToJson(a.doc) == J(R"({"a": 5})"));
  CHECK(crdt::Conflicts(a.doc) == Json::object());
  CheckConverged({&a, &b});

  // A remove that has seen the value removes it.
  b.Commit(crdt::RemoveFieldDelta(b.doc, {"a"}));
  ExchangeAll({&a, &b});
  CHECK(crdt::ToJson(a.doc) == J(R"({})"));
  CheckConverged({&a, &b});
}

TEST_CASE("concurrent array writes merge their elements: each keeps what it added") {
  Replica a{1}, b{2};
  StartFrom(R"({"tags": ["red"]})", {&a, &b});
  a.Commit(crdt::SetFieldDelta(a.doc, {"tags"}, J(R"(["red", "green"])"), a.At(20)));
  b.Commit(crdt::PatchDelta(b.doc, J(R"({"tags": ["red", "blue"]})"), b.At(30)));
  ExchangeAll({&a, &b});

  // Both appended after "red" at the end of the list: ordered by id, replica 1 first.
  CHECK(crdt::ToJson(a.doc) == J(R"({"tags": ["red", "green", "blue"]})"));
  CHECK(crdt::Conflicts(a.doc) == J("{}"));
  CheckConverged({&a, &b});
}

// ---------------------------------------------------------------------------------------------
// Documents: update against delete.

TEST_CASE(
    "update concurrent with delete keeps the update's writes and writes the delete did not see") {
  Replica a{1}, b{2}, c{3};
  StartFrom(R"({"a": 1, "b": 2, "c": {"x": 1, "y": 2}})", {&a, &b, &c});
  b.Commit(crdt::DeleteDelta(b.doc));
  c.Commit(crdt::PatchDelta(c.doc, J(R"({"a": 10, "c": {"x": 5}})"), c.At(20)));
  a.Commit(crdt::PatchDelta(a.doc, J(R"({"d": 4})"), a.At(30)));  // b has not seen it
  ExchangeAll({&a, &b, &c});

  // "b" and "c.y" were seen by the delete and touched by no concurrent write: gone.
  CHECK(crdt::ToJson(b.doc) == J(R"({"a": 10, "c": {"x": 5}, "d": 4})"));
  CHECK(crdt::Conflicts(b.doc) == Json::object());
  CheckConverged({&a, &b, &c});
  CHECK(FullJoin(FullJoin(a.doc, b.doc), c.doc) == a.doc);
}

TEST_CASE("put concurrent with delete leaves exactly the put document") {
  Replica a{1}, b{2};
  StartFrom(R"({"a": 1, "b": 2})", {&a, &b});
  a.Commit(crdt::DeleteDelta(a.doc));
  b.Commit(crdt::PutDelta(b.doc, J(R"({"b": 3, "c": {}})"), b.At(20)));
  ExchangeAll({&a, &b});

  CHECK(crdt::ToJson(a.doc) == J(R"({"b": 3, "c": {}})"));
  CheckConverged({&a, &b});
}

TEST_CASE("remove of a field concurrent with delete does not keep the document alive") {
  Replica a{1}, b{2};
  StartFrom(R"({"a": 1, "s": null})", {&a, &b});
  a.Commit(crdt::SetAddDelta(a.doc, {"tags"}, "x", a.At(20)));
  b.Receive(a);
  a.Commit(crdt::DeleteDelta(a.doc));
  b.Commit(crdt::RemoveFieldDelta(b.doc, {"a"}));
  b.Commit(crdt::SetRemoveDelta(b.doc, {"tags"}, "x"));
  ExchangeAll({&a, &b});

  CHECK_FALSE(a.doc.live());
  CHECK(crdt::ToJson(a.doc) == Json(nullptr));
  CheckConverged({&a, &b});
}

TEST_CASE(
    "a patch that only removes fields still keeps the document alive against a concurrent delete") {
  Replica a{1}, b{2};
  StartFrom(R"({"a": 1, "b": 2})", {&a, &b});
  a.Commit(crdt::DeleteDelta(a.doc));
  b.Commit(crdt::PatchDelta(b.doc, J(R"({"a": null})"), b.At(20)));
  ExchangeAll({&a, &b});

  CHECK(a.doc.live());
  CHECK(crdt::ToJson(a.doc) == J(R"({})"));
  CheckConverged({&a, &b});
}

TEST_CASE("a write after a delete starts the document from nothing") {
  Replica a{1};
  a.Commit(crdt::PutDelta(a.doc, J(R"({"a": 1, "o": {"x": 1}})"), a.At(10)));
  a.Commit(crdt::IncrementDelta(a.doc, {"n"}, 5, a.At(11)));
  a.Commit(crdt::DeleteDelta(a.doc));
  CHECK(crdt::ToJson(a.doc) == Json(nullptr));
  a.Commit(crdt::PatchDelta(a.doc, J(R"({"o": {"y": 2}})"), a.At(12)));
  a.Commit(crdt::IncrementDelta(a.doc, {"n"}, 1, a.At(13)));
  CHECK(crdt::ToJson(a.doc) == J(R"({"o": {"y": 2}, "n": 1})"));
}

// ---------------------------------------------------------------------------------------------
// Counters.

TEST_CASE("concurrent increments add up") {
  Replica a{1}, b{2}, c{3};
  a.Commit(crdt::IncrementDelta(a.doc, {"n"}, 5, a.At(10)));
  b.Commit(crdt::IncrementDelta(b.doc, {"n"}, 3, b.At(10)));
  c.Commit(crdt::IncrementDelta(c.doc, {"n"}, -1, c.At(10)));
  a.Commit(crdt::IncrementDelta(a.doc, {"n"}, 2, a.At(11)));
  ExchangeAll({&a, &b, &c});

  CHECK(crdt::ToJson(a.doc) == J(R"({"n": 9})"));
  CHECK(crdt::Conflicts(a.doc) == Json::object());
  CheckConverged({&a, &b, &c});
}

TEST_CASE("an increment leaves the entries of the replica's earlier epochs alone") {
  // A's +10, then +5 (which B receives), are lost from A's own state in a power loss; A starts a
  // new epoch (its dots from 2^40 on) and increments before it hears the +5 back.
  Replica a{1}, b{2};
  a.Commit(crdt::IncrementDelta(a.doc, {"n"}, 10, a.At(10)));
  const Document before_loss = a.doc;
  a.Commit(crdt::IncrementDelta(a.doc, {"n"}, 5, a.At(11)));
  b.Receive(a);
  a.doc = before_loss;
  a.made.clear();
  WriteStamp next_epoch = a.At(12);
  next_epoch.first_counter = uint64_t{1} << 40;
  a.Commit(crdt::IncrementDelta(a.doc, {"n"}, 1, next_epoch));
  CHECK(crdt::ToJson(a.doc) == J(R"({"n": 11})"));  // what A knows of
  b.Receive(a);
  CHECK(crdt::ToJson(b.doc) == J(R"({"n": 16})"));  // not 26: the +5 counts once
  a.doc.Join(b.doc);
  CHECK(crdt::ToJson(a.doc) == J(R"({"n": 16})"));
  CheckConverged({&a, &b});
  // In its new epoch, A rewrites its new entry only.
  a.Commit(crdt::IncrementDelta(a.doc, {"n"}, 2, next_epoch));
  b.Receive(a);
  CHECK(crdt::ToJson(b.doc) == J(R"({"n": 18})"));
}

TEST_CASE("increments a delete did not observe survive it and the counter restarts from them") {
  Replica a{1}, b{2}, c{3};
  a.Commit(crdt::IncrementDelta(a.doc, {"n"}, 5, a.At(10)));
  b.Receive(a);
  c.Receive(a);
  b.Commit(crdt::DeleteDelta(b.doc));
  c.Commit(crdt::IncrementDelta(c.doc, {"n"}, 2, c.At(20)));
  ExchangeAll({&a, &b, &c});

  CHECK(crdt::ToJson(a.doc) == J(R"({"n": 2})"));  // a's 5 was observed by the delete
  CheckConverged({&a, &b, &c});

  b.Commit(crdt::IncrementDelta(b.doc, {"n"}, 1, b.At(30)));
  ExchangeAll({&a, &b, &c});
  CHECK(crdt::ToJson(c.doc) == J(R"({"n": 3})"));
  CheckConverged({&a, &b, &c});
}

TEST_CASE("concurrent increments that overflow int64 wrap around in two's complement") {
  const int64_t max = std::numeric_limits<int64_t>::max();
  Replica a{1}, b{2};
  a.Commit(crdt::IncrementDelta(a.doc, {"n"}, max, a.At(10)));
  b.Commit(crdt::IncrementDelta(b.doc, {"n"}, 1, b.At(10)));
  ExchangeAll({&a, &b});

  CHECK(crdt::ToJson(a.doc)["n"] == Json(std::numeric_limits<int64_t>::min()));
  CheckConverged({&a, &b});
  // A further increment that would overflow the visible total is refused.
  CHECK(StatusOf(crdt::IncrementDelta(a.doc, {"n"}, -1, a.At(11))).IsInvalidArgument());
}

// ---------------------------------------------------------------------------------------------
// Nested objects.

TEST_CASE("concurrent patches of different nested fields both survive") {
  Replica a{1}, b{2};
  StartFrom(R"({"o": {"x": 1, "y": 1}})", {&a, &b});
  a.Commit(crdt::PatchDelta(a.doc, J(R"({"o": {"x": 2}})"), a.At(20)));
  b.Commit(crdt::PatchDelta(b.doc, J(R"({"o": {"y": 3, "z": {"deep": true}}})"), b.At(20)));
  ExchangeAll({&a, &b});

  CHECK(crdt::ToJson(a.doc) == J(R"({"o": {"x": 2, "y": 3, "z": {"deep": true}}})"));
  CHECK(crdt::Conflicts(a.doc) == Json::object());
  CheckConverged({&a, &b});
}

TEST_CASE("concurrent creation of the same nested object merges its members") {
  Replica a{1}, b{2};
  StartFrom(R"({})", {&a, &b});
  a.Commit(crdt::PatchDelta(a.doc, J(R"({"o": {"x": 1}})"), a.At(20)));
  b.Commit(crdt::SetFieldDelta(b.doc, {"o", "y"}, 2, b.At(20)));
  ExchangeAll({&a, &b});

  CHECK(crdt::ToJson(a.doc) == J(R"({"o": {"x": 1, "y": 2}})"));
  CHECK(crdt::Conflicts(a.doc) == Json::object());
  CheckConverged({&a, &b});
}

TEST_CASE("replacing a nested object concurrently with a nested patch keeps the patched member") {
  for (const bool by_put : {false, true}) {
    CAPTURE(by_put);
    Replica a{1}, b{2};
    StartFrom(R"({"o": {"x": 1, "y": 2}})", {&a, &b});
    if (by_put) {
      a.Commit(crdt::PutDelta(a.doc, J(R"({"o": {"z": 3}})"), a.At(30)));
    } else {
      a.Commit(crdt::SetFieldDelta(a.doc, {"o"}, J(R"({"z": 3})"), a.At(30)));
    }
    b.Commit(crdt::PatchDelta(b.doc, J(R"({"o": {"x": 5}})"), b.At(20)));
    ExchangeAll({&a, &b});

    // The replacement removed x=1 and y, which it saw; b's x=5 is concurrent and stays.
    CHECK(crdt::ToJson(a.doc) == J(R"({"o": {"x": 5, "z": 3}})"));
    CHECK(crdt::Conflicts(a.doc) == Json::object());
    CheckConverged({&a, &b});
  }
}

TEST_CASE(
    "removing a nested object concurrently with an update inside it keeps the object with the "
    "update") {
  Replica a{1}, b{2};
  StartFrom(R"({"k": 1, "o": {"x": 1, "y": 2}})", {&a, &b});
  a.Commit(crdt::RemoveFieldDelta(a.doc, {"o"}));
  b.Commit(crdt::SetFieldDelta(b.doc, {"o", "x"}, 5, b.At(20)));
  ExchangeAll({&a, &b});

  CHECK(crdt::ToJson(a.doc) == J(R"({"k": 1, "o": {"x": 5}})"));
  CheckConverged({&a, &b});
}

TEST_CASE("a set of a nested path creates missing objects and replaces non-object parents") {
  Replica a{1};
  a.Commit(crdt::PutDelta(a.doc, J(R"({"a": 1, "keep": [1]})"), a.At(10)));
  a.Commit(crdt::SetFieldDelta(a.doc, {"a", "b", "c"}, true, a.At(11)));
  CHECK(crdt::ToJson(a.doc) == J(R"({"a": {"b": {"c": true}}, "keep": [1]})"));
  a.Commit(crdt::IncrementDelta(a.doc, {"a", "b", "n"}, 2, a.At(12)));
  CHECK(crdt::ToJson(a.doc) == J(R"({"a": {"b": {"c": true, "n": 2}}, "keep": [1]})"));
}

// ---------------------------------------------------------------------------------------------
// Add-wins sets.

TEST_CASE("a set element added concurrently with its removal stays in the set") {
  Replica a{1}, b{2};
  a.Commit(crdt::SetAddDelta(a.doc, {"tags"}, "x", a.At(10)));
  a.Commit(crdt::SetAddDelta(a.doc, {"tags"}, "y", a.At(11)));
  b.Receive(a);
  a.Commit(crdt::SetRemoveDelta(a.doc, {"tags"}, "x"));  // concurrent with b's re-add: loses
  a.Commit(crdt::SetRemoveDelta(a.doc, {"tags"}, "y"));  // nothing concurrent: removed
  b.Commit(crdt::SetAddDelta(b.doc, {"tags"}, "x", b.At(20)));
  a.Commit(crdt::SetAddDelta(a.doc, {"tags"}, "z", a.At(20)));  // added on both sides:
  b.Commit(crdt::SetAddDelta(b.doc, {"tags"}, "z", b.At(21)));  // shown once
  ExchangeAll({&a, &b});

  CHECK(crdt::ToJson(a.doc) == J(R"({"tags": ["x", "z"]})"));
  CHECK(crdt::Conflicts(a.doc) == Json::object());
  CheckConverged({&a, &b});
}

TEST_CASE("set elements are ordered by their canonical JSON text and 1 differs from 1.0") {
  Replica a{1};
  crdt::Timestamp ts = 10;
  for (const Json& e : {Json(10), Json(2), Json("b"), Json(true), Json(nullptr), Json(1.5), Json(1),
                        Json(1.0), Json(1)}) {
    a.Commit(crdt::SetAddDelta(a.doc, {"s"}, e, a.At(ts++)));
  }
  CHECK(crdt::ToJson(a.doc)["s"].dump() == R"(["b",1,1.0,1.5,10,2,null,true])");
}

TEST_CASE("removing the last element of a set removes the field") {
  Replica a{1};
  a.Commit(crdt::PutDelta(a.doc, J(R"({"k": 1})"), a.At(10)));
  a.Commit(crdt::SetAddDelta(a.doc, {"tags"}, "x", a.At(11)));
  CHECK(crdt::ToJson(a.doc) == J(R"({"k": 1, "tags": ["x"]})"));
  a.Commit(crdt::SetRemoveDelta(a.doc, {"tags"}, "x"));
  CHECK(crdt::ToJson(a.doc) == J(R"({"k": 1})"));
}

// ---------------------------------------------------------------------------------------------
// Type conflicts.

TEST_CASE("concurrent writes of different kinds show object, then counter, then set, then value") {
  Replica a{1}, b{2}, c{3}, d{4};
  StartFrom(R"({"k": 0})", {&a, &b, &c, &d});
  a.Commit(crdt::SetFieldDelta(a.doc, {"f"}, J(R"({"x": 1})"), a.At(10)));
  b.Commit(crdt::IncrementDelta(b.doc, {"f"}, 5, b.At(20)));
  c.Commit(crdt::SetAddDelta(c.doc, {"f"}, "s", c.At(30)));
  d.Commit(crdt::SetFieldDelta(d.doc, {"f"}, "r", d.At(40)));

  // Without the object the counter shows; hidden values follow: registers, counter, set.
  Replica e{5};
  e.Receive(a);
  e.Receive(b);
  e.Receive(c);
  e.Receive(d);
  b.Receive(c);
  b.Receive(d);
  CHECK(crdt::ToJson(b.doc) == J(R"({"k": 0, "f": 5})"));
  CHECK(crdt::Conflicts(b.doc) == J(R"({"/f": [5, "r", ["s"]]})"));

  ExchangeAll({&a, &b, &c, &d});
  CHECK(crdt::ToJson(a.doc) == J(R"({"k": 0, "f": {"x": 1}})"));
  CHECK(crdt::Conflicts(a.doc) == J(R"({"/f": [{"x": 1}, "r", 5, ["s"]]})"));
  CheckConverged({&a, &b, &c, &d, &e});
}

TEST_CASE("a later write to a field removes the values of every kind it observed") {
  Replica a{1}, b{2}, c{3};
  StartFrom(R"({"k": 0})", {&a, &b, &c});
  b.Commit(crdt::IncrementDelta(b.doc, {"f"}, 5, b.At(20)));
  a.Commit(crdt::SetFieldDelta(a.doc, {"f"}, "r2", a.At(20)));
  c.Commit(crdt::SetAddDelta(c.doc, {"f"}, "s", c.At(20)));
  ExchangeAll({&a, &b, &c});
  CHECK(crdt::Conflicts(a.doc) == J(R"({"/f": [5, "r2", ["s"]]})"));
  // A set operation on a field that shows a counter is refused, even though it holds a set too.
  CHECK(StatusOf(crdt::SetAddDelta(a.doc, {"f"}, "t", a.At(30))).IsInvalidArgument());

  // An increment keeps the counters and removes the value and the set it saw.
  a.Commit(crdt::IncrementDelta(a.doc, {"f"}, 1, a.At(30)));
  ExchangeAll({&a, &b, &c});
  CHECK(crdt::ToJson(c.doc) == J(R"({"k": 0, "f": 6})"));
  CHECK(crdt::Conflicts(c.doc) == Json::object());
  CheckConverged({&a, &b, &c});

  // A set of a plain value replaces the counter.
  c.Commit(crdt::SetFieldDelta(c.doc, {"f"}, "plain", c.At(40)));
  ExchangeAll({&a, &b, &c});
  CHECK(crdt::ToJson(b.doc) == J(R"({"k": 0, "f": "plain"})"));
  CheckConverged({&a, &b, &c});
}

// ---------------------------------------------------------------------------------------------
// Put and patch.

TEST_CASE("put replaces the document and keeps null members") {
  Replica a{1};
  a.Commit(crdt::PutDelta(a.doc, J(R"({"a": 1, "b": {"c": 2}})"), a.At(10)));
  a.Commit(crdt::PutDelta(a.doc, J(R"({"b": {"d": null}, "e": null})"), a.At(11)));
  CHECK(crdt::ToJson(a.doc) == J(R"({"b": {"d": null}, "e": null})"));
  // In a merge patch, null removes.
  a.Commit(crdt::PatchDelta(a.doc, J(R"({"b": {"d": null}, "e": null})"), a.At(12)));
  CHECK(crdt::ToJson(a.doc) == J(R"({"b": {}})"));
}

TEST_CASE("patch follows the examples of RFC 7396") {
  struct Case {
    const char* target;
    const char* patch;
    const char* result;
  };
  // Appendix A of RFC 7396, the cases whose target and patch are objects.
  const Case cases[] = {
      {R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
      {R"({"a":"b"})", R"({"a":null})", R"({})"},
      {R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
      {R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"c"})", R"({"a":["b"]})", R"({"a":["b"]})"},
      {R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})", R"({"a":{"b":"d"}})"},
      {R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
      {R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
      {R"({})", R"({"a":{"bb":{"ccc":null}}})", R"({"a":{"bb":{}}})"},
      // And: an empty object patch changes nothing; a null for a missing member is ignored.
      {R"({"a":{"b":1}})", R"({"a":{}})", R"({"a":{"b":1}})"},
      {R"({"a":1})", R"({"zz":null})", R"({"a":1})"},
      {R"({"a":1})", R"({"a":{"b":null}})", R"({"a":{}})"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.target);
    CAPTURE(c.patch);
    Replica a{1};
    a.Commit(crdt::PutDelta(a.doc, J(c.target), a.At(10)));
    a.Commit(crdt::PatchDelta(a.doc, J(c.patch), a.At(11)));
    CHECK(crdt::ToJson(a.doc) == J(c.result));
  }
}

TEST_CASE("patching a missing document creates it") {
  Replica a{1};
  a.Commit(crdt::PatchDelta(a.doc, J(R"({"a": null})"), a.At(10)));
  CHECK(crdt::ToJson(a.doc) == J(R"({})"));
}

TEST_CASE("concurrent puts merge field by field and conflict only where both write") {
  Replica a{1}, b{2};
  StartFrom(R"({"a": 0, "b": 0})", {&a, &b});
  a.Commit(crdt::PutDelta(a.doc, J(R"({"a": 1, "c": 1})"), a.At(20)));
  b.Commit(crdt::PutDelta(b.doc, J(R"({"a": 2, "d": 2})"), b.At(10)));
  ExchangeAll({&a, &b});

  CHECK(crdt::ToJson(a.doc) == J(R"({"a": 1, "c": 1, "d": 2})"));
  CHECK(crdt::Conflicts(a.doc) == J(R"({"/a": [1, 2]})"));
  CheckConverged({&a, &b});
}

// ---------------------------------------------------------------------------------------------
// Empty objects and missing documents.

TEST_CASE("an empty document and an empty nested object are values of their own") {
  Replica a{1}, b{2};
  a.Commit(crdt::PutDelta(a.doc, J(R"({})"), a.At(10)));
  CHECK(a.doc.live());
  CHECK(crdt::ToJson(a.doc) == J(R"({})"));
  a.Commit(crdt::PatchDelta(a.doc, J(R"({"o": {"x": 1}})"), a.At(11)));
  a.Commit(crdt::RemoveFieldDelta(a.doc, {"o", "x"}));
  CHECK(crdt::ToJson(a.doc) == J(R"({"o": {}})"));  // the object outlives its last member
  b.Receive(a);
  CheckConverged({&a, &b});

  a.Commit(crdt::DeleteDelta(a.doc));
  CHECK_FALSE(a.doc.live());
  CHECK_FALSE(a.doc.bottom());  // the context remains
  CHECK(crdt::ToJson(a.doc) == Json(nullptr));
  CHECK(crdt::Conflicts(a.doc) == Json::object());
  CHECK(crdt::ToJson(Document()) == Json(nullptr));
}

TEST_CASE("operations with nothing to do return a bottom delta") {
  Replica a{1};
  a.Commit(crdt::PutDelta(a.doc, J(R"({"o": {"x": 1}, "v": 1})"), a.At(10)));
  a.Commit(crdt::SetAddDelta(a.doc, {"tags"}, "x", a.At(11)));
  auto is_bottom = [](const crdtdb::Result<Document>& r) { return r.ok() && r->bottom(); };
  CHECK(is_bottom(crdt::RemoveFieldDelta(a.doc, {"missing"})));
  CHECK(is_bottom(crdt::RemoveFieldDelta(a.doc, {"o", "missing"})));
  CHECK(is_bottom(crdt::RemoveFieldDelta(a.doc, {"v", "x"})));  // v is not an object
  CHECK(is_bottom(crdt::SetRemoveDelta(a.doc, {"tags"}, "y")));
  CHECK(is_bottom(crdt::SetRemoveDelta(a.doc, {"none"}, "y")));
  CHECK(crdt::DeleteDelta(Document()).bottom());
}

// ---------------------------------------------------------------------------------------------
// Errors: rejected writes change nothing (a mutator only reads its input).

TEST_CASE("increment of a field that holds a value is an InvalidArgument error") {
  Replica a{1};
  a.Commit(crdt::PutDelta(a.doc, J(R"({"f": "text", "o": {"s": 1}})"), a.At(10)));
  crdtdb::Result<Document> r = crdt::IncrementDelta(a.doc, {"f"}, 1, a.At(11));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().IsInvalidArgument());
  CHECK(r.status().message() == "field /f is a value, not a counter");
  r = crdt::IncrementDelta(a.doc, {"o"}, 1, a.At(11));
  CHECK(r.status().message() == "field /o is an object, not a counter");
  r = crdt::IncrementDelta(a.doc, {"o", "s"}, 1, a.At(11));
  CHECK(r.status().message() == "field /o/s is a value, not a counter");
}

TEST_CASE("set operations on a counter are InvalidArgument errors") {
  Replica a{1};
  a.Commit(crdt::IncrementDelta(a.doc, {"n"}, 1, a.At(10)));
  crdtdb::Result<Document> add = crdt::SetAddDelta(a.doc, {"n"}, "x", a.At(11));
  CHECK(add.status().IsInvalidArgument());
  CHECK(add.status().message() == "field /n is a counter, not a set");
  crdtdb::Result<Document> remove = crdt::SetRemoveDelta(a.doc, {"n"}, "x");
  CHECK(remove.status().IsInvalidArgument());
  CHECK(remove.status().message() == "field /n is a counter, not a set");
  // And the other way round.
  a.Commit(crdt::SetAddDelta(a.doc, {"s"}, "x", a.At(12)));
  CHECK(StatusOf(crdt::IncrementDelta(a.doc, {"s"}, 1, a.At(13))).message() ==
        "field /s is a set, not a counter");
}

TEST_CASE("put and patch of anything but an object are InvalidArgument errors") {
  for (const char* text : {"[1]", "null", "1", R"("s")"}) {
    CAPTURE(text);
    crdtdb::Result<Document> put = crdt::PutDelta(Document(), J(text), WriteStamp{1, 10});
    CHECK(put.status().IsInvalidArgument());
    CHECK(put.status().message() == "a document must be a JSON object");
    crdtdb::Result<Document> patch = crdt::PatchDelta(Document(), J(text), WriteStamp{1, 10});
    CHECK(patch.status().IsInvalidArgument());
    CHECK(patch.status().message() == "a merge patch must be a JSON object");
  }
  crdtdb::Result<Json> parsed = crdt::ParseJsonObject("[1]");
  CHECK(parsed.status().IsInvalidArgument());
  CHECK(parsed.status().message() == "expected a JSON object, got array");
}

TEST_CASE("set elements that are arrays or objects are InvalidArgument errors") {
  for (const char* text : {"[1]", "[]", R"({"a": 1})"}) {
    CAPTURE(text);
    crdtdb::Result<Document> add = crdt::SetAddDelta(Document(), {"s"}, J(text), WriteStamp{1, 10});
    CHECK(add.status().IsInvalidArgument());
    CHECK(add.status().message() == "set elements must be JSON scalars");
    CHECK(StatusOf(crdt::SetRemoveDelta(Document(), {"s"}, J(text))).IsInvalidArgument());
  }
}

TEST_CASE("a counter increment that would overflow int64 is an InvalidArgument error") {
  const int64_t max = std::numeric_limits<int64_t>::max();
  const int64_t min = std::numeric_limits<int64_t>::min();
  Replica a{1}, b{2};
  a.Commit(crdt::IncrementDelta(a.doc, {"n"}, max, a.At(10)));
  crdtdb::Result<Document> r = crdt::IncrementDelta(a.doc, {"n"}, 1, a.At(11));
  CHECK(r.status().IsInvalidArgument());
  CHECK(r.status().message() == "counter /n would overflow int64");
  // Another replica's own share is 0, but the visible total would overflow.
  b.Receive(a);
  CHECK(StatusOf(crdt::IncrementDelta(b.doc, {"n"}, 1, b.At(11))).IsInvalidArgument());
  b.Commit(crdt::IncrementDelta(b.doc, {"n"}, min, b.At(12)));
  CHECK(crdt::ToJson(b.doc) == J(R"({"n": -1})"));
}

TEST_CASE("a field path must name at least one field") {
  const FieldPath empty;
  CHECK(StatusOf(crdt::SetFieldDelta(Document(), empty, 1, WriteStamp{1, 10})).message() ==
        "a field path needs at least one name");
  CHECK(StatusOf(crdt::RemoveFieldDelta(Document(), empty)).IsInvalidArgument());
  CHECK(
      StatusOf(crdt::IncrementDelta(Document(), empty, 1, WriteStamp{1, 10})).IsInvalidArgument());
  CHECK(StatusOf(crdt::SetAddDelta(Document(), empty, 1, WriteStamp{1, 10})).IsInvalidArgument());
  CHECK(StatusOf(crdt::SetRemoveDelta(Document(), empty, 1)).IsInvalidArgument());
}

// ---------------------------------------------------------------------------------------------
// Limits.

TEST_CASE("JSON input is limited in size and nesting depth") {
  const std::string deepest =
      std::string(crdt::kMaxJsonDepth, '[') + std::string(crdt::kMaxJsonDepth, ']');
  CHECK(crdt::ParseJson(deepest).ok());
  const std::string too_deep = "[" + deepest + "]";
  crdtdb::Result<Json> deep = crdt::ParseJson(too_deep);
  CHECK(deep.status().IsInvalidArgument());
  CHECK(deep.status().message() == "JSON input nests deeper than 32 levels");
  // Brackets inside strings do not count.
  CHECK(crdt::ParseJson(R"({"a": ")" + std::string(100, '[') + R"("})").ok());

  std::string big = R"({"a": ")" + std::string(crdt::kMaxJsonBytes, 'x') + R"("})";
  crdtdb::Result<Json> large = crdt::ParseJsonObject(big);
  CHECK(large.status().IsInvalidArgument());
  CHECK(large.status().message() ==
        "JSON input is " + std::to_string(big.size()) + " bytes, more than the limit of 4194304");
  big.resize(crdt::kMaxJsonBytes);
  CHECK(crdt::ParseJson(big).status().message().rfind("malformed JSON: parse error", 0) == 0);
}

TEST_CASE("malformed JSON input is an InvalidArgument error") {
  for (const std::string& text :
       {std::string(R"({"a": )"), std::string("{\"a\": \"\xff\"}"), std::string(R"({"a": 1e400})"),
        std::string(R"({"a": "\ud800"})")}) {
    CAPTURE(text);
    crdtdb::Result<Json> r = crdt::ParseJsonObject(text);
    CHECK(r.status().IsInvalidArgument());
    CHECK(r.status().message().rfind("malformed JSON: ", 0) == 0);
  }
  CHECK(crdt::ParseJson(R"({"a": ")").status().message() ==
        "malformed JSON: parse error at line 1, column 8: syntax error while parsing value - "
        "invalid string: missing closing quote; last read: '\"'");
  // A duplicate member name is refused (I-JSON), not resolved by keeping one of the values.
  CHECK(crdt::ParseJsonObject(R"({"a": 1, "a": 2})").status().message() ==
        "duplicate member name \"a\" in a JSON object: names must be unique (RFC 7493)");
}

TEST_CASE("an encoding larger than the limit is rejected before it is read") {
  const std::string bytes(crdt::kMaxEncodedBytes + 1, '\x90');
  crdtdb::Result<Document> r = crdt::DecodeDocument(bytes);
  CHECK(r.status().IsCorruption());
  CHECK(r.status().message() == "document: encoding exceeds the size limit");
}

// ---------------------------------------------------------------------------------------------
// The hybrid logical clock.

TEST_CASE("the hybrid clock never runs backwards and orders after what it observed") {
  crdt::HybridClock clock;
  CHECK(clock.Now(1000) == crdt::MakeTimestamp(1000, 0));
  CHECK(clock.Now(1000) == crdt::MakeTimestamp(1000, 1));  // same millisecond: logical + 1
  CHECK(clock.Now(900) == crdt::MakeTimestamp(1000, 2));   // wall clock went back
  CHECK(clock.Now(1001) == crdt::MakeTimestamp(1001, 0));
  clock.Observe(crdt::MakeTimestamp(5000, 7));  // a peer's clock is ahead
  CHECK(clock.Now(1002) == crdt::MakeTimestamp(5000, 8));
  clock.Observe(crdt::MakeTimestamp(10, 0));  // behind: ignored
  CHECK(clock.Now(1003) == crdt::MakeTimestamp(5000, 9));

  crdt::HybridClock full(crdt::MakeTimestamp(2000, crdt::kLogicalMask));
  const crdt::Timestamp next = full.Now(2000);  // logical overflow borrows the next millisecond
  CHECK(next == crdt::MakeTimestamp(2001, 0));
  CHECK(crdt::PhysicalMs(next) == 2001);
  CHECK(crdt::Logical(next) == 0);
}

// ---------------------------------------------------------------------------------------------
// Metadata.

TEST_CASE("a counter keeps one entry per replica however often it is incremented") {
  Replica a{1}, b{2};
  for (crdt::Timestamp t = 1; t <= 100; ++t)
    a.Commit(crdt::IncrementDelta(a.doc, {"n"}, 1, a.At(t)));
  for (crdt::Timestamp t = 1; t <= 50; ++t)
    b.Commit(crdt::IncrementDelta(b.doc, {"n"}, 2, b.At(t)));
  ExchangeAll({&a, &b});

  CHECK(crdt::ToJson(a.doc) == J(R"({"n": 200})"));
  const crdt::FieldNode& n = a.doc.root().fields.at("n");
  CHECK(n.counters.size() == 2);
  CHECK(a.doc.root().presence.size() == 2);
  // Each increment used two dots (the document's presence and the counter entry).
  CHECK(a.doc.context().replica_count() == 2);
  CHECK(a.doc.context().range_count() == 2);
  CHECK(a.doc.context().VersionVector() == std::map<crdt::ReplicaId, uint64_t>{{1, 200}, {2, 100}});
  CheckConverged({&a, &b});
}

TEST_CASE("a deleted document keeps only its causal context") {
  Replica a{1};
  a.Commit(crdt::PutDelta(
      a.doc, J(R"({"f0":0,"f1":1,"f2":2,"f3":3,"f4":4,"f5":5,"f6":6,"f7":7,"f8":8,"f9":9})"),
      a.At(10)));
  a.Commit(crdt::DeleteDelta(a.doc));
  CHECK(a.doc.root().empty());
  CHECK(a.doc.context().VersionVector() == std::map<crdt::ReplicaId, uint64_t>{{1, 11}});
  // [version 1, state, replicas [1], ranges [[1, 11]], object [presence [], fields {}]]
  CHECK(Hex(crdt::EncodeDocument(a.doc)) == "95 01 00 91 01 91 92 01 0b 92 90 80");
}

TEST_CASE(
    "a delta received out of order leaves a gap in the context until the missing one arrives") {
  Replica a{1}, b{2};
  a.Commit(crdt::SetFieldDelta(a.doc, {"x"}, 1, a.At(10)));  // dots 1 (presence), 2 (x)
  a.Commit(crdt::SetFieldDelta(a.doc, {"y"}, 2, a.At(11)));  // dots 3 (presence), 4 (y)
  b.doc.ApplyDelta(a.made[1]);
  CHECK(crdt::ToJson(b.doc) == J(R"({"y": 2})"));
  // Dot 1 was observed (replaced) by the second delta; dot 2 has not arrived: a dot cloud.
  CHECK(b.doc.context().range_count() == 2);
  CHECK(b.doc.context().Contains({1, 1}));
  CHECK_FALSE(b.doc.context().Contains({1, 2}));
  CHECK(b.doc.context().VersionVector() == std::map<crdt::ReplicaId, uint64_t>{{1, 1}});

  b.doc.ApplyDelta(a.made[0]);
  CHECK(crdt::ToJson(b.doc) == J(R"({"x": 1, "y": 2})"));
  CHECK(b.doc.context().range_count() == 1);
  CHECK(b.doc == a.doc);
}

// ---------------------------------------------------------------------------------------------
// The canonical encoding and the digest.

TEST_CASE("a small document encodes to the documented canonical layout") {
  Replica a{1};
  a.Commit(crdt::PutDelta(a.doc, J(R"({"a": 1})"), a.At(5)));
  // [1, 0, [replica 1], [[1, 2]], [presence [dot (#0, 1)],
  //                                {"a": [mask 1, registers [dot (#0, 2), timestamp 5, 1]]}]]
  const std::string bytes = crdt::EncodeDocument(a.doc);
  CHECK(Hex(bytes) == "95 01 00 91 01 91 92 01 02 92 92 00 01 81 a1 61 92 01 94 00 02 05 01");
  crdtdb::Result<Document> back = crdt::DecodeDocument(bytes);
  REQUIRE(back.ok());
  CHECK(*back == a.doc);

  // The delta that made it, in the compact delta layout (kind 2): the range is [gap 0, span 1],
  // dot counters count down from the replica's highest (2), the timestamp is its difference from 0.
  // [1, 2, [1], [[0, 1]], [[0, 1], {"a": [1, [0, 0, 5, 1]]}]]
  CHECK(Hex(crdt::EncodeDelta(a.made[0])) ==
        "95 01 02 91 01 91 92 00 01 92 92 00 01 81 a1 61 92 01 94 00 00 05 01");
  CHECK(crdt::DecodeDelta(crdt::EncodeDelta(a.made[0])).value() == a.made[0]);
  // The same delta in a state's layout (StateAsDelta) differs from the state only in its kind.
  CHECK(Hex(crdt::StateAsDelta(bytes).value()) ==
        "95 01 01 91 01 91 92 01 02 92 92 00 01 81 a1 61 92 01 94 00 02 05 01");
  CHECK(crdt::DecodeDocument(crdt::EncodeDelta(a.made[0]))
            .status()
            .message()
            .find("expected a state, got a delta") != std::string::npos);
}

TEST_CASE("bytes that are not the canonical encoding are rejected") {
  Replica a{1};
  a.Commit(crdt::PutDelta(a.doc, J(R"({"a": 1})"), a.At(5)));
  const std::string bytes = crdt::EncodeDocument(a.doc);

  std::string wide = bytes;  // version 1 as a uint8 (cc 01) instead of a fixint: same value
  wide.replace(1, 1, "\xcc\x01");
  crdtdb::Result<Document> r = crdt::DecodeDocument(wide);
  CHECK(r.status().IsCorruption());
  CHECK(r.status().message() == "document: encoding is not canonical");

  std::string v2 = bytes;
  v2[1] = '\x02';
  CHECK(crdt::DecodeDocument(v2).status().message().find("unknown document format version") !=
        std::string::npos);
  CHECK(crdt::DecodeDocument(bytes + '\xc0').status().message() ==
        "document: trailing bytes after the document");
}

TEST_CASE("replicas that receive the same deltas in any order hold equal bytes and digests") {
  Replica a{1}, b{2}, c{3};
  StartFrom(R"({"t": "x", "o": {"p": 1}})", {&a, &b, &c});
  a.Commit(crdt::PatchDelta(a.doc, J(R"({"t": "a", "o": {"q": 2}})"), a.At(20)));
  b.Commit(crdt::IncrementDelta(b.doc, {"o", "n"}, 4, b.At(21)));
  c.Commit(crdt::SetAddDelta(c.doc, {"s"}, 3, c.At(22)));
  c.Commit(crdt::DeleteDelta(c.doc));  // removes what c saw: its own "s" too, and o.p
  b.Commit(crdt::SetFieldDelta(b.doc, {"t"}, "b", b.At(23)));

  // Four ways to the same state: deltas in two orders, a delta group, and full-state joins.
  Replica forward{9}, backward{10}, grouped{11}, joined{12};
  for (const Replica* r : {&a, &b, &c}) forward.Receive(*r);
  for (const Replica* r : {&c, &b, &a}) {
    for (auto it = r->made.rbegin(); it != r->made.rend(); ++it) backward.doc.ApplyDelta(*it);
  }
  Document group;
  for (const Replica* r : {&b, &a, &c}) {
    for (const Document& d : r->made) group.MergeDelta(d);
  }
  grouped.doc.ApplyDelta(group);
  joined.doc = FullJoin(FullJoin(c.doc, a.doc), b.doc);

  CHECK(crdt::ToJson(forward.doc) == J(R"({"t": "b", "o": {"q": 2, "n": 4}})"));
  CHECK(crdt::Conflicts(forward.doc) == J(R"({"/t": ["b", "a"]})"));
  CheckConverged({&forward, &backward, &grouped, &joined});
  const crdt::Digest digest = crdt::DigestOf(crdt::EncodeDocument(forward.doc));
  CHECK(digest == crdt::DigestOf(crdt::EncodeDocument(joined.doc)));
  CHECK(digest.ToHex().size() == 32);
  CHECK(digest != crdt::DigestOf(crdt::EncodeDocument(a.doc)));
}

// ---------------------------------------------------------------------------------------------
// Deltas and their mentions.

TEST_CASE("a delta mentions the fields it removes, and a delta join visits only those") {
  Replica a{1};
  a.Commit(crdt::PutDelta(a.doc, J(R"({"a": 1, "b": {"c": 2}})"), a.At(10)));
  // Dots: 1 root presence, 2 a, 3 b's presence, 4 c.
  Document delta = crdt::RemoveFieldDelta(a.doc, {"b", "c"}).value();
  CHECK(delta.context().VersionVector().empty());
  CHECK(delta.context().Contains({1, 4}));
  CHECK(delta.context().range_count() == 1);
  // The delta carries no dot, only the path to what it removes: b -> object -> c (empty).
  REQUIRE(delta.root().fields.count("b") == 1);
  const crdt::FieldNode& b = delta.root().fields.at("b");
  REQUIRE(b.object != nullptr);
  CHECK(b.object->presence.empty());
  REQUIRE(b.object->fields.count("c") == 1);
  CHECK(b.object->fields.at("c").empty());

  Document applied = a.doc;
  applied.ApplyDelta(delta);
  CHECK(applied == FullJoin(a.doc, delta));
  CHECK(crdt::ToJson(applied) == J(R"({"a": 1, "b": {}})"));

  // The mention is what makes the delta join find c: without it, only the full join does.
  Document bare = delta;
  bare.Normalize();
  CHECK(bare.root().empty());
  Document applied_bare = a.doc;
  applied_bare.ApplyDelta(bare);
  CHECK(crdt::ToJson(applied_bare) == J(R"({"a": 1, "b": {"c": 2}})"));
  CHECK(crdt::ToJson(FullJoin(a.doc, bare)) == J(R"({"a": 1, "b": {}})"));

  // Deltas encode with their mentions.
  crdtdb::Result<Document> decoded = crdt::DecodeDelta(crdt::EncodeDelta(delta));
  REQUIRE(decoded.ok());
  CHECK(*decoded == delta);
}

// ---------------------------------------------------------------------------------------------
// Every state a mutator makes can be stored and read back: the mutators apply the input limits to
// values built in code, not only to parsed JSON.

namespace {

// The state made by `delta` encodes to bytes that DecodeDocument accepts, and equals itself.
void CheckStorable(const crdtdb::Result<Document>& delta, const Document& base) {
  REQUIRE_MESSAGE(delta.ok(), delta.status().ToString());
  Document state = base;
  state.ApplyDelta(*delta);
  CHECK(state == state);  // operator== must be reflexive (it is not for a NaN value)
  crdtdb::Result<Document> back = crdt::DecodeDocument(crdt::EncodeDocument(state));
  REQUIRE_MESSAGE(back.ok(), back.status().ToString());
  CHECK(*back == state);
}

// A JSON object nested `levels` deep: {"d": {"d": ... {}}}.
Json NestedObject(int levels) {
  Json value = Json::object();
  for (int i = 1; i < levels; ++i) value = Json{{"d", value}};
  return value;
}

std::string MessageOf(const crdtdb::Result<Document>& r) { return r.status().message(); }

}  // namespace

TEST_CASE("documents and field paths nest at most kMaxJsonDepth levels") {
  const WriteStamp stamp{1, 10};
  CheckStorable(crdt::PutDelta(Document(), NestedObject(crdt::kMaxJsonDepth), stamp), Document());
  CHECK(MessageOf(crdt::PutDelta(Document(), NestedObject(crdt::kMaxJsonDepth + 1), stamp)) ==
        "value nests deeper than 32 levels");
  CHECK(MessageOf(crdt::PatchDelta(Document(), NestedObject(crdt::kMaxJsonDepth + 1), stamp)) ==
        "value nests deeper than 32 levels");

  // The root is level 1, and every name but the last of a path one more; a structured value
  // counts from there, as it would in the JSON text of the document.
  const FieldPath deepest(crdt::kMaxJsonDepth, "d");
  CheckStorable(crdt::SetFieldDelta(Document(), deepest, 1, stamp), Document());
  CheckStorable(crdt::IncrementDelta(Document(), deepest, 1, stamp), Document());
  CheckStorable(crdt::SetAddDelta(Document(), deepest, 1, stamp), Document());
  CHECK(MessageOf(crdt::SetFieldDelta(Document(), deepest, J("[1]"), stamp)) ==
        "value nests deeper than 32 levels");
  const FieldPath shallower(crdt::kMaxJsonDepth - 1, "d");
  CheckStorable(crdt::SetFieldDelta(Document(), shallower, J("[1]"), stamp), Document());
  CHECK(MessageOf(crdt::SetFieldDelta(Document(), shallower, J("[[1]]"), stamp)) ==
        "value nests deeper than 32 levels");
  const FieldPath too_deep(crdt::kMaxJsonDepth + 1, "d");
  CHECK(MessageOf(crdt::SetFieldDelta(Document(), too_deep, 1, stamp)) == "field path is too deep");
  CHECK(MessageOf(crdt::IncrementDelta(Document(), too_deep, 1, stamp)) ==
        "field path is too deep");
  CHECK(MessageOf(crdt::SetAddDelta(Document(), too_deep, 1, stamp)) == "field path is too deep");
}

TEST_CASE("numbers that are not finite and text that is not UTF-8 are InvalidArgument errors") {
  const WriteStamp stamp{1, 10};
  CHECK(MessageOf(crdt::SetFieldDelta(Document(), {"f"}, std::nan(""), stamp)) ==
        "numbers must be finite");
  CHECK(MessageOf(crdt::PutDelta(Document(), Json{{"f", Json::array({HUGE_VAL})}}, stamp)) ==
        "numbers must be finite");
  CHECK(MessageOf(crdt::SetAddDelta(Document(), {"s"}, -HUGE_VAL, stamp)) ==
        "numbers must be finite");

  const std::string bad("\xff");
  CHECK(MessageOf(crdt::SetFieldDelta(Document(), {"f"}, bad, stamp)) ==
        "strings must be valid UTF-8");
  CHECK(MessageOf(crdt::SetAddDelta(Document(), {"s"}, bad, stamp)) ==
        "strings must be valid UTF-8");
  CHECK(MessageOf(crdt::SetRemoveDelta(Document(), {"s"}, bad)) == "strings must be valid UTF-8");
  CHECK(MessageOf(crdt::SetFieldDelta(Document(), {bad}, 1, stamp)) ==
        "field names must be valid UTF-8");
  CHECK(MessageOf(crdt::PatchDelta(Document(), Json{{bad, 1}}, stamp)) ==
        "field names must be valid UTF-8");
  CHECK(MessageOf(crdt::RemoveFieldDelta(Document(), {bad})) == "field names must be valid UTF-8");
  CHECK(MessageOf(crdt::PutDelta(Document(), Json{{"b", Json::binary({1, 2})}}, stamp)) ==
        "not a JSON value");
  // Valid UTF-8 beyond ASCII is fine, in names, values and set elements.
  CheckStorable(crdt::PutDelta(Document(), J(R"({"ü✓": "ü✓", "n": -0.0})"), stamp), Document());
  CheckStorable(crdt::SetAddDelta(Document(), {"ü"}, "✓", stamp), Document());
}

TEST_CASE("a replica that increments concurrently with a delete keeps its whole running total") {
  // The causal counter keeps one entry per replica holding that replica's running total, so
  // metadata stays O(replicas). The price (docs/crdt.md section 9): a delete removes the entries it
  // observed, but a's concurrent +1 makes a new entry carrying a's total, 5 + 1.
  Replica a{1}, b{2};
  a.Commit(crdt::IncrementDelta(a.doc, {"n"}, 5, a.At(10)));
  b.Receive(a);
  b.Commit(crdt::DeleteDelta(b.doc));
  a.Commit(crdt::IncrementDelta(a.doc, {"n"}, 1, a.At(20)));
  ExchangeAll({&a, &b});

  CheckConverged({&a, &b});
  CHECK(crdt::ToJson(a.doc) == J(R"({"n": 6})"));
}

TEST_CASE("a write stamp with the reserved replica id 0 is refused") {
  crdtdb::Result<Document> r = crdt::PutDelta(Document(), J(R"({"a": 1})"), WriteStamp{0, 10});
  CHECK(r.status().IsInvalidArgument());
  CHECK(r.status().message() == "replica id 0 is reserved");
}
