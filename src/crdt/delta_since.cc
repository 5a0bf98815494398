// Copyright (c) crdtdb authors.

#include "crdt/delta_since.h"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "crdt/list_node.h"

namespace crdtdb::crdt {

namespace {

class Filter {
 public:
  explicit Filter(const DotContext& seen) : seen_(seen) {}

  // The part of `object` with dots `seen` lacks; empty nodes are dropped.
  ObjectNode Object(const ObjectNode& object) {
    ObjectNode out;
    out.presence = Dots(object.presence);
    for (const auto& [name, field] : object.fields) {
      FieldNode part = Field(field);
      if (!part.empty()) out.fields.emplace_hint(out.fields.end(), name, std::move(part));
    }
    return out;
  }

  // Stored dots that `seen` holds, per replica, ascending.
  std::map<ReplicaId, std::vector<uint64_t>>& shared() { return shared_; }

 private:
  bool Missing(const Dot& dot) {
    if (!seen_.Contains(dot)) return true;
    shared_[dot.replica].push_back(dot.counter);
    return false;
  }

  DotSet Dots(const DotSet& dots) {
    DotSet out;
    for (const Dot& d : dots) {
      if (Missing(d)) out.push_back(d);
    }
    return out;
  }

  FieldNode Field(const FieldNode& field) {
    FieldNode out;
    for (const RegisterEntry& e : field.registers) {
      if (Missing(e.dot)) out.registers.push_back(e);
    }
    for (const CounterEntry& e : field.counters) {
      if (Missing(e.dot)) out.counters.push_back(e);
    }
    for (const auto& [element, dots] : field.set) {
      DotSet part = Dots(dots);
      if (!part.empty()) out.set.emplace_hint(out.set.end(), element, std::move(part));
    }
    if (field.object) {
      ObjectNode part = Object(*field.object);
      if (!part.empty()) out.mutable_object() = std::move(part);
    }
    if (field.list) {
      ListNode part = List(*field.list);
      if (!part.empty()) out.mutable_list() = std::move(part);
    }
    if (field.text) {
      // Deleted ids carry no dot of their own: all of them go, a few bytes per range.
      ListNode part = List(*field.text);
      part.deleted = field.text->deleted;
      if (!part.empty()) out.mutable_text() = std::move(part);
    }
    return out;
  }

  ListNode List(const ListNode& list) {
    ListNode out;
    out.presence = Dots(list.presence);
    for (const ListAnchor& a : list.anchors) {
      if (Missing(a.id)) out.anchors.push_back(a);
    }
    for (const auto& [id, element] : list.elements) {
      ListElement part{Dots(element.presence), Field(element.value)};
      if (!part.empty()) out.elements.emplace_hint(out.elements.end(), id, std::move(part));
    }
    return out;
  }

  const DotContext& seen_;
  std::map<ReplicaId, std::vector<uint64_t>> shared_;
};

// `context` without the given dots (ascending counters per replica).
DotContext Without(const DotContext& context, std::map<ReplicaId, std::vector<uint64_t>>& removed) {
  DotContext out;
  for (const auto& [replica, ranges] : context.ranges()) {
    std::vector<uint64_t>& gone = removed[replica];
    std::sort(gone.begin(), gone.end());
    auto next = gone.begin();
    for (const DotRange& r : ranges) {
      uint64_t first = r.first;
      while (next != gone.end() && *next < first) ++next;
      for (; next != gone.end() && *next <= r.last; ++next) {
        if (*next > first) out.AddRange(replica, {first, *next - 1});
        first = *next + 1;
      }
      if (first <= r.last) out.AddRange(replica, {first, r.last});
    }
  }
  return out;
}

}  // namespace

Document DeltaSince(const Document& state, const DotContext& seen) {
  Filter filter(seen);
  ObjectNode root = filter.Object(state.root());
  return Document(Without(state.context(), filter.shared()), std::move(root));
}

}  // namespace crdtdb::crdt
