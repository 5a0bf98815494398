// Copyright (c) crdtdb authors.
//
// Seeded random documents, operations and replica systems for the property tests. Names and
// values come from small pools so that random operations collide on the same fields, and of
// different kinds, as concurrent users do.

#ifndef CRDTDB_TESTS_CRDT_RANDOM_OPS_H_
#define CRDTDB_TESTS_CRDT_RANDOM_OPS_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "crdt/document.h"
#include "crdt/hlc.h"
#include "crdt/list_mutators.h"
#include "crdt/materialize.h"
#include "crdt/mutators.h"

namespace crdtdb::testing {

using crdt::Document;
using crdt::FieldPath;
using crdt::Json;

// One user operation, kept so a test can check the result against a model of it.
struct Op {
  enum Kind {
    kPut, kPatch, kSetField, kRemoveField, kIncrement, kSetAdd, kSetRemove, kDelete,
    kListInsert, kListRemove, kListReplace,  // `by` picks the index among the list's elements
  };
  static constexpr int kKinds = 11;
  Kind kind = kPut;
  Json value;       // put document, patch, field value or set element
  FieldPath path;   // for field operations
  int64_t by = 0;   // for increments; for list operations, picks the index
};

class RandomOps {
 public:
  explicit RandomOps(uint64_t seed) : rng_(seed) {}

  std::mt19937_64& rng() { return rng_; }
  uint64_t Uniform(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }
  bool Chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  std::string Name() {
    static const char* kNames[] = {"a", "b", "c", "d", "title", "n/x", "~"};
    return kNames[Uniform(std::size(kNames))];
  }

  Json Scalar() {
    switch (Uniform(6)) {
      case 0: return nullptr;
      case 1: return Chance(0.5);
      case 2: return static_cast<int64_t>(Uniform(200)) - 100;
      case 3: return static_cast<double>(Uniform(1000)) / 8.0;
      case 4: return std::string(1 + Uniform(3), static_cast<char>('p' + Uniform(3)));
      default: return "ü✓";
    }
  }

  Json Value(int depth) {
    const uint64_t pick = Uniform(depth > 0 ? 10 : 7);
    if (pick < 6) return Scalar();
    if (pick == 6) {
      Json array = Json::array();
      for (uint64_t i = Uniform(3); i > 0; --i) array.push_back(depth > 0 && Chance(0.2) ? Object(depth - 1) : Scalar());
      return array;
    }
    return Object(depth - 1);
  }

  Json Object(int depth, bool allow_nulls = false) {
    Json object = Json::object();
    for (uint64_t i = Uniform(4); i > 0; --i) {
      object[Name()] = allow_nulls && Chance(0.25) ? Json(nullptr) : Value(depth);
    }
    return object;
  }

  Json Patch(int depth) {
    Json patch = Json::object();
    for (uint64_t i = 1 + Uniform(3); i > 0; --i) {
      const uint64_t pick = Uniform(4);
      patch[Name()] = pick == 0 ? Json(nullptr) : pick == 1 && depth > 0 ? Patch(depth - 1) : Value(depth);
    }
    return patch;
  }

  FieldPath Path() {
    FieldPath path{Name()};
    while (path.size() < 3 && Chance(0.3)) path.push_back(Name());
    return path;
  }

  Op RandomOp() {
    Op op;
    op.kind = static_cast<Op::Kind>(Uniform(Op::kKinds));
    switch (op.kind) {
      case Op::kPut: op.value = Object(2); break;
      case Op::kPatch: op.value = Patch(2); break;
      case Op::kSetField: op.path = Path(); op.value = Value(1); break;
      case Op::kRemoveField: op.path = Path(); break;
      case Op::kIncrement: op.path = Path(); op.by = static_cast<int64_t>(Uniform(21)) - 10; break;
      case Op::kSetAdd:
      case Op::kSetRemove: op.path = Path(); op.value = Scalar(); break;
      case Op::kDelete: break;
      case Op::kListInsert:
        op.path = Path();
        op.by = static_cast<int64_t>(Uniform(1000));
        op.value = Json::array();
        for (uint64_t i = 1 + Uniform(3); i > 0; --i) op.value.push_back(Chance(0.8) ? Scalar() : Value(1));
        break;
      case Op::kListRemove: op.path = Path(); op.by = static_cast<int64_t>(Uniform(1000)); break;
      case Op::kListReplace: op.path = Path(); op.by = static_cast<int64_t>(Uniform(1000)); op.value = Value(1); break;
    }
    return op;
  }

