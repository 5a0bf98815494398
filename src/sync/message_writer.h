// Copyright (c) crdtdb authors.
//
// The MessagePack writer of every message body (docs/protocol.md, "Messages"), private to
// messages.cc: one Body overload per message type, each field in the order the reader takes it.

#ifndef CRDTDB_SYNC_MESSAGE_WRITER_H_
#define CRDTDB_SYNC_MESSAGE_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include <msgpack.hpp>

#include "sync/messages.h"

namespace crdtdb::sync::wire {

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

}  // namespace crdtdb::sync::wire

#endif  // CRDTDB_SYNC_MESSAGE_WRITER_H_
