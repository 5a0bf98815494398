// Copyright (c) crdtdb authors.

#include "sync/tree_answers.h"

#include <algorithm>

namespace crdtdb::sync {

merkle::Fingerprint XorOf(const std::vector<merkle::Fingerprint>& fingerprints) {
  merkle::Fingerprint sum = 0;
  for (merkle::Fingerprint f : fingerprints) sum ^= f;
  return sum;
}

std::optional<std::string> ProblemOf(const TreeNode& node) {
  if (XorOf(node.children) != node.hash) return "the peer's tree node does not add up";
  return std::nullopt;
}

std::optional<std::string> ProblemOf(const Leaf& leaf) {
  if (!std::is_sorted(leaf.entries.begin(), leaf.entries.end()))
    return "leaf entries are not sorted";
  if (XorOf(leaf.entries) != leaf.hash) return "the peer's leaf contents do not add up to its leaf";
  return std::nullopt;
}

std::vector<merkle::NodeId> DifferingChildren(merkle::NodeId parent,
                                              const std::vector<merkle::Fingerprint>& mine,
                                              const std::vector<merkle::Fingerprint>& theirs) {
  std::vector<merkle::NodeId> out;
  for (int i = 0; i < merkle::kFanout; ++i) {
    if (mine[i] == theirs[i]) continue;
    out.push_back(merkle::NodeId{parent.level + 1,
                                 parent.index * merkle::kFanout + static_cast<uint32_t>(i)});
  }
  return out;
}

}  // namespace crdtdb::sync
