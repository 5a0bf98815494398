// Copyright (c) crdtdb authors.
//
// Decoding of lists and texts (crdt/decoder.h; the layouts are in document_encoder.cc).

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "crdt/ascending_dot_walk.h"
#include "crdt/decoder.h"
#include "crdt/field_node.h"
#include "crdt/limits.h"
#include "crdt/list_order.h"
#include "crdt/text_chars.h"

namespace crdtdb::crdt {

bool Decoder::DecodeReference(Dot* out) {
  if (!reader_.ReadUint(&out->replica) || !reader_.ReadUint(&out->counter)) return false;
  if (*out == kNoElement) return true;
  if (out->replica == 0 || out->counter == 0 || out->counter > kMaxDotCounter) return Fail("malformed element reference");
  return true;
}

bool Decoder::ContextHoldsRange(ReplicaId replica, uint64_t first, uint64_t last) const {
  auto found = context_->ranges().find(replica);
  if (found == context_->ranges().end()) return false;
  const DotContext::RangeList& list = found->second;
  auto it = std::lower_bound(list.begin(), list.end(), first,
                             [](const DotRange& r, uint64_t c) { return r.last < c; });
  return it != list.end() && it->first <= first && last <= it->last;
}

bool Decoder::DecodeText(ListNode& text, int depth) {
  if (depth > kMaxJsonDepth) return Fail("texts nested too deeply");
  uint32_t n = 0;
  if (!reader_.ReadArrayHeader(&n) || n != 5) return Fail("expected a 5-element text");
  if (!DecodeDots(text.presence)) return false;
  std::vector<ReplicaId> named;
  if (!reader_.ReadArrayHeader(&n)) return false;
  for (uint32_t i = 0; i < n; ++i) {
    ReplicaId r = 0;
    if (!reader_.ReadUint(&r) || r == 0 || (!named.empty() && r <= named.back())) {
      return Fail("malformed replicas of a text");
    }
    named.push_back(r);
  }
  if (!reader_.ReadArrayHeader(&n)) return false;
  if (n % 7 != 0) return Fail("text runs are not a multiple of 7 integers");
  // The runs first, then their anchors in one allocation: typed text is few runs, many anchors.
  std::vector<std::pair<ListAnchor, uint64_t>> runs;
  size_t total = 0;
  Dot last_id = kNoElement;  // of the runs so far
  for (uint32_t i = 0; i < n; i += 7) {
    ListAnchor first;
    uint64_t length = 0, side = 0;
    if (!DecodeDot(&first.id) || !reader_.ReadUint(&length) || !reader_.ReadUint(&side) ||
        !DecodeTextReference(first.id, named, &first.parent) ||
        !DecodeTextReference(first.id, named, &first.right_origin) || !CheckRun(first, length, side, last_id)) {
      return false;
    }
    runs.emplace_back(first, length);
    total += length;
    last_id = Dot{first.id.replica, first.id.counter + length - 1};
  }
  text.anchors.reserve(total);
  for (const auto& [first, length] : runs) AppendRunAnchors(first, length, text.anchors);
  std::string chars;
  if (!reader_.ReadUtf8(&chars)) return Fail("text characters are not UTF-8");
  if (!reader_.ReadArrayHeader(&n) || n % 2 != 0) return Fail("malformed deleted ids of a text");
  ReplicaId previous = 0;
  for (uint32_t i = 0; i < n; i += 2) {
    ReplicaId replica = 0;
    uint32_t count = 0;
    if (!reader_.ReadUint(&replica) || replica <= previous) return Fail("deleted ids: replicas not ascending");
    previous = replica;
    if (!reader_.ReadArrayHeader(&count) || count == 0 || count % 2 != 0) return Fail("malformed deleted ranges");
    uint64_t last = 0;
    for (uint32_t k = 0; k < count; k += 2) {
      DotRange r;
      if (!reader_.ReadUint(&r.first) || !reader_.ReadUint(&r.last)) return false;
      // Disjoint and non-adjacent, as DotContext keeps them: one encoding per set.
      if (r.first == 0 || r.last < r.first || r.last > kMaxDotCounter || (last != 0 && r.first <= last + 1)) {
        return Fail("malformed deleted range");
      }
      if (++deleted_ranges_ > kMaxContextRanges) return Fail("more deleted ranges than the limit");
      last = r.last;
      text.deleted.AddRange(replica, r);
    }
  }
  // The characters of the anchors not deleted, in order; a deleted one's is dropped (0).
  const std::vector<char32_t> points = CodePoints(chars);
  size_t next = 0;
  uint64_t deleted_anchors = 0;
  AscendingDotWalk deleted(text.deleted);
  for (ListAnchor& a : text.anchors) {
    if (deleted.Contains(a.id)) {
      ++deleted_anchors;
      continue;
    }
    if (next == points.size()) return Fail("a text needs one character per anchor not deleted");
    a.ch = points[next++];
  }
  if (next != points.size()) return Fail("a text needs one character per anchor not deleted");
  return kind_ != kState || !SettledDeletes(text, deleted_anchors) || Settle(text);
}

bool Decoder::SettledDeletes(const ListNode& text, uint64_t deleted_anchors) const {
  uint64_t seen = 0;
  for (const auto& [replica, ranges] : text.deleted.ranges()) {
    auto found = context_->ranges().find(replica);
    if (found == context_->ranges().end()) continue;
    auto c = found->second.begin();
    for (const DotRange& d : ranges) {
      while (c != found->second.end() && c->last < d.first) ++c;
      for (auto k = c; k != found->second.end() && k->first <= d.last; ++k) {
        seen += std::min(k->last, d.last) - std::max(k->first, d.first) + 1;
      }
    }
  }
  return seen > deleted_anchors;
}

bool Decoder::Settle(ListNode& text) {
  if (check_canonical_) return Fail("a text's deleted ids include settled ones (seen, without an anchor)");
  ForgetSettledDeletes(text, *context_, *context_, *context_);
  return true;
}

bool Decoder::DecodeTextReference(const Dot& run, const std::vector<ReplicaId>& named, Dot* out) {
  uint64_t kind = 0, value = 0;
  if (!reader_.ReadUint(&kind) || !reader_.ReadUint(&value)) return false;
  if (kind == 0) {
    if (value != 0) return Fail("malformed text reference");
    *out = kNoElement;
  } else if (kind == 1) {
    if (value == 0 || value >= run.counter) return Fail("malformed text reference");
    *out = Dot{run.replica, run.counter - value};
  } else {
    if (kind - 2 >= named.size() || value == 0 || value > kMaxDotCounter) return Fail("malformed text reference");
    *out = Dot{named[kind - 2], value};
  }
  return true;
}

bool Decoder::CheckRun(ListAnchor& first, uint64_t length, uint64_t side, Dot last) {
  if (length == 0 || side > 1) return Fail("malformed list run");
  first.right = side == 1;
  if (!first.right && first.right_origin != kNoElement) return Fail("a left child has a right origin");
  if (last != kNoElement && !(last < first.id)) return Fail("list runs are not ascending");
  anchors_ += length;  // bounded before anything is allocated for the run
  if (length > kMaxListAnchors || anchors_ > kMaxListAnchors) return Fail("more list anchors than the limit (1048576)");
  if (!ContextHoldsRange(first.id.replica, first.id.counter, first.id.counter + length - 1)) {
    return Fail("a list run is missing from the context");
  }
  return true;
}

bool Decoder::DecodeList(ListNode& list, int depth) {
  if (depth > kMaxJsonDepth) return Fail("lists nested too deeply");
  uint32_t n = 0;
  if (!reader_.ReadArrayHeader(&n) || n != 3) return Fail("expected a 3-element list");
  if (!DecodeDots(list.presence)) return false;
  if (!reader_.ReadArrayHeader(&n)) return false;
  if (n % 7 != 0) return Fail("list runs are not a multiple of 7 integers");
  for (uint32_t i = 0; i < n; i += 7) {
    ListAnchor first;
    uint64_t length = 0, side = 0;
    if (!DecodeDot(&first.id) || !reader_.ReadUint(&length) || !reader_.ReadUint(&side) ||
        !DecodeReference(&first.parent) || !DecodeReference(&first.right_origin)) {
      return false;
    }
    if (!CheckRun(first, length, side, list.anchors.empty() ? kNoElement : list.anchors.back().id)) return false;
    AppendRunAnchors(first, length, list.anchors);
  }
  if (!reader_.ReadArrayHeader(&n)) return false;
  if (n % 4 != 0) return Fail("list elements are not a multiple of 4 items");
  for (uint32_t i = 0; i < n; i += 4) {
    Dot id;
    if (!DecodeReference(&id)) return false;
    if (id == kNoElement) return Fail("malformed element reference");
    if (!list.elements.empty() && !(list.elements.rbegin()->first < id)) return Fail("list elements are not ascending");
    ListElement& element = list.elements.emplace_hint(list.elements.end(), id, ListElement())->second;
    if (!DecodeDots(element.presence) || !DecodeField(element.value, depth)) return false;
    if (kind_ == kState && element.empty()) return Fail("empty list element in a state");
  }
  return true;
}

}  // namespace crdtdb::crdt
