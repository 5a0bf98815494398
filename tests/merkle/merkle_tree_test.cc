// Copyright (c) crdtdb authors.

#include "merkle/merkle_tree.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tests/support/seed.h"

namespace crdtdb::merkle {
namespace {

void Add(MerkleTree& tree, const std::string& key, const Hash& digest) {
  tree.Toggle(BucketOf(key), Contribution(key, digest));
}

TEST_CASE("the root depends on the set of documents, not on the order they were written in") {
  for (uint64_t seed : testing::PropertySeeds(100)) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    std::vector<std::pair<std::string, Hash>> docs;
    for (int i = 0; i < 200; ++i) docs.push_back({"c/" + std::to_string(rng()), Hash{rng(), rng()}});
    MerkleTree a, b;
    for (const auto& [k, d] : docs) Add(a, k, d);
    std::shuffle(docs.begin(), docs.end(), rng);
    for (const auto& [k, d] : docs) Add(b, k, d);
    CHECK(a == b);
    CHECK(a.Consistent());
    // Replacing one document's digest changes the root; changing it back restores it.
    const Hash before = a.root();
    const auto& [key, digest] = docs.front();
    const Hash other{digest.high + 1, digest.low};
    a.Toggle(BucketOf(key), Xor(Contribution(key, digest), Contribution(key, other)));
    CHECK_FALSE(a.root() == before);
    a.Toggle(BucketOf(key), Xor(Contribution(key, digest), Contribution(key, other)));
    CHECK(a.root() == before);
  }
}

TEST_CASE("a toggle changes exactly one node per level, leaf to root") {
  MerkleTree tree;
  const uint32_t bucket = BucketOf("todos/1");
  tree.Toggle(bucket, Hash{1, 2});
  uint32_t index = bucket;
  for (int level = kDepth; level >= 0; --level, index /= kFanout) {
    CHECK(tree.node(NodeId{level, index}) == Hash{1, 2});
    // Its siblings are untouched.
    CHECK(tree.node(NodeId{level, index ^ (level > 0 ? 1u : 0u)}) == (level > 0 ? Hash{} : Hash{1, 2}));
  }
  CHECK(tree.children(NodeId{0, 0}).size() == kFanout);
  CHECK(tree.Consistent());
}

TEST_CASE("inner nodes recomputed from the leaves equal those maintained by toggles") {
  MerkleTree maintained, loaded;
  for (int i = 0; i < 500; ++i) Add(maintained, "k/" + std::to_string(i), Hash{uint64_t(i), 7});
  for (uint32_t b = 0; b < kLeafCount; ++b) loaded.SetNode(NodeId{kDepth, b}, maintained.node(NodeId{kDepth, b}));
  CHECK_FALSE(loaded == maintained);
  loaded.RecomputeInnerNodes();
  CHECK(loaded == maintained);
}

TEST_CASE("a tree whose children do not add up is inconsistent") {
  MerkleTree tree;
  Add(tree, "a/b", Hash{5, 6});
  CHECK(tree.Consistent());
  tree.SetNode(NodeId{2, 3}, Hash{9, 9});
  CHECK_FALSE(tree.Consistent());
}

TEST_CASE("keys spread over the buckets") {
  std::set<uint32_t> buckets;
  for (int i = 0; i < 10000; ++i) {
    const uint32_t b = BucketOf("docs/" + std::to_string(i));
    CHECK(b < kLeafCount);
    buckets.insert(b);
  }
  CHECK(buckets.size() > 9000);  // ~9,300 expected for 10,000 keys in 65,536 buckets
}

}  // namespace
}  // namespace crdtdb::merkle
