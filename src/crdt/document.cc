// Copyright (c) crdtdb authors.

#include "crdt/document.h"

#include "crdt/join.h"

namespace crdtdb::crdt {

namespace {
void JoinDocuments(DotContext& context, ObjectNode& root, const Document& other, JoinMode mode) {
  JoinObject(root, other.root(), JoinScope{context, other.context(), mode});
  context.Join(other.context());
}
}  // namespace

void Document::Join(const Document& other) {
  if (&other == this) return;  // idempotent, and joining in place would alias
  JoinDocuments(context_, root_, other, JoinMode::kFull);
}

void Document::ApplyDelta(const Document& delta) {
  if (&delta == this) return;
  JoinDocuments(context_, root_, delta, JoinMode::kApplyDelta);
}

void Document::MergeDelta(const Document& delta) {
  if (&delta == this) return;
  JoinDocuments(context_, root_, delta, JoinMode::kMergeDeltas);
}

}  // namespace crdtdb::crdt
