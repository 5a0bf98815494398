// Copyright (c) crdtdb authors.
//
// The text calls of crdtdb/text.h end to end on a Database: splices by code point, reads, splices
// on two replicas synced in process converging, errors that change nothing, and what a JSON
// Patch does to a text (docs/crdt.md section 7, "Text fields").

#include <memory>
#include <string>

#include <doctest/doctest.h>

#include "crdtdb/crdtdb.hpp"
#include "tests/library/library_fixtures.h"
#include "tests/support/temp_dir.h"

namespace crdtdb {
namespace {

using testing::Open;
using testing::Refused;
using testing::Region;
using testing::Sync;

template <typename T>
T Ok(Result<T> r) {
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return std::move(r).value();
}

// An app and a region that both hold notes/1 = {"body": text "hello world"}, synced.
struct TwoReplicas {
  TwoReplicas() {
    Ok(app->put("notes/1", R"({"body":{"$text":"hello world"}})"));
    Sync(*app, region);
  }
  testing::TempDir app_dir, region_dir;
  std::unique_ptr<Database> app = Open(app_dir.path());
  Region region{region_dir.path()};
};

}  // namespace

TEST_CASE("text_splice edits a text by code point, and text_content/text_length read it") {
  testing::TempDir dir;
  auto db = Open(dir.path());
  Ok(db->put("notes/1", R"({"body":{"$text":"café au lait"},"title":"t"})"));
  CHECK(Ok(text_length(*db, "notes/1", "body")) == 12);  // 13 bytes: é is one character
  CHECK(Ok(text_splice(*db, "notes/1", "body", 4, 0, "!")) == R"({"body":"café! au lait","title":"t"})");
  // Removing across the two-byte character and inserting a four-byte one.
  CHECK(Ok(text_splice(*db, "notes/1", "/body", 3, 2, "😀")) == R"({"body":"caf😀 au lait","title":"t"})");
  CHECK(Ok(text_content(*db, "notes/1", "body")) == "caf😀 au lait");
  CHECK(Ok(text_length(*db, "notes/1", "body")) == 12);
  // Still a text: a string written over it (a patch) changes it in place, and splices go on.
  Ok(db->patch("notes/1", R"({"body":"caf😀 au lait chaud"})"));
  CHECK(Ok(text_splice(*db, "notes/1", "body", 0, 3, "")) == R"({"body":"😀 au lait chaud","title":"t"})");

  // A missing field, in a document or not, becomes a text; a missing field reads as "".
  CHECK(Ok(text_content(*db, "notes/1", "draft")).empty());
  CHECK(Ok(text_length(*db, "notes/1", "draft")) == 0);
  CHECK(Ok(text_splice(*db, "notes/1", "/meta/draft", 0, 0, "hi")) ==
        R"({"body":"😀 au lait chaud","meta":{"draft":"hi"},"title":"t"})");
  CHECK(Ok(text_splice(*db, "notes/1", "/meta/draft", 2, 0, "!")) ==
        R"({"body":"😀 au lait chaud","meta":{"draft":"hi!"},"title":"t"})");
  CHECK(Ok(text_splice(*db, "notes/2", "body", 0, 0, "new")) == R"({"body":"new"})");
  CHECK(Ok(text_splice(*db, "notes/2", "body", 1, 1, "o")) == R"({"body":"now"})");
}

TEST_CASE("text_splice errors are InvalidArgument and change nothing") {
  testing::TempDir dir;
  auto db = Open(dir.path());
  Ok(db->put("notes/1", R"({"body":{"$text":"abc"},"title":"plain","items":[1],"n":1})"));
  const std::string before = Ok(db->get("notes/1"));
  const std::string merkle_root = db->status().merkle_root;
  Refused(text_splice(*db, "notes/1", "body", 4, 0, "x"), "out of range");
  Refused(text_splice(*db, "notes/1", "body", 2, 2, ""), "out of range");
  Refused(text_splice(*db, "notes/1", "body", 1, SIZE_MAX, ""), "out of range");
  Refused(text_splice(*db, "notes/1", "body", 0, 0, "\xff"), "UTF-8");
  // A string written by put is a register, not a text; nor is a list or a number.
  Refused(text_splice(*db, "notes/1", "title", 0, 0, "x"), "not a text");
  Refused(text_splice(*db, "notes/1", "items", 0, 0, "x"), "not a text");
  Refused(text_splice(*db, "notes/1", "n", 0, 0, "x"), "not a text");
  Refused(text_splice(*db, "notes/1", "/body~2", 0, 0, "x"), "");
  Refused(text_splice(*db, "notes/1", "", 0, 0, "x"), "");
  Refused(text_splice(*db, "no-collection", "body", 0, 0, "x"), "");
  Refused(text_splice(*db, "notes/9", "body", 1, 0, "x"), "out of range");  // a new text is empty
  Refused(text_content(*db, "notes/1", "title"), "not a text");
  Refused(text_length(*db, "notes/1", "items"), "not a text");
  CHECK(text_length(*db, "notes/9", "body").status().code() == Status::Code::kNotFound);
  CHECK(Ok(db->get("notes/1")) == before);
  CHECK(db->get("notes/9").status().code() == Status::Code::kNotFound);
  CHECK(db->status().merkle_root == merkle_root);
}

TEST_CASE("concurrent splices on two replicas synced in process converge, keeping both edits") {
  TwoReplicas replicas;
  Database* app = replicas.app.get();
  Region& region = replicas.region;
  // Before they sync again: the app types after "hello" and at the end, the region at the start
  // and at the end too: each run stays whole, in one order on both.
  Ok(text_splice(*app, "notes/1", "body", 5, 0, ", dear"));
  Ok(text_splice(*app, "notes/1", "body", 17, 0, " (app)"));
  Ok(text_splice(region.db(), "notes/1", "body", 0, 0, "oh, "));
  Ok(text_splice(region.db(), "notes/1", "body", 15, 0, " (region)"));
  Sync(*app, region);
  const std::string merged = Ok(text_content(*app, "notes/1", "body"));
  CHECK(Ok(region.db().get("notes/1")) == Ok(app->get("notes/1")));
  CHECK((merged == "oh, hello, dear world (app) (region)" || merged == "oh, hello, dear world (region) (app)"));
}

// Once failed: a join that brought only deleted ids reported no change, so sync_with stopped
// converging after a splice deleted (documents_received 0, in_sync false, Merkle roots apart).
TEST_CASE("splices that delete, concurrent on two replicas, converge") {
  TwoReplicas replicas;
  Database* app = replicas.app.get();
  Region& region = replicas.region;
  Ok(text_splice(*app, "notes/1", "body", 5, 0, ", dear"));
  Ok(text_splice(region.db(), "notes/1", "body", 0, 1, "H"));
  Result<SyncReport> report = app->sync_with(region);
  REQUIRE(report.ok());
  CHECK(report->documents_received == 1);
  CHECK(Ok(text_content(*app, "notes/1", "body")) == "Hello, dear world");
  CHECK(Ok(region.db().get("notes/1")) == Ok(app->get("notes/1")));
  // The app removes a range while the region types inside it: the typing survives.
  Ok(text_splice(*app, "notes/1", "body", 5, 6, ""));              // removes ", dear"
  Ok(text_splice(region.db(), "notes/1", "body", 11, 0, "est"));  // ", dearest"
  Sync(*app, region);
  CHECK(Ok(text_content(*app, "notes/1", "body")) == "Helloest world");
  CHECK(Ok(region.db().get("notes/1")) == Ok(app->get("notes/1")));
}

TEST_CASE("JSON Patch addresses a text whole: a string replaces what differs, an index is refused") {
  testing::TempDir app_dir, region_dir;
  auto app = Open(app_dir.path());
  Region region(region_dir.path());
  // add of {"$text": S} makes a text; test compares the string a read shows.
  CHECK(Ok(json_patch(*app, "notes/1", R"([{"op":"add","path":"/body","value":{"$text":"buy milk"}},
                                          {"op":"test","path":"/body","value":"buy milk"}])")) ==
        R"({"body":"buy milk"})");
  Sync(*app, region);
  // replace with a string splices the difference (inserts "oat "), so the region's concurrent
  // splice at the end survives: a text is never clobbered by a whole string written over it.
  Ok(json_patch(*app, "notes/1", R"([{"op":"replace","path":"/body","value":"buy oat milk"}])"));
  Ok(text_splice(region.db(), "notes/1", "body", 8, 0, " today"));
  Sync(*app, region);
  CHECK(Ok(app->get("notes/1")) == R"({"body":"buy oat milk today"})");
  CHECK(Ok(text_length(*app, "notes/1", "body")) == 18);  // still a text

  // A pointer into a text is refused (a JSON document holds a string there): edit with splice.
  const std::string before = Ok(app->get("notes/1"));
  Refused(json_patch(*app, "notes/1", R"([{"op":"add","path":"/body/3","value":"x"}])"), "/body is a text");
  Refused(json_patch(*app, "notes/1", R"([{"op":"remove","path":"/body/0"}])"), "text_splice");
  Refused(json_patch(*app, "notes/1", R"([{"op":"replace","path":"/body/0","value":"B"}])"), "/body is a text");
  Refused(json_patch(*app, "notes/1", R"([{"op":"test","path":"/body","value":"buy milk"}])"), "test failed");
  CHECK(Ok(app->get("notes/1")) == before);

  // copy and move keep a text a text (a new one); replace with another kind ends the text.
  Ok(json_patch(*app, "notes/1", R"([{"op":"copy","from":"/body","path":"/copy"},
                                     {"op":"move","from":"/body","path":"/moved"}])"));
  CHECK(Ok(text_splice(*app, "notes/1", "copy", 0, 0, "to ")) == R"({"copy":"to buy oat milk today","moved":"buy oat milk today"})");
  CHECK(Ok(text_length(*app, "notes/1", "moved")) == 18);
  Ok(json_patch(*app, "notes/1", R"([{"op":"replace","path":"/moved","value":7}])"));
  Refused(text_splice(*app, "notes/1", "moved", 0, 0, "x"), "not a text");
}

}  // namespace crdtdb
