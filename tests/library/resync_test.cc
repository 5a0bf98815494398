// Copyright (c) crdtdb authors.
//
// Resuming a sync from per-peer state (db/push_cursors.h, sync/client_session.h): after a sync
// that ended equal, the next one pushes what changed since, then compares the Merkle roots; the
// walk of anti-entropy still repairs whatever the pushed changes do not cover.

#include <memory>
#include <string>

#include <doctest/doctest.h>

#include "crdtdb/crdtdb.hpp"
#include "tests/library/library_fixtures.h"
#include "merkle/merkle_tree.h"
#include "tests/support/temp_dir.h"

namespace crdtdb {
namespace {

using testing::Ok;
using testing::Open;
using testing::Region;

std::string Id(int i) { return "todos/" + std::to_string(i); }

void PutMany(Database& db, int n) {
  for (int i = 0; i < n; ++i) Ok(db.put_value(Id(i), Object{{"title", "todo " + std::to_string(i)}, {"done", false}}));
}

void Done(Database& db, int first, int count) {
  for (int i = first; i < first + count; ++i) Ok(db.patch_value(Id(i), Object{{"done", true}}));
}

SyncReport SyncOk(Database& app, Region& region) {
  Result<SyncReport> report = app.sync_with(region);
  REQUIRE_MESSAGE(report.ok(), report.status().ToString());
  CHECK(report->in_sync);
  CHECK(app.status().merkle_root == region.db().status().merkle_root);
  return *report;
}

// An app's database of `documents` todos, synced once with a region of its own.
struct SyncedApp {
  explicit SyncedApp(int documents) : region(region_dir.path()), app(Open(app_dir.path())) {
    PutMany(*app, documents);
    SyncOk(*app, region);
  }
  // Closes and opens the app's database: it forgets what it knew of the region.
  void Reopen() {
    app.reset();
    app = Open(app_dir.path());
  }

  testing::TempDir app_dir, region_dir;
  Region region;
  std::unique_ptr<Database> app;
};

TEST_CASE("a resync pushes what changed since the last equal sync, without walking to it") {
  SyncedApp synced(200);
  // A database just opened knows nothing of the region: the walk finds the 20 changed documents,
  // fetching the region's older states to join them first.
  synced.Reopen();
  Database* app = synced.app.get();
  Region& region = synced.region;
  Done(*app, 0, 20);
  const SyncReport walked = SyncOk(*app, region);
  CHECK(walked.documents_sent == 20);
  CHECK(walked.documents_received == 20);

  // Now it knows where the region stood: the next 20 changes are pushed, nothing is fetched, and
  // the roots compared after the push are equal.
  Done(*app, 20, 20);
  const SyncReport resumed = SyncOk(*app, region);
  CHECK(resumed.documents_sent == 20);
  CHECK(resumed.documents_received == 0);
  CHECK(resumed.bytes_sent + resumed.bytes_received < walked.bytes_sent + walked.bytes_received);
  CHECK(Ok(region.db().get_value(Id(25)))["done"].as_bool() == true);

  // Nothing changed since: one comparison, nothing pushed.
  const SyncReport idle = SyncOk(*app, region);
  CHECK(idle.documents_sent == 0);
  CHECK(idle.rounds == 1);
}

TEST_CASE("a resync still pulls the region's changes, and repairs what the region lost") {
  SyncedApp synced(50);
  Database* app = synced.app.get();
  Region& region = synced.region;

  SUBCASE("the region changed too: its change is fetched by the walk after the push") {
    Done(*app, 0, 3);
    Ok(region.db().patch_value(Id(40), Object{{"title", "changed at the region"}}));
    const SyncReport report = SyncOk(*app, region);
    CHECK(report.documents_sent == 3);
    CHECK(report.documents_received == 1);
    CHECK(Ok(app->get_value(Id(40)))["title"].as_string() == "changed at the region");
  }
  SUBCASE("the region dropped every document: the cursor is wrong, anti-entropy repairs the rest") {
    REQUIRE(region.impl().DropBuckets(0, merkle::kLeafCount - 1).ok());
    REQUIRE(region.db().status().documents == 0);
    Done(*app, 0, 1);
    const SyncReport report = SyncOk(*app, region);
    CHECK(report.documents_sent == 50);  // 1 pushed from the cursor, 49 by the walk
    CHECK(region.db().status().documents == 50);
  }
}

}  // namespace
}  // namespace crdtdb
