// Copyright (c) crdtdb authors.
//
// Compressed protocol messages (sync/message_compression.h): large messages cross the wire
// compressed and decode to the same message; hostile frames are refused before anything is
// allocated for them.

#include "sync/message_compression.h"

#include <string>

#include <doctest/doctest.h>
#include <zstd.h>

#include "crdt/codec.h"
#include "crdt/mutators.h"
#include "sync/messages.h"

namespace crdtdb::sync {
namespace {

// A map state of `fields` fields written by one replica, encoded: keys, dots and timestamps
// that repeat, as in the peers' map workload.
std::string MapState(int fields) {
  crdt::Document doc;
  crdt::Json object = crdt::Json::object();
  for (int i = 0; i < fields; ++i)
    object["key" + std::to_string(i)] =
        i % 2 == 0 ? crdt::Json(i) : crdt::Json("val-" + std::to_string(i));
  const crdt::WriteStamp stamp{42, crdt::MakeTimestamp(1'700'000'000'000, 0)};
  doc.ApplyDelta(crdt::PutDelta(doc, object, stamp).value());
  return crdt::EncodeDocument(doc);
}

std::string ZstdFrame(const std::string& plain) {
  std::string frame(ZSTD_compressBound(plain.size()), '\0');
  frame.resize(ZSTD_compress(frame.data(), frame.size(), plain.data(), plain.size(), 1));
  return std::string(1, kCompressedMarker) + frame;
}

void CheckCorruption(const std::string& bytes, const std::string& text) {
  INFO("expected: " << text);
  const Result<Message> decoded = Decode(bytes);
  REQUIRE_FALSE(decoded.ok());
  INFO(decoded.status().ToString());
  CHECK(decoded.status().IsCorruption());
  CHECK(decoded.status().message().find(text) != std::string::npos);
}

TEST_CASE("a large message is sent compressed and decodes to the same message") {
  const Message m{7, Documents{9, {DocumentState{"maps/m", MapState(2'000)}}, {}}};
  const std::string encoded = Encode(m);
  REQUIRE(IsCompressed(encoded));
  const size_t state_bytes = std::get<Documents>(m.body).documents[0].state.size();
  CHECK(encoded.size() * 2 < state_bytes);
  const Result<Message> decoded = Decode(encoded);
  REQUIRE(decoded.ok());
  CHECK(*decoded == m);
}

TEST_CASE("a small message, or one that does not shrink, is sent as it is") {
  const std::string small = Encode(Message{7, Heartbeat{5, merkle::Hash{1, 2}, {}}});
  CHECK_FALSE(IsCompressed(small));
  std::string noise(4'000, '\0');
  uint64_t x = 88172645463325252ull;
  for (char& c : noise) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;  // xorshift: incompressible bytes
    c = static_cast<char>(x);
  }
  const Message m{7, Documents{9, {DocumentState{"blobs/b", noise}}, {}}};
  const std::string encoded = Encode(m);
  CHECK_FALSE(IsCompressed(encoded));
  CHECK(Decode(encoded).value() == m);
  CHECK_FALSE(Compress(std::string(kCompressFromBytes - 1, 'a')).has_value());
  CHECK(Compress(std::string(kCompressFromBytes, 'a')).has_value());
}

TEST_CASE("a frame of exactly the size limit decompresses; one byte more is refused") {
  constexpr size_t kLimit = 4096;
  const Result<std::string> at_limit = Decompress(ZstdFrame(std::string(kLimit, 'a')), kLimit);
  REQUIRE_MESSAGE(at_limit.ok(), at_limit.status().ToString());
  CHECK(*at_limit == std::string(kLimit, 'a'));
  const Result<std::string> past = Decompress(ZstdFrame(std::string(kLimit + 1, 'a')), kLimit);
  REQUIRE(past.status().IsCorruption());
  CHECK(past.status().message() == "compressed message: exceeds the size limit");
  // The same bound for a whole message: a frame of exactly kMaxMessageBytes gets past it (and
  // then fails as a message, since zeros are no message).
  const Result<Message> largest = Decode(ZstdFrame(std::string(kMaxMessageBytes, '\0')));
  REQUIRE_FALSE(largest.ok());
  CHECK(largest.status().message().find("size limit") == std::string::npos);
}

TEST_CASE("hostile compressed frames are refused as Corruption") {
  const std::string plain = Encode(Message{7, Heartbeat{5, merkle::Hash{1, 2}, {}}});
  REQUIRE(Decode(ZstdFrame(plain)).ok());  // a sender may compress any message

  CheckCorruption(std::string(1, kCompressedMarker), "not a Zstandard frame");
  CheckCorruption(std::string(1, kCompressedMarker) + "not zstd at all", "not a Zstandard frame");
  const std::string frame = ZstdFrame(plain);
  CheckCorruption(frame + "x", "trailing bytes after the frame");
  CheckCorruption(frame + frame.substr(1), "trailing bytes after the frame");
  for (size_t cut = 1; cut < frame.size(); ++cut) {
    const Result<Message> decoded = Decode(frame.substr(0, cut));
    CHECK_FALSE(decoded.ok());
  }
  CheckCorruption(ZstdFrame(frame), "compressed twice");
  // A bomb: a tiny frame that declares more than a message may hold.
  CheckCorruption(ZstdFrame(std::string(kMaxMessageBytes + 1, '\0')), "exceeds the size limit");

  // A frame may omit its size (as streaming compressors do).
  ZSTD_CCtx* context = ZSTD_createCCtx();
  REQUIRE_FALSE(ZSTD_isError(ZSTD_CCtx_setParameter(context, ZSTD_c_contentSizeFlag, 0)));
  std::string streamed(ZSTD_compressBound(plain.size()), '\0');
  const size_t n =
      ZSTD_compress2(context, streamed.data(), streamed.size(), plain.data(), plain.size());
  ZSTD_freeCCtx(context);
  REQUIRE_FALSE(ZSTD_isError(n));
  streamed.resize(n);
  CheckCorruption(std::string(1, kCompressedMarker) + streamed, "does not declare its size");
}

}  // namespace
}  // namespace crdtdb::sync
