// Copyright (c) crdtdb authors.

#include "crdt/position_index.h"

#include <algorithm>
#include <utility>

#include "crdt/ascending_dot_walk.h"
#include "crdt/list_order.h"
#include "crdt/text_chars.h"

namespace crdtdb::crdt {

PositionIndexCache::PositionIndexCache() = default;
PositionIndexCache::PositionIndexCache(const PositionIndexCache&) {}
PositionIndexCache::PositionIndexCache(PositionIndexCache&&) noexcept = default;
PositionIndexCache& PositionIndexCache::operator=(const PositionIndexCache&) {
  index.reset();
  return *this;
}
PositionIndexCache& PositionIndexCache::operator=(PositionIndexCache&&) noexcept = default;
PositionIndexCache::~PositionIndexCache() = default;

namespace {

// Per anchor of `text`: whether its character is shown (not deleted), by one walk over the
// deleted ranges, since the anchors ascend by id.
std::vector<bool> ShownAnchors(const ListNode& text) {
  std::vector<bool> shown(text.anchors.size());
  AscendingDotWalk deleted(text.deleted);
  for (size_t i = 0; i < text.anchors.size(); ++i) shown[i] = !deleted.Contains(text.anchors[i].id);
  return shown;
}

// Per anchor of `list`: whether its element is shown (has content), by one merge walk, since
// anchors and elements both ascend by id.
std::vector<bool> ShownElements(const ListNode& list) {
  std::vector<bool> shown(list.anchors.size());
  auto element = list.elements.begin();
  for (size_t i = 0; i < list.anchors.size() && element != list.elements.end(); ++i) {
    while (element != list.elements.end() && element->first < list.anchors[i].id) ++element;
    shown[i] = element != list.elements.end() && element->first == list.anchors[i].id;
  }
  return shown;
}

size_t ShownGuard(const ListNode& node, PositionIndex::Kind kind) {
  return kind == PositionIndex::Kind::kText ? node.deleted.range_count() : node.elements.size();
}

}  // namespace

PositionIndex::PositionIndex(const ListNode& text, Kind kind)
    : kind_(kind), anchors_(text.anchors.size()), shown_(ShownGuard(text, kind)) {
  const std::vector<ListAnchor>& anchors = text.anchors;
  const ListOrder order(text);
  const std::vector<bool> shown = kind == Kind::kText ? ShownAnchors(text) : ShownElements(text);
  std::vector<uint32_t> node_of(anchors.size(), kNil);  // per anchor
  nodes_.reserve(anchors.size());
  // The treap of the sequence in O(n): a Cartesian tree built left to right on a stack of the
  // right spine. A node leaves the spine once its subtree is complete, every other node of it
  // having left before: its counts are pulled then, from the leaves up, while its children are
  // still in the cache; the spine left at the end is pulled from its bottom.
  std::vector<uint32_t> spine;
  for (uint32_t i : order.anchor_order()) {
    const uint32_t node = NewNode(anchors[i].id, anchors[i].ch, shown[i]);
    node_of[i] = node;
    uint32_t last = kNil;
    while (!spine.empty() && nodes_[spine.back()].priority < nodes_[node].priority) {
      last = spine.back();
      spine.pop_back();
      Pull(last);
    }
    nodes_[node].left = last;
    if (!spine.empty()) nodes_[spine.back()].right = node;
    spine.push_back(node);
  }
  for (auto it = spine.rbegin(); it != spine.rend(); ++it) Pull(*it);
  root_ = spine.empty() ? kNil : spine.front();
  // The nodes by id, the children flags, and the ids named but not placed (missing, or on a cycle).
  std::vector<CounterNode>* replica_nodes = nullptr;  // of anchors[i]'s replica
  for (size_t i = 0; i < anchors.size(); ++i) {
    const ListAnchor& a = anchors[i];
    if (i == 0 || a.id.replica != anchors[i - 1].id.replica) replica_nodes = &by_id_[a.id.replica];
    if (order.placed(i)) {
      replica_nodes->push_back(CounterNode{a.id.counter, node_of[i]});
    } else {
      dangling_.insert(a.id);
    }
    if (a.right && a.right_origin != kNoElement) {
      const uint32_t r = order.right_origin_of(i);
      if (r == ListOrder::kNone || !order.placed(r)) dangling_.insert(a.right_origin);
    }
    if (a.parent == kNoElement || a.parent == a.id) continue;  // hangs from the root
    const uint32_t p = order.parent_of(i);
    if (p == ListOrder::kNone || !order.placed(p)) {
      dangling_.insert(a.parent);
    } else if (order.placed(i)) {
      (a.right ? nodes_[node_of[p]].has_right_child : nodes_[node_of[p]].has_left_child) = true;
    }
  }
}

uint32_t PositionIndex::NewNode(Dot id, char32_t ch, bool visible) {
  // xorshift: a deterministic priority per node is enough for the expected O(log n) depth.
  seed_ ^= seed_ << 13;
  seed_ ^= seed_ >> 17;
  seed_ ^= seed_ << 5;
  Node node;
  node.priority = seed_;
  node.shown = visible;
  node.visible = visible ? 1 : 0;
  node.ch = ch;
  node.id = id;
  nodes_.push_back(node);
  return static_cast<uint32_t>(nodes_.size() - 1);
}

void PositionIndex::Pull(uint32_t x) {
  Node& n = nodes_[x];
  n.count = 1;
  n.visible = n.shown ? 1 : 0;
  for (uint32_t child : {n.left, n.right}) {
    if (child == kNil) continue;
    n.count += nodes_[child].count;
    n.visible += nodes_[child].visible;
    nodes_[child].up = x;
  }
}

void PositionIndex::Split(uint32_t t, uint32_t k, uint32_t& a, uint32_t& b) {
  if (t == kNil) {
    a = b = kNil;
    return;
  }
  const uint32_t left_count = nodes_[t].left == kNil ? 0 : nodes_[nodes_[t].left].count;
  if (k <= left_count) {
    uint32_t l = kNil;
    Split(nodes_[t].left, k, a, l);
    nodes_[t].left = l;
    Pull(t);
    b = t;
  } else {
    uint32_t r = kNil;
    Split(nodes_[t].right, k - left_count - 1, r, b);
    nodes_[t].right = r;
    Pull(t);
    a = t;
  }
  if (a != kNil) nodes_[a].up = kNil;
  if (b != kNil) nodes_[b].up = kNil;
}

uint32_t PositionIndex::Merge(uint32_t a, uint32_t b) {
  if (a == kNil) return b;
  if (b == kNil) return a;
  if (nodes_[a].priority > nodes_[b].priority) {
    nodes_[a].right = Merge(nodes_[a].right, b);
    Pull(a);
    nodes_[a].up = kNil;
    return a;
  }
  nodes_[b].left = Merge(a, nodes_[b].left);
  Pull(b);
  nodes_[b].up = kNil;
  return b;
}

void PositionIndex::InsertAt(uint32_t position, uint32_t node) {
  uint32_t a = kNil, b = kNil;
  Split(root_, position, a, b);
  root_ = Merge(Merge(a, node), b);
}

uint32_t PositionIndex::Rank(uint32_t x) const {
  uint32_t rank = nodes_[x].left == kNil ? 0 : nodes_[nodes_[x].left].count;
  for (uint32_t child = x, up = nodes_[x].up; up != kNil; child = up, up = nodes_[up].up) {
    if (nodes_[up].right == child) rank += 1 + (nodes_[up].left == kNil ? 0 : nodes_[nodes_[up].left].count);
  }
  return rank;
}

uint32_t PositionIndex::Successor(uint32_t x) const {
  if (nodes_[x].right != kNil) {
    x = nodes_[x].right;
    while (nodes_[x].left != kNil) x = nodes_[x].left;
    return x;
  }
  while (nodes_[x].up != kNil && nodes_[nodes_[x].up].right == x) x = nodes_[x].up;
  return nodes_[x].up;
}

uint32_t PositionIndex::First() const {
  uint32_t x = root_;
  while (x != kNil && nodes_[x].left != kNil) x = nodes_[x].left;
  return x;
}

uint32_t PositionIndex::Last() const {
  uint32_t x = root_;
  while (x != kNil && nodes_[x].right != kNil) x = nodes_[x].right;
  return x;
}

uint32_t PositionIndex::Find(Dot id) const {
  auto replica = by_id_.find(id.replica);
  if (replica == by_id_.end()) return kNil;
  const std::vector<CounterNode>& nodes = replica->second;
  // A new anchor is usually the last of its replica: look there first.
  if (!nodes.empty() && nodes.back().counter == id.counter) return nodes.back().node;
  auto it = std::lower_bound(nodes.begin(), nodes.end(), id.counter,
                             [](const CounterNode& e, uint64_t c) { return e.counter < c; });
  return it != nodes.end() && it->counter == id.counter ? it->node : kNil;
}

size_t PositionIndex::size() const { return root_ == kNil ? 0 : nodes_[root_].visible; }

Dot PositionIndex::VisibleAt(size_t position) const {
  uint32_t x = root_;
  while (x != kNil) {
    const Node& n = nodes_[x];
    const uint32_t left_visible = n.left == kNil ? 0 : nodes_[n.left].visible;
    if (position < left_visible) {
      x = n.left;
    } else if (n.shown && position == left_visible) {
      return n.id;
    } else {
      position -= left_visible + (n.shown ? 1 : 0);
      x = n.right;
    }
  }
  return kNoElement;
}

void PositionIndex::ForEachVisible(const std::function<void(char32_t)>& fn) const {
  for (uint32_t x = First(); x != kNil; x = Successor(x)) {
    if (nodes_[x].shown) fn(nodes_[x].ch);
  }
}

void PositionIndex::ForEachVisibleId(const std::function<void(Dot)>& fn) const {
  for (uint32_t x = First(); x != kNil; x = Successor(x)) {
    if (nodes_[x].shown) fn(nodes_[x].id);
  }
}

ListAnchor PositionIndex::PlaceAfter(Dot left, Dot id) const {
  uint32_t l = Find(left);
  if (left != kNoElement && l == kNil) {  // no place in the order: after the last placed one
    l = Last();
    left = l == kNil ? kNoElement : nodes_[l].id;
  }
  ListAnchor anchor;
  anchor.id = id;
  const uint32_t next = l == kNil ? First() : Successor(l);
  if (next != kNil) {
    // The next character descends from `left` exactly when `left` has a right subtree (the next
    // in order is then its leftmost node); the root is everyone's ancestor.
    if (l == kNil || nodes_[l].has_right_child) {
      anchor.parent = nodes_[next].id;
      anchor.right = false;
      return anchor;
    }
    anchor.right_origin = nodes_[next].id;
  }
  anchor.parent = l == kNil ? kNoElement : left;
  anchor.right = true;
  return anchor;
}

bool PositionIndex::Integrate(const ListAnchor& anchor, bool visible) {
  if (Find(anchor.id) != kNil || dangling_.count(anchor.id) > 0) return false;
  uint32_t position = 0;
  uint32_t parent = kNil;
  if (anchor.right) {
    if (anchor.parent == kNoElement) {
      if (root_ != kNil || anchor.right_origin != kNoElement) return false;
    } else {
      parent = Find(anchor.parent);
      if (parent == kNil || nodes_[parent].has_right_child) return false;
      position = Rank(parent) + 1;
    }
  } else {
    parent = Find(anchor.parent);
    if (parent == kNil || nodes_[parent].has_left_child) return false;
    position = Rank(parent);
  }
  if (anchor.right && anchor.right_origin != kNoElement && Find(anchor.right_origin) == kNil) {
    dangling_.insert(anchor.right_origin);
  }
  if (parent != kNil) (anchor.right ? nodes_[parent].has_right_child : nodes_[parent].has_left_child) = true;
  const uint32_t node = NewNode(anchor.id, anchor.ch, visible);
  std::vector<CounterNode>& nodes = by_id_[anchor.id.replica];
  const CounterNode entry{anchor.id.counter, node};
  if (nodes.empty() || nodes.back().counter < entry.counter) {
    nodes.push_back(entry);
  } else {
    nodes.insert(std::lower_bound(nodes.begin(), nodes.end(), entry.counter,
                                  [](const CounterNode& e, uint64_t c) { return e.counter < c; }),
                 entry);
  }
  InsertAt(position, node);
  return true;
}

void PositionIndex::SetShown(Dot id, bool shown) {
  uint32_t x = Find(id);
  if (x == kNil || nodes_[x].shown == shown) return;
  nodes_[x].shown = shown;
  for (; x != kNil; x = nodes_[x].up) shown ? ++nodes_[x].visible : --nodes_[x].visible;
}

bool PositionIndex::Fits(const ListNode& node, Kind kind) const {
  return kind_ == kind && anchors_ == node.anchors.size() && shown_ == ShownGuard(node, kind);
}

void PositionIndex::Track(const ListNode& node) {
  anchors_ = node.anchors.size();
  shown_ = ShownGuard(node, kind_);
}

PositionIndex& TextIndexOf(const ListNode& text) {
  std::unique_ptr<PositionIndex>& index = text.position_index.index;
  if (index == nullptr || !index->Fits(text, PositionIndex::Kind::kText)) {
    index = std::make_unique<PositionIndex>(text, PositionIndex::Kind::kText);
  }
  return *index;
}

const PositionIndex* ListIndexOf(const ListNode& list) {
  std::unique_ptr<PositionIndex>& index = list.position_index.index;
  if (index == nullptr || !index->Fits(list, PositionIndex::Kind::kList)) {
    index = std::make_unique<PositionIndex>(list, PositionIndex::Kind::kList);
  }
  // Every element shown by the index: none without a placed anchor.
  return index->size() == list.elements.size() ? index.get() : nullptr;
}

const PositionIndex* KeptListIndex(const ListNode& list) {
  const PositionIndex* index = list.position_index.index.get();
  if (index == nullptr || !index->Fits(list, PositionIndex::Kind::kList)) return nullptr;
  return index->size() == list.elements.size() ? index : nullptr;
}

std::vector<Dot> VisibleElements(const ListNode& list) {
  const PositionIndex* index = KeptListIndex(list);
  if (index == nullptr) return ListOrder(list).visible();
  std::vector<Dot> ids;
  ids.reserve(index->size());
  index->ForEachVisibleId([&](Dot id) { ids.push_back(id); });
  return ids;
}

std::string VisibleText(const ListNode& text) {
  std::string out;
  const std::unique_ptr<PositionIndex>& index = text.position_index.index;
  if (index != nullptr && index->Fits(text, PositionIndex::Kind::kText)) {
    index->ForEachVisible([&](char32_t c) { AppendUtf8(c, &out); });
    return out;
  }
  const ListOrder order(text);
  const std::vector<bool> shown = ShownAnchors(text);
  for (uint32_t i : order.anchor_order()) {
    if (shown[i]) AppendUtf8(text.anchors[i].ch, &out);
  }
  return out;
}

}  // namespace crdtdb::crdt
