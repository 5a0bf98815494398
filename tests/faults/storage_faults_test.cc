// Copyright (c) crdtdb authors.
//
// Storage faults injected under a replica's store (tests/support/fault_env.h): power loss, a full
// disk, failing fsyncs, and flipped bytes in the files of a stopped replica. The invariants are
// those of docs/operations.md ("Durability", "Checking and recovering a replica"):
//   - with fsync durability no acknowledged write is lost by a power loss;
//   - with buffered durability a power loss keeps a prefix of the writes: the replica reopens as it
//     was after some earlier write, consistent (`verify` clean);
//   - a write that hits a failing disk is not acknowledged; the replica then reports itself
//     unhealthy and refuses writes with a clear error until reopened, and loses nothing it had
//     acknowledged;
//   - a flipped byte is never served as data: the store refuses to open, or a read returns an error,
//     or the byte was in a place that holds no data and every read is right;
//   - secondary indexes never fall out of step with the documents (issue 20): their entries are in
//     each write's batch, so after any of these faults `verify` finds them matching and a query
//     through an index answers what the documents hold.
// Seeds are fixed; CRDTDB_SEED varies them (tests/support/seed.h).

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "crdt/codec.h"
#include "db/database_impl.h"
#include "store/store.h"
#include "tests/db/index_wait.h"
#include "tests/support/fault_env.h"
#include "tests/support/seed.h"
#include "tests/support/temp_dir.h"

namespace crdtdb {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::FaultEnv;

uint64_t clock_ms = 1'800'000'000'000;
uint64_t FakeClock() { return ++clock_ms; }

enum class Durability { kBuffered, kSync };

// The test's fixed seed, or CRDTDB_SEED's.
uint64_t Seed(uint64_t fixed) { return testing::PropertySeeds(1).front() ^ fixed; }

// The machine the stores live on: its disk (a FaultEnv) and its current boot.
struct Machine {
  FaultEnv env;
  int boot = 1;

