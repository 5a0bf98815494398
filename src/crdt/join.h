// Copyright (c) crdtdb authors.
//
// The join of causal dot stores (Almeida et al. 2018, section 6.1). For two states (s, c) and
// (s', c'), a dot survives the join when both stores hold it, or when one store holds it and the
// other side's context has not seen it; a dot one side has seen but no longer holds was removed,
// and stays removed. Maps join key by key with the shared contexts.
//
// A full join visits every key of both sides, so it costs O(state). A delta made by a mutator
// (mutators.h) mentions every key whose dots it adds or removes, with an empty node where it only
// removes; joining it in kApplyDelta mode visits just those keys, in O(delta x log state), and gives
// the same result as the full join. kMergeDeltas joins two deltas into a delta group and keeps the
// mentions of both. Tests check the three modes agree.

#ifndef CRDTDB_CRDT_JOIN_H_
#define CRDTDB_CRDT_JOIN_H_

#include "crdt/dot_context.h"
#include "crdt/field_node.h"

namespace crdtdb::crdt {

enum class JoinMode {
  kFull,         // state with state: visit every key of both sides; drop empty nodes
  kApplyDelta,   // state with delta: visit only the keys the delta mentions; drop empty nodes
  kMergeDeltas,  // delta with delta: visit every key; keep empty nodes (they are mentions)
};

// The contexts of the two sides as they were before the join. The caller joins the contexts
// after the stores. The join sets `*changed` when it adds a dot to, or removes one from, this
// side's stores (it never clears it), so a caller learns whether the state changed without a copy
// to compare with. Equal dots keep this side's payload (dot_conflicts.h finds those that differ).
struct JoinScope {
  const DotContext& mine;
  const DotContext& theirs;
  JoinMode mode;
  bool* changed;
};

void JoinDotSet(DotSet& mine, const DotSet& theirs, const JoinScope& scope);
void JoinField(FieldNode& mine, const FieldNode& theirs, const JoinScope& scope);
void JoinObject(ObjectNode& mine, const ObjectNode& theirs, const JoinScope& scope);
// A list (list_node.h). A delta applied keeps the list's index (position_index.h) in step when it
// can; anything else drops it.
void JoinList(ListNode& mine, const ListNode& theirs, const JoinScope& scope);
// A text (list_node.h): anchors as a list's, deleted ids by union; keeps the text's index
// (position_index.h) in step when it can, drops it otherwise.
void JoinText(ListNode& mine, const ListNode& theirs, const JoinScope& scope);

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_JOIN_H_
