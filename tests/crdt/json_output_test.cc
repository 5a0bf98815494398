// Copyright (c) crdtdb authors.
//
// The JSON that reads and writes return is written without nlohmann::json (json_output.h,
// materialize.h, state_json.h): it must equal, byte for byte, what ToJson(doc).dump() gives, on
// tricky values and on random reachable states; and the renderer of encoded states must turn
// malformed bytes into an error, never a crash.

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <utility>

#include "crdt/codec.h"
#include "crdt/json_output.h"
#include "crdt/json_sink.h"
#include "crdt/list_mutators.h"
#include "crdt/materialize.h"
#include "crdt/state_json.h"
#include "tests/crdt/random_ops.h"
#include "tests/support/seed.h"

namespace crdtdb::testing {
namespace {

using crdt::AppendJsonValue;
using crdt::DocumentJson;
using crdt::EncodeDocument;
using crdt::StateJson;

std::string Written(const Json& value) {
  std::string out;
  AppendJsonValue(value, &out);
  return out;
}

// Every control character, the two that JSON escapes, DEL, and multi-byte UTF-8.
std::string AwkwardText() {
  std::string s;
  for (int c = 0; c < 0x20; ++c) s += static_cast<char>(c);
  s += "\"\\/\x7f ü ✓ 𝄞 end";
  return s;
}

std::vector<Json> AwkwardValues() {
  return {nullptr,
          true,
          false,
          0,
          -1,
          std::numeric_limits<int64_t>::min(),
          std::numeric_limits<int64_t>::max(),
          std::numeric_limits<uint64_t>::max(),
          0.0,
          -0.0,
          0.1,
          1.0,
          100.0,
          -2.5,
          1e15,
          1e16,
          1e-5,
          1e-7,
          1e300,
          5e-324,
          std::numeric_limits<double>::max(),
          123456.789e-3,
          "",
          AwkwardText(),
          Json::array(),
          Json::object(),
          Json::array({1, "a", nullptr, Json::array({2.5, Json::object()})}),
          Json::object({{"z", 1}, {"a", Json::array({true})}, {AwkwardText(), "v"}, {"", Json::object({{"k", "\n"}})}})};
}

TEST_CASE("values are written exactly as dump() writes them") {
  for (const Json& value : AwkwardValues()) {
    CAPTURE(value.dump());
    CHECK(Written(value) == value.dump());
  }
}

TEST_CASE("strings are escaped right wherever the byte to escape falls") {
  // The writer scans eight bytes at a time: every ASCII byte at every offset of a 17-byte string.
  for (int c = 0; c < 0x80; ++c) {
    for (size_t at = 0; at < 17; ++at) {
      std::string text(17, 'a');
      text[at] = static_cast<char>(c);
      CAPTURE(text);
      CHECK(Written(text) == Json(text).dump());
    }
  }
  const std::string text = std::string(9, 'x') + "ü" + std::string(5, '\0') + "\"" + std::string(20, 'y');
  CHECK(Written(text) == Json(text).dump());
}

// A document whose fields hold every awkward value, written by one replica or, concurrently, two.
Document AwkwardDocument(bool concurrent) {
  Document doc;
  uint64_t t = 1'000;
  int i = 0;
  for (const Json& value : AwkwardValues()) {
    const std::string name = (i % 2 == 0 ? AwkwardText() : "f") + std::to_string(i);
    doc.ApplyDelta(*crdt::SetFieldDelta(doc, {name}, value, crdt::WriteStamp{7, ++t}));
    if (concurrent) doc.ApplyDelta(*crdt::SetFieldDelta(Document(), {name}, i, crdt::WriteStamp{9, t + (i % 3) - 1}));
    ++i;
  }
  doc.ApplyDelta(*crdt::IncrementDelta(doc, {"n"}, -5, crdt::WriteStamp{7, ++t}));
  doc.ApplyDelta(*crdt::SetAddDelta(doc, {"s"}, AwkwardText(), crdt::WriteStamp{7, ++t}));
  doc.ApplyDelta(*crdt::SetAddDelta(doc, {"s"}, 0.1, crdt::WriteStamp{7, ++t}));
  return doc;
}

void CheckRendersLikeToJson(const Document& doc) {
  CHECK(DocumentJson(doc) == crdt::ToJson(doc).dump());
  // Rendered from the bytes, a document shows what it shows once decoded: the encoding keeps a
  // float with an integral value (1.0) as an integer (msgpack-cxx packs it so), which reads as 1.
  const std::string bytes = EncodeDocument(doc);
  Result<Document> decoded = crdt::DecodeDocument(bytes);
  REQUIRE(decoded.ok());
  Result<std::optional<std::string>> from_state = StateJson(bytes);
  REQUIRE_MESSAGE(from_state.ok(), from_state.status().ToString());
  if (doc.live()) {
    REQUIRE(from_state->has_value());
    CHECK(**from_state == crdt::ToJson(*decoded).dump());
  } else {
    CHECK(!from_state->has_value());
  }
}

TEST_CASE("documents render like ToJson: awkward values, conflicts, counters, sets") {
  CheckRendersLikeToJson(AwkwardDocument(false));
  CheckRendersLikeToJson(AwkwardDocument(true));
}

TEST_CASE("documents render like ToJson: random reachable states") {
  for (uint64_t seed : PropertySeeds(1000)) {
    CAPTURE(seed);
    INFO("replay: " << ReplayCommand(seed));
    RandomOps random(seed);
    for (const Replica& r : RandomSystem(random, 3, 10 + random.Uniform(40))) CheckRendersLikeToJson(r.doc);
  }
}

// Counts how often a renderer starts over (JsonSink::Reset): a state it had to decode.
class CountingSink final : public crdt::JsonSink {
 public:
  void Null() override { text.Null(); }
  void Bool(bool b) override { text.Bool(b); }
  void Int(int64_t i) override { text.Int(i); }
  void Uint(uint64_t u) override { text.Uint(u); }
  void Double(double d) override { text.Double(d); }
  void String(std::string_view s) override { text.String(s); }
  void BeginArray() override { text.BeginArray(); }
  void EndArray() override { text.EndArray(); }
  void BeginObject() override { text.BeginObject(); }
  void Key(std::string_view name) override { text.Key(name); }
  void EndObject() override { text.EndObject(); }
  void Text(std::string_view json) override { text.Text(json); }
  void JsonValue(const Json& value) override { text.JsonValue(value); }
  void Reset() override {
    text.Reset();
    ++resets;
  }

