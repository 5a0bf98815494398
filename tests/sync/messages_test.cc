// Copyright (c) crdtdb authors.
//
// The message codec of the replication protocol (docs/protocol.md): every message type round trips
// with non-trivial content, and hostile bytes give a Corruption status, never a crash or a large
// allocation (run under AddressSanitizer in CI: build-asan).
//
// What the byte-flip property asserts. Message decoding is NOT checked canonical (unlike
// documents: an integer or a length may arrive in a wider form than the packer writes), so "a
// flipped encoding fails or re-encodes to the same bytes" is false (a flip inside a uint16 can
// make a non-minimal small number). What holds, and is asserted, for any input that decodes to m:
//   - the failure, if any, is a Corruption;
//   - Decode(Encode(m)) == m, and Encode(m) is never longer than the input (Encode writes the
//     minimal form of everything, and the decoder accepts nothing shorter);
//   - for a single bit flip of a valid encoding of m0: m != m0. No bit of a valid encoding is
//     ignored by the decoder, so a flip is either rejected or changes the message.

#include "sync/messages.h"

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>
#include <msgpack.hpp>

#include "sync/message_compression.h"
#include "tests/support/seed.h"

namespace crdtdb::sync {
namespace {

using merkle::Hash;
using merkle::NodeId;

// Wire types: the index in Body + 1 (docs/protocol.md).
enum WireType : uint64_t {
  kDeltaBatch = 1,
  kHeartbeat,
  kLogRequest,
  kLogResponse,
  kTreeRequest,
  kTreeResponse,
  kLeafRequest,
  kLeafResponse,
  kDocumentRequest,
  kDocuments,
  kHandOffRequest,
  kHandOffAnswer,
  kCatalogRequest,
  kCatalogAnswer,
};
constexpr size_t kTypes = 14;

// ---------------------------------------------------------------------------------------------
// Random messages.

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}

  uint64_t Below(uint64_t n) { return rng_() % n; }
  bool OneIn(uint64_t n) { return Below(n) == 0; }

  // Numbers that exercise every integer width of MessagePack, and its boundaries.
  uint64_t Uint() {
    static constexpr uint64_t kEdges[] = {0,
                                          1,
                                          127,
                                          128,
                                          255,
                                          256,
                                          65535,
                                          65536,
                                          UINT32_MAX,
                                          uint64_t{UINT32_MAX} + 1,
                                          UINT64_MAX - 1,
                                          UINT64_MAX};
    switch (Below(6)) {
      case 0: return Below(128);
      case 1: return Below(65536);
      case 2: return Below(uint64_t{1} << 32);
      case 3: return rng_();
      case 4: return kEdges[Below(std::size(kEdges))];
      default: return Below(300);
    }
  }
  uint64_t NonZero() {
    const uint64_t v = Uint();
    return v == 0 ? 1 : v;
  }
  uint32_t Uint32() { return static_cast<uint32_t>(Uint()); }
  Hash RandomHash() {
    switch (Below(8)) {
      case 0: return Hash{};
      case 1: return Hash{UINT64_MAX, UINT64_MAX};
      default: return Hash{rng_(), rng_()};
    }
  }

  // Lengths that cross the fix/8/16-bit forms of str and bin; `big` allows the 16- and 32-bit ones.
  size_t Length(bool big) {
    static constexpr size_t kEdges[] = {0, 1, 15, 16, 31, 32, 255, 256};
    switch (Below(big ? 10 : 8)) {
      case 0: return kEdges[Below(std::size(kEdges))];
      case 8: return 65535 + Below(3);
      case 9: return 300 + Below(5000);
      default: return Below(24);
    }
  }
  // Valid UTF-8 of 1-, 2-, 3- and 4-byte code points (and NUL, which is valid UTF-8).
  std::string Utf8(bool big) {
    static const char* kPieces[] = {"a",
                                    "Z",
                                    "/",
                                    "-",
                                    "0",
                                    "" /* NUL */,
                                    "\xc3\xa9",
                                    "\xe2\x82\xac",
                                    "\xf0\x9f\x98\x80",
                                    "\xed\x9f\xbf",
                                    "\xef\xbf\xbf",
                                    "\xf4\x8f\xbf\xbf"};
    const size_t target = Length(big);
    std::string s;
    while (s.size() < target) {
      const size_t i = Below(std::size(kPieces));
      if (i == 5) {
        s.push_back('\0');
      } else {
        s += kPieces[i];
      }
    }
    return s;
  }
  std::string Bytes(bool big) {
    std::string s(Length(big), '\0');
    for (char& c : s) c = static_cast<char>(rng_());
    return s;
  }
  // Mostly small counts, sometimes up to `max`.
  size_t Count(size_t max) {
    if (OneIn(10)) return Below(max + 1);
    return Below(std::min<size_t>(max, 6) + 1);
  }

  NodeId Node(int max_level) {
    const int level = static_cast<int>(Below(static_cast<uint64_t>(max_level) + 1));
    const uint64_t width = uint64_t{1} << (4 * level);
    return NodeId{level, static_cast<uint32_t>(OneIn(4) ? width - 1 : Below(width))};
  }
  uint32_t Bucket() {
    return OneIn(5) ? merkle::kLeafCount - 1 : static_cast<uint32_t>(Below(merkle::kLeafCount));
  }

  std::vector<LoggedDelta> Deltas(bool big) {
    std::vector<LoggedDelta> out(Count(big ? kMaxDeltasPerMessage : 40));
    for (LoggedDelta& d : out) d = LoggedDelta{NonZero(), Utf8(false), Bytes(big && OneIn(8))};
    return out;
  }

