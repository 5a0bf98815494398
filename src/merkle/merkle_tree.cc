// Copyright (c) crdtdb authors.

#include "merkle/merkle_tree.h"

#include <string>

#include <xxhash.h>

namespace crdtdb::merkle {

uint32_t BucketOf(std::string_view key) {
  // The top bits of a 64-bit hash: uniform over buckets, the same on every replica.
  return static_cast<uint32_t>(XXH3_64bits(key.data(), key.size()) >> (64 - 4 * kDepth));
}

Hash Contribution(std::string_view key, const Hash& digest) {
  std::string input(key);
  for (uint64_t part : {digest.high, digest.low}) {
    for (int i = 7; i >= 0; --i) input.push_back(static_cast<char>(part >> (8 * i)));
  }
  const XXH128_hash_t h = XXH3_128bits(input.data(), input.size());
  return Hash{h.high64, h.low64};
}

Hash Xor(const Hash& a, const Hash& b) { return Hash{a.high ^ b.high, a.low ^ b.low}; }

MerkleTree::MerkleTree() : levels_(kDepth + 1) {
  uint32_t width = 1;
  for (auto& level : levels_) {
    level.assign(width, Hash{});
    width *= kFanout;
  }
}

std::vector<Hash> MerkleTree::children(NodeId id) const {
  const auto& below = levels_[id.level + 1];
  return std::vector<Hash>(below.begin() + id.index * kFanout, below.begin() + (id.index + 1) * kFanout);
}

void MerkleTree::RecomputeInnerNodes() {
  for (int level = kDepth - 1; level >= 0; --level) {
    for (uint32_t i = 0; i < levels_[level].size(); ++i) {
      Hash sum;
      for (int c = 0; c < kFanout; ++c) sum = Xor(sum, levels_[level + 1][i * kFanout + c]);
      levels_[level][i] = sum;
    }
  }
}

bool MerkleTree::Consistent() const {
  for (int level = 0; level < kDepth; ++level) {
    for (uint32_t i = 0; i < levels_[level].size(); ++i) {
      Hash sum;
      for (const Hash& child : children(NodeId{level, i})) sum = Xor(sum, child);
      if (!(sum == levels_[level][i])) return false;
    }
  }
  return true;
}

}  // namespace crdtdb::merkle
