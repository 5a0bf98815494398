// Copyright (c) crdtdb authors.

#include "crdt/delta_builder.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "crdt/limits.h"
#include "crdt/list_diff.h"
#include "crdt/materialize.h"
#include "util/utf8.h"

namespace crdtdb::crdt {

DeltaBuilder::DeltaBuilder(const Document& base, WriteStamp stamp)
    : base_(base),
      stamp_(stamp),
      next_counter_(std::max(base.context().MaxCounter(stamp.replica) + 1, stamp.first_counter)) {}

Dot DeltaBuilder::NewDot() {
  Dot dot{stamp_.replica, next_counter_++};
  delta_.mutable_context().Add(dot);
  return dot;
}

void DeltaBuilder::ObserveAll(const DotSet& dots) {
  for (const Dot& d : dots) Observe(d);
}

void DeltaBuilder::RemoveKindsExcept(const FieldNode& field, FieldNode& mention, FieldKind keep) {
  if (keep != FieldKind::kRegister) {
    for (const RegisterEntry& e : field.registers) Observe(e.dot);
  }
  if (keep != FieldKind::kCounter) {
    for (const CounterEntry& e : field.counters) Observe(e.dot);
  }
  if (keep != FieldKind::kSet) {
    for (const auto& [element, dots] : field.set) {
      ObserveAll(dots);
      mention.set[element];
    }
  }
  if (keep != FieldKind::kObject && field.object) RemoveObject(*field.object, mention.mutable_object());
  if (keep != FieldKind::kList && field.list) RemoveList(*field.list, mention.mutable_list());
  if (keep != FieldKind::kText && field.text) RemoveList(*field.text, mention.mutable_text());
}

void DeltaBuilder::RemoveObject(const ObjectNode& object, ObjectNode& mention) {
  ObserveAll(object.presence);
  for (const auto& [name, field] : object.fields) RemoveField(field, mention.fields[name]);
}

void DeltaBuilder::RemoveList(const ListNode& list, ListNode& mention) {
  ObserveAll(list.presence);
  for (const ListAnchor& a : list.anchors) Observe(a.id);
  for (const auto& [id, element] : list.elements) RemoveElement(id, element, mention);
}

void DeltaBuilder::RemoveElement(Dot id, const ListElement& element, ListNode& mention) {
  ObserveAll(element.presence);
  RemoveField(element.value, mention.elements[id].value);
}

void DeltaBuilder::RenewPresence(const DotSet* presence, DotSet& mention) {
  if (presence != nullptr) ObserveAll(*presence);
  mention.push_back(NewDot());
}

void DeltaBuilder::WriteValue(const Json& value, FieldNode& mention, bool skip_nulls) {
  if (value.is_array()) {
    WriteList(nullptr, value, mention.mutable_list());
    return;
  }
  if (IsTextMarker(value)) {
    WriteText(nullptr, value.begin()->get_ref<const std::string&>(), mention.mutable_text());
    return;
  }
  if (!value.is_object()) {
    mention.registers.push_back(RegisterEntry{NewDot(), stamp_.timestamp, value});
    return;
  }
  ObjectNode& object = mention.mutable_object();
  RenewPresence(nullptr, object);
  for (const auto& [name, member] : value.items()) {
    if (skip_nulls && member.is_null()) continue;
    WriteValue(member, object.fields[name], skip_nulls);
  }
}

void DeltaBuilder::WriteOver(const FieldNode* field, const Json& value, FieldNode& mention) {
  if (field != nullptr && value.is_array() && field->list) {
    RemoveKindsExcept(*field, mention, FieldKind::kList);
    WriteList(field->list.get(), value, mention.mutable_list());
    return;
  }
  if (field != nullptr && field->text && field->text->has_value() && (value.is_string() || IsTextMarker(value))) {
    RemoveKindsExcept(*field, mention, FieldKind::kText);
    const Json& text = value.is_string() ? value : *value.begin();
    WriteText(field->text.get(), text.get_ref<const std::string&>(), mention.mutable_text());
    return;
  }
  if (field != nullptr && value.is_object() && field->object && !IsTextMarker(value)) {
    RemoveKindsExcept(*field, mention, FieldKind::kObject);
    PutObject(field->object.get(), value, mention.mutable_object());
    return;
  }
  if (field != nullptr) RemoveField(*field, mention);
  WriteValue(value, mention, /*skip_nulls=*/false);
}

void DeltaBuilder::PutObject(const ObjectNode* object, const Json& value, ObjectNode& mention) {
  RenewPresence(object, mention);
  if (object != nullptr) {
    for (const auto& [name, old] : object->fields) {
      if (!value.contains(name)) RemoveField(old, mention.fields[name]);
    }
  }
  for (const auto& [name, member] : value.items()) {
    WriteOver(FindField(object, name), member, mention.fields[name]);
  }
}

void DeltaBuilder::WriteList(const ListNode* list, const Json& array, ListNode& mention) {
  RenewPresence(list ? &list->presence : nullptr, mention.presence);
  static const ListNode kEmpty;
  const ListNode& old = list ? *list : kEmpty;
  const ListOrder order(old);
  const std::vector<Dot>& visible = order.visible();
  std::vector<Json> old_values;
  old_values.reserve(visible.size());
  for (const Dot& id : visible) old_values.push_back(FieldValue(old.elements.at(id).value));
  // Walk the alignment: removed old elements go, runs of new items are inserted after the old
  // element (kept or removed) that precedes them.
  Dot left = kNoElement;
  size_t old_index = 0, new_index = 0;
  for (const ListEdit& edit : DiffLists(old_values, array)) {
    if (edit.kind == ListEdit::kKeep) {
      old_index += edit.count;
      new_index += edit.count;
    } else if (edit.kind == ListEdit::kRemove) {
      for (size_t i = 0; i < edit.count; ++i, ++old_index) {
        RemoveElement(visible[old_index], old.elements.at(visible[old_index]), mention);
      }
    } else {
      InsertRun([&](Dot id) { return order.PlaceAfter(left, id); }, array, new_index, edit.count, mention);
      new_index += edit.count;
    }
    if (old_index > 0) left = visible[old_index - 1];
  }
}

void DeltaBuilder::InsertRun(const std::function<ListAnchor(Dot)>& place, const Json& items, size_t begin,
                             size_t count, ListNode& mention) {
  if (count == 0) return;
  // The ids first, so that they are consecutive: one run.
  const Dot first_id = NewDot();
  for (size_t i = 1; i < count; ++i) NewDot();
  const std::vector<ListAnchor> anchors = RunAnchors(place(first_id), count);
  for (size_t i = 0; i < count; ++i) {
    mention.anchors.push_back(anchors[i]);
    ListElement& element = mention.elements[anchors[i].id];
    element.presence.push_back(NewDot());
    WriteValue(items[begin + i], element.value, /*skip_nulls=*/false);
  }
}

std::pair<const ObjectNode*, ObjectNode*> DeltaBuilder::DescendCreating(const FieldPath& path) {
  const ObjectNode* object = &base_.root();
  ObjectNode* mention = &root();
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    RenewPresence(object, *mention);
    const FieldNode* field = FindField(object, path[i]);
    FieldNode& field_mention = mention->fields[path[i]];
    if (field != nullptr) RemoveKindsExcept(*field, field_mention, FieldKind::kObject);
    object = field != nullptr && field->object ? field->object.get() : nullptr;
    mention = &field_mention.mutable_object();
  }
  RenewPresence(object, *mention);
  return {object, mention};
}