  Body RandomBody(size_t type, bool big) {
    switch (type) {
      case 0: {
        // Ascending from `previous`, of one partition or of the whole stream.
        DeltaBatch m{Deltas(big), 0, 0, Below(1000)};
        uint64_t sequence = m.previous;
        for (LoggedDelta& d : m.deltas) d.sequence = sequence += 1 + Below(1000);
        if (OneIn(2)) {
          m.partition_count = uint32_t{1} << Below(13);
          m.partition = static_cast<uint32_t>(Below(m.partition_count));
        }
        return m;
      }
      case 1: {
        Heartbeat m{Uint(), RandomHash(), {}};
        m.acknowledged.resize(Count(big ? kMaxAcknowledgementsPerHeartbeat : 8));
        crdt::ReplicaId origin = 0;
        for (StreamAck& a : m.acknowledged) a = StreamAck{origin += 1 + Below(1000), Uint()};
        // Heads within (stream_start, last_sequence].
        m.last_sequence = std::max<uint64_t>(m.last_sequence, 1);
        m.stream_start = Below(m.last_sequence);
        const uint64_t span = m.last_sequence - m.stream_start;
        for (uint32_t p = 0; p < (big ? kMaxPartitionsPerMessage : 16); ++p) {
          if (OneIn(3)) m.heads.push_back(PartitionHead{p, m.stream_start + 1 + Below(span)});
        }
        return m;
      }
      case 2: {
        LogRequest m{Uint(), Uint32()};
        if (OneIn(2)) {  // a node that keeps some partitions
          m.partition_count = uint32_t{1} << Below(13);
          for (uint32_t p = 0; p < m.partition_count; ++p) {
            if (OneIn(3) || (big && p == m.partition_count - 1)) m.partitions.push_back(p);
          }
        }
        return m;
      }
      case 3: {
        LogResponse m{Uint(), Uint(), Deltas(big), Uint(), Uint()};
        if (OneIn(2)) {  // the answer to a node that keeps some partitions
          m.partition_count = uint32_t{1} << Below(big ? 13 : 4);  // small: rarely compressed
          for (uint32_t p = 0; p < m.partition_count; ++p) {
            if (OneIn(3)) m.partitions.push_back(p);
          }
        }
        return m;
      }
      case 4: {
        TreeRequest m{Uint(), {}};
        m.nodes.resize(Count(big ? kMaxNodesPerMessage : 30));
        for (NodeId& id : m.nodes)
          id = Node(merkle::kDepth);  // leaves may be named; the responder refuses them
        return m;
      }
      case 5: {
        TreeResponse m{Uint(), {}};
        m.nodes.resize(Count(big ? kMaxNodesPerMessage : 6));
        for (TreeNode& n : m.nodes) {
          n.id = Node(merkle::kDepth - 1);
          n.hash = Uint32();
          for (int i = 0; i < merkle::kFanout; ++i) n.children.push_back(Uint32());
        }
        return m;
      }
      case 6: {
        LeafRequest m{Uint(), {}};
        m.buckets.resize(Count(big ? kMaxNodesPerMessage : 40));
        for (uint32_t& b : m.buckets) b = Bucket();
        return m;
      }
      case 7: {
        LeafResponse m{Uint(), {}};
        m.leaves.resize(Count(big ? 64 : 5));
        for (Leaf& leaf : m.leaves) {
          leaf.bucket = Bucket();
          leaf.hash = Uint32();
          leaf.entries.resize(Count(big ? 200 : 8));
          for (merkle::Fingerprint& e : leaf.entries) e = Uint32();
        }
        return m;
      }
      case 8: {
        DocumentRequest m{Uint(), {}};
        m.documents.resize(Count(big ? kMaxDocumentsPerMessage : 20));
        for (DocumentRef& r : m.documents) r = DocumentRef{Bucket(), Uint32()};
        return m;
      }
      case 10:
      case 11: {
        std::vector<PartitionRoot> roots(Count(big ? kMaxPartitionsPerMessage : 12));
        uint32_t partition = 0;
        for (PartitionRoot& r : roots) {
          r = PartitionRoot{partition, RandomHash()};
          partition += 1 + static_cast<uint32_t>(Below(3));
        }
        std::erase_if(roots, [](const PartitionRoot& r) { return r.partition >= kMaxPartitionsPerMessage; });
        if (type == 10) return HandOffRequest{Uint(), std::move(roots)};
        return HandOffAnswer{Uint(), std::move(roots)};
      }
      case 12: return CatalogRequest{RandomHash(), OneIn(3) ? std::string() : Utf8(false)};
      case 13: {
        // Keys ascending after `after`: each one the previous one and more.
        CatalogAnswer m{RandomHash(), OneIn(3) ? std::string() : Utf8(false), {}, OneIn(2)};
        std::string key = m.after;
        m.documents.resize(Count(big ? kMaxCatalogDocumentsPerMessage : 8));
        for (DocumentState& d : m.documents) d = DocumentState{key += "x" + Utf8(false), Bytes(big && OneIn(8))};
        return m;
      }
      default: {
        Documents m{Uint(), {}, {}};
        m.documents.resize(Count(big ? 64 : 8));
        for (DocumentState& d : m.documents) d = DocumentState{Utf8(false), Bytes(big && OneIn(4))};
        m.missing.resize(Count(4));
        for (DocumentRef& r : m.missing) r = DocumentRef{Bucket(), Uint32()};
        return m;
      }
    }
  }

  Message RandomMessage(size_t type, bool big) { return Message{NonZero(), RandomBody(type, big)}; }

 private:
  std::mt19937_64 rng_;
};

// ---------------------------------------------------------------------------------------------
// Hand-built MessagePack, for inputs Encode would never write.

struct V {
  enum class Kind { kUint, kNegative, kStr, kBin, kArray, kMap, kRaw } kind = Kind::kUint;
  uint64_t u = 0;
  std::string s;
  std::vector<V> a;
};
V U(uint64_t v) { return V{V::Kind::kUint, v, {}, {}}; }
V Neg(int64_t v) { return V{V::Kind::kNegative, static_cast<uint64_t>(v), {}, {}}; }
V S(std::string s) { return V{V::Kind::kStr, 0, std::move(s), {}}; }
V B(std::string s) { return V{V::Kind::kBin, 0, std::move(s), {}}; }
V A(std::vector<V> a) { return V{V::Kind::kArray, 0, {}, std::move(a)}; }
V EmptyMap() { return V{V::Kind::kMap, 0, {}, {}}; }
V Raw(std::string bytes) { return V{V::Kind::kRaw, 0, std::move(bytes), {}}; }
V H(char fill = '\x11', size_t size = 16) { return B(std::string(size, fill)); }
V Node(uint64_t level, uint64_t index) { return A({U(level), U(index)}); }
// `n` fingerprints, as they travel: one binary string of 4 bytes each.
V F(size_t n = 1, char fill = '\x22') { return B(std::string(4 * n, fill)); }
V Children(size_t n = merkle::kFanout) { return F(n); }
V Ref(uint64_t bucket = 3) { return A({U(bucket), F()}); }

void PackTo(msgpack::packer<msgpack::sbuffer>& p, msgpack::sbuffer& buffer, const V& v) {
  switch (v.kind) {
    case V::Kind::kUint: p.pack_uint64(v.u); break;
    case V::Kind::kNegative: p.pack_int64(static_cast<int64_t>(v.u)); break;
    case V::Kind::kStr:
      p.pack_str(static_cast<uint32_t>(v.s.size()));
      p.pack_str_body(v.s.data(), static_cast<uint32_t>(v.s.size()));
      break;
    case V::Kind::kBin:
      p.pack_bin(static_cast<uint32_t>(v.s.size()));
      p.pack_bin_body(v.s.data(), static_cast<uint32_t>(v.s.size()));
      break;
    case V::Kind::kArray:
      p.pack_array(static_cast<uint32_t>(v.a.size()));
      for (const V& e : v.a) PackTo(p, buffer, e);
      break;
    case V::Kind::kMap: p.pack_map(0); break;
    case V::Kind::kRaw: buffer.write(v.s.data(), v.s.size()); break;
  }
}

std::string Pack(const V& v) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> packer(buffer);
  PackTo(packer, buffer, v);
  return std::string(buffer.data(), buffer.size());
}

