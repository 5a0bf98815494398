// Copyright (c) crdtdb authors.
//
// Work per message is bounded before it is done (docs/protocol.md, "Bounded work"): the bytes the
// calling thread allocates measure what a call reads and copies, so the bound is asserted on the
// work itself, not on time. Every document below is much larger than what the bounded path may
// touch, so a path that reads or copies whole documents once too often fails by a wide margin.

#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "crdt/codec.h"
#include "crdt/hlc.h"
#include "crdt/mutators.h"
#include "db/database_impl.h"
#include "nlohmann/json.hpp"
#include "tests/support/allocation_counter.h"
#include "tests/support/temp_dir.h"

namespace crdtdb::db {
namespace {

using testing::AllocatedSince;

constexpr size_t kMiB = size_t{1} << 20;

uint64_t FixedClock() { return 1'700'000'000'000; }

std::unique_ptr<DatabaseImpl> Open(const std::string& path, crdt::ReplicaId id) {
  store::StoreOptions options;
  options.path = path;
  options.new_replica_id = id;
  Result<std::unique_ptr<store::Store>> store = store::Store::Open(options);
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  return std::make_unique<DatabaseImpl>(std::move(store).value(), FixedClock);
}

std::string Blob(size_t bytes, int i) {
  return nlohmann::json{{"blob", std::string(bytes, static_cast<char>('a' + i % 26))}}.dump();
}

TEST_CASE("a batch of small deltas to one large document costs the deltas, not a copy of it each") {
  testing::TempDir dir;
  auto db = Open(dir.path() + "/a", 1);
  REQUIRE(db->put("c/big", Blob(kMiB, 0)).ok());
  Result<std::optional<std::string>> state = db->ReadState("c/big");
  REQUIRE(state.ok());
  crdt::Document origin = crdt::DecodeDocument(**state).value();
  // Replica 2, which holds the document too, patches one small field of it 200 times.
  constexpr int kDeltas = 200;
  std::vector<sync::RemoteUpdate> updates;
  for (int i = 0; i < kDeltas; ++i) {
    const crdt::WriteStamp stamp{2, crdt::MakeTimestamp(FixedClock() + 1 + static_cast<uint64_t>(i), 0)};
    crdt::Document delta = crdt::PatchDelta(origin, crdt::Json{{"n", i}}, stamp).value();
    origin.ApplyDelta(delta);
    updates.push_back(sync::RemoteUpdate{"c/big", std::move(delta), /*is_state=*/false});
  }

  AllocatedSince since;
  const sync::ApplyResult result = db->ApplyRemote(std::move(updates));
  const size_t allocated = since.bytes();
  REQUIRE(result.updates.size() == kDeltas);
  for (const Status& s : result.updates) CHECK(s.ok());
  MESSAGE("bytes allocated applying " << kDeltas << " small deltas to a 1 MiB document: " << allocated);
  // The document is read, decoded, copied once and encoded once per batch: a few MiB. A copy per
  // delta alone would be 200 MiB.
  CHECK(allocated < 16 * kMiB);
  CHECK(nlohmann::json::parse(db->get("c/big").value())["n"] == kDeltas - 1);
  CHECK(crdt::EncodeDocument(origin) == *db->ReadState("c/big").value());
}

}  // namespace
}  // namespace crdtdb::db
