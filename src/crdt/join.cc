// Copyright (c) crdtdb authors.

#include "crdt/join.h"

#include "crdt/list_node.h"
#include "crdt/position_index.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

namespace crdtdb::crdt {

namespace {

const Dot& DotOf(const Dot& d) { return d; }
const Dot& DotOf(const RegisterEntry& e) { return e.dot; }
const Dot& DotOf(const CounterEntry& e) { return e.dot; }
const Dot& DotOf(const ListAnchor& a) { return a.id; }

// The join of two dot-sorted sequences: DotSet, or a DotFun whose entries are identified by their
// dot (a dot names one write, so both sides should hold the same value for it; this side's is
// kept).
template <typename Entry>
void JoinSorted(std::vector<Entry>& mine, const std::vector<Entry>& theirs, const JoinScope& scope) {
  if (theirs.empty()) {
    if (std::erase_if(mine, [&](const Entry& e) { return scope.theirs.Contains(DotOf(e)); }) > 0) {
      *scope.changed = true;
    }
    return;
  }
  std::vector<Entry> out;
  out.reserve(mine.size() + theirs.size());
  auto a = mine.begin();
  auto b = theirs.begin();
  while (a != mine.end() || b != theirs.end()) {
    if (b == theirs.end() || (a != mine.end() && DotOf(*a) < DotOf(*b))) {
      if (!scope.theirs.Contains(DotOf(*a))) {
        out.push_back(std::move(*a));
      } else {
        *scope.changed = true;  // removed on their side
      }
      ++a;
    } else if (a == mine.end() || DotOf(*b) < DotOf(*a)) {
      if (!scope.mine.Contains(DotOf(*b))) {
        out.push_back(*b);
        *scope.changed = true;  // new here
      }
      ++b;
    } else {
      out.push_back(std::move(*a));
      ++a;
      ++b;
    }
  }
  mine = std::move(out);
}

bool IsEmpty(const DotSet& s) { return s.empty(); }
bool IsEmpty(const FieldNode& n) { return n.empty(); }
bool IsEmpty(const ListElement& e) { return e.empty(); }

void JoinValue(DotSet& mine, const DotSet& theirs, const JoinScope& scope) {
  JoinDotSet(mine, theirs, scope);
}
void JoinValue(FieldNode& mine, const FieldNode& theirs, const JoinScope& scope) {
  JoinField(mine, theirs, scope);
}
void JoinValue(ListElement& mine, const ListElement& theirs, const JoinScope& scope) {
  JoinDotSet(mine.presence, theirs.presence, scope);
  JoinField(mine.value, theirs.value, scope);
}

// Joins two maps of dot stores key by key. A key missing on one side joins with an empty store,
// which keeps the other side's dots unless this side has seen them.
template <typename Map>
void JoinMaps(Map& mine, const Map& theirs, const JoinScope& scope) {
  using Value = typename Map::mapped_type;
  const bool keep_empty = scope.mode == JoinMode::kMergeDeltas;
  if (scope.mode == JoinMode::kApplyDelta) {
    for (const auto& [key, value] : theirs) {
      auto it = mine.try_emplace(key).first;
      JoinValue(it->second, value, scope);
      if (IsEmpty(it->second)) mine.erase(it);
    }
    return;
  }
  const Value empty{};
  auto settle = [&](typename Map::iterator it) {
    return !keep_empty && IsEmpty(it->second) ? mine.erase(it) : std::next(it);
  };
  auto a = mine.begin();
  for (const auto& [key, value] : theirs) {
    while (a != mine.end() && a->first < key) {
      JoinValue(a->second, empty, scope);
      a = settle(a);
    }
    if (a == mine.end() || key < a->first) a = mine.emplace_hint(a, key, Value{});
    JoinValue(a->second, value, scope);
    a = settle(a);
  }
  while (a != mine.end()) {
    JoinValue(a->second, empty, scope);
    a = settle(a);
  }
}

}  // namespace

void JoinDotSet(DotSet& mine, const DotSet& theirs, const JoinScope& scope) {
  JoinSorted(mine, theirs, scope);
}

namespace {

// Joins an optional nested node (object or list) with `join`. A delta that does not carry the
// kind does not mention it: nothing there to visit.
template <typename Node, typename JoinNode>
void JoinNested(std::unique_ptr<Node>& mine, const std::unique_ptr<Node>& theirs, const JoinScope& scope,
                JoinNode join) {
  if (theirs == nullptr && (mine == nullptr || scope.mode == JoinMode::kApplyDelta)) return;
  static const Node kEmpty;
  if (!mine) mine = std::make_unique<Node>();
  join(*mine, theirs ? *theirs : kEmpty, scope);
  // In a delta an empty node still mentions the node's presence; in a state it is nothing.
  if (mine->empty() && scope.mode != JoinMode::kMergeDeltas) mine.reset();
}

}  // namespace

void JoinField(FieldNode& mine, const FieldNode& theirs, const JoinScope& scope) {
  JoinSorted(mine.registers, theirs.registers, scope);
  JoinSorted(mine.counters, theirs.counters, scope);
  JoinMaps(mine.set, theirs.set, scope);
  JoinNested(mine.object, theirs.object, scope, JoinObject);
  JoinNested(mine.list, theirs.list, scope, JoinList);
  JoinNested(mine.text, theirs.text, scope, JoinText);
}

namespace {

std::vector<ListAnchor>::iterator FindAnchor(std::vector<ListAnchor>& anchors, Dot id) {
  return std::lower_bound(anchors.begin(), anchors.end(), id,
                          [](const ListAnchor& a, const Dot& d) { return a.id < d; });
}

// The anchor join of JoinSorted for a delta applied to a state, in O(delta x log state) plus the
// moves of the vector: visits only the anchors the delta holds and the dots its context names.
// Appends the anchors it adds to `added`; returns whether it removed any.
bool ApplyAnchors(std::vector<ListAnchor>& mine, const std::vector<ListAnchor>& theirs, const JoinScope& scope,
                  std::vector<ListAnchor>& added) {
  bool removed = false;
  for (const auto& [replica, ranges] : scope.theirs.ranges()) {
    for (const DotRange& range : ranges) {
      auto it = FindAnchor(mine, Dot{replica, range.first});
      while (it != mine.end() && it->id.replica == replica && it->id.counter <= range.last) {
        const bool kept = std::binary_search(theirs.begin(), theirs.end(), *it,
                                             [](const ListAnchor& a, const ListAnchor& b) { return a.id < b.id; });
        if (kept) {
          ++it;
        } else {
          it = mine.erase(it);
          removed = true;
          *scope.changed = true;
        }
      }
    }
  }
  for (const ListAnchor& anchor : theirs) {
    auto it = FindAnchor(mine, anchor.id);
    if ((it != mine.end() && it->id == anchor.id) || scope.mine.Contains(anchor.id)) continue;
    mine.insert(it, anchor);
    added.push_back(anchor);
    *scope.changed = true;
  }
  return removed;
}

}  // namespace

void JoinList(ListNode& mine, const ListNode& theirs, const JoinScope& scope) {
  JoinDotSet(mine.presence, theirs.presence, scope);
  // Anchors are a DotFun: an anchor goes only when the whole list was removed by a writer who saw
  // it (deleting an element removes its content, not its anchor). A delta applied visits only
  // what it names, as the elements' join does; other joins are O(anchors).
  if (scope.mode != JoinMode::kApplyDelta) {
    JoinSorted(mine.anchors, theirs.anchors, scope);
    JoinMaps(mine.elements, theirs.elements, scope);
    mine.position_index.index.reset();  // O(n) already: rebuilt on next use
    return;
  }
  // The list's index (position_index.h) kept in step: new anchors placed, and the elements the
  // delta names (the only ones whose content can come or go) shown or hidden.
  PositionIndex* index = mine.position_index.index.get();
  if (index != nullptr && !index->Fits(mine, PositionIndex::Kind::kList)) index = nullptr;
  std::vector<ListAnchor> added;
  bool rebuild = ApplyAnchors(mine.anchors, theirs.anchors, scope, added);
  JoinMaps(mine.elements, theirs.elements, scope);
  if (index != nullptr && !rebuild) {
    for (const ListAnchor& anchor : added) {
      if (!index->Integrate(anchor, mine.elements.contains(anchor.id))) {
        rebuild = true;
        break;
      }
    }
  }
  if (index == nullptr || rebuild) {
    mine.position_index.index.reset();
    return;
  }
  for (const auto& [id, element] : theirs.elements) index->SetShown(id, mine.elements.contains(id));
  index->Track(mine);
}

void JoinText(ListNode& mine, const ListNode& theirs, const JoinScope& scope) {
  JoinDotSet(mine.presence, theirs.presence, scope);
  PositionIndex* index = mine.position_index.index.get();
  if (index != nullptr && !index->Fits(mine, PositionIndex::Kind::kText)) index = nullptr;
  std::vector<ListAnchor> added;
  bool rebuild = false;
  if (scope.mode == JoinMode::kApplyDelta) {
    rebuild = ApplyAnchors(mine.anchors, theirs.anchors, scope, added);
  } else {
    const size_t before = mine.anchors.size();
    JoinSorted(mine.anchors, theirs.anchors, scope);
    rebuild = mine.anchors.size() != before || *scope.changed;
  }
  // Deleting a character is final: the deleted ids join by union, and a deleted character's
  // content is dropped (0), so that equal states are equal in memory as in their encoding.
  for (const auto& [replica, ranges] : theirs.deleted.ranges()) {
    for (const DotRange& range : ranges) {
      if (scope.mode == JoinMode::kApplyDelta) {
        for (auto it = FindAnchor(mine.anchors, Dot{replica, range.first});
             it != mine.anchors.end() && it->id.replica == replica && it->id.counter <= range.last; ++it) {
          it->ch = 0;
        }
      }
      if (mine.deleted.ContainsRange(replica, range)) continue;
      // A delete that is new here changes the document: its write must be stored, and a repair
      // that brings only deletes is no futile repair.
      *scope.changed = true;
      for (uint64_t c = range.first; c <= range.last && index != nullptr; ++c) {
        if (!mine.deleted.Contains(Dot{replica, c})) index->SetShown(Dot{replica, c}, false);
      }
      mine.deleted.AddRange(replica, range);
    }
  }
  if (scope.mode == JoinMode::kApplyDelta) {
    for (const ListAnchor& anchor : added) {
      if (mine.deleted.Contains(anchor.id)) FindAnchor(mine.anchors, anchor.id)->ch = 0;
    }
  } else {
    for (ListAnchor& anchor : mine.anchors) {
      if (anchor.ch != 0 && mine.deleted.Contains(anchor.id)) anchor.ch = 0;
    }
  }
  if (index != nullptr && !rebuild) {
    for (const ListAnchor& anchor : added) {
      if (!index->Integrate(anchor, !mine.deleted.Contains(anchor.id))) {
        rebuild = true;
        break;
      }
    }
  }
  // A deleted id goes once its character was seen and is gone (removed with the text); the delete
  // of a character not arrived yet stays, to hide it when it comes. Their context covers the
  // anchors they removed and the ids of ours they had seen; their deleted ids may name characters
  // we removed. A delta group keeps everything: its receiver decides.
  if (scope.mode != JoinMode::kMergeDeltas) {
    ForgetSettledDeletes(mine, scope.theirs, scope.mine, scope.theirs);
    ForgetSettledDeletes(mine, theirs.deleted, scope.mine, scope.theirs);
  }
  if (rebuild || index == nullptr) {
    mine.position_index.index.reset();
  } else {
    index->Track(mine);
  }
}

void JoinObject(ObjectNode& mine, const ObjectNode& theirs, const JoinScope& scope) {
  JoinDotSet(mine.presence, theirs.presence, scope);
  JoinMaps(mine.fields, theirs.fields, scope);
}

}  // namespace crdtdb::crdt