// [version, type, sender, body...]
std::string Msg(uint64_t type, std::vector<V> body, uint64_t sender = 7,
                uint64_t version = kProtocolVersion) {
  std::vector<V> fields{U(version), U(type), U(sender)};
  for (V& f : body) fields.push_back(std::move(f));
  return Pack(A(std::move(fields)));
}

V Delta(uint64_t sequence = 1, std::string key = "docs/1") {
  return A({U(sequence), S(std::move(key)), B("delta")});
}
V TreeNodeV(V id = Node(0, 0), V hash = F(), V children = Children()) {
  return A({std::move(id), std::move(hash), std::move(children)});
}
V LeafV(V bucket = U(3), V hash = F(), V entries = F(2)) {
  return A({std::move(bucket), std::move(hash), std::move(entries)});
}

// A valid message of each type, each small and hand-built; the hostile cases below differ from
// one of them in one respect.
std::vector<std::string> Baselines() {
  return {
      Msg(kDeltaBatch, {A({Delta(1), Delta(2)}), U(0), U(0), U(0)}),
      Msg(kHeartbeat, {U(5), H(), A({A({U(3), U(9)}), A({U(8), U(1)})}), U(0), A({})}),
      Msg(kLogRequest, {U(1), U(1024), U(256), A({U(3), U(200)})}),
      Msg(kLogResponse, {U(1), U(2), A({Delta(1), Delta(2)}), U(2), U(0), U(0), A({})}),
      Msg(kTreeRequest, {U(9), A({Node(0, 0), Node(4, 65535)})}),
      Msg(kTreeResponse, {U(9), A({TreeNodeV(), TreeNodeV(Node(3, 4095))})}),
      Msg(kLeafRequest, {U(9), A({U(0), U(merkle::kLeafCount - 1)})}),
      Msg(kLeafResponse, {U(9), A({LeafV()})}),
      Msg(kDocumentRequest, {U(9), A({Ref(), Ref(merkle::kLeafCount - 1)})}),
      Msg(kDocuments, {U(9), A({A({S("docs/1"), B("state")})}), A({Ref()})}),
      Msg(kHandOffRequest, {U(3), A({A({U(0), H()}), A({U(4095), H()})})}),
      Msg(kHandOffAnswer, {U(3), A({A({U(7), H()})})}),
      Msg(kCatalogRequest, {H(), S("_indexes/a")}),
      Msg(kCatalogAnswer, {H(), S(""), A({A({S("_indexes/a"), B("state")}), A({S("_indexes/b"), B("s")})}), U(1)}),
  };
}

// Checks that `bytes` is refused with a Corruption status whose message contains `text`.
#define CHECK_CORRUPTION(bytes, text)                                     \
  do {                                                                    \
    const Result<Message> decoded_ = Decode(bytes);                       \
    CHECK_FALSE(decoded_.ok());                                           \
    if (!decoded_.ok()) {                                                 \
      INFO("status: " << decoded_.status().ToString());                   \
      CHECK(decoded_.status().IsCorruption());                            \
      CHECK(decoded_.status().message().find(text) != std::string::npos); \
    }                                                                     \
  } while (0)

// The property every decodable input must have (see the file comment).
void CheckDecodedInputIsSound(std::string_view input, const Result<Message>& decoded) {
  if (!decoded.ok()) {
    INFO("status: " << decoded.status().ToString());
    REQUIRE(decoded.status().IsCorruption());
    return;
  }
  REQUIRE(decoded->sender != 0);
  // Re-encoding is canonical, so never larger than the plain message the input carried (a
  // compressed input's frame has no checksum: an edit may decode to another sound message).
  const std::string again = Encode(*decoded);
  const size_t plain_size =
      IsCompressed(input) ? Decompress(input, kMaxMessageBytes)->size() : input.size();
  CHECK(again.size() <= plain_size);
  const Result<Message> twice = Decode(again);
  REQUIRE(twice.ok());
  CHECK(*twice == *decoded);
}

// ---------------------------------------------------------------------------------------------
// Round trips.

TEST_CASE("Decode(Encode(m)) == m for random messages of every type") {
  size_t checked = 0;
  for (uint64_t seed : testing::PropertySeeds(300)) {
    CAPTURE(seed);
    INFO("replay: " << testing::ReplayCommand(seed));
    Gen gen(seed);
    for (size_t type = 0; type < kTypes; ++type) {
      CAPTURE(type);
      const Message m = gen.RandomMessage(type, /*big=*/gen.OneIn(4));
      CHECK(m.body.index() == type);
      const std::string bytes = Encode(m);
      REQUIRE(bytes.size() <= kMaxMessageBytes);
      const Result<Message> back = Decode(bytes);
      REQUIRE_MESSAGE(back.ok(), back.status().ToString());
      CHECK(*back == m);
      CHECK(Encode(*back) == bytes);  // encoding is deterministic
      ++checked;
    }
  }
  CHECK(checked >= kTypes);
}

TEST_CASE("messages at exactly their bounds round trip") {
  std::vector<LoggedDelta> deltas;
  for (uint64_t s = 1; s <= kMaxDeltasPerMessage; ++s)
    deltas.push_back({s, "docs/" + std::to_string(s), "d"});
  std::vector<NodeId> nodes(kMaxNodesPerMessage, NodeId{2, 255});
  std::vector<TreeNode> tree_nodes(
      kMaxNodesPerMessage, TreeNode{{3, 7}, 1, std::vector<merkle::Fingerprint>(merkle::kFanout, UINT32_MAX)});
  std::vector<uint32_t> buckets(kMaxNodesPerMessage, merkle::kLeafCount - 1);
  std::vector<DocumentRef> refs(kMaxDocumentsPerMessage, DocumentRef{merkle::kLeafCount - 1, UINT32_MAX});
  // One leaf with every entry a message may carry: its binary string takes the 32-bit form (0xc6).
  Leaf full{5, 3, std::vector<merkle::Fingerprint>(kMaxLeafEntriesPerMessage, 0x01020304)};
  const std::vector<Message> messages = {
      {1, DeltaBatch{deltas}},
      {2, LogResponse{1, kMaxDeltasPerMessage, deltas}},
      {3, TreeRequest{1, nodes}},
      {4, TreeResponse{1, tree_nodes}},
      {5, LeafRequest{1, buckets}},
      {6, LeafResponse{1, {full}}},
      {7, LeafResponse{1, std::vector<Leaf>(kMaxNodesPerMessage, Leaf{9, 0, {}})}},
      {8, DocumentRequest{1, refs}},
      {9, Documents{1, std::vector<DocumentState>(kMaxDocumentsPerMessage, DocumentState{"docs/x", "s"}), refs}},
      {UINT64_MAX, Heartbeat{UINT64_MAX, Hash{UINT64_MAX, UINT64_MAX}, {}}},
      {10, LogRequest{UINT64_MAX, UINT32_MAX}},
  };
  for (const Message& m : messages) {
    CAPTURE(TypeName(m.body));
    const Result<Message> back = Decode(Encode(m));
    REQUIRE_MESSAGE(back.ok(), back.status().ToString());
    CHECK(*back == m);
  }
}

