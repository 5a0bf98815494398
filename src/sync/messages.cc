// Copyright (c) crdtdb authors.

#include "sync/messages.h"

#include <optional>

#include <msgpack.hpp>

#include "sync/message_compression.h"
#include "util/msgpack_reader.h"

namespace crdtdb::sync {

namespace {

// Types on the wire are the variant's index + 1; the order of Body is part of the protocol.
constexpr unsigned kTypeCount = std::variant_size_v<Body>;

class Writer {
 public:
  std::string Finish() { return std::string(buffer_.data(), buffer_.size()); }

  void Uint(uint64_t v) { packer_.pack_uint64(v); }
  void Array(size_t n) { packer_.pack_array(static_cast<uint32_t>(n)); }
  void Str(std::string_view s) {
    packer_.pack_str(static_cast<uint32_t>(s.size()));
    packer_.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
  }
  void Bin(std::string_view s) {
    packer_.pack_bin(static_cast<uint32_t>(s.size()));
    packer_.pack_bin_body(s.data(), static_cast<uint32_t>(s.size()));
  }
  void Hash(const merkle::Hash& h) {
    char bytes[16];
    for (int i = 0; i < 8; ++i) {
      bytes[i] = static_cast<char>(h.high >> (56 - 8 * i));
      bytes[8 + i] = static_cast<char>(h.low >> (56 - 8 * i));
    }
    Bin(std::string_view(bytes, 16));
  }
  void Fingerprint(merkle::Fingerprint f) { Fingerprints(std::vector<merkle::Fingerprint>{f}); }
  // Fingerprints travel as one binary string of 4 big-endian bytes each: msgpack would spend 5
  // bytes on each as an integer, for values that are random.
  void Fingerprints(const std::vector<merkle::Fingerprint>& fs) {
    std::string bytes(4 * fs.size(), '\0');
    for (size_t i = 0; i < fs.size(); ++i) {
      for (int b = 0; b < 4; ++b) bytes[4 * i + b] = static_cast<char>(fs[i] >> (24 - 8 * b));
    }
    Bin(bytes);
  }
  void Ref(const DocumentRef& r) {
    Array(2);
    Uint(r.bucket);
    Fingerprint(r.fingerprint);
  }
  void Refs(const std::vector<DocumentRef>& refs) {
    Array(refs.size());
    for (const DocumentRef& r : refs) Ref(r);
  }
  void Deltas(const std::vector<LoggedDelta>& deltas) {
    Array(deltas.size());
    for (const LoggedDelta& d : deltas) {
      Array(3);
      Uint(d.sequence);
      Str(d.key);
      Bin(d.delta);
    }
  }

  void Partitions(uint32_t count, const std::vector<uint32_t>& partitions) {
    Uint(count);
    Array(partitions.size());
    for (uint32_t p : partitions) Uint(p);
  }
  void Body(const DeltaBatch& m) {
    Deltas(m.deltas);
    Uint(m.partition_count);
    Uint(m.partition);
    Uint(m.previous);
  }
  void Body(const Heartbeat& m) {
    Uint(m.last_sequence);
    Hash(m.merkle_root);
    Array(m.acknowledged.size());
    for (const StreamAck& a : m.acknowledged) {
      Array(2);
      Uint(a.origin);
      Uint(a.sequence);
    }
    Uint(m.stream_start);
    Array(m.heads.size());
    for (const PartitionHead& h : m.heads) {
      Array(2);
      Uint(h.partition);
      Uint(h.sequence);
    }
  }
  void Roots(uint64_t placement_version, const std::vector<PartitionRoot>& roots) {
    Uint(placement_version);
    Array(roots.size());
    for (const PartitionRoot& r : roots) {
      Array(2);
      Uint(r.partition);
      Hash(r.root);
    }
  }
  void Body(const HandOffRequest& m) { Roots(m.placement_version, m.roots); }
  void Body(const HandOffAnswer& m) { Roots(m.placement_version, m.roots); }
  void Body(const LogRequest& m) {
    Uint(m.from_sequence);
    Uint(m.max_deltas);
    Partitions(m.partition_count, m.partitions);
  }
  void Body(const LogResponse& m) {
    Uint(m.first_available);
    Uint(m.last_sequence);
    Deltas(m.deltas);
    Uint(m.scanned_through);
    Uint(m.from_sequence);
    Partitions(m.partition_count, m.partitions);
  }
  void Body(const TreeRequest& m) {
    Uint(m.session);
    Array(m.nodes.size());
    for (const merkle::NodeId& id : m.nodes) NodeId(id);
  }
  void Body(const TreeResponse& m) {
    Uint(m.session);
    Array(m.nodes.size());
    for (const TreeNode& n : m.nodes) {
      Array(3);
      NodeId(n.id);
      Fingerprint(n.hash);
      Fingerprints(n.children);
    }
  }
  void Body(const LeafRequest& m) {
    Uint(m.session);
    Array(m.buckets.size());
    for (uint32_t b : m.buckets) Uint(b);
  }
  void Body(const LeafResponse& m) {
    Uint(m.session);
    Array(m.leaves.size());
    for (const Leaf& leaf : m.leaves) {
      Array(3);
      Uint(leaf.bucket);
      Fingerprint(leaf.hash);
      Fingerprints(leaf.entries);
    }
  }
  void Body(const DocumentRequest& m) {
    Uint(m.session);
    Refs(m.documents);
  }
  void States(const std::vector<DocumentState>& documents) {
    Array(documents.size());
    for (const DocumentState& d : documents) {
      Array(2);
      Str(d.key);
      Bin(d.state);
    }
  }
  void Body(const Documents& m) {
    Uint(m.session);
    States(m.documents);
    Refs(m.missing);
  }
  void Body(const CatalogRequest& m) {
    Hash(m.digest);
    Str(m.after);
  }
  void Body(const CatalogAnswer& m) {
    Hash(m.digest);
    Str(m.after);
    States(m.documents);
    Uint(m.more ? 1 : 0);
  }

