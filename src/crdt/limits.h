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
// The canonical encoding of one document state or delta.
constexpr size_t kMaxEncodedBytes = size_t{16} << 20;
// Dot counters stay far from overflow of range arithmetic.
constexpr uint64_t kMaxDotCounter = uint64_t{1} << 62;

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_LIMITS_H_