TEST_CASE("the wire format: [version, type, sender, fields...] with types numbered from 1") {
  // A heartbeat from replica 7 at sequence 5 with root {high 1, low 2}, acknowledging replica 3's
  // stream up to 9, byte by byte.
  const std::string bytes = Encode(Message{7, Heartbeat{5, Hash{1, 2}, {{3, 9}}}});
  const std::string expected = std::string("\x98\x07\x02\x07\x05\xc4\x10", 7) + std::string(7, '\0') + "\x01" +
                               std::string(7, '\0') + "\x02" + std::string("\x91\x92\x03\x09\x00\x90", 6);
  CHECK(bytes == expected);
  // A type's number is its position in this list + 1; the names are TypeName's.
  const std::vector<std::string> names = {
      "delta_batch",   "heartbeat",    "log_request",   "log_response",     "tree_request",
      "tree_response", "leaf_request", "leaf_response", "document_request", "documents",
      "hand_off_request", "hand_off_answer", "catalog_request", "catalog_answer"};
  Gen gen(1);
  for (size_t type = 0; type < kTypes; ++type) {
    const Message m = gen.RandomMessage(type, false);
    CHECK(TypeName(m.body) == names[type]);
    const std::string encoded = Encode(m);
    REQUIRE(encoded.size() >= 3);
    CHECK(static_cast<unsigned char>(encoded[1]) == kProtocolVersion);
    CHECK(static_cast<unsigned char>(encoded[2]) == type + 1);
  }
  // The hand-built baselines used below are valid messages.
  for (const std::string& b : Baselines()) {
    const Result<Message> m = Decode(b);
    CHECK_MESSAGE(m.ok(), m.status().ToString());
  }
}

TEST_CASE(
    "decoding accepts non-minimal integer and length forms (messages are not checked canonical)") {
  // Sequence 5 as a uint64 (0xcf) and the key "k" as a str16 (0xda): the same message as the
  // minimal form, so the message codec, unlike the document codec, is not canonical.
  const std::string wide = Msg(kHeartbeat, {Raw(std::string("\xcf\0\0\0\0\0\0\0\x05", 9)), H(), A({}), U(0), A({})});
  const std::string minimal = Msg(kHeartbeat, {U(5), H(), A({}), U(0), A({})});
  const Result<Message> a = Decode(wide);
  const Result<Message> b = Decode(minimal);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(*a == *b);
  CHECK(Encode(*a) == minimal);
  const std::string wide_key =
      Msg(kDocuments, {U(1), A({A({Raw(std::string("\xda\x00\x01k", 4)), B("s")})}), A({})});
  const Result<Message> c = Decode(wide_key);
  REQUIRE(c.ok());
  CHECK(std::get<Documents>(c->body).documents.at(0).key == "k");
}

// ---------------------------------------------------------------------------------------------
// Hostile bytes: properties.

TEST_CASE("every truncation of a valid encoding is refused as Corruption") {
  size_t prefixes = 0;
  for (uint64_t seed : testing::PropertySeeds(60)) {
    CAPTURE(seed);
    INFO("replay: " << testing::ReplayCommand(seed));
    Gen gen(seed);
    for (size_t type = 0; type < kTypes; ++type) {
      CAPTURE(type);
      const std::string bytes = Encode(gen.RandomMessage(type, /*big=*/false));
      // Every prefix of small encodings; for a large one, the first and last 256 and a sample.
      for (size_t n = 0; n < bytes.size(); ++n) {
        if (bytes.size() > 4096 && n > 256 && n + 256 < bytes.size() && gen.Below(64) != 0)
          continue;
        CAPTURE(n);
        const Result<Message> m = Decode(std::string_view(bytes).substr(0, n));
        REQUIRE_FALSE(m.ok());
        REQUIRE(m.status().IsCorruption());
        ++prefixes;
      }
    }
  }
  MESSAGE(prefixes << " truncations refused");
}

TEST_CASE("a single bit flip is refused as Corruption or decodes to a different, sound message") {
  size_t flips = 0, accepted = 0;
  for (uint64_t seed : testing::PropertySeeds(30)) {
    CAPTURE(seed);
    INFO("replay: " << testing::ReplayCommand(seed));
    Gen gen(seed);
    for (size_t type = 0; type < kTypes; ++type) {
      CAPTURE(type);
      const Message original = gen.RandomMessage(type, /*big=*/false);
      const std::string bytes = Encode(original);
      if (bytes.size() > 1024) continue;  // keeps the exhaustive loop quick
      for (size_t i = 0; i < bytes.size(); ++i) {
        for (int bit = 0; bit < 8; ++bit) {
          std::string flipped = bytes;
          flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
          CAPTURE(i);
          CAPTURE(bit);
          const Result<Message> m = Decode(flipped);
          CheckDecodedInputIsSound(flipped, m);
          ++flips;
          if (m.ok()) {
            ++accepted;
            // No bit of a valid encoding is ignored, but for the bits a Zstandard frame leaves
            // unused or that its decoder does not need (a compressed message of ~1 KiB).
            if (!IsCompressed(bytes)) CHECK_FALSE(*m == original);
          }
        }
      }
    }
  }
  MESSAGE(flips << " single-bit flips, " << accepted << " decoded to another valid message");
}

TEST_CASE("random byte edits and random bytes are refused as Corruption or decode soundly") {
  size_t inputs = 0;
  for (uint64_t seed : testing::PropertySeeds(100)) {
    CAPTURE(seed);
    INFO("replay: " << testing::ReplayCommand(seed));
    Gen gen(seed);
    for (size_t type = 0; type < kTypes; ++type) {
      const std::string bytes = Encode(gen.RandomMessage(type, /*big=*/false));
      for (int round = 0; round < 50; ++round) {
        std::string edited = bytes;
        const size_t edits = 1 + gen.Below(4);
        for (size_t e = 0; e < edits && !edited.empty(); ++e) {
          const size_t at = gen.Below(edited.size());
          switch (gen.Below(4)) {
            case 0: edited[at] = static_cast<char>(gen.Below(256)); break;
            case 1: edited.erase(at, 1 + gen.Below(4)); break;
            case 2: edited.insert(at, 1, static_cast<char>(gen.Below(256))); break;
            default: {  // a length or count byte turned into a huge 32-bit declaration
              static const char* kHuge[] = {"\xdd\xff\xff\xff\xff", "\xdb\xff\xff\xff\xff",
                                            "\xc6\xff\xff\xff\xff", "\xdf\xff\xff\xff\xff",
                                            "\xcf\xff\xff\xff\xff\xff\xff\xff\xff"};
              edited.replace(at, 1, kHuge[gen.Below(std::size(kHuge))]);
            }
          }
        }
        CAPTURE(round);
        CheckDecodedInputIsSound(edited, Decode(edited));
        ++inputs;
      }
    }
    // Pure noise, and noise behind a plausible header (so that the body decoders see it).
    for (int round = 0; round < 200; ++round) {
      std::string noise(gen.Below(64), '\0');
      for (char& c : noise) c = static_cast<char>(gen.Below(256));
      CheckDecodedInputIsSound(noise, Decode(noise));
      const std::string header = std::string(1, static_cast<char>(0x90 + 3 + gen.Below(4))) +
                                 "\x01" + static_cast<char>(1 + gen.Below(kTypes)) + "\x07";
      CheckDecodedInputIsSound(header + noise, Decode(header + noise));
      inputs += 2;
    }
  }
  MESSAGE(inputs << " edited or random inputs");
}

