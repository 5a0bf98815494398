// Copyright (c) crdtdb authors.
//
// Internal to src/crdt: what the delta mutators (mutators.h, list_mutators.h) share. A
// DeltaBuilder builds one delta against an observed state: it allocates fresh dots, observes the
// dots a write removes, and fills the "mention" nodes that mirror the parts of the document the
// delta touches (join.h). The checks validate a mutator's input before any work is done.

#ifndef CRDTDB_CRDT_DELTA_BUILDER_H_
#define CRDTDB_CRDT_DELTA_BUILDER_H_

#include <cstddef>
#include <functional>
#include <string>
#include <utility>

#include "crdt/document.h"
#include "crdt/list_node.h"
#include "crdt/list_order.h"
#include "crdt/mutators.h"
#include "crdtdb/status.h"

namespace crdtdb::crdt {

class DeltaBuilder {
 public:
  DeltaBuilder(const Document& base, WriteStamp stamp);

  const Document& base() const { return base_; }
  ObjectNode& root() { return delta_.mutable_root(); }
  Document Finish() { return std::move(delta_); }

  Dot NewDot();
  void Observe(const Dot& dot) { delta_.mutable_context().Add(dot); }
  void ObserveAll(const DotSet& dots);

  // Removes every dot of the field, of every kind.
  void RemoveField(const FieldNode& field, FieldNode& mention) { RemoveKindsExcept(field, mention, FieldKind::kNone); }
  // Removes the field's values of every kind but `keep`: a write of one kind supersedes what it
  // observed of the others.
  void RemoveKindsExcept(const FieldNode& field, FieldNode& mention, FieldKind keep);
  void RemoveObject(const ObjectNode& object, ObjectNode& mention);
  // Removes the whole list: its presence, anchors and every element's content.
  void RemoveList(const ListNode& list, ListNode& mention);
  // Removes one element's content; its anchor stays (a tombstone).
  void RemoveElement(Dot id, const ListElement& element, ListNode& mention);

  // Replaces the presence dots with one fresh dot: the object (list, element) is (still) there.
  void RenewPresence(const DotSet* presence, DotSet& mention);
  void RenewPresence(const ObjectNode* object, ObjectNode& mention) {
    RenewPresence(object ? &object->presence : nullptr, mention.presence);
  }

  // Writes `value` into a field whose observed values were already removed. Objects become nested
  // objects and arrays lists; with `skip_nulls` (merge-patch semantics) null members of objects
  // are left out.
  void WriteValue(const Json& value, FieldNode& mention, bool skip_nulls);
  // Writes `value` over `field` (null if missing): as WriteValue, except that an array written
  // over a list changes the list in place by observed-remove rules (WriteList), and an object
  // written over an object does so member by member (PutObject), so that the lists inside keep
  // their elements' identities. The result is the same as removing the field and writing anew.
  void WriteOver(const FieldNode* field, const Json& value, FieldNode& mention);
  // Writes the object `value` over `object` (null if missing), as put does: renews its presence,
  // removes the fields `value` lacks and writes the others over (WriteOver, merging objects).
  void PutObject(const ObjectNode* object, const Json& value, ObjectNode& mention);
  // Makes the list `list` (null if new) show `array`: elements whose value is unchanged stay (a
  // longest common subsequence of the old values and the new), the others the writer saw are
  // removed and the new ones inserted where they stand in `array` (docs/crdt.md section 7).
  void WriteList(const ListNode* list, const Json& array, ListNode& mention);
  // Inserts `count` items of `items` from `begin` where `place` puts the first (given its id, the
  // anchor of ListOrder::PlaceAfter or PositionIndex::PlaceAfter): one run of fresh ids, then
  // their contents.
  void InsertRun(const std::function<ListAnchor(Dot)>& place, const Json& items, size_t begin, size_t count,
                 ListNode& mention);

  // Text (text_mutators.cc). Replaces `removed` characters from `position` of `text` (null if new)
  // with `inserted` (one run of fresh ids, nothing else: no presence renewed when the text
  // exists, so one writer's keystrokes stay one run). Preconditions: in range, no NUL.
  void SpliceText(const ListNode* text, size_t position, size_t removed, const std::vector<char32_t>& inserted,
                  ListNode& mention);
  // Makes the text `text` (null if new) show `value` (valid UTF-8): one splice of the span between
  // the common prefix and suffix.
  void WriteText(const ListNode* text, std::string_view value, ListNode& mention);

  // Walks to the object that holds the last field of `path`, creating objects on the way (and
  // replacing values that are not objects), renewing the presence of every object it passes.
  // Returns the observed object (null if new) and its mention.
  std::pair<const ObjectNode*, ObjectNode*> DescendCreating(const FieldPath& path);
  // Walks to the object that holds the last field of `path` without creating anything; returns
  // null if the path does not lead through existing objects.
  std::pair<const ObjectNode*, ObjectNode*> DescendExisting(const FieldPath& path);
  // Applies a merge patch to `object` (null if missing) through its mention.
  void PatchObject(const ObjectNode* object, const Json& patch, ObjectNode& mention);

 private:
  const Document& base_;
  const WriteStamp stamp_;
  uint64_t next_counter_;
  Document delta_;
};

const FieldNode* FindField(const ObjectNode* object, const std::string& name);
// The field `path` would reach if the walk to it were done without creating anything.
const FieldNode* LookupField(const Document& x, const FieldPath& path);
std::string PathString(const FieldPath& path);

// Whether `value` is {"$text": STRING}: how a write makes a field a text (docs/crdt.md section 7).
bool IsTextMarker(const Json& value);

// Values built in code rather than parsed (json_input.h) get the same checks, so that every state
// a mutator makes can be encoded and decoded again: nesting within kMaxJsonDepth (`depth` levels
// are already used by the path), finite numbers, valid UTF-8.
Status CheckValue(const Json& value, size_t depth);
Status CheckStamp(WriteStamp stamp);
Status CheckPath(const FieldPath& path);
// OK when `field` is missing, empty or shows `wanted`.
Status CheckKind(const FieldNode* field, FieldKind wanted, const FieldPath& path);

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_DELTA_BUILDER_H_