  crdt::JsonTextSink text;
  int resets = 0;
};

// The JSON of a state rendered from its bytes, and whether the renderer had to decode it.
std::pair<std::string, bool> Rendered(const Document& doc) {
  CountingSink sink;
  Result<bool> live = crdt::EmitState(EncodeDocument(doc), sink);
  REQUIRE(live.ok());
  REQUIRE(*live);
  return {sink.text.Take(), sink.resets > 0};
}

TEST_CASE("a list of one run from the root renders in one pass; any other list from the decoded state") {
  Document doc;
  doc.ApplyDelta(*crdt::PutDelta(
      doc, Json{{"a", 1}, {"tags", Json::array({"x", Json::array({1, 2}), Json{{"k", "v"}}})}, {"z", true}},
      crdt::WriteStamp{7, 10}));
  auto [json, decoded] = Rendered(doc);
  CHECK(json == crdt::ToJson(doc).dump());
  CHECK(!decoded);
  // An element removed leaves its anchor: still one run.
  doc.ApplyDelta(*crdt::ListRemoveDelta(doc, {"tags"}, 0, 1));
  std::tie(json, decoded) = Rendered(doc);
  CHECK(json == crdt::ToJson(doc).dump());
  CHECK(!decoded);
  // Appended later, by the same replica: the new ids do not follow the run's (the put's other
  // values took dots in between), so a second run.
  doc.ApplyDelta(*crdt::ListInsertDelta(doc, {"tags"}, 2, Json::array({"w"}), crdt::WriteStamp{7, 11}));
  std::tie(json, decoded) = Rendered(doc);
  CHECK(json == crdt::ToJson(doc).dump());
  CHECK(decoded);
  // Another replica's insert in the middle: two runs, an order only the anchors' tree gives.
  doc.ApplyDelta(*crdt::ListInsertDelta(doc, {"tags"}, 1, Json::array({"m"}), crdt::WriteStamp{9, 12}));
  std::tie(json, decoded) = Rendered(doc);
  CHECK(json == crdt::ToJson(doc).dump());
  CHECK(decoded);
}

TEST_CASE("a deleted document renders as not live") {
  Document doc;
  doc.ApplyDelta(*crdt::PutDelta(doc, Json{{"a", 1}}, crdt::WriteStamp{3, 10}));
  doc.ApplyDelta(crdt::DeleteDelta(doc));
  CHECK(DocumentJson(doc) == "null");
  Result<std::optional<std::string>> r = StateJson(EncodeDocument(doc));
  REQUIRE(r.ok());
  CHECK(!r->has_value());
}

TEST_CASE("malformed encoded states are an error, never a crash") {
  const std::string bytes = EncodeDocument(AwkwardDocument(true));
  for (size_t n = 0; n < bytes.size(); ++n) {
    CAPTURE(n);
    CHECK(StateJson(bytes.substr(0, n)).status().IsCorruption());
  }
  CHECK(StateJson(bytes + '\0').status().IsCorruption());
  CHECK(StateJson(crdt::EncodeDelta(*crdt::PutDelta(Document(), Json{{"a", 1}}, crdt::WriteStamp{3, 10})))
            .status()
            .IsCorruption());
  std::mt19937_64 rng(11);
  for (int i = 0; i < 20'000; ++i) {
    std::string flipped = bytes;
    for (int k = 0; k < 3; ++k) flipped[rng() % flipped.size()] = static_cast<char>(rng());
    Result<std::optional<std::string>> r = StateJson(flipped);  // any answer but a crash
    if (r.ok() && r->has_value()) CHECK(Json::accept(**r));
  }
}

TEST_CASE("deep nesting in an encoded state is refused without recursing into it") {
  // A register value of 100,000 nested arrays: [5, 0, [id], [[1, 1]], [[], {"a": [1, 0, 1, 1, v]}]].
  std::string bytes = "\x95\x01\x00\x91\x07\x91\x92\x01\x01\x92\x90\x81\xa1" "a\x92\x01\x94\x00\x01\x01";
  bytes += std::string(100'000, '\x91');
  bytes += '\xc0';
  CHECK(StateJson(bytes).status().IsCorruption());
}

}  // namespace
}  // namespace crdtdb::testing