// ---------------------------------------------------------------------------------------------
// Hostile bytes: one case each.

TEST_CASE("huge declared lengths are refused before any allocation") {
  CHECK_CORRUPTION(std::string("\xdd\xff\xff\xff\xff"), "array longer than the input");
  CHECK_CORRUPTION(std::string("\xdc\xff\xff"), "array longer than the input");
  // Deep inside a message: the deltas array, a key (str32), a delta (bin32), a hash (bin32).
  CHECK_CORRUPTION(Msg(kDeltaBatch, {Raw("\xdd\xff\xff\xff\xff"), U(0), U(0), U(0)}), "array longer than the input");
  CHECK_CORRUPTION(Msg(kDeltaBatch, {A({A({U(1), Raw("\xdb\xff\xff\xff\xff"), B("d")})}), U(0), U(0), U(0)}),
                   "truncated input");
  CHECK_CORRUPTION(Msg(kDeltaBatch, {A({A({U(1), S("k"), Raw("\xc6\xff\xff\xff\xff")})}), U(0), U(0), U(0)}),
                   "truncated input");
  CHECK_CORRUPTION(Msg(kHeartbeat, {U(1), Raw("\xc6\xff\xff\xff\xff"), A({}), U(0), A({})}), "truncated input");
  CHECK_CORRUPTION(Msg(kLeafResponse, {U(1), A({LeafV(U(3), F(), Raw("\xc6\x7f\xff\xff\xff"))})}),
                   "truncated input");
  // A count the input could hold but the bound does not allow: refused by the bound, not by
  // running out of input.
  CHECK_CORRUPTION(Msg(kTreeRequest, {U(1), Raw(std::string("\xdd\x00\x01\x00\x00", 5) +
                                                std::string(70000, '\x90'))}),
                   "too many elements");
}

TEST_CASE("a message above kMaxMessageBytes is refused unread") {
  std::string big =
      Msg(kDocuments, {U(1), A({A({S("docs/1"), B(std::string(kMaxMessageBytes, 'x'))})})});
  REQUIRE(big.size() > kMaxMessageBytes);
  CHECK_CORRUPTION(big, "message exceeds the size limit");
  // Exactly at the limit is not refused for its size (here it is garbage after a valid header).
  std::string at_limit = Msg(kHeartbeat, {U(1), H(), A({}), U(0), A({})});
  at_limit.resize(kMaxMessageBytes, '\0');
  CHECK_CORRUPTION(at_limit, "trailing bytes");
}

TEST_CASE("trailing bytes, a wrong field count and empty input are refused") {
  for (const std::string& b : Baselines()) {
    CHECK_CORRUPTION(b + std::string(1, '\0'), "trailing bytes after the message");
    CHECK_CORRUPTION(b + b, "trailing bytes after the message");
  }
  CHECK_CORRUPTION(std::string(), "expected an array");
  CHECK_CORRUPTION(Msg(kHeartbeat, {U(5), H(), A({}), U(0)}), "wrong number of fields");
  CHECK_CORRUPTION(Msg(kHeartbeat, {U(5), H()}), "wrong number of fields");
  CHECK_CORRUPTION(Msg(kDeltaBatch, {}), "wrong number of fields");
  CHECK_CORRUPTION(Pack(EmptyMap()), "expected an array");
  CHECK_CORRUPTION(Pack(A({})), "message:");
}

TEST_CASE("an unknown protocol version is refused, and named") {
  CHECK_CORRUPTION(Msg(kHeartbeat, {U(5), H()}, 7, 0), "unsupported protocol version 0");
  CHECK_CORRUPTION(Msg(kHeartbeat, {U(5), H()}, 7, 1), "unsupported protocol version 1");
  CHECK_CORRUPTION(Msg(kHeartbeat, {U(5), H()}, 7, 2), "unsupported protocol version 2");
  CHECK_CORRUPTION(Msg(kHeartbeat, {U(5), H()}, 7, 3), "unsupported protocol version 3");
  CHECK_CORRUPTION(Msg(kHeartbeat, {U(5), H()}, 7, 4), "unsupported protocol version 4");
  CHECK_CORRUPTION(Msg(kHeartbeat, {U(5), H()}, 7, 5), "unsupported protocol version 5");
  CHECK_CORRUPTION(Msg(kHeartbeat, {U(5), H()}, 7, 6), "unsupported protocol version 6");
  CHECK_CORRUPTION(Msg(kHeartbeat, {U(5), H()}, 7, 8), "unsupported protocol version 8");
  CHECK_CORRUPTION(Msg(kHeartbeat, {U(5), H()}, 7, UINT64_MAX),
                   "unsupported protocol version 18446744073709551615");
  CHECK_CORRUPTION(Pack(A({S("1"), U(kHeartbeat), U(7), U(5), H()})),
                   "expected a non-negative integer");
  CHECK_CORRUPTION(Pack(A({Neg(-1), U(kHeartbeat), U(7), U(5), H()})),
                   "expected a non-negative integer");
}

TEST_CASE("an unknown message type is refused") {
  for (uint64_t type : {uint64_t{0}, uint64_t{kTypes + 1}, uint64_t{255}, UINT64_MAX}) {
    CAPTURE(type);
    CHECK_CORRUPTION(Msg(type, {U(5), H()}), "unknown message type");
  }
  CHECK_CORRUPTION(Pack(A({U(kProtocolVersion), S("heartbeat"), U(7), U(5), H()})), "unknown message type");
}

TEST_CASE("sender 0 is refused, for every type") {
  for (std::string b : Baselines()) {
    // The baselines' sender is the fixint 7 at byte 3.
    REQUIRE(b[3] == '\x07');
    b[3] = '\0';
    CHECK_CORRUPTION(b, "sender replica id 0 is reserved");
  }
  CHECK_CORRUPTION(Msg(kHeartbeat, {U(5), H(), A({}), U(0), A({})}, /*sender=*/0), "sender replica id 0 is reserved");
  CHECK_CORRUPTION(Pack(A({U(kProtocolVersion), U(kHeartbeat), Neg(-7), U(5), H(), A({}), U(0), A({})})),
                   "expected a non-negative integer");
}

