// Copyright (c) crdtdb authors.

#include "crdt/list_mutators.h"

#include <algorithm>
#include <optional>
#include <string>

#include "crdt/delta_builder.h"
#include "crdt/limits.h"
#include "crdt/list_node.h"
#include "crdt/list_order.h"
#include "crdt/position_index.h"

namespace crdtdb::crdt {

namespace {

// The list at `path` (null when the field is missing), once the path and the field's kind are
// checked.
Result<const ListNode*> FindList(const Document& x, const FieldPath& path) {
  if (Status s = CheckPath(path); !s.ok()) return s;
  const FieldNode* field = LookupField(x, path);
  if (Status s = CheckKind(field, FieldKind::kList, path); !s.ok()) return s;
  return field != nullptr ? field->list.get() : nullptr;
}

Status CheckItems(const Json& values, const FieldPath& path, const ListNode* list) {
  if (!values.is_array()) return Status::InvalidArgument("the values to insert must be a JSON array");
  // The list's level is the path's depth, its items one deeper.
  if (Status s = CheckValue(values, path.size()); !s.ok()) return s;
  const size_t anchors = list != nullptr ? list->anchors.size() : 0;
  if (anchors + values.size() > kMaxWriteListAnchors) {
    return Status::InvalidArgument("list " + PathString(path) + " would hold more than " +
                                   std::to_string(kMaxWriteListAnchors) + " elements, deleted ones included");
  }
  return Status::OK();
}

Status IndexError(const FieldPath& path, size_t index, size_t size) {
  return Status::InvalidArgument("index " + std::to_string(index) + " is out of range for list " + PathString(path) +
                                 " of " + std::to_string(size) + " elements");
}

// The list's mention in a delta that writes into it: the path created, the kinds other than the
// list removed, the list's presence renewed.
ListNode& WritableList(DeltaBuilder& builder, const FieldPath& path, const ListNode* list) {
  FieldNode& mention = builder.DescendCreating(path).second->fields[path.back()];
  if (const FieldNode* field = LookupField(builder.base(), path)) {
    builder.RemoveKindsExcept(*field, mention, FieldKind::kList);
  }
  ListNode& list_mention = mention.mutable_list();
  builder.RenewPresence(list ? &list->presence : nullptr, list_mention.presence);
  return list_mention;
}

// The list's mention in a delta that only removes from it.
ListNode& ExistingList(DeltaBuilder& builder, const FieldPath& path) {
  return builder.DescendExisting(path).second->fields[path.back()].mutable_list();
}

const ListNode kEmptyList;

// The visible elements of a list (null: missing) by position, and where an insert goes: through
// the list's index (position_index.h) when it can answer, O(log n) each, else from ListOrder. Both
// give the same answers: the index is a cache of the order.
class ListPositions {
 public:
  explicit ListPositions(const ListNode* list) : index_(list != nullptr ? ListIndexOf(*list) : nullptr) {
    if (index_ == nullptr) order_.emplace(list != nullptr ? *list : kEmptyList);
  }

  size_t size() const { return index_ != nullptr ? index_->size() : order_->visible().size(); }
  // Precondition: position < size().
  Dot At(size_t position) const {
    return index_ != nullptr ? index_->VisibleAt(position) : order_->visible()[position];
  }
  ListAnchor PlaceAfter(Dot left, Dot id) const {
    return index_ != nullptr ? index_->PlaceAfter(left, id) : order_->PlaceAfter(left, id);
  }

