// Copyright (c) crdtdb authors.

#include "crdt/join.h"

#include <utility>
#include <vector>

namespace crdtdb::crdt {

namespace {

const Dot& DotOf(const Dot& d) { return d; }
const Dot& DotOf(const RegisterEntry& e) { return e.dot; }
const Dot& DotOf(const CounterEntry& e) { return e.dot; }

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

void JoinValue(DotSet& mine, const DotSet& theirs, const JoinScope& scope) {
  JoinDotSet(mine, theirs, scope);
}
void JoinValue(FieldNode& mine, const FieldNode& theirs, const JoinScope& scope) {
  JoinField(mine, theirs, scope);
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

void JoinField(FieldNode& mine, const FieldNode& theirs, const JoinScope& scope) {
  JoinSorted(mine.registers, theirs.registers, scope);
  JoinSorted(mine.counters, theirs.counters, scope);
  JoinMaps(mine.set, theirs.set, scope);
  // A delta that does not carry the object kind does not mention it: nothing there to visit.
  if (theirs.object == nullptr && (mine.object == nullptr || scope.mode == JoinMode::kApplyDelta)) {
    return;
  }
  if (theirs.object) {
    JoinObject(mine.mutable_object(), *theirs.object, scope);
  } else {
    JoinObject(*mine.object, ObjectNode{}, scope);
  }
  // In a delta an empty object still mentions the object's presence; in a state it is nothing.
  if (mine.object->empty() && scope.mode != JoinMode::kMergeDeltas) mine.object.reset();
}

void JoinObject(ObjectNode& mine, const ObjectNode& theirs, const JoinScope& scope) {
  JoinDotSet(mine.presence, theirs.presence, scope);
  JoinMaps(mine.fields, theirs.fields, scope);
}

}  // namespace crdtdb::crdt
