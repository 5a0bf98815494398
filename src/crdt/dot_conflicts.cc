// Copyright (c) crdtdb authors.

#include "crdt/dot_conflicts.h"

#include <algorithm>
#include <vector>

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

void FindInObject(const ObjectNode& mine, const ObjectNode& theirs, DotConflicts& out) {
  for (const auto& [name, field] : theirs.fields) {
    auto it = mine.fields.find(name);
    if (it == mine.fields.end()) continue;
    const FieldNode& here = it->second;
    FindInEntries(here.registers, field.registers, out);
    FindInEntries(here.counters, field.counters, out);
    if (here.object != nullptr && field.object != nullptr)
      FindInObject(*here.object, *field.object, out);
  }
}

}  // namespace

DotConflicts FindDotConflicts(const Document& mine, const Document& theirs) {
  DotConflicts out;
  FindInObject(mine.root(), theirs.root(), out);
  return out;
}

}  // namespace crdtdb::crdt
