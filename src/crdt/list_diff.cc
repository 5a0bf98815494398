// Copyright (c) crdtdb authors.

#include "crdt/list_diff.h"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace crdtdb::crdt {

namespace {

class EditScript {
 public:
  void Add(ListEdit::Kind kind, size_t count) {
    if (count == 0) return;
    if (!edits_.empty() && edits_.back().kind == kind) {
      edits_.back().count += count;
    } else {
      edits_.push_back(ListEdit{kind, count});
    }
  }
  std::vector<ListEdit> Take() { return std::move(edits_); }

 private:
  std::vector<ListEdit> edits_;
};

// The LCS alignment of old[ob, oe) and array[nb, ne), appended to `script`.
void AlignMiddle(const std::vector<Json>& old, const Json& array, size_t ob, size_t oe, size_t nb, size_t ne,
                 EditScript& script) {
  const size_t n = oe - ob, m = ne - nb;
  if (n == 0 || m == 0 || n * m > kMaxDiffCells) {
    script.Add(ListEdit::kRemove, n);
    script.Add(ListEdit::kInsert, m);
    return;
  }
  // lcs[i][j]: the LCS length of old[ob+i, oe) and array[nb+j, ne), row-major, (n+1) x (m+1).
  std::vector<uint32_t> lcs((n + 1) * (m + 1), 0);
  auto at = [&](size_t i, size_t j) -> uint32_t& { return lcs[i * (m + 1) + j]; };
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m; j-- > 0;) {
      at(i, j) = old[ob + i] == array[nb + j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
    }
  }
  size_t i = 0, j = 0;
  while (i < n && j < m) {
    if (old[ob + i] == array[nb + j]) {
      script.Add(ListEdit::kKeep, 1);
      ++i, ++j;
    } else if (at(i + 1, j) >= at(i, j + 1)) {
      script.Add(ListEdit::kRemove, 1);
      ++i;
    } else {
      script.Add(ListEdit::kInsert, 1);
      ++j;
    }
  }
  script.Add(ListEdit::kRemove, n - i);
  script.Add(ListEdit::kInsert, m - j);
}

}  // namespace

std::vector<ListEdit> DiffLists(const std::vector<Json>& old_values, const Json& array) {
  const size_t n = old_values.size(), m = array.size();
  size_t prefix = 0;
  while (prefix < n && prefix < m && old_values[prefix] == array[prefix]) ++prefix;
  size_t suffix = 0;
  while (suffix < n - prefix && suffix < m - prefix && old_values[n - 1 - suffix] == array[m - 1 - suffix]) ++suffix;
  EditScript script;
  script.Add(ListEdit::kKeep, prefix);
  AlignMiddle(old_values, array, prefix, n - suffix, prefix, m - suffix, script);
  script.Add(ListEdit::kKeep, suffix);
  return script.Take();
}

}  // namespace crdtdb::crdt
