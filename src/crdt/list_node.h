// Copyright (c) crdtdb authors.
//
// The list dot store (docs/crdt.md section 7): a JSON array whose elements merge. A list is
//
//   presence  a DotSet, as an ObjectNode's: the list exists (an empty list too), and an insert or
//             update concurrent with the removal of the whole list keeps it;
//   anchors   the ordering skeleton, one ListAnchor per element ever inserted and not removed with
//             the whole list: the element's id (its insert dot) and its place in the Fugue tree
//             (Weidner & Kleppmann, "The Art of the Fugue", 2023), FugueMax variant. An anchor is
//             immutable. Deleting an element leaves its anchor (the tombstone): later inserts may
//             name it as their parent or right origin. Anchors are a DotFun under the causal join,
//             so removing the whole list (put over it, remove the field, delete the document)
//             removes the anchors it observed, and nothing else;
//   elements  id -> ListElement, the content of each live element: a presence DotSet and a value of
//             any kind (a FieldNode: register, nested object, counter, set, nested list). Deleting
//             an element removes the dots of its content that the deleter observed; an update
//             concurrent with the delete renews the presence, so the element stays.
//
// The order of the elements is a pure function of the anchors (list_order.h), so replicas that
// hold equal states show equal lists, whatever order they learned the anchors in.
//
// In memory anchors are one entry per element, sorted by id (so joins are the sorted merges of
// join.cc); the encoding (document_encoder.cc) writes them as runs: consecutive ids of one
// replica, each the right child of the previous, cost one run.
//
// A text (docs/crdt.md section 7, "Text fields") is a ListNode in the field's text kind whose
// elements are characters: each anchor carries its character (`ch`, a Unicode code point), the
// elements map stays empty, and a deleted character is one whose id is in `deleted`, a grow-only
// set of ids (deleting a character is final: characters are never updated, so there is no
// update-vs-delete to keep). A typed character thus costs one anchor and no dot of its own beyond
// its id; one replica's consecutive keystrokes are one run. `deleted` is joined by union; an id
// leaves it only once it can never be needed again: its character was seen (the id is in the
// document's context) and is gone (removed with the whole text). The delete of a character that has
// not arrived yet stays, even in a text with nothing else (ForgetSettledDeletes, field_node.h).

#ifndef CRDTDB_CRDT_LIST_NODE_H_
#define CRDTDB_CRDT_LIST_NODE_H_

#include <map>
#include <memory>
#include <vector>

#include "crdt/dot.h"
#include "crdt/dot_context.h"
#include "crdt/field_node.h"

namespace crdtdb::crdt {

// Names no element: the root of the Fugue tree as a parent, the end of the list as a right
// origin. Dot counters start at 1, so it is never an element's id.
constexpr Dot kNoElement{0, 0};

struct ListAnchor {
  Dot id;                        // the element's insert dot
  Dot parent = kNoElement;       // the parent in the Fugue tree; kNoElement: the root
  bool right = true;             // a right child of `parent` (else a left child)
  Dot right_origin = kNoElement; // right children only: the element that followed `parent` when
                                 // this one was inserted (tombstones included); kNoElement: the end
  char32_t ch = 0;               // a text's character (a Unicode code point); 0 in a list

  friend bool operator==(const ListAnchor&, const ListAnchor&) = default;
};

// The right origin the next anchor of a run inherits: a run's elements after the first are right
// children of their predecessor, inserted when the element after it was the first's right origin
// (or, for a left child, its parent). See list_order.h.
inline Dot RunRightOrigin(const ListAnchor& first) { return first.right ? first.right_origin : first.parent; }

// Whether `next` continues the run whose last anchor is `last` and first is `first`.
inline bool ExtendsRun(const ListAnchor& first, const ListAnchor& last, const ListAnchor& next) {
  return next.id.replica == last.id.replica && next.id.counter == last.id.counter + 1 &&
         next.parent == last.id && next.right && next.right_origin == RunRightOrigin(first);
}

struct ListElement {
  DotSet presence;  // sorted
  FieldNode value;

  bool empty() const { return presence.empty() && value.empty(); }
  friend bool operator==(const ListElement&, const ListElement&) = default;
};

class PositionIndex;

// A text's or a list's order-statistics index (position_index.h), a cache derived from the anchors
// and `deleted` (a text) or `elements` (a list): not part of the value (equal whatever it holds),
// not copied with it, rebuilt when missing or out of step.
class PositionIndexCache {
 public:
  PositionIndexCache();
  PositionIndexCache(const PositionIndexCache&);
  PositionIndexCache(PositionIndexCache&&) noexcept;
  PositionIndexCache& operator=(const PositionIndexCache&);
  PositionIndexCache& operator=(PositionIndexCache&&) noexcept;
  ~PositionIndexCache();

  std::unique_ptr<PositionIndex> index;

  friend bool operator==(const PositionIndexCache&, const PositionIndexCache&) { return true; }
};

class ListNode {
 public:
  using ElementMap = std::map<Dot, ListElement>;

  DotSet presence;                  // sorted
  std::vector<ListAnchor> anchors;  // sorted by id
  ElementMap elements;
  DotContext deleted;               // texts only: the ids of deleted characters
  mutable PositionIndexCache position_index;

  bool empty() const { return presence.empty() && anchors.empty() && elements.empty() && deleted.empty(); }
  // Whether the node holds a value a read shows. A text with deleted ids only holds the deletes
  // of characters that have not arrived yet (docs/crdt.md section 7, "Text fields"): kept for
  // them, shown as nothing, written over as a missing field.
  bool has_value() const { return !presence.empty() || !anchors.empty() || !elements.empty(); }

  friend bool operator==(const ListNode&, const ListNode&) = default;
};

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_LIST_NODE_H_