TEST_CASE("counts above the kMax* bounds are refused") {
  const auto deltas = [](size_t n) {
    std::vector<V> v;
    for (size_t i = 1; i <= n; ++i) v.push_back(Delta(i));
    return A(std::move(v));
  };
  CHECK(Decode(Msg(kDeltaBatch, {deltas(kMaxDeltasPerMessage), U(0), U(0), U(0)})).ok());
  CHECK_CORRUPTION(Msg(kDeltaBatch, {deltas(kMaxDeltasPerMessage + 1), U(0), U(0), U(0)}), "too many elements");
  CHECK(Decode(Msg(kLogResponse, {U(1), U(2), deltas(kMaxDeltasPerMessage), U(2), U(0), U(0), A({})})).ok());
  CHECK_CORRUPTION(Msg(kLogResponse, {U(1), U(2), deltas(kMaxDeltasPerMessage + 1), U(2), U(0), U(0), A({})}),
                   "too many elements");

  CHECK(Decode(Msg(kTreeRequest, {U(1), A(std::vector<V>(kMaxNodesPerMessage, Node(1, 1)))})).ok());
  CHECK_CORRUPTION(
      Msg(kTreeRequest, {U(1), A(std::vector<V>(kMaxNodesPerMessage + 1, Node(1, 1)))}),
      "too many elements");
  CHECK(
      Decode(Msg(kTreeResponse, {U(1), A(std::vector<V>(kMaxNodesPerMessage, TreeNodeV()))})).ok());
  CHECK_CORRUPTION(
      Msg(kTreeResponse, {U(1), A(std::vector<V>(kMaxNodesPerMessage + 1, TreeNodeV()))}),
      "too many elements");
  // Leaf requests share the node bound (the engine itself asks for at most 64 buckets at a time).
  CHECK(Decode(Msg(kLeafRequest, {U(1), A(std::vector<V>(kMaxNodesPerMessage, U(1)))})).ok());
  CHECK_CORRUPTION(Msg(kLeafRequest, {U(1), A(std::vector<V>(kMaxNodesPerMessage + 1, U(1)))}),
                   "too many elements");
  CHECK(Decode(Msg(kLeafResponse, {U(1), A(std::vector<V>(kMaxNodesPerMessage, LeafV()))})).ok());
  CHECK_CORRUPTION(Msg(kLeafResponse, {U(1), A(std::vector<V>(kMaxNodesPerMessage + 1, LeafV()))}),
                   "too many elements");

  CHECK(Decode(Msg(kDocumentRequest, {U(1), A(std::vector<V>(kMaxDocumentsPerMessage, Ref()))})).ok());
  CHECK_CORRUPTION(Msg(kDocumentRequest, {U(1), A(std::vector<V>(kMaxDocumentsPerMessage + 1, Ref()))}),
                   "too many elements");
  const V doc = A({S("k"), B("s")});
  CHECK(Decode(Msg(kDocuments, {U(1), A(std::vector<V>(kMaxDocumentsPerMessage, doc)), A({})})).ok());
  CHECK_CORRUPTION(Msg(kDocuments, {U(1), A(std::vector<V>(kMaxDocumentsPerMessage + 1, doc)), A({})}),
                   "too many elements");
  CHECK_CORRUPTION(Msg(kDocuments, {U(1), A({doc}), A(std::vector<V>(kMaxDocumentsPerMessage + 1, Ref()))}),
                   "too many elements");

  const auto roots = [](size_t n) {
    std::vector<V> v;
    for (size_t p = 0; p < n; ++p) v.push_back(A({U(p), H()}));
    return A(std::move(v));
  };
  for (uint64_t type : {kHandOffRequest, kHandOffAnswer}) {
    CHECK(Decode(Msg(type, {U(1), roots(kMaxPartitionsPerMessage)})).ok());
    CHECK_CORRUPTION(Msg(type, {U(1), roots(kMaxPartitionsPerMessage + 1)}), "too many elements");
  }
}

TEST_CASE("catalog answers are bounded, ascending after what was asked, and say more with 0 or 1") {
  const auto docs = [](size_t n) {
    std::vector<V> v;
    for (size_t i = 0; i < n; ++i) v.push_back(A({S("_indexes/" + std::to_string(100000 + i)), B("s")}));
    return A(std::move(v));
  };
  CHECK(Decode(Msg(kCatalogAnswer, {H(), S(""), docs(kMaxCatalogDocumentsPerMessage), U(0)})).ok());
  CHECK_CORRUPTION(Msg(kCatalogAnswer, {H(), S(""), docs(kMaxCatalogDocumentsPerMessage + 1), U(0)}),
                   "too many elements");
  const V a = A({S("_indexes/a"), B("s")});
  const V b = A({S("_indexes/b"), B("s")});
  CHECK_CORRUPTION(Msg(kCatalogAnswer, {H(), S(""), A({b, a}), U(0)}), "not ascending");
  CHECK_CORRUPTION(Msg(kCatalogAnswer, {H(), S(""), A({a, a}), U(0)}), "not ascending");
  CHECK_CORRUPTION(Msg(kCatalogAnswer, {H(), S("_indexes/a"), A({a}), U(0)}), "not ascending");
  CHECK(Decode(Msg(kCatalogAnswer, {H(), S("_indexes/a"), A({b}), U(1)})).ok());
  CHECK_CORRUPTION(Msg(kCatalogAnswer, {H(), S(""), A({a}), U(2)}), "more is 0 or 1");
  CHECK_CORRUPTION(Msg(kCatalogAnswer, {H(), S(""), A({a})}), "wrong number of fields");
  CHECK_CORRUPTION(Msg(kCatalogAnswer, {H('\x11', 5), S(""), A({a}), U(0)}), "16 bytes");
  CHECK_CORRUPTION(Msg(kCatalogRequest, {H(), B("_indexes/a")}), "");
  CHECK_CORRUPTION(Msg(kCatalogRequest, {H(), S("\xff")}), "");
  CHECK_CORRUPTION(Msg(kCatalogRequest, {H()}), "wrong number of fields");
}

TEST_CASE("hand-off roots name existing partitions, ascending and once each") {
  for (uint64_t type : {kHandOffRequest, kHandOffAnswer}) {
    CHECK_CORRUPTION(Msg(type, {U(1), A({A({U(kMaxPartitionsPerMessage), H()})})}), "no such partition");
    CHECK_CORRUPTION(Msg(type, {U(1), A({A({U(5), H()}), A({U(5), H()})})}), "not ascending");
    CHECK_CORRUPTION(Msg(type, {U(1), A({A({U(6), H()}), A({U(5), H()})})}), "not ascending");
  }
}

TEST_CASE("leaf entries are bounded per leaf and per message") {
  const size_t max = kMaxLeafEntriesPerMessage;
  CHECK_CORRUPTION(Msg(kLeafResponse, {U(1), A({LeafV(U(1), F(), F(max + 1))})}), "too many fingerprints");
  // Two leaves whose entries are each within the bound but together are not.
  CHECK(Decode(Msg(kLeafResponse, {U(1), A({LeafV(U(1), F(), F(max / 2)), LeafV(U(2), F(), F(max / 2))})})).ok());
  CHECK_CORRUPTION(Msg(kLeafResponse, {U(1), A({LeafV(U(1), F(), F(max / 2)), LeafV(U(2), F(), F(max / 2 + 1))})}),
                   "too many fingerprints");
}