 private:
  void NodeId(const merkle::NodeId& id) {
    Array(2);
    Uint(static_cast<uint64_t>(id.level));
    Uint(id.index);
  }

  msgpack::sbuffer buffer_;
  msgpack::packer<msgpack::sbuffer> packer_{buffer_};
};

class Reader {
 public:
  explicit Reader(std::string_view bytes) : r_(bytes) {}

  bool Fail(const char* why) { return r_.Fail(why); }
  const std::string& error() const { return r_.error(); }
  bool AtEnd() { return r_.at_end() || Fail("trailing bytes after the message"); }

  bool Uint(uint64_t* v) { return r_.ReadUint(v); }
  bool Uint32(uint32_t* v) {
    uint64_t x = 0;
    if (!r_.ReadUint(&x)) return false;
    if (x > UINT32_MAX) return Fail("number out of range");
    *v = static_cast<uint32_t>(x);
    return true;
  }
  // An array header of exactly `n` elements.
  bool Tuple(uint32_t n) {
    uint32_t count = 0;
    return r_.ReadArrayHeader(&count) && (count == n || Fail("wrong number of fields"));
  }
  // An array header of at most `max` elements.
  bool List(size_t max, uint32_t* count) {
    return r_.ReadArrayHeader(count) && (*count <= max || Fail("too many elements"));
  }
  bool Str(std::string* out) { return r_.ReadUtf8(out); }
  bool Bin(std::string* out) {
    std::string_view s;
    if (!r_.ReadBinary(&s)) return false;
    out->assign(s);
    return true;
  }
  bool Hash(merkle::Hash* h) {
    std::string_view s;
    if (!r_.ReadBinary(&s)) return false;
    if (s.size() != 16) return Fail("a hash must be 16 bytes");
    h->high = h->low = 0;
    for (int i = 0; i < 8; ++i) {
      h->high = (h->high << 8) | static_cast<unsigned char>(s[i]);
      h->low = (h->low << 8) | static_cast<unsigned char>(s[8 + i]);
    }
    return true;
  }
  // A binary string of 4-byte fingerprints: `count` of them exactly, or with count 0, at most `max`.
  bool Fingerprints(std::vector<merkle::Fingerprint>* out, size_t max, size_t count = 0) {
    std::string_view s;
    if (!r_.ReadBinary(&s)) return false;
    if (s.size() % 4 != 0) return Fail("fingerprints are 4 bytes each");
    const size_t n = s.size() / 4;
    if (count != 0 && n != count) return Fail("wrong number of fingerprints");
    if (n > max) return Fail("too many fingerprints");
    out->resize(n);
    for (size_t i = 0; i < n; ++i) {
      merkle::Fingerprint f = 0;
      for (int b = 0; b < 4; ++b) f = (f << 8) | static_cast<unsigned char>(s[4 * i + b]);
      (*out)[i] = f;
    }
    return true;
  }
  bool Fingerprint(merkle::Fingerprint* f) {
    std::vector<merkle::Fingerprint> one;
    if (!Fingerprints(&one, 1, 1)) return false;
    *f = one[0];
    return true;
  }
  bool Refs(std::vector<DocumentRef>* out) {
    uint32_t n = 0;
    if (!List(kMaxDocumentsPerMessage, &n)) return false;
    out->resize(n);
    for (DocumentRef& r : *out) {
      if (!Tuple(2) || !Uint32(&r.bucket) || !Fingerprint(&r.fingerprint)) return false;
      if (r.bucket >= merkle::kLeafCount) return Fail("no such bucket");
    }
    return true;
  }
  bool NodeId(merkle::NodeId* id) {
    uint64_t level = 0;
    uint32_t index = 0;
    if (!Tuple(2) || !Uint(&level) || !Uint32(&index)) return false;
    if (level > static_cast<uint64_t>(merkle::kDepth) || index >= (1u << (4 * level))) {
      return Fail("no such Merkle node");
    }
    *id = merkle::NodeId{static_cast<int>(level), index};
    return true;
  }
  bool Deltas(std::vector<LoggedDelta>* out) {
    uint32_t n = 0;
    if (!List(kMaxDeltasPerMessage, &n)) return false;
    out->resize(n);
    for (LoggedDelta& d : *out) {
      if (!Tuple(3) || !Uint(&d.sequence) || !Str(&d.key) || !Bin(&d.delta)) return false;
      if (d.sequence == 0) return Fail("sequence numbers start at 1");
    }
    return true;
  }

