// Copyright (c) crdtdb authors.
//
// crdt::DecodeDelta on arbitrary bytes, and the join of a decoded delta into a decoded state, as a
// replica does with a peer's delta (ApplyDelta) or pushed state (Join). The input is a part (the
// state, fuzz_input.h) followed by the delta. Properties:
//   - an accepted delta is canonical: re-encoding it in its layout gives back exactly its bytes
//     (EncodeDelta's compact layout, or a state's layout as StateAsDelta writes it);
//   - joining it into an accepted state, either way, gives a well-formed state: it encodes to
//     bytes that decode to it again (what the store writes, it can read), and it materializes.

#include <cstddef>
#include <cstdint>

#include "crdt/codec.h"
#include "crdt/materialize.h"
#include "fuzz/fuzz_input.h"

namespace {

using namespace crdtdb;

void CheckWellFormed(const crdt::Document& state) {
  Result<crdt::Document> again = crdt::DecodeDocument(crdt::EncodeDocument(state));
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == state);
  FUZZ_CHECK(crdt::ToJson(state).dump() == crdt::DocumentJson(state));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::InputReader input(fuzz::AsView(data, size));
  const std::string_view state_bytes = input.Part();
  const std::string_view delta_bytes = input.Rest();

  Result<crdt::Document> delta = crdt::DecodeDelta(delta_bytes);
  if (!delta.ok()) return 0;
  if (crdt::EncodeDelta(*delta) != delta_bytes) {
    Result<std::string> state_layout = crdt::StateAsDelta(crdt::EncodeDocument(*delta));
    FUZZ_CHECK(state_layout.ok() && *state_layout == delta_bytes);
  }

  Result<crdt::Document> state = crdt::DecodeDocument(state_bytes);
  if (!state.ok()) return 0;
  crdt::Document applied = *state;
  applied.ApplyDelta(*delta);
  CheckWellFormed(applied);
  crdt::Document joined = *state;
  joined.Join(*delta);
  CheckWellFormed(joined);
  return 0;
}
