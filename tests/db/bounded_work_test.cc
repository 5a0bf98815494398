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
#include "sync/messages.h"
#include "sync/partition_stream.h"
#include "sync/sync_engine.h"
#include "tests/db/open_database.h"
#include "tests/support/allocation_counter.h"
#include "tests/support/temp_dir.h"

namespace crdtdb::db {
namespace {

using testing::AllocatedSince;
using testing::FixedClock;
using testing::OpenDatabase;

constexpr size_t kKiB = size_t{1} << 10;
constexpr size_t kMiB = size_t{1} << 20;

std::string Blob(size_t bytes, int i) {
  return nlohmann::json{{"blob", std::string(bytes, static_cast<char>('a' + i % 26))}}.dump();
}

// `count` new documents of ~`bytes` each: the delta log holds each by reference to its state.
void WriteNewDocuments(DatabaseImpl& db, int count, size_t bytes) {
  for (int i = 0; i < count; ++i) REQUIRE(db.put("c/" + std::to_string(i), Blob(bytes, i)).ok());
}

size_t Bytes(const std::vector<sync::LoggedDelta>& deltas) {
  size_t n = 0;
  for (const sync::LoggedDelta& d : deltas) n += d.key.size() + d.delta.size();
  return n;
}

TEST_CASE("a log read with a byte budget reads no document past the one that passes it") {
  testing::TempDir dir;
  auto db = OpenDatabase(dir.path() + "/a", 1);
  WriteNewDocuments(*db, 128, 64 * kKiB);  // 8 MiB of states in the log, by reference

  AllocatedSince since;
  Result<std::vector<sync::LoggedDelta>> log =
      db->ReadLog(1, sync::kMaxDeltasPerMessage, 256 * kKiB);
  const size_t allocated = since.bytes();
  REQUIRE(log.ok());
  CHECK(log->size() == 3);  // a fourth state would pass 256 KiB
  CHECK(Bytes(*log) <= 256 * kKiB);
  MESSAGE("bytes allocated by a 256 KiB log read over 8 MiB of referenced states: " << allocated);
  // Four states read (the fourth passes the budget), each allocated a few times on its way
  // (LevelDB's block, the record, the state): well under 2 MiB, where reading every referenced
  // state is 8 MiB.
  CHECK(allocated < 2 * kMiB);

  // The first delta is returned whatever its size, so that a reader always makes progress.
  log = db->ReadLog(5, sync::kMaxDeltasPerMessage, 1);
  REQUIRE(log.ok());
  REQUIRE(log->size() == 1);
  CHECK(log->front().sequence == 5);
}

TEST_CASE("publishing reads the log within publish_bytes_max, not every document it refers to") {
  testing::TempDir dir;
  auto db = OpenDatabase(dir.path() + "/a", 1);
  sync::SyncOptions options;
  options.publish_bytes_max = 256 * kKiB;
  options.publish_batches_per_tick_max = 1;
  sync::SyncEngine engine(*db, {}, options);  // publishes what is written from now on
  WriteNewDocuments(*db, 128, 64 * kKiB);

  AllocatedSince since;
  engine.OnTick(FixedClock());
  const size_t allocated = since.bytes();
  size_t published = 0;
  for (const sync::Outgoing& o : engine.TakeOutgoing()) {
    const auto topic = sync::SplitTopic(o.bytes);  // published: a topic, then the message
    REQUIRE(topic.has_value());
    Result<sync::Message> m = sync::Decode(topic->second);
    REQUIRE(m.ok());
    if (const auto* batch = std::get_if<sync::DeltaBatch>(&m->body))
      published += batch->deltas.size();
  }
  CHECK(published == 3);
  MESSAGE(
      "bytes allocated by one publish of 256 KiB over 8 MiB of referenced states: " << allocated);
  // The read above, plus the batch's encoding and compression.
  CHECK(allocated < 3 * kMiB);
}

TEST_CASE("a batch of small deltas to one large document costs the deltas, not a copy of it each") {
  testing::TempDir dir;
  auto db = OpenDatabase(dir.path() + "/a", 1);
  REQUIRE(db->put("c/big", Blob(kMiB, 0)).ok());
  Result<std::optional<std::string>> state = db->ReadState("c/big");
  REQUIRE(state.ok());
  crdt::Document origin = crdt::DecodeDocument(**state).value();
  // Replica 2, which holds the document too, patches one small field of it 200 times.
  constexpr int kDeltas = 200;
  std::vector<sync::RemoteUpdate> updates;
  for (int i = 0; i < kDeltas; ++i) {
    const crdt::WriteStamp stamp{
        2, crdt::MakeTimestamp(FixedClock() + 1 + static_cast<uint64_t>(i), 0)};
    crdt::Document delta = crdt::PatchDelta(origin, crdt::Json{{"n", i}}, stamp).value();
    origin.ApplyDelta(delta);
    updates.push_back(sync::RemoteUpdate{"c/big", std::move(delta), /*is_state=*/false});
  }

  AllocatedSince since;
  const sync::ApplyResult result = db->ApplyRemote(std::move(updates));
  const size_t allocated = since.bytes();
  REQUIRE(result.updates.size() == kDeltas);
  for (const Status& s : result.updates) CHECK(s.ok());
  MESSAGE("bytes allocated applying " << kDeltas
                                      << " small deltas to a 1 MiB document: " << allocated);
  // The document is read, decoded, copied once and encoded once per batch: a few MiB. A copy per
  // delta alone would be 200 MiB.
  CHECK(allocated < 16 * kMiB);
  CHECK(nlohmann::json::parse(db->get("c/big").value())["n"] == kDeltas - 1);
  CHECK(crdt::EncodeDocument(origin) == *db->ReadState("c/big").value());
}

}  // namespace
}  // namespace crdtdb::db