std::pair<const ObjectNode*, ObjectNode*> DeltaBuilder::DescendExisting(const FieldPath& path) {
  const ObjectNode* object = &base_.root();
  ObjectNode* mention = &root();
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    const FieldNode* field = FindField(object, path[i]);
    if (field == nullptr || !field->object) return {nullptr, nullptr};
    object = field->object.get();
    mention = &mention->fields[path[i]].mutable_object();
  }
  return {object, mention};
}

void DeltaBuilder::PatchObject(const ObjectNode* object, const Json& patch, ObjectNode& mention) {
  RenewPresence(object, mention);
  for (const auto& [name, value] : patch.items()) {
    const FieldNode* field = FindField(object, name);
    if (value.is_null() && field == nullptr) continue;
    FieldNode& field_mention = mention.fields[name];
    if (value.is_object() && field != nullptr && field->object && !IsTextMarker(value)) {
      RemoveKindsExcept(*field, field_mention, FieldKind::kObject);
      PatchObject(field->object.get(), value, field_mention.mutable_object());
      continue;
    }
    if (value.is_null()) {
      RemoveField(*field, field_mention);
    } else if (value.is_object()) {
      if (field != nullptr) RemoveField(*field, field_mention);
      WriteValue(value, field_mention, /*skip_nulls=*/true);
    } else {
      WriteOver(field, value, field_mention);
    }
  }
}