  // Power loss while `db` runs, and a reboot: the disk takes nothing more (the database's
  // destructor finds it gone), loses what was not synced, and stores opened next see another boot.
  template <typename Db>
  void PowerLoss(std::unique_ptr<Db>& db) {
    env.Freeze();
    db.reset();
    REQUIRE(env.DropUnsyncedData().ok());
    env.Thaw();
    ++boot;
  }
};

Result<std::unique_ptr<db::DatabaseImpl>> TryOpen(const std::string& path, Machine* machine, Durability d) {
  store::StoreOptions options;
  options.path = path;
  if (machine != nullptr) {
    options.env = &machine->env;
    options.boot_id = "boot-" + std::to_string(machine->boot);
  }
  options.sync_writes = d == Durability::kSync;
  Result<std::unique_ptr<store::Store>> store = store::Store::Open(options);
  if (!store.ok()) return store.status();
  return std::make_unique<db::DatabaseImpl>(std::move(store).value(), FakeClock);
}

std::unique_ptr<db::DatabaseImpl> Open(const std::string& path, Machine* machine, Durability d) {
  Result<std::unique_ptr<db::DatabaseImpl>> db = TryOpen(path, machine, d);
  REQUIRE_MESSAGE(db.ok(), db.status().ToString());
  return std::move(db).value();
}

// Documents as the test expects them: key -> JSON text of get (absent: not found).
using Model = std::map<std::string, std::string>;

// One random write (put, patch, increment or delete of one of `keys` documents), applied to the
// database; on success also to `model`. Returns the database's answer.
Status RandomWrite(Database& db, Model& model, std::mt19937_64& rng, int keys) {
  const std::string key = "faults/" + std::to_string(rng() % keys);
  const uint64_t v = rng() % 1000;
  const uint64_t kind = rng() % 8;
  if (kind == 0) {
    const Status s = db.remove(key);
    if (s.ok()) model.erase(key);
    return s.IsNotFound() ? Status::OK() : s;
  }
  Result<std::string> r =
      kind == 1   ? db.increment(key, "n", static_cast<int64_t>(v))
      : kind <= 3 ? db.patch(key, json{{"p" + std::to_string(v % 4), v}}.dump())
                  : db.put(key, json{{"v", v}, {"text", std::string(v % 300, 'x')}}.dump());
  if (r.ok()) model[key] = *r;
  return r.status();
}

// Every document of the model reads back exactly, and nothing else exists in its collection.
void CheckMatches(Database& db, const Model& model, const std::string& when) {
  INFO(when);
  for (const auto& [key, expected] : model) {
    Result<std::string> got = db.get(key);
    REQUIRE_MESSAGE(got.ok(), key << ": " << got.status().ToString());
    CHECK_MESSAGE(*got == expected, key);
  }
  ListOptions options;
  options.limit = kMaxListPage;
  Result<ListPage> page = db.list("faults", options);
  REQUIRE_MESSAGE(page.ok(), page.status().ToString());
  CHECK(page->documents.size() == model.size());
}

// The indexed fields: RandomWrite's put writes `v`, its patches `p0`..`p3`.
const char* const kIndexedFields[] = {"v", "p1"};

void CreateIndexes(Database& db) {
  for (const char* field : kIndexedFields) REQUIRE(db.create_index("faults", field).ok());
  testing::WaitForIndexes(db);
}

// `verify` checks every index entry against the documents (and the documents, the Merkle tree and
// the change log); then a range query through each index answers exactly the model's documents
// holding the field.
void CheckVerifies(Database& db, const Model& model) {
  Result<VerifyReport> report = db.verify();
  REQUIRE_MESSAGE(report.ok(), report.status().ToString());
  CHECK_MESSAGE(report->problems.empty(), json(report->problems).dump());
  testing::WaitForIndexes(db);
  for (const std::string field : kIndexedFields) {
    INFO(field);
    std::vector<std::string> expected;
    for (const auto& [key, text] : model) {
      if (json::parse(text).contains(field)) expected.push_back(key.substr(key.find('/') + 1));
    }
    const json query = {{"selector", {{field, {{"$gte", 0}}}}}, {"limit", 1000}};
    Result<FindPage> page = db.find("faults", query.dump());
    REQUIRE_MESSAGE(page.ok(), page.status().ToString());
    CHECK(page->plan.index == field);
    std::vector<std::string> found;
    for (const ListedDocument& d : page->documents) found.push_back(d.id);
    CHECK(found == expected);
  }
}

TEST_CASE("power loss with fsync durability loses no acknowledged write") {
  testing::TempDir dir;
  Machine machine;
  std::mt19937_64 rng(Seed(0x706f776572ull));
  Model model;
  for (int round = 0; round < 8; ++round) {
    auto db = Open(dir.path(), &machine, Durability::kSync);
    if (round == 0) CreateIndexes(*db);
    const int writes = 20 + static_cast<int>(rng() % 200);
    for (int i = 0; i < writes; ++i) REQUIRE(RandomWrite(*db, model, rng, 50).ok());
    machine.PowerLoss(db);
    db = Open(dir.path(), &machine, Durability::kSync);
    CheckMatches(*db, model, "after power loss " + std::to_string(round));
    CheckVerifies(*db, model);
  }
}

// What the replica holds of `keys` documents, read back with get.
Model ReadAll(Database& db, int keys) {
  Model found;
  for (int k = 0; k < keys; ++k) {
    const std::string key = "faults/" + std::to_string(k);
    Result<std::string> got = db.get(key);
    if (got.ok()) found[key] = *got;
    if (!got.ok()) REQUIRE_MESSAGE(got.status().IsNotFound(), got.status().ToString());
  }
  return found;
}

TEST_CASE("power loss with buffered durability keeps a consistent prefix of the writes, in a new epoch") {
  testing::TempDir dir;
  Machine machine;
  std::mt19937_64 rng(Seed(0x6275666665ull));
  constexpr int kKeys = 50;
  Model model;  // what the replica holds at the start of a round
  uint64_t written = 0, lost = 0;
  {  // The definitions are synced, so that every power loss below finds them.
    auto db = Open(dir.path(), &machine, Durability::kSync);
    CreateIndexes(*db);
  }
  for (int round = 1; round <= 8; ++round) {
    // The states after each write of this round, as the list of (key, value or deleted).
    std::vector<std::pair<std::string, std::optional<std::string>>> changes;
    auto db = Open(dir.path(), &machine, Durability::kBuffered);
    {
      Model current = model;
      // Sometimes past a memtable flush (4 MiB), which syncs what came before it.
      const int writes = 50 + static_cast<int>(rng() % 12000);
      for (int i = 0; i < writes; ++i) {
        Model next = current;
        REQUIRE(RandomWrite(*db, next, rng, kKeys).ok());
        for (int k = 0; k < kKeys; ++k) {
          const std::string key = "faults/" + std::to_string(k);
          const auto before = current.find(key), after = next.find(key);
          const std::optional<std::string> value =
              after == next.end() ? std::nullopt : std::optional<std::string>(after->second);
          if ((before == current.end()) != !value || (value && before->second != *value)) changes.push_back({key, value});
        }
        current = std::move(next);
      }
    }
    machine.PowerLoss(db);
    db = Open(dir.path(), &machine, Durability::kBuffered);
    CHECK(db->status().last_sequence >= (uint64_t{static_cast<uint64_t>(round)} << store::kEpochShift));
    // The replica holds the state after some prefix of the round's changes.
    const Model found = ReadAll(*db, kKeys);
    std::optional<size_t> prefix = found == model ? std::optional<size_t>(0) : std::nullopt;
    for (size_t i = 0; i < changes.size(); ++i) {
      const auto& [key, value] = changes[i];
      if (value) model[key] = *value;
      if (!value) model.erase(key);
      if (found == model) prefix = i + 1;
    }
    REQUIRE_MESSAGE(prefix.has_value(), "round " << round << ": not the state after any prefix of the writes");
    written += changes.size();
    lost += changes.size() - *prefix;
    model = found;
    CheckMatches(*db, model, "after power loss " + std::to_string(round));
    CheckVerifies(*db, model);
  }
  MESSAGE("buffered durability: " << lost << " of " << written << " document changes lost to 8 power losses");
}

// A failing disk during writes, in both durability modes: `fail` arms the fault after `after`
// more operations.
void CheckFailingDisk(Durability durability, void (FaultEnv::*fail)(int64_t), const char* what) {
  INFO(what);
  testing::TempDir dir;
  Machine machine;
  std::mt19937_64 rng(Seed(0x6469736bull));
  Model acknowledged;
  constexpr int kKeys = 30;
  for (int round = 0; round < 6; ++round) {
    auto db = Open(dir.path(), &machine, durability);
    REQUIRE(db->status().healthy);
    if (round == 0) CreateIndexes(*db);
    (machine.env.*fail)(static_cast<int64_t>(rng() % 40));
    std::optional<Status> failure;
    for (int i = 0; i < 400 && !failure; ++i) {
      Model next = acknowledged;
      const Status s = RandomWrite(*db, next, rng, kKeys);
      if (s.ok()) {
        acknowledged = std::move(next);
      } else {
        failure = s;
      }
    }
    machine.env.Heal();  // the disk is fine again, but the replica must not trust LevelDB's state
    if (!failure) continue;  // the fault hit only LevelDB's background work: nothing to check
    CHECK_MESSAGE(failure->IsIOError(), failure->ToString());
    const LocalStatus status = db->status();
    CHECK_FALSE(status.healthy);
    CHECK(!status.last_error.empty());
    const Status refused = db->put("faults/after", R"({"x": 1})").status();
    CHECK_FALSE(refused.ok());
    CHECK_MESSAGE(refused.ToString().find("refuses writes") != std::string::npos, refused.ToString());
    for (const auto& [key, expected] : acknowledged) {  // reads still work
      Result<std::string> got = db->get(key);
      REQUIRE(got.ok());
      CHECK(*got == expected);
    }
    db.reset();
    // Reopened: healthy, every acknowledged write there. The failed write was not acknowledged;
    // it may or may not have reached the disk (a document it created, changed or deleted), so at
    // most its one document differs from the acknowledged writes, and it is taken from the store.
    db = Open(dir.path(), &machine, durability);
    CHECK(db->status().healthy);
    const Model found = ReadAll(*db, kKeys);
    size_t differing = 0;
    for (int k = 0; k < kKeys; ++k) {
      const std::string key = "faults/" + std::to_string(k);
      const auto was = acknowledged.find(key);
      const auto is = found.find(key);
      const bool same = (was == acknowledged.end()) == (is == found.end()) &&
                        (was == acknowledged.end() || was->second == is->second);
      if (!same) ++differing;
    }
    CHECK(differing <= 1);
    acknowledged = found;
    CheckVerifies(*db, acknowledged);
  }
}

TEST_CASE("a full disk or a failing fsync: not acknowledged, unhealthy until reopened, nothing lost") {
  CheckFailingDisk(Durability::kSync, &FaultEnv::FailSyncsAfter, "fsync fails, sync durability");
  CheckFailingDisk(Durability::kSync, &FaultEnv::FailWritesAfter, "disk full, sync durability");
  CheckFailingDisk(Durability::kBuffered, &FaultEnv::FailWritesAfter, "disk full, buffered durability");
}

// Copies `key`'s state from one replica to the other, as anti-entropy would.
void CopyState(db::DatabaseImpl& from, db::DatabaseImpl& to, const std::string& key) {
  Result<std::optional<std::string>> state = from.ReadState(key);
  REQUIRE(state.ok());
  REQUIRE(state->has_value());
  Result<crdt::Document> document = crdt::DecodeDocument(**state);
  REQUIRE(document.ok());
  std::vector<sync::RemoteUpdate> updates;
  updates.push_back({key, std::move(document).value(), /*is_state=*/true});
  REQUIRE(to.ApplyRemote(std::move(updates)).ok());
}

TEST_CASE("a replica that lost buffered writes to a power loss does not reuse their dots or sequences") {
  testing::TempDir dir_a, dir_b;
  Machine machine;
  const std::string key = "faults/doc";
  {
    auto a = Open(dir_a.path(), &machine, Durability::kSync);
    REQUIRE(a->put(key, R"({"x": 0})").ok());  // synced: survives
  }
  auto b = Open(dir_b.path(), nullptr, Durability::kBuffered);
  auto a = Open(dir_a.path(), &machine, Durability::kBuffered);
  REQUIRE(a->put(key, R"({"x": 1, "y": 1})").ok());  // acknowledged, replicated, never synced
  const uint64_t lost_last_sequence = a->status().last_sequence;
  CopyState(*a, *b, key);
  machine.PowerLoss(a);  // a loses the write that b has
  a = Open(dir_a.path(), &machine, Durability::kBuffered);
  CHECK(a->status().last_sequence == uint64_t{1} << store::kEpochShift);  // a new epoch
  CHECK(*a->get(key) == R"({"x":0})");  // the lost write is gone here
  // a's next write to the same document: it must not reuse the dots of the lost write, or the
  // two replicas would hold different values under the same dots and never converge.
  REQUIRE(a->put(key, R"({"x": 2})").ok());
  CHECK(a->status().last_sequence > lost_last_sequence);  // nor its sequence numbers
  CopyState(*a, *b, key);
  CopyState(*b, *a, key);
  CHECK(a->status().merkle_root == b->status().merkle_root);
  const std::string on_a = *a->get(key), on_b = *b->get(key);
  CHECK(on_a == on_b);
  // The write of a after the power loss saw nothing of the lost one, so they are concurrent: x
  // keeps both values (the shown winner by timestamp is the later write), y survives from the
  // lost write (which b replicated), as any concurrent writes of two replicas would.
  CHECK(json::parse(on_a) == json{{"x", 2}, {"y", 1}});
}

// The files of a stopped replica, copied so each trial damages a fresh copy.
std::vector<fs::path> DataFiles(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && name != "LOCK" && name.rfind("LOG", 0) != 0 && fs::file_size(e) > 0) {
      files.push_back(e.path());
    }
  }
  return files;
}

