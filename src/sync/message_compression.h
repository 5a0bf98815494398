// Copyright (c) crdtdb authors.
//
// The compressed form of a protocol message: one marker byte (0xc1, which MessagePack never
// uses, so no plain message starts with it) and one Zstandard frame of the plain message, with
// its size in the frame header. Large messages (document states, batches of deltas) carry keys,
// field names, replica ids and timestamps that repeat; compressing them is what makes a 10,000-
// field map's state cross the wire smaller than its canonical encoding (docs/protocol.md).
//
// Decompression treats its input as hostile: the frame must declare its size, at most
// `max_bytes`, and hold exactly one frame that decompresses to exactly that size; nothing is
// allocated before those checks.

#ifndef CRDTDB_SYNC_MESSAGE_COMPRESSION_H_
#define CRDTDB_SYNC_MESSAGE_COMPRESSION_H_

#include <optional>
#include <string>
#include <string_view>

#include "crdtdb/result.h"

namespace crdtdb::sync {

constexpr char kCompressedMarker = static_cast<char>(0xc1);
// Smaller messages are sent as they are: a frame's header and the setup cost more than they save.
constexpr size_t kCompressFromBytes = 1024;

inline bool IsCompressed(std::string_view message) {
  return !message.empty() && message[0] == kCompressedMarker;
}

// The compressed form of `plain`, or nullopt when it would not be smaller (or `plain` is below
// kCompressFromBytes).
std::optional<std::string> Compress(std::string_view plain);
// The plain message inside `compressed` (which IsCompressed), or Corruption.
Result<std::string> Decompress(std::string_view compressed, size_t max_bytes);

}  // namespace crdtdb::sync

#endif  // CRDTDB_SYNC_MESSAGE_COMPRESSION_H_
