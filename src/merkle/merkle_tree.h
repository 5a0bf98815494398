// Copyright (c) crdtdb authors.
//
// The Merkle tree that anti-entropy compares (docs/storage.md, docs/protocol.md). Its shape is
// fixed, so every replica compares the same structure: a document key hashes to one of
// kLeafCount buckets, and every node is the XOR of its kFanout children (a leaf, the XOR of the
// contributions of the documents in its bucket; a contribution, a 128-bit hash of key and state
// digest). XOR makes updates O(depth) without reading siblings, makes the root independent of the
// order documents were written in, and lets a receiver check that children add up to their
// parent, so a forged tree is detected.
//
// Equal sets of (key, digest) give equal roots. The tree holds no I/O; the store persists nodes.
// Not thread-safe.

#ifndef CRDTDB_MERKLE_MERKLE_TREE_H_
#define CRDTDB_MERKLE_MERKLE_TREE_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "crdt/digest.h"

namespace crdtdb::merkle {

using Hash = crdt::Digest;

constexpr int kFanout = 16;
constexpr int kDepth = 4;  // levels below the root
constexpr uint32_t kLeafCount = 1u << (4 * kDepth);  // 65,536 buckets

// A node: level 0 is the root, level kDepth the leaves; index counts from 0 within the level.
struct NodeId {
  int level = 0;
  uint32_t index = 0;
  friend bool operator==(const NodeId&, const NodeId&) = default;
};

uint32_t BucketOf(std::string_view key);
Hash Contribution(std::string_view key, const Hash& digest);
Hash Xor(const Hash& a, const Hash& b);

// What anti-entropy sends of a hash: 32 of its 128 bits, a window chosen by the round's session
// id (session % 4). Taking bits commutes with XOR, so a receiver can still check that the
// fingerprints of children add up to their parent's. Two different subtrees or documents look
// equal in a round with probability 2^-32 per comparison; as the next round looks through another
// window, and unequal roots (compared in full in heartbeats) keep starting rounds, such a miss is
// repaired by a later round instead of lasting. A quarter of the bytes of full hashes
// (docs/protocol.md).
using Fingerprint = uint32_t;
inline Fingerprint FingerprintOf(const Hash& h, uint64_t session) {
  const uint64_t half = (session & 2) != 0 ? h.low : h.high;
  return static_cast<Fingerprint>((session & 1) != 0 ? half : half >> 32);
}

class MerkleTree {
 public:
  MerkleTree();

  const Hash& root() const { return levels_[0][0]; }
  const Hash& node(NodeId id) const { return levels_[id.level][id.index]; }
  // The kFanout children of an inner node.
  std::vector<Hash> children(NodeId id) const;

  // XORs `change` into the leaf `bucket` and every ancestor. Replacing a document's contribution c
  // with c' is one call with change = c XOR c'. Applying the same change again undoes it.
  void Toggle(uint32_t bucket, const Hash& change) {
    uint32_t index = bucket;
    for (int level = kDepth; level >= 0; --level, index /= kFanout) {
      levels_[level][index] = Xor(levels_[level][index], change);
    }
  }

  // Sets one node without touching others. Loading sets the leaves, then RecomputeInnerNodes.
  void SetNode(NodeId id, const Hash& h) { levels_[id.level][id.index] = h; }
  void RecomputeInnerNodes();
  // True when every inner node is the XOR of its children.
  bool Consistent() const;

  friend bool operator==(const MerkleTree&, const MerkleTree&) = default;

 private:
  std::vector<std::vector<Hash>> levels_;
};

}  // namespace crdtdb::merkle

#endif  // CRDTDB_MERKLE_MERKLE_TREE_H_
