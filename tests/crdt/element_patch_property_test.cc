// Copyright (c) crdtdb authors.
//
// Property: replicas that edit inside the elements of one list concurrently through JSON Patch
// (fields of an element, a list nested in it, inserts and removals of elements, indexes resolved
// against the current state or a stated older version) converge byte-identically whatever order
// the deltas arrive in, duplicated, and end at the join of everything written.

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "crdt/codec.h"
#include "crdt/json_patch.h"
#include "crdt/list_mutators.h"
#include "crdt/materialize.h"
#include "tests/crdt/random_ops.h"
#include "tests/support/seed.h"

namespace crdtdb::testing {
namespace {

// A random JSON Patch of one or two operations, most of them inside an element of /items.
Json RandomElementPatch(RandomOps& random, size_t items) {
  Json patch = Json::array();
  for (uint64_t n = 1 + random.Uniform(2); n > 0; --n) {
    const std::string at = "/items/" + std::to_string(random.Uniform(items + 1));
    const std::string tag = at + "/tags/" + (random.Chance(0.5) ? std::string("-") : std::to_string(random.Uniform(3)));
    switch (random.Uniform(8)) {
      case 0: patch.push_back({{"op", "add"}, {"path", at}, {"value", {{"t", random.Scalar()}}}}); break;
      case 1: patch.push_back({{"op", "remove"}, {"path", at}}); break;
      case 2: patch.push_back({{"op", "replace"}, {"path", at + "/t"}, {"value", random.Scalar()}}); break;
      case 3: patch.push_back({{"op", "add"}, {"path", at + "/done"}, {"value", random.Chance(0.5)}}); break;
      case 4: patch.push_back({{"op", "remove"}, {"path", at + "/done"}}); break;
      case 5: patch.push_back({{"op", "add"}, {"path", tag}, {"value", random.Scalar()}}); break;
      case 6: patch.push_back({{"op", "remove"}, {"path", at + "/tags/" + std::to_string(random.Uniform(3))}}); break;
      default: patch.push_back({{"op", "add"}, {"path", at + "/tags"}, {"value", Json::array({random.Scalar()})}});
    }
  }
  return patch;
}

// Writes a random patch on `r`, with its indexes sometimes resolved against `read`, the version
// its client last read (a patch its state refuses, e.g. an index out of range, writes nothing);
// returns its delta, bottom when refused. Counts the patches that wrote inside an element.
Document WriteOne(RandomOps& random, Replica& r, crdt::DotContext& read, size_t& inside) {
  r.physical_ms += random.Uniform(3);
  Result<std::vector<crdt::Dot>> ids = crdt::ListElementIds(r.doc, {"items"});
  const Json patch = RandomElementPatch(random, ids.ok() ? ids->size() : 0);
  Result<std::vector<crdt::PatchOperation>> ops = crdt::ParseJsonPatch(patch);
  REQUIRE(ops.ok());
  const bool stated = random.Chance(0.3);
  Result<Document> delta = crdt::JsonPatchDelta(r.doc, *ops, stated ? &read : nullptr,
                                                crdt::WriteStamp{r.id, r.clock.Now(r.physical_ms)});
  if (random.Chance(0.3)) read = r.doc.context();
  if (!delta.ok()) return Document();
  for (const crdt::PatchOperation& op : *ops) inside += op.path.size() > 2 ? 1 : 0;
  r.doc.ApplyDelta(*delta);
  return std::move(delta).value();
}

TEST_CASE("concurrent JSON Patch writes inside list elements converge under any delivery order") {
  size_t inside = 0;
  for (uint64_t seed : PropertySeeds(300)) {
    CAPTURE(seed);
    RandomOps random(seed);
    const size_t n = 2 + random.Uniform(3);
    std::vector<Replica> replicas(n);
    std::vector<crdt::DotContext> reads(n);
    const Json start = Json::parse(R"({"items":[{"t":"a","tags":["x"]},{"t":"b","done":false},{"t":"c"}]})");
    Result<Document> first = crdt::PutDelta(Document(), start, crdt::WriteStamp{7, 1});
    REQUIRE(first.ok());
    Document all = *first;
    for (size_t i = 0; i < n; ++i) {
      replicas[i].id = 100 + random.Uniform(1u << 20) * 16 + i;
      replicas[i].doc = *first;
      reads[i] = first->context();
    }
    std::vector<InFlight> network;
    for (size_t w = 0, writes = 10 + random.Uniform(40); w < writes; ++w) {
      const size_t writer = random.Uniform(n);
      Document delta = WriteOne(random, replicas[writer], reads[writer], inside);
      if (delta.bottom()) continue;
      all.Join(delta);
      for (size_t to = 0; to < n; ++to) {
        if (to == writer) continue;
        network.push_back({to, delta});
        if (random.Chance(0.1)) network.push_back({to, delta});  // duplicate
      }
      while (!network.empty() && random.Chance(0.4)) DeliverOne(random, network, replicas);
    }
    while (!network.empty()) DeliverOne(random, network, replicas);
    const std::string bytes = crdt::EncodeDocument(replicas[0].doc);
    for (const Replica& r : replicas) CHECK(crdt::EncodeDocument(r.doc) == bytes);
    all.Normalize();
    CHECK(replicas[0].doc == all);
    // Every element is still an object: no write inside one replaced it by something else.
    const Json shown = crdt::ToJson(replicas[0].doc);
    for (const Json& item : shown["items"]) CHECK(item.is_object());
  }
  // The generator writes inside elements, not only refused patches.
  CHECK(inside > 0);
}

}  // namespace
}  // namespace crdtdb::testing