TEST_CASE(
    "a tree node must have exactly kFanout children, and only an inner node may be answered") {
  for (size_t n : {size_t{0}, size_t{1}, size_t{merkle::kFanout - 1}}) {
    CAPTURE(n);
    CHECK_CORRUPTION(Msg(kTreeResponse, {U(1), A({TreeNodeV(Node(0, 0), F(), Children(n))})}),
                     "wrong number of fingerprints");
  }
  CHECK_CORRUPTION(
      Msg(kTreeResponse, {U(1), A({TreeNodeV(Node(0, 0), F(), Children(merkle::kFanout + 1))})}),
      "wrong number of fingerprints");
  CHECK_CORRUPTION(Msg(kTreeResponse, {U(1), A({TreeNodeV(Node(merkle::kDepth, 0))})}),
                   "leaves have no child hashes");
  CHECK_CORRUPTION(Msg(kTreeResponse, {U(1), A({A({Node(0, 0), F()})})}), "wrong number of fields");
  CHECK_CORRUPTION(Msg(kTreeResponse, {U(1), A({TreeNodeV(Node(0, 0), F(), A(std::vector<V>(merkle::kFanout, F())))})}),
                   "expected binary data");
}

TEST_CASE("node ids out of range are refused") {
  struct Case {
    uint64_t level, index;
  };
  for (Case c : {Case{merkle::kDepth + 1, 0}, Case{64, 0}, Case{UINT64_MAX, 0}, Case{0, 1},
                 Case{1, 16}, Case{2, 256}, Case{3, 4096}, Case{4, 65536}, Case{4, UINT32_MAX}}) {
    CAPTURE(c.level);
    CAPTURE(c.index);
    CHECK_CORRUPTION(Msg(kTreeRequest, {U(1), A({Node(c.level, c.index)})}), "no such Merkle node");
    CHECK_CORRUPTION(Msg(kTreeResponse, {U(1), A({TreeNodeV(Node(c.level, c.index))})}),
                     "no such Merkle node");
  }
  // The largest index of every level is fine.
  for (uint64_t level = 0; level <= merkle::kDepth; ++level) {
    CHECK(
        Decode(Msg(kTreeRequest, {U(1), A({Node(level, (uint64_t{1} << (4 * level)) - 1)})})).ok());
  }
  CHECK_CORRUPTION(Msg(kTreeRequest, {U(1), A({Node(1, uint64_t{UINT32_MAX} + 1)})}),
                   "number out of range");
  CHECK_CORRUPTION(Msg(kTreeRequest, {U(1), A({A({U(1), U(1), U(1)})})}), "wrong number of fields");
  CHECK_CORRUPTION(Msg(kTreeRequest, {U(1), A({U(0)})}), "expected an array");
}

TEST_CASE("buckets at or above kLeafCount are refused") {
  for (uint64_t bucket :
       {uint64_t{merkle::kLeafCount}, uint64_t{merkle::kLeafCount} + 1, uint64_t{UINT32_MAX}}) {
    CAPTURE(bucket);
    CHECK_CORRUPTION(Msg(kLeafRequest, {U(1), A({U(bucket)})}), "no such bucket");
    CHECK_CORRUPTION(Msg(kLeafResponse, {U(1), A({LeafV(U(bucket))})}), "no such bucket");
  }
  CHECK_CORRUPTION(Msg(kLeafRequest, {U(1), A({U(uint64_t{UINT32_MAX} + 1)})}),
                   "number out of range");
  CHECK_CORRUPTION(Msg(kLeafResponse, {U(1), A({LeafV(U(UINT64_MAX))})}), "number out of range");
}

TEST_CASE("keys that are not valid UTF-8 are refused wherever a key travels") {
  const std::vector<std::string> bad = {
      "\xff",              // never valid
      "docs/\x80",         // a lone continuation byte
      "\xc0\xaf",          // overlong '/'
      "\xed\xa0\x80",      // a surrogate
      "\xf4\x90\x80\x80",  // above U+10FFFF
      "\xe2\x82",          // truncated sequence
  };
  for (const std::string& key : bad) {
    CAPTURE(key);
    CHECK_CORRUPTION(Msg(kDeltaBatch, {A({Delta(1, key)}), U(0), U(0), U(0)}), "string is not valid UTF-8");
    CHECK_CORRUPTION(Msg(kLogResponse, {U(1), U(1), A({Delta(1, key)}), U(1), U(0), U(0), A({})}),
                     "string is not valid UTF-8");
    CHECK_CORRUPTION(Msg(kDocuments, {U(1), A({A({S(key), B("s")})}), A({})}),
                     "string is not valid UTF-8");
  }
  // A key sent as bin, and a delta or state sent as str, are type errors.
  CHECK_CORRUPTION(Msg(kDocuments, {U(1), A({A({B("docs/1"), B("s")})}), A({})}), "expected a string");
  CHECK_CORRUPTION(Msg(kDeltaBatch, {A({A({U(1), S("docs/1"), S("delta")})}), U(0), U(0), U(0)}),
                   "expected binary data");
  CHECK_CORRUPTION(Msg(kDocuments, {U(1), A({A({S("docs/1"), S("state")})}), A({})}),
                   "expected binary data");
}

TEST_CASE("a hash that is not 16 bytes, or fingerprints not 8 bytes each, are refused wherever they travel") {
  for (size_t size : {size_t{0}, size_t{15}, size_t{17}, size_t{32}}) {
    CAPTURE(size);
    CHECK_CORRUPTION(Msg(kHeartbeat, {U(1), H('\x22', size), A({}), U(0), A({})}), "a hash must be 16 bytes");
  }
  CHECK_CORRUPTION(Msg(kHeartbeat, {U(1), S(std::string(16, 'a')), A({}), U(0), A({})}), "expected binary data");
  for (size_t size : {size_t{1}, size_t{3}, size_t{5}, size_t{65}}) {
    CAPTURE(size);
    const V bad = B(std::string(size, '\x22'));
    CHECK_CORRUPTION(Msg(kTreeResponse, {U(1), A({TreeNodeV(Node(0, 0), bad)})}), "fingerprints are 4 bytes each");
    CHECK_CORRUPTION(Msg(kTreeResponse, {U(1), A({TreeNodeV(Node(0, 0), F(), bad)})}),
                     "fingerprints are 4 bytes each");
    CHECK_CORRUPTION(Msg(kLeafResponse, {U(1), A({LeafV(U(1), bad)})}), "fingerprints are 4 bytes each");
    CHECK_CORRUPTION(Msg(kLeafResponse, {U(1), A({LeafV(U(1), F(), bad)})}), "fingerprints are 4 bytes each");
    CHECK_CORRUPTION(Msg(kDocumentRequest, {U(1), A({A({U(1), bad})})}), "fingerprints are 4 bytes each");
  }
  // One fingerprint where one is due, not zero or two.
  CHECK_CORRUPTION(Msg(kTreeResponse, {U(1), A({TreeNodeV(Node(0, 0), F(2))})}), "wrong number of fingerprints");
  CHECK_CORRUPTION(Msg(kLeafResponse, {U(1), A({LeafV(U(1), F(0))})}), "wrong number of fingerprints");
  CHECK_CORRUPTION(Msg(kDocumentRequest, {U(1), A({A({U(1), F(2)})})}), "wrong number of fingerprints");
  CHECK_CORRUPTION(Msg(kDocuments, {U(1), A({}), A({A({U(merkle::kLeafCount), F()})})}), "no such bucket");
}

