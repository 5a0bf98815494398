// Copyright (c) crdtdb authors.

#include "crdt/list_order.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "crdt/limits.h"

namespace crdtdb::crdt {

static_assert(kMaxListAnchors < (size_t{1} << 31), "ListOrder marks a stack entry to emit with bit 31");

ListOrder::ListOrder(const ListNode& list) : list_(list) {
  const std::vector<ListAnchor>& anchors = list.anchors;
  const auto n = static_cast<uint32_t>(anchors.size());
  parent_.assign(n, kNone);
  right_origin_.assign(n, kNone);
  position_.assign(n, kNone);
  // Children per node (index n is the root), left and right apart, in flat arrays: slot s (2p for
  // node p's left children, 2p + 1 for its right ones) is children[start[s], start[s + 1]).
  // Anchors ascend by id, so each node's children are in id order, the order of left siblings.
  // `start` is `count` after the fill below, shifted by one: start[s] = count[s + 1].
  std::vector<uint32_t> count(2 * (static_cast<size_t>(n) + 1) + 2, 0);
  for (uint32_t i = 0; i < n; ++i) {
    const ListAnchor& a = anchors[i];
    // Within a run (list_node.h) the parent is the anchor just before, and a right origin the
    // same as the one before's: no search. Ids are unique and sorted, so this is AnchorIndex's answer.
    const ListAnchor* before = i > 0 ? &anchors[i - 1] : nullptr;
    const uint32_t p = before != nullptr && a.parent == before->id ? i - 1 : AnchorIndex(a.parent);
    parent_[i] = p == i ? kNone : p;
    if (a.right) {
      right_origin_[i] = before != nullptr && before->right && a.right_origin == before->right_origin
                             ? right_origin_[i - 1]
                             : AnchorIndex(a.right_origin);
    }
    // The slot waits in position_ (set for real after the traversal): the fill below then does
    // not read the anchors again.
    position_[i] = 2 * (parent_[i] == kNone ? n : parent_[i]) + (a.right ? 1 : 0);
    ++count[position_[i] + 1];
  }
  // count[s + 1] becomes the end of slot s; filling each slot backwards from its end moves it to
  // the slot's start: no second array.
  for (size_t k = 1; k < count.size(); ++k) count[k] += count[k - 1];
  std::vector<uint32_t> children(n);
  for (uint32_t i = n; i-- > 0;) children[--count[position_[i] + 1]] = i;
  auto begin = [&](uint32_t node, bool right) { return children.begin() + count[2 * node + right + 1]; };
  auto end = [&](uint32_t node, bool right) { return children.begin() + count[2 * node + right + 2]; };

  // Right-to-left traversal with an explicit stack (runs make chains as deep as the list is long).
  // An entry is a node to expand, or (with kEmit) a node to output.
  constexpr uint32_t kEmit = 1u << 31;  // above every node index (the precondition)
  // Emission number + 1 (0: not yet met, the end of the list for a right origin); 1 is the last
  // element of the list.
  std::vector<uint32_t> rank(n, 0);
  order_.reserve(n);
  std::vector<uint32_t> stack{n};
  while (!stack.empty()) {
    const uint32_t task = stack.back();
    stack.pop_back();
    if (task & kEmit) {
      order_.push_back(task & ~kEmit);
      rank[task & ~kEmit] = static_cast<uint32_t>(order_.size());
      continue;
    }
    const auto rights_begin = begin(task, true), rights_end = end(task, true);
    // List order of right siblings: right origin latest first (the end, or not yet met, is
    // latest), then by id. Their right origins lie after this subtree, so they are ranked.
    if (rights_end - rights_begin > 1) {
      auto key = [&](uint32_t i) {
        return std::make_pair(right_origin_[i] == kNone ? 0 : rank[right_origin_[i]], anchors[i].id);
      };
      std::sort(rights_begin, rights_end, [&](uint32_t a, uint32_t b) { return key(a) < key(b); });
    }
    stack.insert(stack.end(), begin(task, false), end(task, false));
    if (task != n) stack.push_back(task | kEmit);
    stack.insert(stack.end(), rights_begin, rights_end);
  }
  std::reverse(order_.begin(), order_.end());
  std::fill(position_.begin(), position_.end(), kNone);
  for (uint32_t k = 0; k < order_.size(); ++k) position_[order_[k]] = k;

  if (list.elements.empty()) return;  // a text, or an empty list: nothing more to place or show
  // Elements and anchors both ascend by id: one merge walk pairs them, no search per element.
  // Content without a placed anchor goes last, by id.
  std::vector<uint8_t> shown(n, 0);
  auto anchor = anchors.begin();
  for (const auto& [id, element] : list.elements) {
    while (anchor != anchors.end() && anchor->id < id) ++anchor;
    const auto a = static_cast<uint32_t>(anchor - anchors.begin());
    if (anchor == anchors.end() || anchor->id != id || position_[a] == kNone) {
      unanchored_.push_back(id);
    } else {
      shown[a] = 1;
    }
  }
  visible_.reserve(list.elements.size());
  for (uint32_t i : order_) {
    if (shown[i] != 0) visible_.push_back(anchors[i].id);
  }
  visible_.insert(visible_.end(), unanchored_.begin(), unanchored_.end());
}

std::vector<Dot> ListOrder::sequence() const {
  std::vector<Dot> out;
  out.reserve(order_.size() + unanchored_.size());
  for (uint32_t i : order_) out.push_back(list_.anchors[i].id);
  out.insert(out.end(), unanchored_.begin(), unanchored_.end());
  return out;
}

uint32_t ListOrder::AnchorIndex(Dot id) const {
  if (id == kNoElement) return kNone;
  const std::vector<ListAnchor>& anchors = list_.anchors;
  // One writer's text or list: its anchors are often consecutive counters of one replica.
  if (!anchors.empty() && anchors[0].id.replica == id.replica && anchors[0].id.counter <= id.counter) {
    const uint64_t guess = id.counter - anchors[0].id.counter;
    if (guess < anchors.size() && anchors[guess].id == id) return static_cast<uint32_t>(guess);
  }
  auto it = std::lower_bound(anchors.begin(), anchors.end(), id,
                             [](const ListAnchor& a, const Dot& d) { return a.id < d; });
  return it != anchors.end() && it->id == id ? static_cast<uint32_t>(it - anchors.begin()) : kNone;
}

bool ListOrder::Descends(uint32_t node, uint32_t ancestor) const {
  if (ancestor == kNone) return true;
  // Bounded by the number of anchors, so that a cycle cannot loop forever.
  for (size_t steps = 0; node != kNone && steps <= parent_.size(); ++steps) {
    if (node == ancestor) return true;
    node = parent_[node];
  }
  return false;
}

ListAnchor ListOrder::PlaceAfter(Dot left, Dot id) const {
  const size_t placed = order_.size();
  uint32_t l = AnchorIndex(left);
  if (l != kNone && position_[l] == kNone) l = kNone;  // on a cycle: never shown, not a place
  if (left != kNoElement && l == kNone && placed > 0) l = order_.back();  // no anchor: after the last anchored element
  const size_t next_position = l == kNone ? 0 : position_[l] + size_t{1};
  ListAnchor anchor;
  anchor.id = id;
  if (next_position < placed) {
    const Dot next = list_.anchors[order_[next_position]].id;
    if (Descends(order_[next_position], l)) {
      anchor.parent = next;
      anchor.right = false;
      return anchor;
    }
    anchor.right_origin = next;
  }
  anchor.parent = l == kNone ? kNoElement : list_.anchors[l].id;
  anchor.right = true;
  return anchor;
}

std::vector<ListAnchor> RunAnchors(const ListAnchor& first, size_t count) {
  std::vector<ListAnchor> out;
  out.reserve(count);
  AppendRunAnchors(first, count, out);
  return out;
}

void AppendRunAnchors(const ListAnchor& first, size_t count, std::vector<ListAnchor>& out) {
  if (count == 0) return;
  out.push_back(first);
  const Dot right_origin = RunRightOrigin(first);
  for (size_t k = 1; k < count; ++k) {
    const Dot previous = out.back().id;
    out.push_back(ListAnchor{Dot{previous.replica, previous.counter + 1}, previous, true, right_origin});
  }
}

}  // namespace crdtdb::crdt
