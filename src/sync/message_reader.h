// Copyright (c) crdtdb authors.
//
// The MessagePack reader of every message body, private to messages.cc: one Body overload per
// message type. The bytes are hostile: every count is bounded (messages.h, kMax*), strings are
// valid UTF-8, hashes and fingerprints have their sizes, and lists are ascending where the
// protocol says so; the first failure leaves its reason in error().

#ifndef CRDTDB_SYNC_MESSAGE_READER_H_
#define CRDTDB_SYNC_MESSAGE_READER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sync/messages.h"
#include "util/msgpack_reader.h"

namespace crdtdb::sync::wire {

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

}  // namespace crdtdb::sync::wire

#endif  // CRDTDB_SYNC_MESSAGE_READER_H_
