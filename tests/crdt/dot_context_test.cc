// Copyright (c) crdtdb authors.

#include <doctest/doctest.h>

#include <random>
#include <set>

#include "crdt/ascending_dot_walk.h"
#include "crdt/dot_context.h"
#include "tests/support/seed.h"

namespace crdtdb::crdt {
namespace {

TEST_CASE("dots received in order compact into one range: a version vector") {
  DotContext c;
  for (uint64_t i = 1; i <= 5; ++i) c.Add({7, i});
  CHECK(c.range_count() == 1);
  CHECK(c.VersionVector() == std::map<ReplicaId, uint64_t>{{7, 5}});
  CHECK(c.MaxCounter(7) == 5);
  CHECK(c.MaxCounter(8) == 0);
}

TEST_CASE("a gap keeps a dot cloud until it is filled") {
  DotContext c;
  c.Add({1, 1});
  c.Add({1, 3});
  c.Add({1, 5});
  CHECK(c.range_count() == 3);
  CHECK(c.VersionVector() == std::map<ReplicaId, uint64_t>{{1, 1}});
  CHECK_FALSE(c.Contains({1, 2}));
  c.Add({1, 2});
  c.Add({1, 4});
  CHECK(c.range_count() == 1);
  CHECK(c.VersionVector() == std::map<ReplicaId, uint64_t>{{1, 5}});
}

TEST_CASE("a replica whose first dot is missing has no version vector entry") {
  DotContext c;
  c.AddRange(3, {4, 9});
  CHECK(c.VersionVector().empty());
  CHECK(c.Contains({3, 4}));
  CHECK(c.Contains({3, 9}));
  CHECK_FALSE(c.Contains({3, 10}));
}

TEST_CASE("contexts behave as sets of dots under random adds and joins") {
  for (uint64_t seed : testing::PropertySeeds(500)) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    DotContext a, b;
    std::set<Dot> ma, mb;
    auto add = [&](DotContext& c, std::set<Dot>& model) {
      const Dot d{1 + rng() % 3, 1 + rng() % 40};
      if (rng() % 4 == 0) {
        const uint64_t len = rng() % 5;
        c.AddRange(d.replica, {d.counter, d.counter + len});
        for (uint64_t k = 0; k <= len; ++k) model.insert({d.replica, d.counter + k});
      } else {
        c.Add(d);
        model.insert(d);
      }
    };
    for (int i = 0; i < 40; ++i) add(a, ma);
    for (int i = 0; i < 40; ++i) add(b, mb);
    DotContext ab = a, ba = b;
    ab.Join(b);
    ba.Join(a);
    CHECK(ab == ba);
    std::set<Dot> all = ma;
    all.insert(mb.begin(), mb.end());
    for (ReplicaId r = 1; r <= 3; ++r) {
      for (uint64_t k = 1; k <= 50; ++k) CHECK(ab.Contains({r, k}) == (all.count({r, k}) == 1));
    }
    // Normal form: ranges are sorted, disjoint and never adjacent.
    for (const auto& [replica, list] : ab.ranges()) {
      for (size_t i = 1; i < list.size(); ++i) CHECK(list[i - 1].last + 1 < list[i].first);
    }
    DotContext again = ab;
    again.Join(ab);
    CHECK(again == ab);
  }
}

TEST_CASE("a walk asking dots in ascending order answers as Contains does") {
  for (uint64_t seed : testing::PropertySeeds(200)) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    DotContext c;
    for (int i = 0, n = static_cast<int>(rng() % 30); i < n; ++i) {
      const uint64_t first = 1 + rng() % 60;
      c.AddRange(2 + 2 * (rng() % 3), {first, first + rng() % 4});  // replicas 2, 4, 6
    }
    // Ascending dots of replicas 1 to 7 (some absent from the context), skipping some counters,
    // sometimes asking one dot twice.
    AscendingDotWalk walk(c);
    for (ReplicaId r = 1; r <= 7; ++r) {
      for (uint64_t k = 1; k <= 70; k += 1 + rng() % 3) {
        CHECK(walk.Contains({r, k}) == c.Contains({r, k}));
        if (rng() % 5 == 0) CHECK(walk.Contains({r, k}) == c.Contains({r, k}));
      }
    }
  }
}

}  // namespace
}  // namespace crdtdb::crdt