 private:
  std::mt19937_64 rng_;
};

// The index `op.by` picks in the list at `op.path` of `x` holding `size` elements (+ `extra`).
inline size_t ListIndex(const Document& x, const Op& op, size_t extra) {
  Result<std::vector<crdt::Dot>> ids = crdt::ListElementIds(x, op.path);
  const size_t size = (ids.ok() ? ids->size() : 0) + extra;
  return size == 0 ? 0 : static_cast<size_t>(op.by) % size;
}

// The delta of `op` against `x`, or an error for ops the state does not allow (wrong kind).
inline Result<Document> DeltaOf(const Document& x, const Op& op, crdt::WriteStamp stamp) {
  switch (op.kind) {
    case Op::kPut: return crdt::PutDelta(x, op.value, stamp);
    case Op::kPatch: return crdt::PatchDelta(x, op.value, stamp);
    case Op::kSetField: return crdt::SetFieldDelta(x, op.path, op.value, stamp);
    case Op::kRemoveField: return crdt::RemoveFieldDelta(x, op.path);
    case Op::kIncrement: return crdt::IncrementDelta(x, op.path, op.by, stamp);
    case Op::kSetAdd: return crdt::SetAddDelta(x, op.path, op.value, stamp);
    case Op::kSetRemove: return crdt::SetRemoveDelta(x, op.path, op.value);
    case Op::kDelete: return crdt::DeleteDelta(x);
    case Op::kListInsert: return crdt::ListInsertDelta(x, op.path, ListIndex(x, op, 1), op.value, stamp);
    case Op::kListRemove: return crdt::ListRemoveDelta(x, op.path, ListIndex(x, op, 0), 1);
    case Op::kListReplace: return crdt::ListReplaceDelta(x, op.path, ListIndex(x, op, 0), op.value, stamp);
  }
  return Status::Internal("unknown op");
}

// A replica of one document: its id, state and clock.
struct Replica {
  crdt::ReplicaId id = 0;
  Document doc;
  crdt::HybridClock clock;
  uint64_t physical_ms = 1'700'000'000'000;  // skewed per replica by the tests

  // Applies a random op locally; returns its delta (bottom when the op was rejected or a no-op).
  Document Write(RandomOps& random) {
    physical_ms += random.Uniform(3);  // clocks advance unevenly, sometimes not at all
    const Op op = random.RandomOp();
    Result<Document> delta = DeltaOf(doc, op, crdt::WriteStamp{id, clock.Now(physical_ms)});
    if (!delta.ok()) return Document();
    doc.ApplyDelta(*delta);
    return std::move(delta).value();
  }
};

// A delta on its way to replica `to`.
struct InFlight {
  size_t to;
  Document delta;
};

// Delivers one message of `network`, picked at random (so messages are reordered), to its replica,
// checking that joining a delta by its mentions (ApplyDelta) gives the full join, in any state.
inline void DeliverOne(RandomOps& random, std::vector<InFlight>& network, std::vector<Replica>& replicas) {
  const size_t k = random.Uniform(network.size());
  InFlight message = std::move(network[k]);
  network[k] = std::move(network.back());
  network.pop_back();
  Document joined = replicas[message.to].doc;
  joined.Join(message.delta);
  replicas[message.to].doc.ApplyDelta(message.delta);
  CHECK(joined == replicas[message.to].doc);
}

// A system of replicas that wrote concurrently and exchanged some of their deltas: its states are
// the reachable states the lattice laws are checked on.
inline std::vector<Replica> RandomSystem(RandomOps& random, size_t replicas, size_t writes) {
  std::vector<Replica> system(replicas);
  for (size_t i = 0; i < replicas; ++i) {
    system[i].id = 1 + random.Uniform(1000) * 1000 + i;  // distinct, unordered relative to i
    system[i].physical_ms += random.Uniform(50);
  }
  std::vector<Document> deltas;
  for (size_t w = 0; w < writes; ++w) {
    Replica& writer = system[random.Uniform(replicas)];
    deltas.push_back(writer.Write(random));
    // Deliver a random earlier delta somewhere, in any order; some are never delivered.
    if (!deltas.empty() && random.Chance(0.6)) {
      system[random.Uniform(replicas)].doc.ApplyDelta(deltas[random.Uniform(deltas.size())]);
    }
  }
  return system;
}

}  // namespace crdtdb::testing

#endif  // CRDTDB_TESTS_CRDT_RANDOM_OPS_H_
