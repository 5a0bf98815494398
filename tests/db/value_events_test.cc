// Copyright (c) crdtdb authors.
//
// The typed reads and writes build their Value from a document's events (crdt/json_sink.h,
// db/value_json.h) instead of parsing the JSON text the JSON calls return: the Value must be the
// one that text parses to, from a decoded document (EmitDocument) and from its encoding
// (EmitState, which starts over from the decoded form on a state with a list), on random reachable
// states (lists, text, counters, sets, concurrent values, deletions).

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "crdt/codec.h"
#include "crdt/materialize.h"
#include "crdt/state_json.h"
#include "db/value_json.h"
#include "tests/crdt/random_ops.h"
#include "tests/support/seed.h"

namespace crdtdb::testing {
namespace {

// What the typed calls returned before they had events: the JSON text, parsed.
Value ParsedText(const crdt::Document& doc) { return *db::ParsedDocument(crdt::DocumentJson(doc)); }

void CheckEventsBuildTheParsedValue(const crdt::Document& doc) {
  db::ValueBuilder from_document;
  crdt::EmitDocument(doc, from_document);
  CHECK(from_document.Take() == ParsedText(doc));

  // The encoding keeps a float with an integral value as an integer: compare with its decoding.
  const std::string bytes = crdt::EncodeDocument(doc);
  Result<crdt::Document> decoded = crdt::DecodeDocument(bytes);
  REQUIRE(decoded.ok());
  db::ValueBuilder from_state;
  Result<bool> live = crdt::EmitState(bytes, from_state);
  REQUIRE_MESSAGE(live.ok(), live.status().ToString());
  CHECK(*live == doc.live());
  if (*live) CHECK(from_state.Take() == ParsedText(*decoded));
}

TEST_CASE("a document's events build the Value its JSON text parses to: random reachable states") {
  for (uint64_t seed : PropertySeeds(300)) {
    CAPTURE(seed);
    INFO("replay: " << ReplayCommand(seed));
    RandomOps random(seed);
    for (const Replica& r : RandomSystem(random, 3, 10 + random.Uniform(40))) CheckEventsBuildTheParsedValue(r.doc);
  }
}

TEST_CASE("a builder reset in the middle of a value builds the next one alone") {
  db::ValueBuilder builder;
  builder.BeginObject();
  builder.Key("a");
  builder.BeginArray();
  builder.Int(1);
  builder.Reset();
  builder.BeginObject();
  builder.Key("b");
  builder.Text(R"({"x":[1,2.5,"s"]})");
  builder.Key("c");
  builder.Uint(uint64_t{1} << 63);
  builder.EndObject();
  CHECK(builder.Take() == Value(Object{{"b", Object{{"x", Array{1, 2.5, "s"}}}}, {"c", uint64_t{1} << 63}}));
  CHECK(builder.Take().is_null());  // taken: empty again
}

}  // namespace
}  // namespace crdtdb::testing
