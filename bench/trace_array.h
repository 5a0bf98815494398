// Copyright (c) crdtdb authors.
//
// The array-of-objects workload of trace_bench (issue 19), the same as bench/peers/
// trace_workload.js `array` (same seeded items and choices, mulberry32): 10,000 items
// ({id, title, done, n}) appended by 3 replicas concurrently (a third each, one delta per item),
// merged; then the 3 replicas concurrently move 3,000 and remove 2,000 distinct items (a third
// each; a move is a remove and an insert of a copy, as a JSON Patch "move" makes it and as the
// Yjs and Automerge sides do), merged again. A merge: replica 0 receives from each other
// replica what it lacks (DeltaSince of their states against its context), then each receives
// from replica 0. All 3 must end byte-identical, with the 8,000 expected items once each.
//   append_ms, merge1_ms, edit_ms, merge_ms, total_ms (wall clock; *_cpu_ms beside),
//   merge_bytes (the encoded deltas of the last merge), encoded_bytes (EncodeDocument).

#ifndef CRDTDB_BENCH_TRACE_ARRAY_H_
#define CRDTDB_BENCH_TRACE_ARRAY_H_

#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

namespace crdtdb::bench {

// Runs the workload with `seed` (the peers': 42) on `items` items, of which `moves` are moved and
// `removes` removed (the peers': 10,000, 3,000, 2,000); exits 1 (bench_fail.h) if a check fails.
nlohmann::json RunArrayWorkload(uint32_t seed, size_t items, size_t moves, size_t removes);

}  // namespace crdtdb::bench

#endif  // CRDTDB_BENCH_TRACE_ARRAY_H_
