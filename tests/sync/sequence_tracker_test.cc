// Copyright (c) crdtdb authors.
//
// SequenceTracker against a model: a plain set of covered sequence numbers. Seeded random
// schedules of Add (in random order, with duplicates), CoverThrough, SawUpTo and OriginEndsAt;
// after every operation the tracker's Covered, contiguous, highest_seen and FirstMissing must
// equal the model's, and Add must return false exactly for a sequence that was already covered.

#include "sync/sequence_tracker.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <set>
#include <vector>

#include <doctest/doctest.h>

#include "tests/support/seed.h"

namespace crdtdb::sync {
namespace {

// What SequenceTracker promises, written the obvious way.
class Model {
 public:
  void CoverThrough(uint64_t s) {
    cover_through_ = std::max(cover_through_, s);
    highest_seen_ = std::max(highest_seen_, s);
  }
  bool Add(uint64_t s) {
    highest_seen_ = std::max(highest_seen_, s);
    if (Covered(s)) return false;
    added_.insert(s);
    return true;
  }
  void SawUpTo(uint64_t s) { highest_seen_ = std::max(highest_seen_, s); }
  // Every sequence of [first, last] but the holes, each as if added.
  void AddRangeExcept(uint64_t first, uint64_t last, const std::set<uint64_t>& holes) {
    for (uint64_t s = first; s <= last && first <= last; ++s) {
      if (holes.count(s) == 0) Add(s);
    }
  }
  // The origin says its log ends at `s`: nothing beyond it, or beyond what was received, is
  // still expected.
  void OriginEndsAt(uint64_t s) {
    uint64_t top = std::max(contiguous(), s);
    if (!added_.empty()) top = std::max(top, *added_.rbegin());
    highest_seen_ = std::min(highest_seen_, top);
  }
  bool Covered(uint64_t s) const { return s <= cover_through_ || added_.count(s) > 0; }
  // Everything up to the previous answer stays covered, so the scan resumes there.
  uint64_t contiguous() const {
    uint64_t c = std::max(contiguous_cache_, cover_through_);
    while (added_.count(c + 1) > 0) ++c;
    contiguous_cache_ = c;
    return c;
  }
  uint64_t highest_seen() const { return highest_seen_; }
  std::optional<uint64_t> FirstMissing() const {
    const uint64_t c = contiguous();
    if (highest_seen_ <= c) return std::nullopt;
    return c + 1;
  }

