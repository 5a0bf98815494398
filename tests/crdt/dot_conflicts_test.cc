// Copyright (c) crdtdb authors.
//
// FindDotConflicts, the check that refuses an update reusing a dot for another payload: it must
// not refuse the honest re-delivery of a text's insert once the character is deleted here.

#include <doctest/doctest.h>

#include "crdt/codec.h"
#include "crdt/dot_conflicts.h"
#include "crdt/mutators.h"
#include "crdt/text_mutators.h"
#include "tests/crdt/example_replicas.h"

namespace crdt = crdtdb::crdt;

namespace {

using crdtdb::Result;
using crdtdb::testing::J;
using crdtdb::testing::Replica;

// Found by the list workload of the simulated network (tests/sim/list_sim_test.cc): a duplicated
// or repaired insert delta arriving after the delete was refused as "a reused or forged dot",
// since the stored state keeps no character for a deleted anchor and the delta does.
TEST_CASE("an insert of a text character re-delivered after its delete is no dot conflict") {
  Replica a{1};
  a.Commit(crdt::PutDelta(a.doc, J(R"({"body": {"$text": "abc"}})"), a.Now()));
  const crdt::Document insert = a.made.back();
  a.Commit(crdt::TextSpliceDelta(a.doc, {"body"}, 1, 1, "", a.Now()));
  // As the store holds it: encoded and decoded.
  Result<crdt::Document> stored = crdt::DecodeDocument(crdt::EncodeDocument(a.doc));
  REQUIRE(stored.ok());
  CHECK(crdt::FindDotConflicts(a.doc, insert).count == 0);
  CHECK(crdt::FindDotConflicts(*stored, insert).count == 0);
  CHECK(crdt::FindDotConflicts(insert, *stored).count == 0);
}

TEST_CASE("a text character reused with another character or place is a dot conflict") {
  Replica a{1};
  a.Commit(crdt::PutDelta(a.doc, J(R"({"body": {"$text": "abc"}})"), a.Now()));
  Replica forger{1};
  forger.Commit(crdt::PutDelta(forger.doc, J(R"({"body": {"$text": "xbc"}})"), a.At(101)));
  CHECK(crdt::FindDotConflicts(a.doc, forger.made.back()).count == 1);
}

}  // namespace
