// Copyright (c) crdtdb authors.
//
// A Document is the CRDT state of one stored document: a causal context and a root ObjectNode
// (an observed-remove map of fields with a presence set). It is a join-semilattice: Join is
// commutative, associative and idempotent, so replicas that have joined the same set of states and
// deltas hold equal documents, whatever the order, duplication or batching of what they received.
//
// A delta is a Document too (delta-state CRDTs: deltas are states), usually tiny, which may hold
// empty "mention" nodes (join.h). Mutators (mutators.h) build deltas; this class only joins.
//
// A document is live when its root object is visible: it has a presence dot or a field with a
// value (HasValue; a text holding only the deletes of characters not arrived yet has none). Delete
// removes every dot it observed and leaves the context, so the document keeps O(replicas) metadata
// and no tombstone per field.
//
// Documents are plain values: copyable, comparable, not thread-safe.

#ifndef CRDTDB_CRDT_DOCUMENT_H_
#define CRDTDB_CRDT_DOCUMENT_H_

#include "crdt/dot_context.h"
#include "crdt/field_node.h"

namespace crdtdb::crdt {

class Document {
 public:
  Document() = default;
  Document(DotContext context, ObjectNode root) : context_(std::move(context)), root_(std::move(root)) {}

  const DotContext& context() const { return context_; }
  const ObjectNode& root() const { return root_; }
  DotContext& mutable_context() { return context_; }
  ObjectNode& mutable_root() { return root_; }

  bool live() const { return HasValue(root_); }
  // True for the bottom element: nothing stored and nothing seen (e.g. a no-op delta).
  bool bottom() const { return root_.empty() && context_.empty(); }

  // The least upper bound of this and `other`, in O(size of both). Of a dot both hold with
  // different payloads (dot_conflicts.h) the join keeps this side's. Returns whether this changed,
  // which equals !(*this == before) at no extra cost (a property test checks it).
  bool Join(const Document& other);
  // Joins a delta made by a mutator (or a MergeDelta of such deltas), visiting only the keys it
  // mentions. Equals Join(delta) for those deltas; for any other state use Join. Returns whether
  // this changed, as Join does; the cost stays proportional to the delta.
  bool ApplyDelta(const Document& delta);
  // Joins another delta into this delta, keeping the mentions of both (a delta group).
  void MergeDelta(const Document& delta);

  // Drops empty mention nodes, turning a delta into a well-formed state.
  void Normalize() { crdt::Normalize(root_, context_); }

  friend bool operator==(const Document&, const Document&) = default;

 private:
  DotContext context_;
  ObjectNode root_;
};

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_DOCUMENT_H_