 private:
  uint64_t cover_through_ = 0;
  uint64_t highest_seen_ = 0;
  std::set<uint64_t> added_;
  mutable uint64_t contiguous_cache_ = 0;
};

void CheckSame(const SequenceTracker& tracker, const Model& model, uint64_t probe_max) {
  REQUIRE(tracker.contiguous() == model.contiguous());
  REQUIRE(tracker.highest_seen() == model.highest_seen());
  REQUIRE(tracker.FirstMissing() == model.FirstMissing());
  for (uint64_t s = 0; s <= probe_max; ++s) {
    CAPTURE(s);
    REQUIRE(tracker.Covered(s) == model.Covered(s));
  }
}

// A schedule shaped like a delta stream: sequences arrive in shuffled windows (reordering), some
// twice (duplication), some never (loss); now and then the receiver covers a prefix (anti-entropy
// took over a range the log lost, or the stream starts), hears a heartbeat ahead of the data, or
// covers a range but some holes (a log answer for its partitions, whose other deltas it skips).
TEST_CASE(
    "SequenceTracker agrees with a set model under random Add, CoverThrough, SawUpTo, "
    "OriginEndsAt, AddRange and AddRangeExcept") {
  for (uint64_t seed : testing::PropertySeeds(100)) {
    CAPTURE(seed);
    INFO("replay: " << testing::ReplayCommand(seed));
    std::mt19937_64 rng(seed);
    auto below = [&](uint64_t n) { return rng() % n; };
    SequenceTracker tracker;
    Model model;
    uint64_t next = 1;  // the next fresh sequence the origin writes
    std::vector<uint64_t> pending;
    for (int step = 0; step < 3000; ++step) {
      CAPTURE(step);
      if (pending.empty() || below(8) == 0) {
        // The origin writes a few more; they arrive in random order.
        const uint64_t n = 1 + below(12);
        for (uint64_t i = 0; i < n; ++i) pending.push_back(next++);
        std::shuffle(pending.begin(), pending.end(), rng);
      }
      switch (below(22)) {
        case 0: {  // a prefix becomes covered: below, at or above what is contiguous
          const uint64_t c = tracker.contiguous();
          const uint64_t target = below(2) == 0 ? below(c + 1) : c + below(next - c + 8);
          tracker.CoverThrough(target);
          model.CoverThrough(target);
          next = std::max(next, target + 1);  // what is pending below it arrives as duplicates
          break;
        }
        case 1: {  // a heartbeat or batch end announces how far the origin has written
          const uint64_t s = below(next + 4);
          tracker.SawUpTo(s);
          model.SawUpTo(s);
          break;
        }
        case 2: {  // a log answer states where the origin's log ends (maybe below an announcement)
          const uint64_t s = below(next + 4);
          tracker.OriginEndsAt(s);
          model.OriginEndsAt(s);
          break;
        }
        case 3: {  // a duplicate or an old sequence (possibly 0, which is always covered)
          const uint64_t s = below(next + 1);
          CAPTURE(s);
          const bool expected = model.Add(s);
          REQUIRE(tracker.Add(s) == expected);
          break;
        }
        case 4: {  // a delta lost for good
          pending.pop_back();
          break;
        }
        case 5:
        case 6: {  // a range, from anywhere near what is covered, maybe with holes, maybe empty
          const uint64_t c = tracker.contiguous();
          const uint64_t first = c > 4 ? c - 4 + below(next - c + 12) : 1 + below(next + 8);
          const uint64_t last = below(8) == 0 ? first - 1 : first + below(30);
          std::set<uint64_t> holes;
          std::vector<uint64_t> holes_ascending;
          const uint64_t n = below(2) == 0 ? 0 : below(6);
          for (uint64_t i = 0; i < n; ++i) holes.insert(first + below(32) - 1);
          holes_ascending.assign(holes.begin(), holes.end());
          CAPTURE(first);
          CAPTURE(last);
          tracker.AddRangeExcept(first, last, holes_ascending);
          model.AddRangeExcept(first, last, holes);
          next = std::max(next, last + 1);  // what is pending below it arrives as duplicates
          break;
        }
        default: {  // the next delta in arrival order, sometimes delivered twice
          const uint64_t s = pending.back();
          pending.pop_back();
          CAPTURE(s);
          const bool expected = model.Add(s);
          REQUIRE(tracker.Add(s) == expected);
          if (below(10) == 0) {
            REQUIRE(model.Add(s) == false);
            REQUIRE_FALSE(tracker.Add(s));
          }
        }
      }
      // Cheap checks every step; the full Covered scan every 64 steps and at the end.
      REQUIRE(tracker.contiguous() == model.contiguous());
      REQUIRE(tracker.highest_seen() == model.highest_seen());
      REQUIRE(tracker.FirstMissing() == model.FirstMissing());
      const uint64_t probe = below(next + 4);
      REQUIRE(tracker.Covered(probe) == model.Covered(probe));
      if (step % 64 == 0) CheckSame(tracker, model, next + 4);
    }
    CheckSame(tracker, model, next + 4);
  }
}

TEST_CASE("Add reports duplicates and an in-order stream stays contiguous") {
  SequenceTracker t;
  CHECK_FALSE(t.FirstMissing().has_value());
  CHECK_FALSE(t.Add(0));  // 0 is never a sequence: always covered
  for (uint64_t s = 1; s <= 100; ++s) {
    CHECK(t.Add(s));
    CHECK(t.contiguous() == s);
    CHECK_FALSE(t.FirstMissing().has_value());
  }
  for (uint64_t s = 0; s <= 100; ++s) CHECK_FALSE(t.Add(s));
  CHECK(t.contiguous() == 100);
}

TEST_CASE("a gap is the first missing sequence until it closes, whatever arrived beyond it") {
  SequenceTracker t;
  CHECK(t.Add(1));
  CHECK(t.Add(2));
  CHECK(t.Add(5));
  CHECK(t.Add(7));
  CHECK(t.Add(6));
  CHECK(t.contiguous() == 2);
  CHECK(t.highest_seen() == 7);
  CHECK(t.FirstMissing() == 3);
  CHECK_FALSE(t.Covered(3));
  CHECK(t.Covered(6));
  CHECK_FALSE(t.Add(6));
  CHECK(t.Add(4));
  CHECK(t.FirstMissing() == 3);
  CHECK(t.Add(3));
  CHECK(t.contiguous() == 7);
  CHECK_FALSE(t.FirstMissing().has_value());
}

TEST_CASE("SawUpTo ahead of the data makes the next sequence missing") {
  SequenceTracker t;
  t.CoverThrough(10);  // where the stream started
  CHECK_FALSE(t.FirstMissing().has_value());
  t.SawUpTo(12);  // a heartbeat: the origin is at 12
  CHECK(t.FirstMissing() == 11);
  t.SawUpTo(5);  // an older announcement lowers nothing
  CHECK(t.highest_seen() == 12);
  CHECK(t.Add(11));
  CHECK(t.Add(12));
  CHECK_FALSE(t.FirstMissing().has_value());
}

TEST_CASE("OriginEndsAt forgets announced sequences beyond the origin's log, never received ones") {
  SequenceTracker t;
  t.CoverThrough(10);
  t.SawUpTo(20);  // a heartbeat announced 20
  CHECK(t.FirstMissing() == 11);
  t.OriginEndsAt(15);  // the origin's log answer: it ends at 15
  CHECK(t.highest_seen() == 15);
  CHECK(t.FirstMissing() == 11);
  CHECK(t.Add(12));    // received out of order
  t.OriginEndsAt(11);  // below what was received: 12 stays
  CHECK(t.highest_seen() == 12);
  CHECK(t.Add(11));
  CHECK_FALSE(t.FirstMissing().has_value());
  t.OriginEndsAt(3);  // below contiguous: nothing covered is forgotten
  CHECK(t.contiguous() == 12);
  CHECK(t.highest_seen() == 12);
  t.OriginEndsAt(30);  // above: it never raises what is expected
  CHECK(t.highest_seen() == 12);
}

TEST_CASE("CoverThrough swallows ranges below it and joins a range that touches it") {
  SequenceTracker t;
  for (uint64_t s : {3, 4, 8, 9, 10, 15}) CHECK(t.Add(s));
  CHECK(t.contiguous() == 0);
  t.CoverThrough(7);  // 8..10 now touch the prefix
  CHECK(t.contiguous() == 10);
  CHECK(t.FirstMissing() == 11);
  t.CoverThrough(2);  // below contiguous: no effect
  CHECK(t.contiguous() == 10);
  t.CoverThrough(20);  // past the last range
  CHECK(t.contiguous() == 20);
  CHECK(t.highest_seen() == 20);
  CHECK_FALSE(t.FirstMissing().has_value());
  CHECK_FALSE(t.Add(15));
}

TEST_CASE("sequences near the top of uint64 neither overflow nor wrap") {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  SequenceTracker t;
  CHECK(t.Add(kMax));
  CHECK(t.Covered(kMax));
  CHECK(t.FirstMissing() == 1);
  CHECK(t.Add(kMax - 2));
  t.CoverThrough(kMax - 3);
  CHECK(t.contiguous() == kMax - 2);
  CHECK(t.FirstMissing() == kMax - 1);
  CHECK(t.Add(kMax - 1));
  CHECK(t.contiguous() == kMax);
  CHECK_FALSE(t.FirstMissing().has_value());
  CHECK_FALSE(t.Add(kMax));
  CHECK_FALSE(t.Add(1));
  t.CoverThrough(kMax);
  CHECK(t.contiguous() == kMax);
}

}  // namespace
}  // namespace crdtdb::sync