  // A partition count (0, or a power of two up to kMaxPartitionsPerMessage) and ascending,
  // unique partitions of it.
  bool Partitions(uint32_t* count, std::vector<uint32_t>* partitions) {
    uint32_t n = 0;
    if (!Uint32(count) || !List(kMaxPartitionsPerMessage, &n)) return false;
    if (!PartitionCount(*count)) return false;
    if (*count == 0 && n != 0) return Fail("partitions without a partition count");
    partitions->resize(n);
    for (size_t i = 0; i < n; ++i) {
      if (!Uint32(&(*partitions)[i])) return false;
      if ((*partitions)[i] >= *count) return Fail("no such partition");
      if (i > 0 && !((*partitions)[i - 1] < (*partitions)[i])) return Fail("partitions are not ascending");
    }
    return true;
  }
  bool PartitionCount(uint32_t count) {
    if (count > kMaxPartitionsPerMessage || (count & (count - 1)) != 0) {
      return Fail("the partition count is not a power of two up to 4096");
    }
    return true;
  }
  bool Body(DeltaBatch* m) {
    if (!Deltas(&m->deltas) || !Uint32(&m->partition_count) || !Uint32(&m->partition) || !Uint(&m->previous)) {
      return false;
    }
    if (!PartitionCount(m->partition_count)) return false;
    if (m->partition_count == 0 ? m->partition != 0 : m->partition >= m->partition_count) {
      return Fail("no such partition");
    }
    uint64_t last = m->previous;
    for (const LoggedDelta& d : m->deltas) {
      if (d.sequence <= last) return Fail("sequences are not ascending from previous");
      last = d.sequence;
    }
    return true;
  }
  bool Body(Heartbeat* m) {
    uint32_t n = 0;
    if (!Uint(&m->last_sequence) || !Hash(&m->merkle_root) || !List(kMaxAcknowledgementsPerHeartbeat, &n)) {
      return false;
    }
    m->acknowledged.resize(n);
    for (size_t i = 0; i < n; ++i) {
      StreamAck& a = m->acknowledged[i];
      if (!Tuple(2) || !Uint(&a.origin) || !Uint(&a.sequence)) return false;
      if (a.origin == 0) return Fail("replica id 0 is reserved");
      if (i > 0 && !(m->acknowledged[i - 1].origin < a.origin)) return Fail("acknowledgements are not ascending");
    }
    if (!Uint(&m->stream_start) || !List(kMaxPartitionsPerMessage, &n)) return false;
    m->heads.resize(n);
    for (size_t i = 0; i < n; ++i) {
      PartitionHead& h = m->heads[i];
      if (!Tuple(2) || !Uint32(&h.partition) || !Uint(&h.sequence)) return false;
      if (h.partition >= kMaxPartitionsPerMessage) return Fail("no such partition");
      if (i > 0 && !(m->heads[i - 1].partition < h.partition)) return Fail("heads are not ascending");
      if (h.sequence <= m->stream_start || h.sequence > m->last_sequence) {
        return Fail("a head outside the stream");
      }
    }
    return true;
  }
  bool Roots(uint64_t* placement_version, std::vector<PartitionRoot>* roots) {
    uint32_t n = 0;
    if (!Uint(placement_version) || !List(kMaxPartitionsPerMessage, &n)) return false;
    roots->resize(n);
    for (size_t i = 0; i < n; ++i) {
      PartitionRoot& r = (*roots)[i];
      if (!Tuple(2) || !Uint32(&r.partition) || !Hash(&r.root)) return false;
      if (r.partition >= kMaxPartitionsPerMessage) return Fail("no such partition");
      if (i > 0 && !((*roots)[i - 1].partition < r.partition)) return Fail("partitions are not ascending");
    }
    return true;
  }
  bool Body(HandOffRequest* m) { return Roots(&m->placement_version, &m->roots); }
  bool Body(HandOffAnswer* m) { return Roots(&m->placement_version, &m->roots); }
  bool Body(LogRequest* m) {
    return Uint(&m->from_sequence) && Uint32(&m->max_deltas) && Partitions(&m->partition_count, &m->partitions);
  }
  bool Body(LogResponse* m) {
    return Uint(&m->first_available) && Uint(&m->last_sequence) && Deltas(&m->deltas) &&
           Uint(&m->scanned_through) && Uint(&m->from_sequence) && Partitions(&m->partition_count, &m->partitions);
  }
  bool Body(TreeRequest* m) {
    uint32_t n = 0;
    if (!Uint(&m->session) || !List(kMaxNodesPerMessage, &n)) return false;
    m->nodes.resize(n);
    for (merkle::NodeId& id : m->nodes) {
      if (!NodeId(&id)) return false;
    }
    return true;
  }
  bool Body(TreeResponse* m) {
    uint32_t n = 0;
    if (!Uint(&m->session) || !List(kMaxNodesPerMessage, &n)) return false;
    m->nodes.resize(n);
    for (TreeNode& node : m->nodes) {
      if (!Tuple(3) || !NodeId(&node.id) || !Fingerprint(&node.hash) ||
          !Fingerprints(&node.children, merkle::kFanout, merkle::kFanout)) {
        return false;
      }
      if (node.id.level >= merkle::kDepth) return Fail("leaves have no child hashes");
    }
    return true;
  }
  bool Body(LeafRequest* m) {
    uint32_t n = 0;
    if (!Uint(&m->session) || !List(kMaxNodesPerMessage, &n)) return false;
    m->buckets.resize(n);
    for (uint32_t& b : m->buckets) {
      if (!Uint32(&b)) return false;
      if (b >= merkle::kLeafCount) return Fail("no such bucket");
    }
    return true;
  }
  bool Body(LeafResponse* m) {
    uint32_t n = 0;
    size_t total = 0;
    if (!Uint(&m->session) || !List(kMaxNodesPerMessage, &n)) return false;
    m->leaves.resize(n);
    for (Leaf& leaf : m->leaves) {
      if (!Tuple(3) || !Uint32(&leaf.bucket) || !Fingerprint(&leaf.hash) ||
          !Fingerprints(&leaf.entries, kMaxLeafEntriesPerMessage - total)) {
        return false;
      }
      if (leaf.bucket >= merkle::kLeafCount) return Fail("no such bucket");
      total += leaf.entries.size();
    }
    return true;
  }
  bool Body(DocumentRequest* m) { return Uint(&m->session) && Refs(&m->documents); }
  bool States(size_t max, std::vector<DocumentState>* out) {
    uint32_t n = 0;
    if (!List(max, &n)) return false;
    out->resize(n);
    for (DocumentState& d : *out) {
      if (!Tuple(2) || !Str(&d.key) || !Bin(&d.state)) return false;
    }
    return true;
  }
  bool Body(Documents* m) {
    return Uint(&m->session) && States(kMaxDocumentsPerMessage, &m->documents) && Refs(&m->missing);
  }
  bool Body(CatalogRequest* m) { return Hash(&m->digest) && Str(&m->after); }
  bool Body(CatalogAnswer* m) {
    uint64_t more = 0;
    if (!Hash(&m->digest) || !Str(&m->after) || !States(kMaxCatalogDocumentsPerMessage, &m->documents) ||
        !Uint(&more)) {
      return false;
    }
    if (more > 1) return Fail("more is 0 or 1");
    m->more = more == 1;
    std::string_view last = m->after;
    for (const DocumentState& d : m->documents) {
      if (!(last < d.key)) return Fail("catalog documents are not ascending after `after`");
      last = d.key;
    }
    return true;
  }

 private:
  MsgpackReader r_;
};

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
