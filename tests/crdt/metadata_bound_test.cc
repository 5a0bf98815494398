// Copyright (c) crdtdb authors.
//
// Metadata stays bounded (issue 7): a document written over and over by many replicas keeps
// per-document metadata in O(replicas), not O(writes). The causal context holds one range of dots
// per replica (a write removes the values it observed, and a replica's dots stay contiguous), and
// a multi-value register holds at most one value per replica that wrote concurrently.

#include <cstdint>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "crdt/codec.h"
#include "crdt/document.h"
#include "crdt/mutators.h"

namespace crdtdb::crdt {
namespace {

constexpr uint64_t kReplicas = 1000;

// Every replica writes the same field of the same document, `rounds` times each. In a sequential
// round each write sees the one before; in a concurrent round every replica writes from the same
// state and the results are merged afterwards.
size_t EncodedSizeAfter(uint64_t rounds, bool concurrent) {
  Document doc;
  Timestamp clock = 1'800'000'000'000;
  for (uint64_t round = 0; round < rounds; ++round) {
    const Document base = doc;
    for (ReplicaId r = 1; r <= kReplicas; ++r) {
      const Json value = {{"v", round * kReplicas + r}, {"by", r}};
      Result<Document> delta = PutDelta(concurrent ? base : doc, value, WriteStamp{r, ++clock});
      REQUIRE(delta.ok());
      doc.Join(*delta);
    }
  }
  return EncodeDocument(doc).size();
}

TEST_CASE("a thousand replicas writing one field keep metadata in O(replicas), not O(writes)") {
  const size_t one_round = EncodedSizeAfter(1, false);
  const size_t ten_rounds = EncodedSizeAfter(10, false);
  MESSAGE("sequential writes by 1,000 replicas: " << one_round << " bytes after 1,000 writes, "
                                                  << ten_rounds << " after 10,000");
  // 10x the writes, about the same size: only the counters in the context grow (a few bytes).
  CHECK(ten_rounds < one_round + one_round / 4);
  CHECK(ten_rounds / kReplicas < 64);  // bytes per replica

  const size_t concurrent_one = EncodedSizeAfter(1, true);
  const size_t concurrent_ten = EncodedSizeAfter(10, true);
  MESSAGE("concurrent rounds of 1,000 replicas: " << concurrent_one << " bytes after one, "
                                                  << concurrent_ten << " after 10");
  // Each concurrent round leaves one value per replica, and the next round replaces them all.
  CHECK(concurrent_ten < concurrent_one + concurrent_one / 4);
}

}  // namespace
}  // namespace crdtdb::crdt
