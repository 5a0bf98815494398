// Copyright (c) crdtdb authors.
//
// sync::Decode, the decoder of every wire message (docs/protocol.md), on arbitrary bytes.
// Properties: it never crashes or allocates beyond the input's bounds; a message it accepts
// round-trips, Decode(Encode(m)) == m; and since Encode writes the shortest form of everything,
// the re-encoding is never longer than the plain message the input carried (itself, or what its
// compressed frame held) and encodes to itself again.

#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_input.h"
#include "sync/message_compression.h"
#include "sync/messages.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crdtdb;
  const std::string_view bytes = fuzz::AsView(data, size);
  Result<sync::Message> message = sync::Decode(bytes);
  if (!message.ok()) return 0;

  const std::string encoded = sync::Encode(*message);
  const size_t plain_size = sync::IsCompressed(bytes)
                                ? sync::Decompress(bytes, sync::kMaxMessageBytes)->size()
                                : bytes.size();
  FUZZ_CHECK(encoded.size() <= plain_size);
  Result<sync::Message> again = sync::Decode(encoded);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == *message);
  FUZZ_CHECK(sync::Encode(*again) == encoded);
  return 0;
}
