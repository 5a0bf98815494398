// Copyright (c) crdtdb authors.
//
// Strong eventual consistency of the document CRDT: replicas that write concurrently and receive
// each other's deltas in any order, duplicated, or not at all (then repaired by a full-state
// exchange, as anti-entropy does) end byte-identical with identical JSON.

#include <doctest/doctest.h>

#include <algorithm>

#include "crdt/codec.h"
#include "crdt/digest.h"
#include "crdt/materialize.h"
#include "tests/support/seed.h"
#include "tests/crdt/random_ops.h"

namespace crdtdb::testing {
namespace {

void CheckConverged(const std::vector<Replica>& replicas) {
  const std::string bytes = crdt::EncodeDocument(replicas[0].doc);
  const Json json = crdt::ToJson(replicas[0].doc);
  for (const Replica& r : replicas) {
    CHECK(crdt::EncodeDocument(r.doc) == bytes);
    CHECK(crdt::ToJson(r.doc) == json);
    CHECK(crdt::Conflicts(r.doc) == crdt::Conflicts(replicas[0].doc));
  }
}

// Runs `writes` random writes on `n` replicas; every delta is sent to every other replica through
// a network that delays (reorders), duplicates and, with `loss`, drops messages. Returns the
// replicas after the network drained, and the join of every delta written.
std::vector<Replica> Simulate(RandomOps& random, size_t n, size_t writes, double loss,
                              Document* join_of_all) {
  std::vector<Replica> replicas(n);
  for (size_t i = 0; i < n; ++i) {
    replicas[i].id = 100 + random.Uniform(1u << 20) * 16 + i;
    replicas[i].physical_ms += random.Uniform(100);  // clock skew
  }
  std::vector<InFlight> network;
  for (size_t w = 0; w < writes; ++w) {
    const size_t writer = random.Uniform(n);
    Document delta = replicas[writer].Write(random);
    join_of_all->Join(delta);
    for (size_t to = 0; to < n; ++to) {
      if (to == writer) continue;
      if (random.Chance(loss)) continue;
      network.push_back({to, delta});
      if (random.Chance(0.1)) network.push_back({to, delta});  // duplicate
    }
    while (!network.empty() && random.Chance(0.5)) DeliverOne(random, network, replicas);
  }
  while (!network.empty()) DeliverOne(random, network, replicas);
  return replicas;
}

TEST_CASE("replicas converge when every delta arrives, in any order and duplicated") {
  for (uint64_t seed : PropertySeeds(500)) {
    CAPTURE(seed);
    RandomOps random(seed);
    const size_t n = 2 + random.Uniform(4);
    Document join_of_all;
    std::vector<Replica> replicas = Simulate(random, n, 20 + random.Uniform(60), 0.0, &join_of_all);
    CheckConverged(replicas);
    join_of_all.Normalize();
    CHECK(replicas[0].doc == join_of_all);  // the final state is the join of everything written
  }
}

TEST_CASE("replicas converge after loss once full states are exchanged, in any order") {
  for (uint64_t seed : PropertySeeds(500)) {
    CAPTURE(seed);
    RandomOps random(seed);
    const size_t n = 2 + random.Uniform(4);
    Document join_of_all;
    std::vector<Replica> replicas = Simulate(random, n, 20 + random.Uniform(60), 0.3, &join_of_all);
    // Anti-entropy: random pairwise push-pull of full states until everyone has everything. A
    // ring of exchanges in random order, twice round, reaches every pair transitively.
    std::vector<size_t> order(n);
    for (size_t i = 0; i < n; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), random.rng());
    for (int round = 0; round < 2; ++round) {
      for (size_t i = 0; i < n; ++i) {
        Replica& a = replicas[order[i]];
        Replica& b = replicas[order[(i + 1) % n]];
        a.doc.Join(b.doc);
        b.doc.Join(a.doc);
      }
    }
    CheckConverged(replicas);
    join_of_all.Normalize();
    CHECK(replicas[0].doc == join_of_all);
    CHECK(crdt::DigestOf(crdt::EncodeDocument(replicas[0].doc)) ==
          crdt::DigestOf(crdt::EncodeDocument(replicas[n - 1].doc)));
  }
}

TEST_CASE("replicas that keep writing after a partition heals converge") {
  for (uint64_t seed : PropertySeeds(200)) {
    CAPTURE(seed);
    RandomOps random(seed);
    Document all;
    // Phase 1: lossy. Phase 2: heal by full states, then more writes with reliable delivery.
    std::vector<Replica> replicas = Simulate(random, 3, 40, 0.5, &all);
    for (Replica& a : replicas) {
      for (Replica& b : replicas) a.doc.Join(b.doc);
    }
    for (int w = 0; w < 30; ++w) {
      Replica& writer = replicas[random.Uniform(3)];
      Document delta = writer.Write(random);
      for (Replica& r : replicas) r.doc.ApplyDelta(delta);
    }
    CheckConverged(replicas);
  }
}

}  // namespace
}  // namespace crdtdb::testing
