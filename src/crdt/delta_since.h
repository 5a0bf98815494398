// Copyright (c) crdtdb authors.
//
// The part of a state that a replica is missing, given what that replica has seen: the delta a
// sync ships instead of the whole state (as Yjs ships the update since a state vector).
//
// For a state (s, c) and the context `seen` of another replica's state (s', seen), DeltaSince
// returns (s_d, c_d) with
//   s_d = the dots of s that `seen` lacks, with their fields, values and nesting;
//   c_d = c minus the dots that s stores and `seen` holds.
// Joining it into (s', seen) gives the same state as joining (s, c) itself. Dots both have seen
// and s still stores are left out of c_d, so the join keeps them where s' still stores them; dots
// s has seen but no longer stores stay in c_d, so the join removes them from s' (the removals s
// made). Costs O(size of s); the result is a well-formed state, joined with Document::Join.

#ifndef CRDTDB_CRDT_DELTA_SINCE_H_
#define CRDTDB_CRDT_DELTA_SINCE_H_

#include "crdt/document.h"

namespace crdtdb::crdt {

Document DeltaSince(const Document& state, const DotContext& seen);

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_DELTA_SINCE_H_
