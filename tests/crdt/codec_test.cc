// Copyright (c) crdtdb authors.
//
// The canonical encoding: round trips exactly, equal states give equal bytes, and hostile bytes
// (truncated, flipped, random, lying lengths, deep nesting, non-canonical) give an error value.
// Run under AddressSanitizer in CI, so "never crashes, never allocates unboundedly" is checked too.

#include "crdt/codec.h"
#include "crdt/list_node.h"

#include <cmath>
#include <cstdint>
#include <random>
#include <string>

#include <doctest/doctest.h>

#include "crdt/digest.h"
#include "crdt/json_input.h"
#include "crdt/limits.h"
#include "crdt/materialize.h"
#include "crdt/mutators.h"
#include "crdt/state_json.h"
#include "tests/crdt/random_ops.h"
#include "tests/support/seed.h"

namespace crdtdb::testing {
namespace {

using crdt::DecodeDelta;
using crdt::DecodeDocument;
using crdt::EncodeDelta;
using crdt::EncodeDocument;

TEST_CASE("decode(encode(x)) == x for random states and deltas") {
  for (uint64_t seed : PropertySeeds(1000)) {
    CAPTURE(seed);
    RandomOps random(seed);
    std::vector<Replica> system = RandomSystem(random, 3, 10 + random.Uniform(40));
    for (const Replica& r : system) {
      const std::string bytes = EncodeDocument(r.doc);
      Result<Document> back = DecodeDocument(bytes);
      REQUIRE_MESSAGE(back.ok(), back.status().ToString());
      CHECK(*back == r.doc);
      CHECK(EncodeDocument(*back) == bytes);
    }
    Document delta = system[0].Write(random);
    const std::string bytes = EncodeDelta(delta);
    Result<Document> back = DecodeDelta(bytes);
    REQUIRE_MESSAGE(back.ok(), back.status().ToString());
    CHECK(*back == delta);
    // Delta logs written before protocol 4 hold deltas, mentions included, in the state layout
    // with kind 1: still read, as the same delta.
    Result<Document> old_layout = DecodeDelta(crdt::StateAsDelta(EncodeDocument(delta)).value());
    REQUIRE_MESSAGE(old_layout.ok(), old_layout.status().ToString());
    CHECK(*old_layout == delta);
  }
}

TEST_CASE("states and deltas are not confused") {
  RandomOps random(3);
  std::vector<Replica> system = RandomSystem(random, 2, 10);
  CHECK(DecodeDelta(EncodeDocument(system[0].doc)).status().IsCorruption());
  CHECK(DecodeDocument(EncodeDelta(system[0].Write(random))).status().IsCorruption());
}

TEST_CASE(
    "StateAsDelta(encoded state) decodes as a delta equal to the state; other bytes are refused") {
  for (uint64_t seed : PropertySeeds(300)) {
    CAPTURE(seed);
    RandomOps random(seed);
    std::vector<Replica> system = RandomSystem(random, 3, 10 + random.Uniform(40));
    for (const Replica& r : system) {
      Result<std::string> as_delta = crdt::StateAsDelta(EncodeDocument(r.doc));
      REQUIRE_MESSAGE(as_delta.ok(), as_delta.status().ToString());
      Result<Document> back = DecodeDelta(*as_delta);
      REQUIRE_MESSAGE(back.ok(), back.status().ToString());
      CHECK(*back == r.doc);
      // The compact layout says the same in no more bytes. Whole states exercise it with many
      // replicas, ranges and timestamps in any order.
      const std::string compact = EncodeDelta(r.doc);
      CHECK(DecodeDelta(compact).value() == r.doc);
      CHECK(compact.size() <= as_delta->size());
    }
  }
  RandomOps random(5);
  std::vector<Replica> system = RandomSystem(random, 2, 10);
  CHECK(crdt::StateAsDelta(EncodeDelta(system[0].Write(random))).status().IsCorruption());
  CHECK(crdt::StateAsDelta("").status().IsCorruption());
  CHECK(crdt::StateAsDelta("\x95\x01").status().IsCorruption());
}

TEST_CASE("compact deltas refuse dots below counter 1 and adjacent ranges; timestamps wrap") {
  Document delta = *crdt::PutDelta(Document(), Json{{"a", 1}}, crdt::WriteStamp{1, 5});
  const std::string good = EncodeDelta(delta);
  // [1, 2, [1], [[0, 1]], [[0, 1], {"a": [1, [0, 0, 5, 1]]}]]
  REQUIRE(good == std::string("\x95\x01\x02\x91\x01\x91\x92\x00\x01\x92\x92\x00\x01\x81\xa1\x61\x92"
                              "\x01\x94\x00\x00\x05\x01",
                              23));
  auto with = [&](size_t at, char byte) {
    std::string bytes = good;
    bytes[at] = byte;
    return DecodeDelta(bytes).status();
  };
  CHECK(with(20, 0x02).message().find("missing from the context") !=
        std::string::npos);  // counter 2 - 2
  CHECK(with(20, 0x7f).message().find("missing from the context") != std::string::npos);  // below 1
  // Timestamp 0 + (-1) wraps to 2^64 - 1: a valid value, read back as such.
  std::string wrapped = good;
  wrapped[21] = static_cast<char>(0xff);
  Result<Document> wrapped_delta = DecodeDelta(wrapped);
  REQUIRE_MESSAGE(wrapped_delta.ok(), wrapped_delta.status().ToString());
  const auto& registers = wrapped_delta->root().fields.at("a").registers;
  REQUIRE(registers.size() == 1);
  CHECK(registers[0].timestamp == UINT64_MAX);
  CHECK(EncodeDelta(*wrapped_delta) == wrapped);
  // Two adjacent ranges [1, 1] [2, 2] (gap 0) would have been merged: not canonical.
  const std::string adjacent("\x95\x01\x02\x91\x01\x91\x94\x00\x00\x00\x00\x92\x90\x80", 14);
  CHECK(DecodeDelta(adjacent).status().message().find("malformed dot range") != std::string::npos);
}

TEST_CASE("equal states built in different orders encode to equal bytes and digests") {
  Document a, b;
  const crdt::WriteStamp s1{1, 100}, s2{2, 100};
  Document d1 = *crdt::PutDelta(Document(), Json{{"x", 1}, {"y", {{"z", true}}}}, s1);
  Document d2 = *crdt::IncrementDelta(Document(), {"n"}, 5, s2);
  a.ApplyDelta(d1);
  a.ApplyDelta(d2);
  b.ApplyDelta(d2);
  b.ApplyDelta(d1);
  CHECK(EncodeDocument(a) == EncodeDocument(b));
  CHECK(crdt::DigestOf(EncodeDocument(a)) == crdt::DigestOf(EncodeDocument(b)));
  CHECK(crdt::DigestOf(EncodeDocument(a)).ToHex().size() == 32);
  Document c = a;
  c.ApplyDelta(*crdt::IncrementDelta(c, {"n"}, 1, s1));
  CHECK(crdt::DigestOf(EncodeDocument(a)) != crdt::DigestOf(EncodeDocument(c)));
}

TEST_CASE("an unknown format version is a clear error") {
  Document doc;
  doc.ApplyDelta(*crdt::PutDelta(doc, Json{{"x", 1}}, crdt::WriteStamp{1, 1}));
  std::string bytes = EncodeDocument(doc);
  REQUIRE(bytes[1] == 1);  // [fixarray 5][version 1]...
  bytes[1] = 2;
  Result<Document> back = DecodeDocument(bytes);
  CHECK(back.status().IsCorruption());
  CHECK(back.status().message().find("unknown document format version") != std::string::npos);
}

// Every outcome of decoding hostile bytes is an error or a document that re-encodes to the same
// bytes; under ASan this also proves there is no out-of-bounds read and no crash.
void CheckHostile(const std::string& bytes) {
  for (bool delta : {false, true}) {
    Result<Document> doc = delta ? DecodeDelta(bytes) : DecodeDocument(bytes);
    if (doc.ok()) {
      const std::string again = delta ? EncodeDelta(*doc) : EncodeDocument(*doc);
      // A delta may also be in a state's layout (StateAsDelta).
      if (delta && again != bytes) {
        CHECK(crdt::StateAsDelta(EncodeDocument(*doc)).value() == bytes);
      } else {
        CHECK(again == bytes);
      }
    } else {
      CHECK(doc.status().IsCorruption());
    }
  }
}

TEST_CASE("every truncation and many byte flips of valid encodings fail cleanly") {
  size_t cases = 0;
  for (uint64_t seed : PropertySeeds(200)) {
    CAPTURE(seed);
    RandomOps random(seed);
    std::vector<Replica> system = RandomSystem(random, 3, 20);
    const std::string bytes = EncodeDocument(system[0].doc);
    for (size_t len = 0; len < bytes.size(); ++len) {
      CHECK_FALSE(DecodeDocument(bytes.substr(0, len)).ok());
      ++cases;
    }
    for (int i = 0; i < 50; ++i) {
      std::string flipped = bytes;
      flipped[random.Uniform(flipped.size())] ^= static_cast<char>(1 + random.Uniform(255));
      CheckHostile(flipped);
      ++cases;
    }
    CheckHostile(bytes + '\0');
    CHECK_FALSE(DecodeDocument(bytes + '\0').ok());  // trailing bytes
  }
  MESSAGE("hostile encodings checked: " << cases);
}

TEST_CASE("random bytes fail cleanly") {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 20000; ++i) {
    std::string bytes(rng() % 64, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    if (!bytes.empty() && rng() % 2) bytes[0] = '\x95';  // looks like a document header
    CheckHostile(bytes);
  }
}

TEST_CASE("lying lengths, deep nesting and oversized input are rejected without allocating") {
  // array32 declaring 4 billion elements: msgpack::unpack would try to allocate ~96 GB.
  CheckHostile(std::string("\xdd\xff\xff\xff\xff", 5));
  CheckHostile(std::string("\x95\x01\x00\xdd\xff\xff\xff\xff", 8));
  CheckHostile(std::string("\x95\x01\x00\x90\x90\x92\x90\xdf\xff\xff\xff\xff", 12));
  CheckHostile(std::string("\xdb\xff\xff\xff\xff", 5));  // str32 of 4 GB
  // Objects nested far deeper than the depth limit.
  std::string nest;
  for (int i = 0; i < 10000; ++i) nest += std::string("\x92\x90\x81\xa1x\x92\x08", 7);
  CheckHostile(std::string("\x95\x01\x00\x91\x01\x91\x92\x01\x01", 9) + nest);
  CHECK(DecodeDocument(std::string(crdt::kMaxEncodedBytes + 1, '\x90')).status().IsCorruption());
}

// A deleted document whose context holds `ranges` single dots of one replica, none adjacent: the
// most ranges per byte a context can carry.
crdt::Document DotCloud(size_t ranges) {
  crdt::Document doc;
  for (uint64_t i = 0; i < ranges; ++i) doc.mutable_context().Add(crdt::Dot{1, 1 + 2 * i});
  return doc;
}

TEST_CASE("a causal context of more than kMaxContextRanges ranges is refused by the decoder") {
  const crdt::Document at_limit = DotCloud(crdt::kMaxContextRanges);
  CHECK(DecodeDocument(EncodeDocument(at_limit)).ok());
  CHECK(DecodeDelta(EncodeDelta(at_limit)).ok());
  crdt::Document past = at_limit;
  past.mutable_context().Add(crdt::Dot{2, 1});  // the limit counts the ranges of every replica
  for (const Result<crdt::Document>& r :
       {DecodeDocument(EncodeDocument(past)), DecodeDelta(EncodeDelta(past))}) {
    REQUIRE(r.status().IsCorruption());
    CHECK(r.status().message().find("more dot ranges than the limit (1048576)") !=
          std::string::npos);
  }
}

// JSON text of `objects` objects nested in one another, the innermost holding "a": `leaf`.
std::string NestedObjects(int objects, const std::string& leaf) {
  std::string text;
  for (int i = 0; i < objects; ++i) text += "{\"a\":";
  text += leaf;
  for (int i = 0; i < objects; ++i) text += "}";
  return text;
}

// The field "a" of the innermost of `objects` nested objects.
crdt::FieldNode& InnermostField(Document& doc, int objects) {
  crdt::ObjectNode* object = &doc.mutable_root();
  for (int i = 1; i < objects; ++i) object = &object->fields.at("a").mutable_object();
  return object->fields.at("a");
}

// `at_limit` (JSON text nesting exactly kMaxJsonDepth levels in `objects` objects) passes JSON
// input, the put, the encoder and both decoders of a state; `past` (one level more) is refused by
// JSON input and the put, and a state made one level deeper by hand (`deepen` applied to the
// innermost field) by the decoders.
void CheckDepthBoundary(int objects, const std::string& at_limit, const std::string& past,
                        void (*deepen)(crdt::FieldNode&)) {
  Result<Json> json = crdt::ParseJsonObject(at_limit);
  REQUIRE_MESSAGE(json.ok(), json.status().ToString());
  Result<Document> delta = crdt::PutDelta(Document(), *json, crdt::WriteStamp{1, 1});
  REQUIRE_MESSAGE(delta.ok(), delta.status().ToString());
  Document doc;
  doc.ApplyDelta(*delta);
  const std::string bytes = EncodeDocument(doc);
  Result<Document> back = DecodeDocument(bytes);
  REQUIRE_MESSAGE(back.ok(), back.status().ToString());
  CHECK(*back == doc);
  CHECK(DecodeDelta(EncodeDelta(doc)).ok());
  Result<std::optional<std::string>> rendered = crdt::StateJson(bytes);
  REQUIRE_MESSAGE(rendered.ok(), rendered.status().ToString());
  CHECK(Json::parse(**rendered) == *json);

  CHECK(crdt::ParseJsonObject(past).status().message() == "JSON input nests deeper than 32 levels");
  CHECK(crdt::PutDelta(Document(), Json::parse(past), crdt::WriteStamp{1, 1}).status().message() ==
        "value nests deeper than 32 levels");
  deepen(InnermostField(doc, objects));
  const std::string deeper = EncodeDocument(doc);
  for (const Status& s : {DecodeDocument(deeper).status(), DecodeDelta(EncodeDelta(doc)).status(),
                          crdt::StateJson(deeper).status()}) {
    CHECK(s.IsCorruption());
    CHECK(s.message().find("nested too deeply") != std::string::npos);
  }
}

TEST_CASE(
    "objects nested exactly at the depth limit are accepted everywhere, one level more nowhere") {
  CheckDepthBoundary(kMaxJsonDepth, NestedObjects(kMaxJsonDepth, "1"),
                     NestedObjects(kMaxJsonDepth + 1, "1"), [](crdt::FieldNode& field) {
                       crdt::FieldNode leaf = std::move(field);
                       field = crdt::FieldNode();
                       field.mutable_object().fields.emplace("a", std::move(leaf));
                     });
}

TEST_CASE(
    "an array ending exactly at the depth limit is accepted everywhere, one level more nowhere") {
  // The array counts from the object holding it, as JSON input counts; an empty one is a level too.
  // Arrays written are lists; one level more is made as an array stored whole in a register (as
  // before lists existed), under the list's presence dot.
  CheckDepthBoundary(kMaxJsonDepth - 2, NestedObjects(kMaxJsonDepth - 2, "[[]]"),
                     NestedObjects(kMaxJsonDepth - 2, "[[[]]]"), [](crdt::FieldNode& field) {
                       const crdt::Dot dot = field.list->presence.at(0);
                       field = crdt::FieldNode();
                       field.registers.push_back(crdt::RegisterEntry{dot, 1, Json::parse("[[[]]]")});
                     });
}

TEST_CASE("non-canonical encodings of a valid state are rejected") {
  Document doc;
  doc.ApplyDelta(*crdt::PutDelta(doc, Json{{"x", 1}}, crdt::WriteStamp{1, 1}));
  const std::string bytes = EncodeDocument(doc);
  // The version as uint8 (0xcc 0x01) instead of the positive fixint 0x01.
  std::string wide = bytes.substr(0, 1) + std::string("\xcc\x01", 2) + bytes.substr(2);
  CHECK(DecodeDocument(wide).status().message().find("not canonical") != std::string::npos);
}

TEST_CASE("floats keep their type and sign through the encoding, whole or not") {
  const crdt::Json input = crdt::Json::parse(
      R"({"one": 1.0, "minus_zero": -0.0, "big": 1e300, "two_to_64": 18446744073709551616.0,
          "half": 0.5, "int": 1, "negative": -3})");
  Result<crdt::Document> delta = crdt::PutDelta(crdt::Document(), input, crdt::WriteStamp{1, 1000});
  REQUIRE(delta.ok());
  crdt::Document state;
  state.ApplyDelta(*delta);
  const std::string before = crdt::DocumentJson(state);
  Result<crdt::Document> decoded = DecodeDocument(EncodeDocument(state));
  REQUIRE(decoded.ok());
  CHECK(crdt::DocumentJson(*decoded) == before);
  const crdt::Json after = crdt::ToJson(*decoded);
  CHECK(after["one"].is_number_float());
  CHECK(std::signbit(after["minus_zero"].get<double>()));
  CHECK(after["two_to_64"].is_number_float());
  CHECK(after["int"].is_number_integer());
  CHECK(after == input);
}

}  // namespace
}  // namespace crdtdb::testing
