// Copyright (c) crdtdb authors.
//
// Internal to src/crdt: the order-statistics index of a text or a list (list_node.h), so that the
// edits of an editor (a splice at a position, a list insert, remove or replace by index) and the
// join of one edit's delta cost O(log n), not the O(n log n) of computing the order from the
// anchors (list_order.h).
//
// The index is a treap over the anchored characters (a list's elements) in list order (tombstones
// included), each subtree counting its characters and its visible ones (a text's: not deleted; a
// list's: with content, an entry in `elements`, ListOrder's rule); per replica a vector sorted by
// counter finds a character's node (built in O(n) from the anchors, which are sorted by id; a new
// anchor is usually the last of its replica). It is built from ListOrder in O(n) beyond
// ListOrder's own cost, and is a cache: ListOrder stays the definition of the order. The joins
// keep it in step (JoinText, JoinList: join.h). Integrate() places a new anchor
// directly only when FugueMax leaves no choice, which is every insert by a single writer:
//
//   a right child of P when P has no right children yet: its only right child comes right after
//     P (its right origin orders siblings only; a text's first character has no siblings);
//   a left child of N when N has no left children yet: right before N.
//
// and only when no anchor already present names the new one as parent or right origin (an anchor
// that arrived before its parent). Anything else (concurrent inserts at one place, a removed
// anchor) answers false and the owner rebuilds the index from ListOrder: correctness never rests
// on the fast path.

#ifndef CRDTDB_CRDT_POSITION_INDEX_H_
#define CRDTDB_CRDT_POSITION_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_set>
#include <vector>

#include "crdt/list_node.h"

namespace crdtdb::crdt {

struct DotHash {
  size_t operator()(const Dot& d) const noexcept { return (d.replica * 0x9E3779B97F4A7C15ull) ^ d.counter; }
};

class PositionIndex {
 public:
  enum class Kind { kText, kList };

  PositionIndex(const ListNode& node, Kind kind);

  // The number of visible characters.
  size_t size() const;
  // The id of the visible character at `position` (< size()).
  Dot VisibleAt(size_t position) const;
  // Calls `fn` with every visible character in order.
  void ForEachVisible(const std::function<void(char32_t)>& fn) const;

  // Calls `fn` with the id of every visible element in order.
  void ForEachVisibleId(const std::function<void(Dot)>& fn) const;

  // The anchor of an element `id` inserted right after `left` (tombstones included; kNoElement: at
  // the start; one without a place in the order: after the last placed one), by the rule of
  // ListOrder::PlaceAfter.
  ListAnchor PlaceAfter(Dot left, Dot id) const;

  // Places a new anchor of the text (already added to its anchors); false when the fast path
  // does not apply (the caller then drops the index, rebuilt on next use).
  bool Integrate(const ListAnchor& anchor, bool visible);
  // Shows or hides the element `id` if the index holds it.
  void SetShown(Dot id, bool shown);

  // Whether the index was built for `kind` from (or kept in step with) a node with as many
  // anchors and deleted ranges (a text) or elements (a list) as `node`: a cheap guard against a
  // node changed behind the index's back (the joins, JoinText and JoinList, are what keep it in
  // step; every other change of a node's anchors or elements in place adds or erases some).
  bool Fits(const ListNode& node, Kind kind) const;
  // Records that the index is in step with `node` again, after Integrate() and SetShown().
  void Track(const ListNode& node);

 private:
  static constexpr uint32_t kNil = UINT32_MAX;
  struct Node {
    uint32_t left = kNil, right = kNil, up = kNil;
    uint32_t priority = 0;
    uint32_t count = 1;    // characters in the subtree
    uint32_t visible = 0;  // visible characters in the subtree
    bool shown = false;
    bool has_left_child = false, has_right_child = false;
    char32_t ch = 0;
    Dot id;
  };
  struct CounterNode {
    uint64_t counter;
    uint32_t node;
  };

  uint32_t NewNode(Dot id, char32_t ch, bool visible);
  void Pull(uint32_t x);
  void Split(uint32_t t, uint32_t k, uint32_t& a, uint32_t& b);  // a: the first k characters
  uint32_t Merge(uint32_t a, uint32_t b);
  void InsertAt(uint32_t position, uint32_t node);
  uint32_t Rank(uint32_t x) const;       // position among all characters
  uint32_t Successor(uint32_t x) const;  // kNil at the end
  uint32_t First() const;
  uint32_t Last() const;
  uint32_t Find(Dot id) const;

  std::vector<Node> nodes_;
  uint32_t root_ = kNil;
  uint32_t seed_ = 0x2545F491u;
  // The nodes by id: per replica, sorted by counter (a replica's new character is usually its
  // last, appended without moving the others').
  std::map<ReplicaId, std::vector<CounterNode>> by_id_;
  std::unordered_set<Dot, DotHash> dangling_;  // ids named by an anchor but not (yet) placed
  Kind kind_;
  size_t anchors_ = 0;  // node.anchors.size() in step
  size_t shown_ = 0;    // in step: a text's node.deleted.range_count(), a list's node.elements.size()
};

// The index of `text`, built if missing or out of step.
PositionIndex& TextIndexOf(const ListNode& text);

// The index of `list`, built if missing or out of step; null when it cannot answer for the list:
// some content has no placed anchor (a malformed tree, list_order.h), shown by ListOrder after
// every anchored element. The caller then uses ListOrder.
const PositionIndex* ListIndexOf(const ListNode& list);
// The index of `list` if it has one in step that can answer, else null: for a read of the whole
// list, which ListOrder alone answers at about half the cost of building the index.
const PositionIndex* KeptListIndex(const ListNode& list);
// The visible elements of `list` in order (ListOrder::visible()): through its index when it has
// one in step, else from ListOrder alone, without building the index (as VisibleText).
std::vector<Dot> VisibleElements(const ListNode& list);

// The visible characters of `text` in order, as UTF-8: through its index when it has one in step,
// else from ListOrder alone, without building the index, which costs about twice the order. A
// read of a text just decoded (a stored document, a peer's state) needs no index; the first
// splice builds it.
std::string VisibleText(const ListNode& text);

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_POSITION_INDEX_H_
