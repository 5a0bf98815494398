// Copyright (c) crdtdb authors.
//
// The order of a list's elements (list_node.h), and where a new element goes: FugueMax (Weidner &
// Kleppmann, "The Art of the Fugue", 2023, section 5). The anchors form a tree rooted at a virtual
// root; the list is its in-order traversal: a node's left children, the node, its right children.
//
//   Siblings. Left children of one parent: by id. Right children: by their right origins in
//   reverse list order (a sibling whose right origin comes later goes first; the end of the list
//   is latest), then by id. Every right origin lies after its parent's subtree, so a traversal
//   from right to left meets the right origins before it must order the siblings.
//   Inserting between a visible element L (or the start) and the element N that follows L in the
//   traversal, tombstones included: if N exists and descends from L, the new element is N's left
//   child; otherwise it is L's right child with right origin N (or the end).
//
// These rules never interleave two runs inserted concurrently at one place, typed forwards or
// backwards, by any number of replicas (the paper's maximal non-interleaving).
//
// The order is a pure function of the anchors, computed in O(n log n) for n anchors (in O(n) plus
// a search per run and a sort per group of right siblings: an anchor that continues a run names
// the anchor just before it as parent, found without a search); nothing in it depends on the order
// anchors arrived in. Malformed trees (from a hostile peer, or left when a list is removed
// concurrently with an insert into it) still order deterministically: an anchor whose parent is
// missing hangs from the root; an anchor on a cycle, and content without an anchor, go to the end,
// by id.

#ifndef CRDTDB_CRDT_LIST_ORDER_H_
#define CRDTDB_CRDT_LIST_ORDER_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "crdt/list_node.h"

namespace crdtdb::crdt {

class ListOrder {
 public:
  // Names no anchor: in parent_of() the root, in right_origin_of() the end or a missing element.
  static constexpr uint32_t kNone = UINT32_MAX;

  // Precondition: list.anchors.size() < 2^31 (the decoder allows 2^20, limits.h).
  explicit ListOrder(const ListNode& list);

  // Every element in list order: anchored ones (tombstones included), then content without a
  // place in the tree. Built on each call (from anchor_order()).
  std::vector<Dot> sequence() const;
  // The live elements (those with content) in list order: what a read shows.
  const std::vector<Dot>& visible() const { return visible_; }
  // The anchored elements of sequence(), as indices into list.anchors, in list order.
  const std::vector<uint32_t>& anchor_order() const { return order_; }

  // Per anchor (an index into list.anchors): whether it has a place in the order (it is not on a
  // cycle), its parent's index (kNone: it hangs from the root: no parent, a missing one, itself),
  // and its right origin's index (kNone: none, or missing).
  bool placed(size_t anchor) const { return position_[anchor] != kNone; }
  uint32_t parent_of(size_t anchor) const { return parent_[anchor]; }
  uint32_t right_origin_of(size_t anchor) const { return right_origin_[anchor]; }

  // The anchor of a new element `id` inserted right after element `left` (any element with an
  // anchor, tombstones included), or at the start when `left` is kNoElement. An element without
  // an anchor cannot be a left neighbour: the insert goes after the last anchored element.
  ListAnchor PlaceAfter(Dot left, Dot id) const;

 private:
  uint32_t AnchorIndex(Dot id) const;  // kNone if none
  bool Descends(uint32_t node, uint32_t ancestor) const;

  const ListNode& list_;
  std::vector<uint32_t> parent_;        // per anchor
  std::vector<uint32_t> right_origin_;  // per anchor
  std::vector<uint32_t> position_;      // per anchor: its index in order_, kNone if not placed
  std::vector<uint32_t> order_;         // the placed anchors in list order
  std::vector<Dot> unanchored_;         // content without a placed anchor, by id
  std::vector<Dot> visible_;
};

// The anchors of `count` elements inserted together, the first at `first` (placed by ListOrder),
// each next one the right child of the one before: one run (list_node.h). AppendRunAnchors
// appends them to `out`.
std::vector<ListAnchor> RunAnchors(const ListAnchor& first, size_t count);
void AppendRunAnchors(const ListAnchor& first, size_t count, std::vector<ListAnchor>& out);

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_LIST_ORDER_H_
