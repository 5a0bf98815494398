// Copyright (c) crdtdb authors.

#include "crdt/document.h"

#include "crdt/join.h"

namespace crdtdb::crdt {

namespace {
void JoinDocuments(DotContext& context, ObjectNode& root, const Document& other, JoinMode mode,
                   DotConflicts* conflicts = nullptr) {
  JoinObject(root, other.root(), JoinScope{context, other.context(), mode, conflicts});
  context.Join(other.context());
}
}  // namespace

void Document::Join(const Document& other, DotConflicts* conflicts) {
  if (&other == this) return;  // idempotent, and joining in place would alias
  JoinDocuments(context_, root_, other, JoinMode::kFull, conflicts);
}

void Document::ApplyDelta(const Document& delta, DotConflicts* conflicts) {
  if (&delta == this) return;
  JoinDocuments(context_, root_, delta, JoinMode::kApplyDelta, conflicts);
}

void Document::MergeDelta(const Document& delta) {
  if (&delta == this) return;
  JoinDocuments(context_, root_, delta, JoinMode::kMergeDeltas);
}

}  // namespace crdtdb::crdt
