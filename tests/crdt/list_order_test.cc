// Copyright (c) crdtdb authors.
//
// ListOrder (list_order.h) on a malformed tree, as a hostile peer or a list removed concurrently
// with an insert into it leaves one, and the text index (position_index.h) built from it: both must
// order, read and place new characters alike.

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "crdt/document.h"
#include "crdt/list_node.h"
#include "crdt/list_order.h"
#include "crdt/text_chars.h"
#include "crdt/text_mutators.h"

namespace crdt = crdtdb::crdt;

namespace {

using crdt::Dot;
using crdt::kNoElement;
using crdt::ListAnchor;
using crdt::ListOrder;

const crdt::FieldPath kBody{"body"};

// Replica 1 typed ten characters; the tree they name is broken in every way ListOrder tolerates.
crdt::Document MalformedText() {
  crdt::Document doc;
  doc.mutable_context().AddRange(1, {1, 10});
  crdt::ListNode& text = doc.mutable_root().fields["body"].mutable_text();
  text.anchors = {
      ListAnchor{{1, 1}, kNoElement, true, kNoElement, 'a'},
      ListAnchor{{1, 2}, {1, 2}, true, kNoElement, 'b'},   // its own parent: hangs from the root
      ListAnchor{{1, 3}, {9, 9}, true, kNoElement, 'c'},   // a missing parent: hangs from the root
      ListAnchor{{1, 4}, {1, 5}, true, kNoElement, 'd'},   // a cycle with the next one: not placed
      ListAnchor{{1, 5}, {1, 4}, true, kNoElement, 'e'},
      ListAnchor{{1, 6}, {1, 4}, false, kNoElement, 'f'},  // below the cycle: not placed
      ListAnchor{{1, 7}, {1, 1}, true, {1, 5}, 'g'},       // its right origin is not placed
      ListAnchor{{1, 8}, {1, 7}, true, {1, 5}, 'h'},       // continues the run of (1, 7)
      ListAnchor{{1, 9}, {1, 8}, false, kNoElement, 'i'},  // the left child of the anchor before it
      ListAnchor{{1, 10}, {1, 9}, true, {1, 8}, 'j'},      // continues the run of (1, 9)
  };
  text.deleted.Add({1, 3});
  return doc;
}

const crdt::ListNode& TextOf(const crdt::Document& doc) { return *doc.root().fields.at("body").text; }

// The visible ids by the definition: ListOrder's sequence without the deleted ones.
std::vector<Dot> VisibleByDefinition(const crdt::ListNode& text) {
  std::vector<Dot> out;
  for (const Dot& id : ListOrder(text).sequence()) {
    if (!text.deleted.Contains(id)) out.push_back(id);
  }
  return out;
}

TEST_CASE("ListOrder orders a malformed tree and tells which anchors have a place") {
  const crdt::Document doc = MalformedText();
  const crdt::ListNode& text = TextOf(doc);
  const ListOrder order(text);
  const std::vector<Dot> sequence = order.sequence();
  std::string shown;
  for (const Dot& id : sequence) shown += static_cast<char>(text.anchors[id.counter - 1].ch);
  CHECK(shown == "agijhbc");
  // anchor_order() is sequence() by anchor index.
  REQUIRE(order.anchor_order().size() == sequence.size());
  for (size_t k = 0; k < sequence.size(); ++k) CHECK(text.anchors[order.anchor_order()[k]].id == sequence[k]);
  for (size_t i = 0; i < text.anchors.size(); ++i) {
    CAPTURE(i);
    CHECK(order.placed(i) == (i < 3 || i > 5));
  }
  CHECK(order.parent_of(0) == ListOrder::kNone);
  CHECK(order.parent_of(1) == ListOrder::kNone);
  CHECK(order.parent_of(2) == ListOrder::kNone);
  CHECK(order.parent_of(3) == 4);
  CHECK(order.parent_of(8) == 7);
  CHECK(order.right_origin_of(6) == 4);
  CHECK(order.right_origin_of(7) == 4);
  CHECK(order.right_origin_of(9) == 7);
  CHECK(order.right_origin_of(0) == ListOrder::kNone);
}

TEST_CASE("the text index reads a malformed text and places new characters as ListOrder does") {
  const crdt::Document doc = MalformedText();
  CHECK(*crdt::TextContent(doc, kBody) == "agijhb");
  const std::vector<Dot> visible = VisibleByDefinition(TextOf(doc));
  REQUIRE(visible.size() == 6);
  for (size_t position = 0; position <= visible.size(); ++position) {
    CAPTURE(position);
    crdtdb::Result<crdt::Document> delta = crdt::TextSpliceDelta(doc, kBody, position, 0, "x", {2, 1000});
    REQUIRE(delta.ok());
    const crdt::ListNode& inserted = TextOf(*delta);
    REQUIRE(inserted.anchors.size() == 1);
    const Dot left = position == 0 ? kNoElement : visible[position - 1];
    ListAnchor placed = ListOrder(TextOf(doc)).PlaceAfter(left, Dot{2, 1});
    placed.ch = 'x';
    CHECK(inserted.anchors[0] == placed);
    // Joined, the character shows where it was typed, by the index and by the definition.
    crdt::Document after = doc;
    (void)crdt::TextContent(after, kBody);  // builds the index, which the join keeps in step
    after.ApplyDelta(*delta);
    const std::string before = "agijhb";
    const std::string expected = before.substr(0, position) + 'x' + before.substr(position);
    CHECK(*crdt::TextContent(after, kBody) == expected);
    std::string by_definition;
    for (const Dot& id : VisibleByDefinition(TextOf(after))) {
      by_definition += id.replica == 2 ? 'x' : static_cast<char>(TextOf(after).anchors[id.counter - 1].ch);
    }
    CHECK(by_definition == expected);
  }
}

}  // namespace
