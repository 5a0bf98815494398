// Copyright (c) crdtdb authors.

#include "crdt/dot_conflicts.h"

#include <algorithm>
#include <vector>

#include "crdt/list_node.h"

namespace crdtdb::crdt {

namespace {

// Dot sets (the presence set, set elements) carry no payload: only registers and counters can
// conflict.
template <typename Entry>
void FindInEntries(const std::vector<Entry>& mine, const std::vector<Entry>& theirs,
                   DotConflicts& out) {
  for (const Entry& e : theirs) {
    auto it = std::lower_bound(mine.begin(), mine.end(), e.dot,
                               [](const Entry& x, const Dot& dot) { return x.dot < dot; });
    if (it == mine.end() || !(it->dot == e.dot) || *it == e) continue;
    if (out.count++ == 0) out.first = e.dot;
  }
}

void FindInObject(const ObjectNode& mine, const ObjectNode& theirs, DotConflicts& out);

// A list anchor's payload is its place in the tree (and a text's character). A deleted
// character's anchor keeps its place but not its character (0), so characters are compared only
// when both sides still hold one: an insert re-delivered after its delete is the same dot.
bool SamePayload(const ListAnchor& x, const ListAnchor& y) {
  return x.parent == y.parent && x.right == y.right && x.right_origin == y.right_origin &&
         (x.ch == y.ch || x.ch == 0 || y.ch == 0);
}

void FindInAnchors(const std::vector<ListAnchor>& mine, const std::vector<ListAnchor>& theirs, DotConflicts& out) {
  for (const ListAnchor& a : theirs) {
    auto it = std::lower_bound(mine.begin(), mine.end(), a.id,
                               [](const ListAnchor& x, const Dot& dot) { return x.id < dot; });
    if (it == mine.end() || !(it->id == a.id) || SamePayload(*it, a)) continue;
    if (out.count++ == 0) out.first = a.id;
  }
}

void FindInField(const FieldNode& here, const FieldNode& field, DotConflicts& out) {
  FindInEntries(here.registers, field.registers, out);
  FindInEntries(here.counters, field.counters, out);
  if (here.object != nullptr && field.object != nullptr) FindInObject(*here.object, *field.object, out);
  if (here.list != nullptr && field.list != nullptr) {
    FindInAnchors(here.list->anchors, field.list->anchors, out);
    for (const auto& [id, element] : field.list->elements) {
      auto it = here.list->elements.find(id);
      if (it != here.list->elements.end()) FindInField(it->second.value, element.value, out);
    }
  }
  if (here.text != nullptr && field.text != nullptr) FindInAnchors(here.text->anchors, field.text->anchors, out);
}

void FindInObject(const ObjectNode& mine, const ObjectNode& theirs, DotConflicts& out) {
  for (const auto& [name, field] : theirs.fields) {
    auto it = mine.fields.find(name);
    if (it != mine.fields.end()) FindInField(it->second, field, out);
  }
}

}  // namespace

DotConflicts FindDotConflicts(const Document& mine, const Document& theirs) {
  DotConflicts out;
  FindInObject(mine.root(), theirs.root(), out);
  return out;
}

}  // namespace crdtdb::crdt