const FieldNode* FindField(const ObjectNode* object, const std::string& name) {
  if (object == nullptr) return nullptr;
  auto it = object->fields.find(name);
  return it == object->fields.end() ? nullptr : &it->second;
}

const FieldNode* LookupField(const Document& x, const FieldPath& path) {
  const ObjectNode* object = &x.root();
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    const FieldNode* field = FindField(object, path[i]);
    if (field == nullptr || !field->object) return nullptr;
    object = field->object.get();
  }
  return FindField(object, path.back());
}

std::string PathString(const FieldPath& path) {
  std::string out;
  for (const std::string& name : path) {
    out += '/';
    out += name;
  }
  return out;
}

Status CheckValue(const Json& value, size_t depth) {
  if (value.is_structured() && ++depth > static_cast<size_t>(kMaxJsonDepth)) {
    return Status::InvalidArgument("value nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  switch (value.type()) {
    case Json::value_t::number_float:
      if (!std::isfinite(value.get<double>())) return Status::InvalidArgument("numbers must be finite");
      return Status::OK();
    case Json::value_t::string:
      if (!IsValidUtf8(value.get_ref<const std::string&>())) return Status::InvalidArgument("strings must be valid UTF-8");
      return Status::OK();
    case Json::value_t::binary:
    case Json::value_t::discarded: return Status::InvalidArgument("not a JSON value");
    case Json::value_t::array:
      if (value.size() > kMaxWriteListAnchors) {
        return Status::InvalidArgument("an array may hold at most " + std::to_string(kMaxWriteListAnchors) + " items");
      }
      for (const Json& item : value) {
        if (Status s = CheckValue(item, depth); !s.ok()) return s;
      }
      return Status::OK();
    case Json::value_t::object:
      for (const auto& [name, item] : value.items()) {
        if (!IsValidUtf8(name)) return Status::InvalidArgument("field names must be valid UTF-8");
        if (Status s = CheckValue(item, depth); !s.ok()) return s;
      }
      return Status::OK();
    default: return Status::OK();
  }
}

Status CheckStamp(WriteStamp stamp) {
  if (stamp.replica == 0) return Status::InvalidArgument("replica id 0 is reserved");
  return Status::OK();
}

Status CheckPath(const FieldPath& path) {
  if (path.empty()) return Status::InvalidArgument("a field path needs at least one name");
  if (path.size() > static_cast<size_t>(kMaxJsonDepth)) return Status::InvalidArgument("field path is too deep");
  for (const std::string& name : path) {
    if (!IsValidUtf8(name)) return Status::InvalidArgument("field names must be valid UTF-8");
  }
  return Status::OK();
}

Status CheckKind(const FieldNode* field, FieldKind wanted, const FieldPath& path) {
  if (field == nullptr) return Status::OK();
  FieldKind kind = VisibleKind(*field);
  if (kind == wanted || kind == FieldKind::kNone) return Status::OK();
  return Status::InvalidArgument("field " + PathString(path) + " is " + FieldKindName(kind) + ", not " +
                                 FieldKindName(wanted));
}

}  // namespace crdtdb::crdt
