// Copyright (c) crdtdb authors.
//
// Internal to src/crdt: how an array written over a list (put, merge patch, set) changes it. The
// edit script keeps a longest common subsequence of the old visible values and the new array
// (elements compared as JSON values), removes the other old elements and inserts the other new
// items where they stand. The common prefix and suffix are matched first, in linear time; the
// middle gets an exact LCS (O(n x m) time and O(n x m) memory) when n x m <= kMaxDiffCells,
// otherwise it is replaced whole (all middle elements removed, all middle items inserted).

#ifndef CRDTDB_CRDT_LIST_DIFF_H_
#define CRDTDB_CRDT_LIST_DIFF_H_

#include <cstddef>
#include <vector>

#include "crdt/field_node.h"

namespace crdtdb::crdt {

constexpr size_t kMaxDiffCells = size_t{1} << 22;

struct ListEdit {
  enum Kind { kKeep, kRemove, kInsert };
  Kind kind = kKeep;
  size_t count = 0;  // old elements kept or removed, or new items inserted

  friend bool operator==(const ListEdit&, const ListEdit&) = default;
};

// The edits, in list order, that turn `old_values` into `array` (a JSON array). Adjacent edits have
// different kinds; at one place removals come before insertions.
std::vector<ListEdit> DiffLists(const std::vector<Json>& old_values, const Json& array);

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_LIST_DIFF_H_
