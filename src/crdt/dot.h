// Copyright (c) crdtdb authors.
//
// A dot names one event: the `counter`-th event that replica `replica` generated for one document.
// Dots are the identities of the causal CRDTs of Almeida, Shoker and Baquero, "Delta State
// Replicated Data Types" (2018): every value a replica writes carries a fresh dot, and a causal
// context (dot_context.h) records which dots a state has seen.

#ifndef CRDTDB_CRDT_DOT_H_
#define CRDTDB_CRDT_DOT_H_

#include <compare>
#include <cstdint>
#include <vector>

namespace crdtdb::crdt {

// A replica id is a random 64-bit number generated once per replica and kept for its lifetime.
// Zero is reserved and never names a replica.
using ReplicaId = uint64_t;

// Sequence numbers and dot counters of a replica's stream epoch e start above e << kEpochShift,
// so no number issued in an earlier epoch is issued again (2^40: a trillion writes per epoch,
// 2^24 epochs). A replica starts a new epoch when it may have lost acknowledged writes
// (docs/storage.md, "Stream epochs").
constexpr int kEpochShift = 40;

struct Dot {
  ReplicaId replica = 0;
  uint64_t counter = 0;  // >= 1

  friend auto operator<=>(const Dot&, const Dot&) = default;
};

// A set of dots, kept sorted and without duplicates (the "DotSet" dot store of the paper).
using DotSet = std::vector<Dot>;

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_DOT_H_
