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
// Ranges of dots in one causal context (DotContext::range_count, all replicas together). A context
// real writes make holds one range per replica plus one per delta still missing, far below it;
// the bound keeps what one message can make the event loop do small: a context at the limit
// encodes in ~2 MiB as a delta (~10 MiB as a state) and a join of two of them moves ~2M ranges
// (range_union.h). The decoder refuses more before it builds them, and the store refuses to write
// a state with more, so every stored state decodes. As with bytes, a local write may not take a
// context past a quarter of it (kMaxWriteContextRanges), so that the join of the contexts of
// four concurrent writers still replicates.
constexpr size_t kMaxContextRanges = size_t{1} << 20;
constexpr size_t kMaxWriteContextRanges = kMaxContextRanges / 4;
// List anchors (one per element ever inserted and not removed with its list) in one document. An
// encoded run of anchors costs a few bytes however long it is, so this bounds what a decoded
// message can make a replica allocate (~56 bytes per anchor, ~150 while its order is computed:
// ~150 MiB at the limit). A local write may not take one list past a quarter of it (262,144
// elements, deleted ones included), so that four concurrent writers' lists still decode.
constexpr size_t kMaxListAnchors = size_t{1} << 20;
constexpr size_t kMaxWriteListAnchors = kMaxListAnchors / 4;
// Dot counters stay far from overflow of range arithmetic.
constexpr uint64_t kMaxDotCounter = uint64_t{1} << 62;

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_LIMITS_H_
