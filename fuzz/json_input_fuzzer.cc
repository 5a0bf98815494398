// Copyright (c) crdtdb authors.
//
// The JSON input path of put and patch (crdt::ParseJsonObject, then PutDelta / PatchDelta), on
// arbitrary text. Properties:
//   - what the parser accepts nests at most kMaxJsonDepth levels (the scan before parsing holds);
//   - a put of it reads back as exactly that object;
//   - a patch of a fixed document reads back as the RFC 7396 merge patch (nlohmann's merge_patch);
//   - every delta and state the writes make encodes to bytes that decode to it again, and reads
//     the same after the round trip.

#include <cstddef>
#include <cstdint>

#include "crdt/codec.h"
#include "crdt/json_input.h"
#include "crdt/limits.h"
#include "crdt/materialize.h"
#include "crdt/mutators.h"
#include "fuzz/fuzz_input.h"

namespace {

using namespace crdtdb;

// Levels of objects and arrays, the outermost included; stops counting past `limit`.
int Depth(const crdt::Json& value, int limit) {
  if (!value.is_structured() || limit < 0) return 0;
  int deepest = 0;
  for (const crdt::Json& child : value) deepest = std::max(deepest, Depth(child, limit - 1));
  return deepest + 1;
}

void CheckRoundTrips(const crdt::Document& delta, const crdt::Document& state) {
  Result<crdt::Document> delta_again = crdt::DecodeDelta(crdt::EncodeDelta(delta));
  FUZZ_CHECK(delta_again.ok() && *delta_again == delta);
  Result<crdt::Document> state_again = crdt::DecodeDocument(crdt::EncodeDocument(state));
  FUZZ_CHECK(state_again.ok() && *state_again == state);
  // Json's == holds between 1.0 and 1; what a read shows must not change with a reload either.
  FUZZ_CHECK(crdt::DocumentJson(*state_again) == crdt::DocumentJson(state));
}

// Applies a write's delta to `base` and checks the result; returns it.
crdt::Document Apply(const crdt::Document& base, const crdt::Document& delta) {
  crdt::Document next = base;
  next.ApplyDelta(delta);
  CheckRoundTrips(delta, next);
  FUZZ_CHECK(crdt::ToJson(next).dump() == crdt::DocumentJson(next));
  return next;
}

// A document with a field of every kind, as the patch's target.
crdt::Document Base() {
  const crdt::WriteStamp stamp{1, 1'000};
  crdt::Document doc;
  auto write = [&](Result<crdt::Document> delta) {
    FUZZ_CHECK(delta.ok());
    doc.ApplyDelta(*delta);
  };
  write(
      crdt::PutDelta(doc, crdt::Json::parse(R"({"a":1,"o":{"x":[1,2],"y":null},"s":"t"})"), stamp));
  write(crdt::IncrementDelta(doc, {"n"}, 5, stamp));
  write(crdt::SetAddDelta(doc, {"tags"}, "red", stamp));
  return doc;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const crdt::Document base = Base();
  const crdt::WriteStamp stamp{2, 2'000};

  Result<crdt::Json> object = crdt::ParseJsonObject(fuzz::AsView(data, size));
  if (!object.ok()) return 0;
  FUZZ_CHECK(object->is_object());
  FUZZ_CHECK(Depth(*object, crdt::kMaxJsonDepth) <= crdt::kMaxJsonDepth);

  if (Result<crdt::Document> put = crdt::PutDelta(crdt::Document(), *object, stamp); put.ok()) {
    FUZZ_CHECK(crdt::ToJson(Apply(crdt::Document(), *put)) == *object);
  }
  if (Result<crdt::Document> patch = crdt::PatchDelta(base, *object, stamp); patch.ok()) {
    crdt::Json expected = crdt::ToJson(base);
    expected.merge_patch(*object);
    FUZZ_CHECK(crdt::ToJson(Apply(base, *patch)) == expected);
  }
  return 0;
}
