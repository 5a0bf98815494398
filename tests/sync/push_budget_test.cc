// Copyright (c) crdtdb authors.
//
// Pushes of anti-entropy stay within one message, whatever the size of the documents.

#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "sync/anti_entropy.h"
#include "sync/messages.h"
#include "sync/responder.h"
#include "tests/sync/fake_replica.h"

namespace crdtdb::sync {
namespace {

using testing::FakeReplica;

// Keys of "docs/N" that hash to the same Merkle bucket as "docs/0".
std::vector<std::string> KeysInOneBucket(size_t n) {
  std::vector<std::string> keys{"docs/0"};
  const uint32_t bucket = merkle::BucketOf(keys[0]);
  for (uint64_t i = 1; keys.size() < n; ++i) {
    std::string key = "docs/" + std::to_string(i);
    if (merkle::BucketOf(key) == bucket) keys.push_back(std::move(key));
  }
  return keys;
}

// Runs one round of `local` against `peer` and returns the encoded size of every push.
std::vector<size_t> PushSizes(FakeReplica& local, FakeReplica& peer, AntiEntropySession& session) {
  std::vector<Body> pending{session.Start()};
  std::vector<size_t> push_bytes;
  for (int steps = 0; !pending.empty() && steps < 100; ++steps) {
    Body request = std::move(pending.front());
    pending.erase(pending.begin());
    if (std::holds_alternative<Documents>(request)) {
      push_bytes.push_back(Encode(Message{local.replica_id(), std::move(request)}).size());
      continue;
    }
    Result<std::optional<Body>> answer = AnswerRequest(peer, request);
    REQUIRE(answer.ok());
    REQUIRE(answer->has_value());
    session.OnResponse(**answer, &pending);
  }
  return push_bytes;
}

// A state may be up to kMaxEncodedBytes (16 MiB), so a few large differing documents in one push
// would exceed kMaxMessageBytes and be refused by the receiver at every round; for an offline-first
// client, whose pushes are the only way its writes reach the region, that would be final.
TEST_CASE("pushed documents are split so that every push fits in one message") {
  FakeReplica local(1), peer(2);
  SUBCASE("three states of 12 MiB in one bucket") {
    for (const std::string& key : KeysInOneBucket(3)) {
      local.AddDocument(key, std::string(size_t{12} << 20, 's'));
    }
  }
  SUBCASE("eight states of 4.5 MiB (documents near kMaxJsonBytes) in one leaf answer") {
    for (int i = 1; i <= 8; ++i) {
      local.AddDocument("docs/" + std::to_string(i), std::string(size_t{9} << 19, 's'));
    }
  }
  AntiEntropySession session(local, 1);
  const std::vector<size_t> push_bytes = PushSizes(local, peer, session);
  REQUIRE_FALSE(push_bytes.empty());
  for (size_t bytes : push_bytes) CHECK(bytes <= kMaxMessageBytes);
}

}  // namespace
}  // namespace crdtdb::sync