 private:
  const PositionIndex* index_;
  std::optional<ListOrder> order_;
};

Result<Document> InsertAfter(const Document& x, const FieldPath& path, const ListNode* list,
                             const ListPositions& positions, Dot after, const Json& values, WriteStamp stamp) {
  if (values.empty()) return Document();
  DeltaBuilder builder(x, stamp);
  ListNode& mention = WritableList(builder, path, list);
  builder.InsertRun([&](Dot id) { return positions.PlaceAfter(after, id); }, values, 0, values.size(), mention);
  return builder.Finish();
}

// The visible element `id` of the list at `path`.
Result<const ListElement*> FindElement(const Document& x, const FieldPath& path, Dot id) {
  Result<const ListNode*> list = FindList(x, path);
  if (!list.ok()) return list.status();
  if (*list != nullptr) {
    if (auto it = (*list)->elements.find(id); it != (*list)->elements.end()) return &it->second;
  }
  return Status::InvalidArgument("list " + PathString(path) + " has no element with that id");
}

}  // namespace

Result<Document> ListInsertDelta(const Document& x, const FieldPath& path, size_t index, const Json& values,
                                 WriteStamp stamp) {
  if (Status s = CheckStamp(stamp); !s.ok()) return s;
  Result<const ListNode*> list = FindList(x, path);
  if (!list.ok()) return list.status();
  if (Status s = CheckItems(values, path, *list); !s.ok()) return s;
  const ListPositions positions(*list);
  if (index > positions.size()) return IndexError(path, index, positions.size());
  const Dot after = index == 0 ? kNoElement : positions.At(index - 1);
  return InsertAfter(x, path, *list, positions, after, values, stamp);
}

Result<Document> ListInsertAfterDelta(const Document& x, const FieldPath& path, Dot after, const Json& values,
                                      WriteStamp stamp) {
  if (Status s = CheckStamp(stamp); !s.ok()) return s;
  Result<const ListNode*> list = FindList(x, path);
  if (!list.ok()) return list.status();
  if (Status s = CheckItems(values, path, *list); !s.ok()) return s;
  const ListNode& node = *list != nullptr ? **list : kEmptyList;
  if (after != kNoElement) {
    const auto& anchors = node.anchors;
    auto it = std::lower_bound(anchors.begin(), anchors.end(), after,
                               [](const ListAnchor& a, const Dot& d) { return a.id < d; });
    if (it == anchors.end() || it->id != after) {
      return Status::InvalidArgument("list " + PathString(path) + " has no element with that id");
    }
  }
  return InsertAfter(x, path, *list, ListPositions(*list), after, values, stamp);
}

Result<Document> ListRemoveDelta(const Document& x, const FieldPath& path, size_t index, size_t count) {
  Result<const ListNode*> list = FindList(x, path);
  if (!list.ok()) return list.status();
  const ListPositions positions(*list);
  const size_t size = positions.size();
  if (index > size || count > size - index) return IndexError(path, index + count, size);
  if (count == 0) return Document();
  DeltaBuilder builder(x, WriteStamp{});
  ListNode& mention = ExistingList(builder, path);
  for (size_t i = index; i < index + count; ++i) {
    const Dot id = positions.At(i);
    builder.RemoveElement(id, (*list)->elements.at(id), mention);
  }
  return builder.Finish();
}

Result<Document> ListRemoveElementDelta(const Document& x, const FieldPath& path, Dot id) {
  Result<const ListNode*> list = FindList(x, path);
  if (!list.ok()) return list.status();
  if (*list == nullptr) return Document();
  auto it = (*list)->elements.find(id);
  if (it == (*list)->elements.end()) return Document();
  DeltaBuilder builder(x, WriteStamp{});
  builder.RemoveElement(id, it->second, ExistingList(builder, path));
  return builder.Finish();
}

Result<Document> ListReplaceDelta(const Document& x, const FieldPath& path, size_t index, const Json& value,
                                  WriteStamp stamp) {
  if (Status s = CheckStamp(stamp); !s.ok()) return s;
  Result<const ListNode*> list = FindList(x, path);
  if (!list.ok()) return list.status();
  if (Status s = CheckValue(value, path.size() + 1); !s.ok()) return s;
  const ListPositions positions(*list);
  if (index >= positions.size()) return IndexError(path, index, positions.size());
  const Dot id = positions.At(index);
  const ListElement& element = (*list)->elements.at(id);
  DeltaBuilder builder(x, stamp);
  ListElement& mention = WritableList(builder, path, *list).elements[id];
  builder.RenewPresence(&element.presence, mention.presence);
  builder.WriteOver(&element.value, value, mention.value);
  return builder.Finish();
}

Result<Document> ElementAsDocument(const Document& x, const FieldPath& path, Dot id, const std::string& name) {
  Result<const ListElement*> element = FindElement(x, path, id);
  if (!element.ok()) return element.status();
  ObjectNode root;
  root.presence = (*element)->presence;
  if (!(*element)->value.empty()) root.fields.emplace(name, (*element)->value);
  return Document(x.context(), std::move(root));
}

Result<Document> LiftElementDelta(const Document& x, const FieldPath& path, Dot id, const std::string& name,
                                  Document inner, WriteStamp stamp) {
  if (inner.bottom()) return inner;
  Result<const ListElement*> element = FindElement(x, path, id);
  if (!element.ok()) return element.status();
  ObjectNode& root = inner.mutable_root();
  const bool renews = !root.presence.empty();
  // The renewals below must not reuse a dot `inner` already took.
  stamp.first_counter = std::max(stamp.first_counter, inner.context().MaxCounter(stamp.replica) + 1);
  DeltaBuilder builder(x, stamp);
  ListNode& list = renews ? WritableList(builder, path, LookupField(x, path)->list.get()) : ExistingList(builder, path);
  ListElement& mention = list.elements[id];
  mention.presence = std::move(root.presence);
  if (auto field = root.fields.find(name); field != root.fields.end()) mention.value = std::move(field->second);
  Document outer = builder.Finish();
  outer.mutable_context().Join(inner.context());
  return outer;
}

Result<std::vector<Dot>> ListElementIds(const Document& x, const FieldPath& path) {
  Result<const ListNode*> list = FindList(x, path);
  if (!list.ok()) return list.status();
  if (*list == nullptr) return std::vector<Dot>();
  return VisibleElements(**list);
}

}  // namespace crdtdb::crdt