TEST_CASE("a log request's partitions: a power-of-two count, ascending, unique, below the count") {
  CHECK(Decode(Msg(kLogRequest, {U(1), U(8), U(0), A({})})).ok());  // every partition
  CHECK(Decode(Msg(kLogRequest, {U(1), U(8), U(1), A({U(0)})})).ok());
  CHECK(Decode(Msg(kLogRequest, {U(1), U(8), U(4096), A({U(0), U(4095)})})).ok());
  CHECK_CORRUPTION(Msg(kLogRequest, {U(1), U(8), U(8192), A({U(0)})}), "not a power of two");
  CHECK_CORRUPTION(Msg(kLogRequest, {U(1), U(8), U(12), A({U(0)})}), "not a power of two");
  CHECK_CORRUPTION(Msg(kLogRequest, {U(1), U(8), U(0), A({U(0)})}), "partitions without a partition count");
  CHECK_CORRUPTION(Msg(kLogRequest, {U(1), U(8), U(256), A({U(256)})}), "no such partition");
  CHECK_CORRUPTION(Msg(kLogRequest, {U(1), U(8), U(256), A({U(3), U(3)})}), "partitions are not ascending");
  CHECK_CORRUPTION(Msg(kLogRequest, {U(1), U(8), U(256), A({U(4), U(3)})}), "partitions are not ascending");
  CHECK_CORRUPTION(Msg(kLogRequest, {U(1), U(8), U(4096), A(std::vector<V>(kMaxPartitionsPerMessage + 1, U(0)))}),
                   "too many elements");
}

TEST_CASE("delta sequence 0 and out-of-range numbers are refused") {
  CHECK_CORRUPTION(Msg(kDeltaBatch, {A({Delta(1), Delta(0)}), U(0), U(0), U(0)}), "sequence numbers start at 1");
  CHECK_CORRUPTION(Msg(kLogResponse, {U(1), U(1), A({Delta(0)}), U(1), U(0), U(0), A({})}), "sequence numbers start at 1");
  CHECK_CORRUPTION(Msg(kLogRequest, {U(1), U(uint64_t{UINT32_MAX} + 1), U(0), A({})}), "number out of range");
  CHECK_CORRUPTION(Msg(kLogRequest, {U(1), Neg(-1), U(0), A({})}), "expected a non-negative integer");
  CHECK_CORRUPTION(Msg(kHeartbeat, {Neg(-1), H(), A({}), U(0), A({})}), "expected a non-negative integer");
  CHECK_CORRUPTION(Msg(kHeartbeat, {U(1), H(), A({A({U(0), U(1)})}), U(0), A({})}), "replica id 0 is reserved");
  CHECK_CORRUPTION(Msg(kHeartbeat, {U(1), H(), A({A({U(3), U(1)}), A({U(3), U(2)})}), U(0), A({})}),
                   "acknowledgements are not ascending");
  CHECK_CORRUPTION(Msg(kDeltaBatch, {A({A({U(1), S("k")})}), U(0), U(0), U(0)}), "wrong number of fields");
}

TEST_CASE("deep nesting where a scalar is expected is refused without recursion") {
  // A megabyte of nested one-element arrays in place of a session id, and in place of a delta.
  const std::string nest(1 << 20, '\x91');
  CHECK_CORRUPTION(Msg(kTreeRequest, {Raw(nest + std::string(1, '\0')), A({})}),
                   "expected a non-negative integer");
  CHECK_CORRUPTION(
      Msg(kDeltaBatch, {A({A({U(1), S("k"), Raw(nest + std::string("\xc4\x00", 2))})}), U(0), U(0), U(0)}),
      "expected binary data");
}

TEST_CASE("the error names the message type and the byte offset") {
  const Result<Message> m = Decode(Msg(kLeafRequest, {U(1), A({U(merkle::kLeafCount)})}));
  REQUIRE_FALSE(m.ok());
  CHECK(m.status().message().rfind("message (leaf_request): no such bucket at byte ", 0) == 0);
}

TEST_CASE("stream chains (protocol 7): a batch's partition and previous, a heartbeat's heads") {
  CHECK(Decode(Msg(kDeltaBatch, {A({Delta(5), Delta(9)}), U(256), U(255), U(4)})).ok());
  CHECK_CORRUPTION(Msg(kDeltaBatch, {A({Delta(5)}), U(256), U(256), U(4)}), "no such partition");
  CHECK_CORRUPTION(Msg(kDeltaBatch, {A({Delta(5)}), U(0), U(1), U(4)}), "no such partition");
  CHECK_CORRUPTION(Msg(kDeltaBatch, {A({Delta(5)}), U(3), U(1), U(4)}), "not a power of two");
  CHECK_CORRUPTION(Msg(kDeltaBatch, {A({Delta(5)}), U(0), U(0), U(5)}), "not ascending from previous");
  CHECK_CORRUPTION(Msg(kDeltaBatch, {A({Delta(6), Delta(6)}), U(0), U(0), U(5)}), "not ascending from previous");
  const V heads = A({A({U(0), U(7)}), A({U(4095), U(9)})});
  CHECK(Decode(Msg(kHeartbeat, {U(9), H(), A({}), U(6), heads})).ok());
  CHECK_CORRUPTION(Msg(kHeartbeat, {U(8), H(), A({}), U(6), heads}), "a head outside the stream");
  CHECK_CORRUPTION(Msg(kHeartbeat, {U(9), H(), A({}), U(7), heads}), "a head outside the stream");
  CHECK_CORRUPTION(Msg(kHeartbeat, {U(9), H(), A({}), U(6), A({A({U(4), U(7)}), A({U(4), U(8)})})}),
                   "heads are not ascending");
  CHECK_CORRUPTION(Msg(kHeartbeat, {U(9), H(), A({}), U(6), A({A({U(4096), U(7)})})}), "no such partition");
  // A log answer echoes the partitions it answers for, as a request names them.
  CHECK(Decode(Msg(kLogResponse, {U(1), U(2), A({}), U(2), U(1), U(4), A({U(1), U(3)})})).ok());
  CHECK_CORRUPTION(Msg(kLogResponse, {U(1), U(2), A({}), U(2), U(1), U(4), A({U(3), U(1)})}),
                   "partitions are not ascending");
  CHECK_CORRUPTION(Msg(kLogResponse, {U(1), U(2), A({}), U(2), U(1), U(0), A({U(1)})}),
                   "partitions without a partition count");
}

}  // namespace
}  // namespace crdtdb::sync
