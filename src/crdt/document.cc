// Copyright (c) crdtdb authors.

#include "crdt/document.h"

#include "crdt/join.h"

namespace crdtdb::crdt {

namespace {
// Returns whether the state changed: a dot added to or removed from the stores, or a dot added to
// the context.
bool JoinDocuments(DotContext& context, ObjectNode& root, const Document& other, JoinMode mode) {
  bool changed = false;
  JoinObject(root, other.root(), JoinScope{context, other.context(), mode, &changed});
  return context.Join(other.context()) || changed;
}
}  // namespace

bool Document::Join(const Document& other) {
  if (&other == this) return false;  // idempotent, and joining in place would alias
  return JoinDocuments(context_, root_, other, JoinMode::kFull);
}

bool Document::ApplyDelta(const Document& delta) {
  if (&delta == this) return false;
  return JoinDocuments(context_, root_, delta, JoinMode::kApplyDelta);
}

void Document::MergeDelta(const Document& delta) {
  if (&delta == this) return;
  JoinDocuments(context_, root_, delta, JoinMode::kMergeDeltas);
}

}  // namespace crdtdb::crdt
