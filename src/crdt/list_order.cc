// Copyright (c) crdtdb authors.

#include "crdt/list_order.h"

#include <algorithm>
#include <cstdint>
#include <tuple>

namespace crdtdb::crdt {

namespace {

constexpr int64_t kUnranked = -1;  // not yet met: the end of the list, for a right origin

}  // namespace

ListOrder::ListOrder(const ListNode& list) : list_(list) {
  const std::vector<ListAnchor>& anchors = list.anchors;
  const size_t n = anchors.size();
  parent_.assign(n, kRoot);
  position_.assign(n, kRoot);
  std::vector<size_t> right_origin(n, kRoot);
  // Children per node (index n is the root), left and right apart, in flat arrays: node p's
  // children are children[first[p], first[p + 1]). Anchors ascend by id, so each node's children
  // are filled in id order, which is the order of left siblings.
  std::vector<size_t> count(2 * (n + 1) + 1, 0);
  auto slot = [&](size_t i) { return 2 * (parent_[i] == kRoot ? n : parent_[i]) + (anchors[i].right ? 1 : 0); };
  for (size_t i = 0; i < n; ++i) {
    const size_t p = AnchorIndex(anchors[i].parent);
    parent_[i] = p == i ? kRoot : p;
    if (anchors[i].right) right_origin[i] = AnchorIndex(anchors[i].right_origin);
    ++count[slot(i) + 1];
  }
  for (size_t k = 1; k < count.size(); ++k) count[k] += count[k - 1];
  std::vector<size_t> children(n);
  std::vector<size_t> fill(count.begin(), count.end() - 1);
  for (size_t i = 0; i < n; ++i) children[fill[slot(i)]++] = i;
  auto begin = [&](size_t node, bool right) { return children.begin() + static_cast<std::ptrdiff_t>(count[2 * node + right]); };
  auto end = [&](size_t node, bool right) { return children.begin() + static_cast<std::ptrdiff_t>(count[2 * node + right + 1]); };

  // Right-to-left traversal with an explicit stack (runs make chains as deep as the list is long).
  // An entry is a node to expand, or (with `emit`) a node to output.
  struct Task {
    size_t node;
    bool emit;
  };
  std::vector<int64_t> rank(n, kUnranked);  // emission number: 0 is the last element of the list
  std::vector<size_t> reversed;
  reversed.reserve(n);
  std::vector<Task> stack{{n, false}};
  while (!stack.empty()) {
    const Task task = stack.back();
    stack.pop_back();
    if (task.emit) {
      rank[task.node] = static_cast<int64_t>(reversed.size());
      reversed.push_back(task.node);
      continue;
    }
    const auto rights_begin = begin(task.node, true), rights_end = end(task.node, true);
    // List order of right siblings: right origin latest first (the end, or not yet met, is
    // latest), then by id. Their right origins lie after this subtree, so they are ranked.
    auto key = [&](size_t i) {
      const int64_t r = right_origin[i] == kRoot ? kUnranked : rank[right_origin[i]];
      return std::make_tuple(r, anchors[i].id);
    };
    std::sort(rights_begin, rights_end, [&](size_t a, size_t b) { return key(a) < key(b); });
    for (auto it = begin(task.node, false); it != end(task.node, false); ++it) stack.push_back({*it, false});
    if (task.node != n) stack.push_back({task.node, true});
    for (auto it = rights_begin; it != rights_end; ++it) stack.push_back({*it, false});
  }

  sequence_.reserve(n + list.elements.size());
  for (auto it = reversed.rbegin(); it != reversed.rend(); ++it) {
    position_[*it] = sequence_.size();
    sequence_.push_back(anchors[*it].id);
  }
  placed_ = sequence_.size();
  // Content without a placed anchor goes last, by id.
  for (const auto& [id, element] : list.elements) {
    const size_t a = AnchorIndex(id);
    if (a == kRoot || position_[a] == kRoot) sequence_.push_back(id);
  }
  for (const Dot& id : sequence_) {
    if (list.elements.count(id) > 0) visible_.push_back(id);
  }
}

size_t ListOrder::AnchorIndex(Dot id) const {
  const std::vector<ListAnchor>& anchors = list_.anchors;
  auto it = std::lower_bound(anchors.begin(), anchors.end(), id,
                             [](const ListAnchor& a, const Dot& d) { return a.id < d; });
  return it != anchors.end() && it->id == id ? static_cast<size_t>(it - anchors.begin()) : kRoot;
}

bool ListOrder::Descends(size_t node, size_t ancestor) const {
  if (ancestor == kRoot) return true;
  // Bounded by the number of anchors, so that a cycle cannot loop forever.
  for (size_t steps = 0; node != kRoot && steps <= parent_.size(); ++steps) {
    if (node == ancestor) return true;
    node = parent_[node];
  }
  return false;
}

ListAnchor ListOrder::PlaceAfter(Dot left, Dot id) const {
  size_t l = AnchorIndex(left);
  if (l != kRoot && position_[l] == kRoot) l = kRoot;  // on a cycle: never shown, not a place
  if (left != kNoElement && l == kRoot && placed_ > 0) {
    l = AnchorIndex(sequence_[placed_ - 1]);  // no anchor: after the last anchored element
  }
  const size_t next_position = l == kRoot ? 0 : position_[l] + 1;
  ListAnchor anchor;
  anchor.id = id;
  if (next_position < placed_) {
    const size_t next = AnchorIndex(sequence_[next_position]);
    if (Descends(next, l)) {
      anchor.parent = sequence_[next_position];
      anchor.right = false;
      return anchor;
    }
    anchor.right_origin = sequence_[next_position];
  }
  anchor.parent = l == kRoot ? kNoElement : list_.anchors[l].id;
  anchor.right = true;
  return anchor;
}

std::vector<ListAnchor> RunAnchors(const ListAnchor& first, size_t count) {
  std::vector<ListAnchor> out;
  out.reserve(count);
  out.push_back(first);
  for (size_t k = 1; k < count; ++k) {
    const Dot previous = out.back().id;
    out.push_back(ListAnchor{Dot{previous.replica, previous.counter + 1}, previous, true, RunRightOrigin(first)});
  }
  return out;
}

}  // namespace crdtdb::crdt
