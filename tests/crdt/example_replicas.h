// Copyright (c) crdtdb authors.
//
// Replicas of one document for the worked examples (semantics_test.cc, list_test.cc): plain
// Documents that exchange the deltas the mutators return.

#ifndef CRDTDB_TESTS_CRDT_EXAMPLE_REPLICAS_H_
#define CRDTDB_TESTS_CRDT_EXAMPLE_REPLICAS_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "crdt/codec.h"
#include "crdt/document.h"
#include "crdt/hlc.h"
#include "crdt/materialize.h"
#include "crdt/mutators.h"

namespace crdtdb::testing {

inline crdt::Json J(std::string_view text) { return crdt::Json::parse(text); }

// One replica of one document: its state and every delta it made, in order.
struct Replica {
  crdt::ReplicaId id;
  crdt::Document doc{};
  std::vector<crdt::Document> made{};
  crdt::Timestamp clock = 100;  // for Now()

  crdt::WriteStamp At(crdt::Timestamp ts) const { return crdt::WriteStamp{id, ts}; }
  crdt::WriteStamp Now() { return crdt::WriteStamp{id, ++clock}; }

  // Joins a delta made here into the local state and keeps it for shipping.
  void Commit(Result<crdt::Document> delta) {
    REQUIRE_MESSAGE(delta.ok(), delta.status().ToString());
    doc.ApplyDelta(*delta);
    made.push_back(std::move(delta).value());
  }
  void Commit(crdt::Document delta) { Commit(Result<crdt::Document>(std::move(delta))); }

  // Receives every delta `from` made so far (re-delivery is harmless: joins are idempotent).
  void Receive(const Replica& from) {
    for (const crdt::Document& d : from.made) doc.ApplyDelta(d);
  }
};

// Starts every replica from `json`: put by the first at timestamp 10 and received by the others.
inline void StartFrom(const char* json, std::initializer_list<Replica*> replicas) {
  Replica* writer = *replicas.begin();
  writer->Commit(crdt::PutDelta(writer->doc, J(json), writer->At(10)));
  for (Replica* r : replicas) {
    if (r != writer) r->Receive(*writer);
  }
}

// Delivers every delta to every replica, in a different order on each, so that the final states
// are equal only if the join really is order-independent.
inline void ExchangeAll(std::initializer_list<Replica*> replicas) {
  std::vector<Replica*> all(replicas);
  for (size_t i = 0; i < all.size(); ++i) {
    for (size_t k = 0; k < all.size(); ++k) {
      Replica* from = all[(i + all.size() - k) % all.size()];  // reverse rotation per receiver
      if (from != all[i]) all[i]->Receive(*from);
    }
  }
}

// All replicas hold equal states with equal canonical bytes, which decode back to the state.
inline void CheckConverged(std::initializer_list<const Replica*> replicas) {
  const Replica* first = *replicas.begin();
  const std::string bytes = crdt::EncodeDocument(first->doc);
  for (const Replica* r : replicas) {
    CHECK(r->doc == first->doc);
    CHECK(crdt::EncodeDocument(r->doc) == bytes);
  }
  Result<crdt::Document> decoded = crdt::DecodeDocument(bytes);
  REQUIRE_MESSAGE(decoded.ok(), decoded.status().ToString());
  CHECK(*decoded == first->doc);
  CHECK(crdt::ToJson(*decoded) == crdt::ToJson(first->doc));
}

}  // namespace crdtdb::testing

#endif  // CRDTDB_TESTS_CRDT_EXAMPLE_REPLICAS_H_
