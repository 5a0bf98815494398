// Copyright (c) crdtdb authors.
//
// The laws every state-based CRDT must obey, checked on seeded random reachable states:
// join is commutative, associative and idempotent; every delta mutator's delta, joined into the
// state it was made from, gives the operation's result (checked against a JSON model of the
// operation); applying a delta by its mentions equals the full join; a delta group acts as its
// deltas in sequence.

#include <doctest/doctest.h>

#include "crdt/codec.h"
#include "crdt/delta_since.h"
#include "crdt/dot_conflicts.h"
#include "crdt/materialize.h"
#include "tests/crdt/random_ops.h"
#include "tests/support/seed.h"

namespace crdtdb::testing {
namespace {

Document Joined(Document a, const Document& b) {
  a.Join(b);
  return a;
}

// Equal as values and as canonical bytes.
void CheckSame(const Document& a, const Document& b) {
  CHECK(a == b);
  CHECK(crdt::EncodeDocument(a) == crdt::EncodeDocument(b));
}

std::vector<Document> ThreeStates(RandomOps& random) {
  std::vector<Replica> system = RandomSystem(random, 3, 20 + random.Uniform(40));
  return {system[0].doc, system[1].doc, system[2].doc};
}

TEST_CASE("join is commutative, associative and idempotent") {
  for (uint64_t seed : PropertySeeds(2000)) {
    CAPTURE(seed);
    RandomOps random(seed);
    std::vector<Document> s = ThreeStates(random);
    CheckSame(Joined(s[0], s[1]), Joined(s[1], s[0]));
    CheckSame(Joined(Joined(s[0], s[1]), s[2]), Joined(s[0], Joined(s[1], s[2])));
    CheckSame(Joined(s[0], s[0]), s[0]);
    // Join is an upper bound: joining a part again changes nothing.
    CheckSame(Joined(Joined(s[0], s[1]), s[1]), Joined(s[0], s[1]));
  }
}

// The JSON a read shows after `op` on a document showing `before`, by the operation's definition.
Json ModelResult(const Json& before, const Op& op, bool* model_applies) {
  *model_applies = true;
  Json doc = before.is_null() ? Json::object() : before;
  switch (op.kind) {
    case Op::kPut: return op.value;
    case Op::kPatch: doc.merge_patch(op.value); return doc;
    case Op::kDelete: return nullptr;
    default: break;
  }
  *model_applies = false;  // field ops are checked by path below
  return nullptr;
}

const Json* At(const Json& doc, const FieldPath& path) {
  const Json* node = &doc;
  for (const std::string& name : path) {
    if (!node->is_object() || !node->contains(name)) return nullptr;
    node = &(*node)[name];
  }
  return node;
}

void CheckFieldOp(const Json& before, const Json& after, const Op& op) {
  const Json* value = At(after, op.path);
  switch (op.kind) {
    case Op::kSetField:
      REQUIRE(value != nullptr);
      CHECK(*value == op.value);
      break;
    case Op::kRemoveField: CHECK(value == nullptr); break;
    case Op::kIncrement: {
      const Json* old = At(before, op.path);
      const int64_t old_value = old != nullptr ? old->get<int64_t>() : 0;
      REQUIRE(value != nullptr);
      CHECK(value->get<int64_t>() == old_value + op.by);
      break;
    }
    case Op::kSetAdd:
      REQUIRE(value != nullptr);
      CHECK(std::find(value->begin(), value->end(), op.value) != value->end());
      break;
    case Op::kSetRemove:
      if (value != nullptr) CHECK(std::find(value->begin(), value->end(), op.value) == value->end());
      break;
    case Op::kListInsert:
    case Op::kListRemove:
    case Op::kListReplace: {
      // The list the op saw, with the op done on it by index, as a JSON array.
      const Json* old = At(before, op.path);
      Json expected = old != nullptr ? *old : Json::array();
      REQUIRE(expected.is_array());
      const size_t size = expected.size() + (op.kind == Op::kListInsert ? 1 : 0);
      const size_t index = size == 0 ? 0 : static_cast<size_t>(op.by) % size;
      if (op.kind == Op::kListInsert) {
        expected.insert(expected.begin() + static_cast<std::ptrdiff_t>(index), op.value.begin(), op.value.end());
      } else if (op.kind == Op::kListRemove) {
        expected.erase(index);
      } else {
        expected[index] = op.value;
      }
      REQUIRE(value != nullptr);
      CHECK(*value == expected);
      break;
    }
    default: break;
  }
}

TEST_CASE("every delta mutator gives the operation's result: x join delta(x) == op(x)") {
  size_t checked = 0;
  for (uint64_t seed : PropertySeeds(2000)) {
    CAPTURE(seed);
    RandomOps random(seed);
    std::vector<Replica> system = RandomSystem(random, 3, 10 + random.Uniform(30));
    const Document& x = system[random.Uniform(3)].doc;
    for (int i = 0; i < 8; ++i) {
      const Op op = random.RandomOp();
      CAPTURE(op.kind);
      CAPTURE(op.value.dump());
      Result<Document> delta = DeltaOf(x, op, crdt::WriteStamp{7, crdt::MakeTimestamp(1'800'000'000'000, 0)});
      if (!delta.ok()) {
        CHECK(delta.status().IsInvalidArgument());
        continue;
      }
      Document applied = x;
      applied.ApplyDelta(*delta);
      CheckSame(applied, Joined(x, *delta));  // by mentions == full join
      const Json before = crdt::ToJson(x);
      const Json after = crdt::ToJson(applied);
      bool model_applies = false;
      const Json expected = ModelResult(before, op, &model_applies);
      if (model_applies) {
        CHECK(after == expected);
      } else {
        CheckFieldOp(before.is_null() ? Json::object() : before, after.is_null() ? Json::object() : after, op);
      }
      // The delta is a fragment: applying it twice changes nothing more.
      Document twice = applied;
      twice.ApplyDelta(*delta);
      CheckSame(twice, applied);
      ++checked;
    }
  }
  MESSAGE("mutator cases checked: " << checked);
  CHECK(checked > 1000);
}

TEST_CASE("a join says whether it changed the state, exactly, with no copy to compare with") {
  size_t changed = 0, unchanged = 0;
  for (uint64_t seed : PropertySeeds(1000)) {
    CAPTURE(seed);
    RandomOps random(seed);
    std::vector<Replica> system = RandomSystem(random, 3, 10 + random.Uniform(30));
    std::vector<Document> deltas;
    for (int i = 0; i < 6; ++i) deltas.push_back(system[random.Uniform(3)].Write(random));
    for (int i = 0; i < 12; ++i) {
      Document& x = system[random.Uniform(3)].doc;
      const Document before = x;
      bool said = false;
      if (random.Chance(0.5)) {
        said = x.Join(system[random.Uniform(3)].doc);
      } else {
        said = x.ApplyDelta(deltas[random.Uniform(deltas.size())]);
      }
      CHECK(said == !(x == before));
      ++(said ? changed : unchanged);
    }
  }
  CHECK(changed > 1000);
  CHECK(unchanged > 1000);
}

TEST_CASE("a dot held with another payload is found before a join, at any depth") {
  const crdt::WriteStamp stamp{7, crdt::MakeTimestamp(1'800'000'000'000, 0)};
  Document base;
  base.ApplyDelta(crdt::PutDelta(Document(), Json{{"keep", 0}}, stamp).value());
  // Replica 7 and a twin of it (a store restored from a copy) issue the same next dots.
  auto write = [&](const Json& value) {
    Document doc = base;
    Document delta = crdt::PatchDelta(doc, value, stamp).value();
    doc.ApplyDelta(delta);
    return std::pair{doc, delta};
  };
  for (const auto& [mine_json, twin_json] : std::vector<std::pair<Json, Json>>{
           {Json{{"a", 1}}, Json{{"a", 2}}}, {Json{{"o", {{"b", 1}}}}, Json{{"o", {{"b", 2}}}}}}) {
    CAPTURE(mine_json.dump());
    const auto [mine, mine_delta] = write(mine_json);
    const auto [twin, twin_delta] = write(twin_json);
    const crdt::DotConflicts from_delta = crdt::FindDotConflicts(mine, twin_delta);
    CHECK(from_delta.count == 1);
    CHECK(mine_delta.context().Contains(from_delta.first));
    CHECK(crdt::FindDotConflicts(mine, twin).count == 1);
    CHECK(crdt::FindDotConflicts(mine, mine_delta).count == 0);
    CHECK(crdt::FindDotConflicts(mine, base).count == 0);
  }
  Document counted = base;
  counted.ApplyDelta(crdt::IncrementDelta(base, {"n"}, 1, stamp).value());
  const Document twin_increment = crdt::IncrementDelta(base, {"n"}, 5, stamp).value();
  CHECK(crdt::FindDotConflicts(counted, twin_increment).count == 1);
}

TEST_CASE("a delta group acts as its deltas applied in sequence") {
  for (uint64_t seed : PropertySeeds(1000)) {
    CAPTURE(seed);
    RandomOps random(seed);
    std::vector<Replica> system = RandomSystem(random, 2, 10 + random.Uniform(20));
    Replica& writer = system[0];
    Document start = system[1].doc;  // a replica that has seen some of the writer's past
    Document group;
    Document sequential = start;
    for (int i = 0; i < 6; ++i) {
      Document delta = writer.Write(random);
      sequential.ApplyDelta(delta);
      group.MergeDelta(delta);
    }
    Document grouped = start;
    grouped.ApplyDelta(group);
    CheckSame(grouped, sequential);
    CheckSame(grouped, Joined(start, group));
  }
}

TEST_CASE("the delta since another replica's context, joined into it, gives the full join") {
  for (uint64_t seed : PropertySeeds(2000)) {
    CAPTURE(seed);
    RandomOps random(seed);
    std::vector<Document> s = ThreeStates(random);
    const Document a = Joined(s[0], s[2]);  // overlaps with b through s[2]'s history
    const Document& b = s[1];
    const Document delta = crdt::DeltaSince(a, b.context());
    CheckSame(Joined(b, delta), Joined(b, a));
    // Shipped as bytes, as a sync does: the delta is a well-formed state.
    Result<Document> decoded = crdt::DecodeDocument(crdt::EncodeDocument(delta));
    REQUIRE_MESSAGE(decoded.ok(), decoded.status().ToString());
    CheckSame(Joined(b, *decoded), Joined(b, a));
    // Nothing is missing from a replica that has seen everything; all is from one that saw nothing.
    CheckSame(Joined(a, crdt::DeltaSince(a, a.context())), a);
    CheckSame(crdt::DeltaSince(a, crdt::DotContext()), a);
    // And the delta holds no dot b has seen.
    crdt::ForEachDot(delta.root(), [&](const crdt::Dot& d) { CHECK_FALSE(b.context().Contains(d)); });
  }
}

TEST_CASE("a delta joined into bottom is the delta without its mentions") {
  // The write path relies on it: the first write of a document stores its normalized delta.
  for (uint64_t seed : PropertySeeds(1000)) {
    CAPTURE(seed);
    RandomOps random(seed);
    std::vector<Replica> system = RandomSystem(random, 2, 5 + random.Uniform(20));
    Document group;
    for (int i = 0; i < 4; ++i) {
      Document delta = system[random.Uniform(2)].Write(random);
      group.MergeDelta(delta);
      for (const Document* d : {&delta, &group}) {
        Document applied;
        applied.ApplyDelta(*d);
        Document normalized = *d;
        normalized.Normalize();
        CheckSame(applied, normalized);
      }
    }
  }
}

TEST_CASE("deltas are small: a field write carries only that field") {
  RandomOps random(42);
  Document doc;
  Json big = Json::object();
  for (int i = 0; i < 200; ++i) {
    // Appended rather than `"f" + std::to_string(i)`: GCC 12 at -O3 raises a false -Wrestrict on
    // operator+(const char*, string&&) (GCC bug 105651).
    std::string name = "f";
    name += std::to_string(i);
    big[name] = i;
  }
  doc.ApplyDelta(*crdt::PutDelta(doc, big, crdt::WriteStamp{1, 10}));
  Result<Document> delta = crdt::PatchDelta(doc, Json{{"f7", "x"}}, crdt::WriteStamp{1, 11});
  REQUIRE(delta.ok());
  CHECK(delta->root().fields.size() == 1);
  CHECK(crdt::EncodeDelta(*delta).size() < 64);
  CHECK(crdt::EncodeDocument(doc).size() > 200 * 4);
}

TEST_CASE("metadata stays O(replicas): repeated writes leave one range and one presence dot per writer") {
  RandomOps random(9);
  std::vector<Replica> replicas(3);
  for (size_t i = 0; i < replicas.size(); ++i) replicas[i].id = 10 + i;
  int increments = 0;
  for (int w = 0; w < 3000; ++w) {
    Replica& writer = replicas[w % 3];
    const uint64_t kind = random.Uniform(3);
    increments += kind == 1;
    Result<Document> delta =
        kind == 0   ? crdt::PatchDelta(writer.doc, Json{{"title", w}, {"o", {{"k", w}}}}, {writer.id, 1000u + w})
        : kind == 1 ? crdt::IncrementDelta(writer.doc, {"views"}, 1, {writer.id, 1000u + w})
                    : crdt::SetAddDelta(writer.doc, {"tags"}, w % 5, {writer.id, 1000u + w});
    REQUIRE(delta.ok());
    for (Replica& r : replicas) r.doc.ApplyDelta(*delta);  // reliable, in order
  }
  const Document& doc = replicas[0].doc;
  CHECK(doc.context().replica_count() == 3);
  CHECK(doc.context().range_count() == 3);
  CHECK(doc.root().presence.size() == 1);
  CHECK(doc.root().fields.at("o").object->presence.size() == 1);
  CHECK(doc.root().fields.at("views").counters.size() == 3);
  CHECK(doc.root().fields.at("title").registers.size() == 1);
  for (const auto& [element, dots] : doc.root().fields.at("tags").set) CHECK(dots.size() == 1);
  CHECK(crdt::ToJson(doc)["views"] == increments);
  CHECK(crdt::EncodeDocument(doc).size() < 200);
}

}  // namespace
}  // namespace crdtdb::testing
