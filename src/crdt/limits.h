// Copyright (c) crdtdb authors.
//
// Bounds on everything a document can be made of. Input beyond them is rejected with a clear error
// before any work is done, so a hostile or mistaken input cannot exhaust memory or stack.

#ifndef CRDTDB_CRDT_LIMITS_H_
#define CRDTDB_CRDT_LIMITS_H_

#include <cstddef>
#include <cstdint>

#include "crdtdb/limits.h"

namespace crdtdb::crdt {

// The limits of the public API (JSON size and depth) hold here too.
using crdtdb::kMaxJsonBytes;
using crdtdb::kMaxJsonDepth;
// Two limits on a document's canonical encoding, kept apart so that convergence never depends on
// a limit (docs/crdt.md section 14). A local write may not make a document larger than
// kMaxWriteBytes. A join of states that each respect it can be larger (concurrent writes keep
// every value), so what replicas store, decode and ship is bounded by kMaxEncodedBytes instead:
// room for the join of four concurrent writes of the largest document a write may make.
constexpr size_t kMaxWriteBytes = size_t{16} << 20;
constexpr size_t kMaxEncodedBytes = 4 * kMaxWriteBytes;
// Dot counters stay far from overflow of range arithmetic.
constexpr uint64_t kMaxDotCounter = uint64_t{1} << 62;

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_LIMITS_H_
