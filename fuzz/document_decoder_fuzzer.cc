// Copyright (c) crdtdb authors.
//
// crdt::DecodeDocument, the decoder of the canonical state encoding (docs/crdt.md, section 17),
// on arbitrary bytes. Properties of a state it accepts:
//   - canonical: EncodeDocument gives back exactly the input bytes;
//   - the unchecked decode (what a store uses on its own records) reads the same state;
//   - it materializes without crashing, and the three renderings agree: ToJson(doc).dump(),
//     DocumentJson(doc) and StateJson(bytes), the read path that skips decoding;
//   - joining it with itself changes nothing (idempotence).
// Every input also goes through the unchecked decode and StateJson, which must not crash; a state
// the unchecked decode accepts (a store's own record) is one a join keeps: joining it with itself
// changes nothing either (fuzz/regressions/document_decoder/text_settled_deleted_ids).

#include <cstddef>
#include <cstdint>

#include "crdt/codec.h"
#include "crdt/materialize.h"
#include "crdt/state_json.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crdtdb;
  const std::string_view bytes = fuzz::AsView(data, size);
  Result<crdt::Document> doc = crdt::DecodeDocument(bytes);
  Result<crdt::Document> unchecked = crdt::DecodeDocument(bytes, /*check_canonical=*/false);
  Result<std::optional<std::string>> state_json = crdt::StateJson(bytes);
  if (unchecked.ok()) {
    crdt::Document joined = *unchecked;
    joined.Join(*unchecked);
    FUZZ_CHECK(joined == *unchecked);
  }
  if (!doc.ok()) return 0;

  FUZZ_CHECK(crdt::EncodeDocument(*doc) == bytes);
  FUZZ_CHECK(unchecked.ok() && *unchecked == *doc);

  const std::string json = crdt::DocumentJson(*doc);
  FUZZ_CHECK(crdt::ToJson(*doc).dump() == json);
  FUZZ_CHECK(state_json.ok());
  FUZZ_CHECK(state_json->has_value() == doc->live());
  FUZZ_CHECK(!doc->live() || **state_json == json);
  FUZZ_CHECK(crdt::Conflicts(*doc).is_object());

  crdt::Document joined = *doc;
  joined.Join(*doc);
  FUZZ_CHECK(joined == *doc);
  return 0;
}
