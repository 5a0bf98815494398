// Copyright (c) crdtdb authors.

#include "sync/messages.h"

#include <optional>

#include "sync/message_compression.h"
#include "sync/message_reader.h"
#include "sync/message_writer.h"
#include "util/msgpack_reader.h"

namespace crdtdb::sync {

namespace {

using wire::Reader;
using wire::Writer;

// Types on the wire are the variant's index + 1; the order of Body is part of the protocol.
constexpr unsigned kTypeCount = std::variant_size_v<Body>;

// Default-constructs the alternative of Body with index `index`.
template <size_t I = 0>
bool MakeBody(size_t index, Body* out) {
  if constexpr (I < kTypeCount) {
    if (index == I) {
      out->emplace<I>();
      return true;
    }
    return MakeBody<I + 1>(index, out);
  } else {
    return false;
  }
}

// How many top-level fields a body adds after [version, type, sender].
size_t BodyFieldCount(const Body& body) {
  return std::visit(
      [](const auto& b) -> size_t {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, LogResponse>) return 7;
        if constexpr (std::is_same_v<T, Heartbeat>) return 5;
        if constexpr (std::is_same_v<T, DeltaBatch> || std::is_same_v<T, LogRequest> ||
                      std::is_same_v<T, CatalogAnswer>) {
          return 4;
        }
        if constexpr (std::is_same_v<T, Documents>) return 3;
        return 2;
      },
      body);
}

std::string EncodePlain(const Message& message) {
  Writer w;
  // [version, type, sender, body fields...]: the body's fields follow flat.
  w.Array(3 + BodyFieldCount(message.body));
  w.Uint(kProtocolVersion);
  w.Uint(message.body.index() + 1);
  w.Uint(message.sender);
  std::visit([&](const auto& b) { w.Body(b); }, message.body);
  return w.Finish();
}

Result<Message> DecodePlain(std::string_view bytes) {
  Reader r(bytes);
  MsgpackReader header_probe(bytes);
  uint32_t fields = 0;
  uint64_t version = 0, type = 0;
  Message m;
  if (!header_probe.ReadArrayHeader(&fields) || !header_probe.ReadUint(&version)) {
    return Status::Corruption("message: " + (header_probe.failed() ? header_probe.error() : "malformed header"));
  }
  if (version != kProtocolVersion) {
    return Status::Corruption("message: unsupported protocol version " + std::to_string(version));
  }
  if (!header_probe.ReadUint(&type) || type < 1 || type > kTypeCount) {
    return Status::Corruption("message: unknown message type");
  }
  MakeBody(type - 1, &m.body);
  uint64_t skip = 0;  // version and type, read again by the full reader
  const bool ok = r.Tuple(static_cast<uint32_t>(3 + BodyFieldCount(m.body))) && r.Uint(&skip) && r.Uint(&skip) &&
                  r.Uint(&m.sender) && std::visit([&](auto& b) { return r.Body(&b); }, m.body) && r.AtEnd();
  if (!ok) return Status::Corruption(std::string("message (") + TypeName(m.body) + "): " + r.error());
  if (m.sender == 0) return Status::Corruption("message: sender replica id 0 is reserved");
  return m;
}

}  // namespace

const char* TypeName(const Body& body) {
  static const char* kNames[] = {
      "delta_batch",   "heartbeat",    "log_request",   "log_response",     "tree_request",
      "tree_response", "leaf_request", "leaf_response", "document_request", "documents",
      "hand_off_request", "hand_off_answer", "catalog_request", "catalog_answer"};
  static_assert(std::size(kNames) == kTypeCount);
  return kNames[body.index()];
}

std::string Encode(const Message& message) {
  std::string plain = EncodePlain(message);
  std::optional<std::string> compressed = Compress(plain);
  return compressed ? std::move(*compressed) : plain;
}

Result<Message> Decode(std::string_view bytes) {
  if (bytes.size() > kMaxMessageBytes) return Status::Corruption("message exceeds the size limit");
  if (!IsCompressed(bytes)) return DecodePlain(bytes);
  Result<std::string> plain = Decompress(bytes, kMaxMessageBytes);
  if (!plain.ok()) return plain.status();
  if (IsCompressed(*plain)) return Status::Corruption("message: compressed twice");
  return DecodePlain(*plain);
}

}  // namespace crdtdb::sync
