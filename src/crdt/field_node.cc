// Copyright (c) crdtdb authors.

#include "crdt/field_node.h"

#include <algorithm>
#include <utility>

#include "crdt/list_node.h"

namespace crdtdb::crdt {

FieldNode::FieldNode() = default;
FieldNode::FieldNode(FieldNode&& other) noexcept = default;
FieldNode& FieldNode::operator=(FieldNode&& other) noexcept = default;
FieldNode::~FieldNode() = default;

FieldNode::FieldNode(const FieldNode& other)
    : registers(other.registers),
      counters(other.counters),
      set(other.set),
      object(other.object ? std::make_unique<ObjectNode>(*other.object) : nullptr),
      list(other.list ? std::make_unique<ListNode>(*other.list) : nullptr),
      text(other.text ? std::make_unique<ListNode>(*other.text) : nullptr) {}

FieldNode& FieldNode::operator=(const FieldNode& other) {
  if (this != &other) {
    FieldNode copy(other);
    *this = std::move(copy);
  }
  return *this;
}

bool FieldNode::empty() const {
  return registers.empty() && counters.empty() && set.empty() && object == nullptr && list == nullptr &&
         text == nullptr;
}

ObjectNode& FieldNode::mutable_object() {
  if (!object) object = std::make_unique<ObjectNode>();
  return *object;
}

ListNode& FieldNode::mutable_list() {
  if (!list) list = std::make_unique<ListNode>();
  return *list;
}

ListNode& FieldNode::mutable_text() {
  if (!text) text = std::make_unique<ListNode>();
  return *text;
}

namespace {
template <typename Node>
bool SameNode(const std::unique_ptr<Node>& a, const std::unique_ptr<Node>& b) {
  if (!a || !b) return a == nullptr && b == nullptr;
  return *a == *b;
}
}  // namespace

bool operator==(const FieldNode& a, const FieldNode& b) {
  if (a.registers != b.registers || a.counters != b.counters || a.set != b.set) return false;
  return SameNode(a.object, b.object) && SameNode(a.list, b.list) && SameNode(a.text, b.text);
}

FieldKind VisibleKind(const FieldNode& node) {
  if (node.object && HasValue(*node.object)) return FieldKind::kObject;
  if (node.list) return FieldKind::kList;
  if (node.text && node.text->has_value()) return FieldKind::kText;
  if (!node.counters.empty()) return FieldKind::kCounter;
  if (!node.set.empty()) return FieldKind::kSet;
  if (!node.registers.empty()) return FieldKind::kRegister;
  return FieldKind::kNone;
}

const char* FieldKindName(FieldKind kind) {
  switch (kind) {
    case FieldKind::kNone: return "missing";
    case FieldKind::kObject: return "an object";
    case FieldKind::kList: return "a list";
    case FieldKind::kText: return "a text";
    case FieldKind::kCounter: return "a counter";
    case FieldKind::kSet: return "a set";
    case FieldKind::kRegister: return "a value";
  }
  return "unknown";
}

void ForEachDot(const FieldNode& node, const std::function<void(const Dot&)>& fn) {
  for (const RegisterEntry& e : node.registers) fn(e.dot);
  for (const CounterEntry& e : node.counters) fn(e.dot);
  for (const auto& element : node.set) {
    for (const Dot& d : element.second) fn(d);
  }
  if (node.object) ForEachDot(*node.object, fn);
  if (node.list) ForEachDot(*node.list, fn);
  if (node.text) ForEachDot(*node.text, fn);
}

void ForEachDot(const ObjectNode& node, const std::function<void(const Dot&)>& fn) {
  for (const Dot& d : node.presence) fn(d);
  for (const auto& field : node.fields) ForEachDot(field.second, fn);
}

void ForEachDot(const ListNode& node, const std::function<void(const Dot&)>& fn) {
  for (const Dot& d : node.presence) fn(d);
  for (const ListAnchor& a : node.anchors) fn(a.id);
  for (const auto& [id, element] : node.elements) {
    for (const Dot& d : element.presence) fn(d);
    ForEachDot(element.value, fn);
  }
}

Timestamp MaxTimestamp(const FieldNode& field) {
  Timestamp max = 0;
  for (const RegisterEntry& e : field.registers) max = std::max(max, e.timestamp);
  if (field.object) max = std::max(max, MaxTimestamp(*field.object));
  if (field.list) {
    for (const auto& [id, element] : field.list->elements) max = std::max(max, MaxTimestamp(element.value));
  }
  return max;
}

Timestamp MaxTimestamp(const ObjectNode& node) {
  Timestamp max = 0;
  for (const auto& [name, field] : node.fields) max = std::max(max, MaxTimestamp(field));
  return max;
}

bool HasValue(const ObjectNode& node) {
  if (!node.presence.empty()) return true;
  for (const auto& [name, field] : node.fields) {
    if (VisibleKind(field) != FieldKind::kNone) return true;
  }
  return false;
}

void Normalize(FieldNode& node, const DotContext& context) {
  std::erase_if(node.set, [](const auto& element) { return element.second.empty(); });
  if (node.object) {
    Normalize(*node.object, context);
    if (node.object->empty()) node.object.reset();
  }
  if (node.list) {
    Normalize(*node.list, context);
    if (node.list->empty()) node.list.reset();
  }
  if (node.text) {
    Normalize(*node.text, context);
    if (node.text->empty()) node.text.reset();
  }
}

void Normalize(ObjectNode& node, const DotContext& context) {
  for (auto it = node.fields.begin(); it != node.fields.end();) {
    Normalize(it->second, context);
    it = it->second.empty() ? node.fields.erase(it) : std::next(it);
  }
}

void Normalize(ListNode& node, const DotContext& context) {
  ForgetSettledDeletes(node, context, context, context);
  for (auto it = node.elements.begin(); it != node.elements.end();) {
    Normalize(it->second.value, context);
    it = it->second.empty() ? node.elements.erase(it) : std::next(it);
  }
}

void ForgetSettledDeletes(ListNode& text, const DotContext& candidates, const DotContext& seen,
                          const DotContext& also_seen) {
  if (text.deleted.empty() || candidates.empty()) return;
  DotContext settled;
  for (const auto& [replica, wanted] : candidates.ranges()) {
    auto found = text.deleted.ranges().find(replica);
    if (found == text.deleted.ranges().end()) continue;
    const DotContext::RangeList& deleted = found->second;
    for (const DotRange& w : wanted) {
      auto d = std::lower_bound(deleted.begin(), deleted.end(), w.first,
                                [](const DotRange& r, uint64_t c) { return r.last < c; });
      for (; d != deleted.end() && d->first <= w.last; ++d) {
        const uint64_t first = std::max(d->first, w.first);
        const uint64_t last = std::min(d->last, w.last);
        auto anchor = std::lower_bound(text.anchors.begin(), text.anchors.end(), Dot{replica, first},
                                       [](const ListAnchor& a, const Dot& id) { return a.id < id; });
        for (uint64_t c = first; c <= last; ++c) {
          const Dot id{replica, c};
          while (anchor != text.anchors.end() && anchor->id < id) ++anchor;
          const bool held = anchor != text.anchors.end() && anchor->id == id;
          if (!held && (seen.Contains(id) || also_seen.Contains(id))) settled.Add(id);
        }
      }
    }
  }
  if (settled.empty()) return;
  DotContext kept;
  for (const auto& [replica, ranges] : text.deleted.ranges()) {
    for (const DotRange& r : ranges) {
      for (uint64_t c = r.first; c <= r.last; ++c) {
        if (!settled.Contains(Dot{replica, c})) kept.Add(Dot{replica, c});
      }
    }
  }
  text.deleted = std::move(kept);
}

}  // namespace crdtdb::crdt
