// Copyright (c) crdtdb authors.
//
// What every walk of a peer's Merkle tree (anti_entropy.h, diff_session.h) checks and computes on
// the answers it gets, so that the initiator of a repair and the read-only diff agree on what a
// well-formed answer is and on how a document is named (docs/protocol.md, "Checks on every
// answer").

#ifndef CRDTDB_SYNC_TREE_ANSWERS_H_
#define CRDTDB_SYNC_TREE_ANSWERS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "merkle/merkle_tree.h"
#include "sync/messages.h"

namespace crdtdb::sync {

// The XOR of `fingerprints`: what a node's (or a leaf's) fingerprint must be, given its children's
// (or its entries').
merkle::Fingerprint XorOf(const std::vector<merkle::Fingerprint>& fingerprints);

// Why the node cannot be followed (its children do not XOR to it), or nullopt.
std::optional<std::string> ProblemOf(const TreeNode& node);
// Why the leaf cannot be followed (entries not ascending, or not XORing to it), or nullopt.
std::optional<std::string> ProblemOf(const Leaf& leaf);

// The children of `parent` whose fingerprints differ between two answers of one session: `mine`
// and `theirs` are the kFanout child fingerprints of the same node on each side.
std::vector<merkle::NodeId> DifferingChildren(merkle::NodeId parent,
                                              const std::vector<merkle::Fingerprint>& mine,
                                              const std::vector<merkle::Fingerprint>& theirs);

// How a leaf answer in `session` names the document `key` whose state has `digest`.
inline DocumentRef RefOf(const std::string& key, const crdt::Digest& digest, uint64_t session) {
  return DocumentRef{merkle::BucketOf(key),
                     merkle::FingerprintOf(merkle::Contribution(key, digest), session)};
}

}  // namespace crdtdb::sync

#endif  // CRDTDB_SYNC_TREE_ANSWERS_H_
