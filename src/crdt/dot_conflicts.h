// Copyright (c) crdtdb authors.
//
// Dots two documents both hold with different payloads (register value or timestamp, counter
// value). A dot names one write, so equal dots must carry equal payloads: a mismatch means a
// replica reused its dots (a store restored from a copy) or a peer forged one. The join keeps this
// side's payload (join.h); a replica that must refuse such an update finds the conflicts first,
// without a copy of its state to restore.

#ifndef CRDTDB_CRDT_DOT_CONFLICTS_H_
#define CRDTDB_CRDT_DOT_CONFLICTS_H_

#include <cstddef>

#include "crdt/document.h"
#include "crdt/dot.h"

namespace crdtdb::crdt {

struct DotConflicts {
  size_t count = 0;
  Dot first;  // the first met, in key order; valid when count > 0
};

// The dots `theirs` holds that `mine` holds with another payload. Visits only the keys both hold,
// so a delta costs O(|theirs| x log |mine|), whatever the size of `mine`. `theirs` is a state or a
// delta (its mention nodes hold no dot).
DotConflicts FindDotConflicts(const Document& mine, const Document& theirs);

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_DOT_CONFLICTS_H_