void FlipByte(const fs::path& file, uint64_t offset, uint8_t mask) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(c ^ static_cast<char>(mask)));
}

TEST_CASE("a flipped byte in a stopped replica's files is never served as data") {
  testing::TempDir dir;
  const fs::path pristine = fs::path(dir.path()) / "pristine";
  std::mt19937_64 rng(Seed(0x666c6970ull));
  Model model;
  {
    // Enough to have table files as well as a log (LevelDB flushes its 4 MiB write buffer).
    auto db = Open(pristine.string(), nullptr, Durability::kBuffered);
    for (int i = 0; i < 20000; ++i) REQUIRE(RandomWrite(*db, model, rng, 400).ok());
    db->status();
  }
  const std::vector<fs::path> files = DataFiles(pristine);
  REQUIRE(files.size() >= 3);
  int refused_open = 0, read_errors = 0, verify_only = 0, harmless = 0;
  for (int trial = 0; trial < 60; ++trial) {
    const fs::path copy = fs::path(dir.path()) / ("trial" + std::to_string(trial));
    fs::copy(pristine, copy);
    const fs::path victim = copy / files[rng() % files.size()].filename();
    const uint64_t offset = rng() % fs::file_size(victim);
    FlipByte(victim, offset, static_cast<uint8_t>(1u << (rng() % 8)));
    INFO("byte " << offset << " of " << victim.filename().string());
    Result<std::unique_ptr<db::DatabaseImpl>> db = TryOpen(copy.string(), nullptr, Durability::kBuffered);
    if (!db.ok()) {
      CHECK_MESSAGE(!db.status().ToString().empty(), "a refusal must say why");
      ++refused_open;
      continue;
    }
    int errors = 0;
    for (const auto& [key, expected] : model) {
      Result<std::string> got = (*db)->get(key);
      if (got.ok()) {
        CHECK_MESSAGE(*got == expected, key << " served changed data");
      } else {
        CHECK_MESSAGE(!got.status().IsNotFound(), key << " vanished without an error");
        ++errors;
      }
    }
    Result<VerifyReport> report = (*db)->verify();
    const bool verify_found = !report.ok() || !report->problems.empty();
    if (errors > 0) CHECK_MESSAGE(verify_found, "reads failed, yet verify found nothing");
    if (errors > 0) {
      ++read_errors;
    } else if (verify_found) {
      ++verify_only;  // e.g. in the delta log or the Merkle leaves, which get does not read
    } else {
      ++harmless;
    }
  }
  MESSAGE("60 flipped bytes: " << refused_open << " refused at open, " << read_errors
                               << " failed reads, " << verify_only << " found by verify only, "
                               << harmless << " hit no live data");
}

}  // namespace
}  // namespace crdtdb
