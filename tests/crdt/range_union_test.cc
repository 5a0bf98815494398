// Copyright (c) crdtdb authors.
//
// The union of range lists (crdt/range_union.h) that DotContext::Join makes, checked for its cost:
// element copies and moves are counted, not timed. Two contexts of interleaved single dots are the
// worst case of an insert-per-range join (every insert shifts the rest of the list).

#include "crdt/range_union.h"

#include <cstdint>
#include <random>
#include <set>
#include <vector>

#include <doctest/doctest.h>

#include "crdt/dot_context.h"
#include "tests/support/seed.h"

namespace crdtdb::crdt {
namespace {

// A range that counts every copy and move made of it.
struct CountedRange {
  static inline uint64_t transfers = 0;

  uint64_t first = 0;
  uint64_t last = 0;

  CountedRange() = default;
  CountedRange(uint64_t f, uint64_t l) : first(f), last(l) {}
  CountedRange(const CountedRange& o) : first(o.first), last(o.last) { ++transfers; }
  CountedRange(CountedRange&& o) noexcept : first(o.first), last(o.last) { ++transfers; }
  CountedRange& operator=(const CountedRange& o) {
    first = o.first;
    last = o.last;
    ++transfers;
    return *this;
  }
  CountedRange& operator=(CountedRange&& o) noexcept {
    first = o.first;
    last = o.last;
    ++transfers;
    return *this;
  }
  friend bool operator==(const CountedRange& a, const CountedRange& b) {
    return a.first == b.first && a.last == b.last;
  }
};

// Single dots first, first + step, first + 2 step, ...: none adjacent when step > 1.
std::vector<CountedRange> Singles(uint64_t first, uint64_t step, size_t n) {
  std::vector<CountedRange> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.emplace_back(first + i * step, first + i * step);
  return out;
}

TEST_CASE("joining interleaved dot clouds moves each range a bounded number of times") {
  constexpr size_t kRanges = 20'000;
  std::vector<CountedRange> mine = Singles(1, 4, kRanges);          // 1, 5, 9, ...
  const std::vector<CountedRange> theirs = Singles(3, 4, kRanges);  // 3, 7, 11, ...: in every gap
  CountedRange::transfers = 0;
  CHECK(UniteRanges(mine, theirs));
  CHECK(mine.size() == 2 * kRanges);  // nothing merges: 2 is missing between 1 and 3, and so on
  // Linear: each range is copied into the merged tail and back, with slack for the growth of
  // `mine`. An insert per range shifts ~kRanges^2 / 2 = 2 * 10^8 ranges.
  CHECK(CountedRange::transfers <= 8 * kRanges);
}

TEST_CASE("dots above every range of a context cost their own size, not the context's") {
  constexpr size_t kRanges = 20'000;
  std::vector<CountedRange> mine = Singles(1, 2, kRanges);  // a dot cloud: 1, 3, 5, ...
  mine.reserve(kRanges + 1);                                // no reallocation to count
  const std::vector<CountedRange> theirs{{2 * kRanges + 1, 2 * kRanges + 1}};  // the next dot
  CountedRange::transfers = 0;
  CHECK(UniteRanges(mine, theirs));
  CHECK(mine.size() == kRanges + 1);
  CHECK(CountedRange::transfers <= 4);

  CountedRange::transfers = 0;
  CHECK_FALSE(UniteRanges(mine, theirs));  // seen already: unchanged, and said so
  CHECK(CountedRange::transfers <= 4);
}

TEST_CASE("the union of range lists is the union of their dots and says whether it grew") {
  for (uint64_t seed : testing::PropertySeeds(500)) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    DotContext a, b;
    std::set<uint64_t> model;
    for (int i = 0; i < 12; ++i) {
      const uint64_t first = 1 + rng() % 60, len = rng() % 3;
      DotContext& c = rng() % 2 ? a : b;
      c.AddRange(1, {first, first + len});
      if (&c == &a) {
        for (uint64_t k = first; k <= first + len; ++k) model.insert(k);
      }
    }
    const DotContext a_before = a;
    size_t b_dots_new = 0;
    if (!b.empty()) {
      for (const DotRange& r : b.ranges().at(1)) {
        for (uint64_t k = r.first; k <= r.last; ++k) b_dots_new += model.insert(k).second ? 1 : 0;
      }
    }
    const bool changed = a.Join(b);
    CHECK(changed == (b_dots_new > 0));
    CHECK(changed == !(a == a_before));
    for (uint64_t k = 1; k <= 64; ++k) CHECK(a.Contains({1, k}) == model.contains(k));
    // Normalized: sorted, disjoint, non-adjacent.
    if (!a.empty()) {
      const DotContext::RangeList& list = a.ranges().at(1);
      for (size_t i = 1; i < list.size(); ++i) CHECK(list[i - 1].last + 1 < list[i].first);
    }
  }
}

}  // namespace
}  // namespace crdtdb::crdt
