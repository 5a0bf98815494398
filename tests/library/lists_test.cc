// Copyright (c) crdtdb authors.
//
// The list calls of crdtdb/lists.h end to end on a Database: by index, by element id (a cursor
// that survives concurrent edits on another replica), typed forms, JSON Patch with and without a
// base version, and errors that change nothing.

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "crdtdb/crdtdb.hpp"
#include "tests/library/library_fixtures.h"
#include "tests/support/temp_dir.h"

namespace crdtdb {
namespace {

using testing::Ok;
using testing::Open;
using testing::Refused;
using testing::Region;
using testing::Sync;

std::string Ok(Result<std::string> r) {
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return std::move(r).value();
}

std::vector<ElementId> Ids(Database& db, const char* key, const char* field) {
  Result<std::vector<ElementId>> ids = list_ids(db, key, field);
  REQUIRE_MESSAGE(ids.ok(), ids.status().ToString());
  return *ids;
}

}  // namespace

TEST_CASE("lists by index: insert, remove, replace, and errors that change nothing") {
  testing::TempDir dir;
  auto db = Open(dir.path());
  CHECK(Ok(list_insert(*db, "todos/1", "items", 0, R"(["milk","eggs"])")) == R"({"items":["milk","eggs"]})");
  CHECK(Ok(list_insert(*db, "todos/1", "/items", 1, R"(["bread"])")) == R"({"items":["milk","bread","eggs"]})");
  CHECK(Ok(list_replace(*db, "todos/1", "items", 0, R"("oat milk")")) ==
        R"({"items":["oat milk","bread","eggs"]})");
  CHECK(Ok(list_remove(*db, "todos/1", "items", 1, 2)) == R"({"items":["oat milk"]})");
  const std::string before = Ok(db->get("todos/1"));
  Refused(list_insert(*db, "todos/1", "items", 5, R"(["x"])"), "out of range");
  Refused(list_remove(*db, "todos/1", "items", 0, 2), "out of range");
  Refused(list_replace(*db, "todos/1", "items", 1, "1"), "out of range");
  Refused(list_insert(*db, "todos/1", "items", 0, R"("not an array")"), "must be a JSON array");
  Refused(list_insert(*db, "todos/1", "items", 0, R"([)"), "");
  Ok(db->put("todos/2", R"({"title":"t"})"));
  Refused(list_insert(*db, "todos/2", "title", 0, R"(["x"])"), "title");
  CHECK(Ok(db->get("todos/1")) == before);
  CHECK(Ok(db->get("todos/2")) == R"({"title":"t"})");
}

TEST_CASE("an element id is a cursor that survives concurrent edits on another replica") {
  testing::TempDir app_dir, region_dir;
  auto app = Open(app_dir.path());
  Region region(region_dir.path());
  Ok(app->put("cards/1", R"({"checklist":["a","b","c"]})"));
  Sync(*app, region);
  const ElementId cursor = Ids(*app, "cards/1", "checklist")[1];  // on "b"
  CHECK(ElementId::parse(cursor.to_string()) == cursor);
  CHECK_FALSE(ElementId::parse("zz:1").has_value());
  CHECK_FALSE(ElementId::parse("00000000000000a1:").has_value());
  // The region inserts at the front and removes "a" meanwhile; the app has not seen it yet.
  Ok(list_insert(region.db(), "cards/1", "checklist", 0, R"(["z"])"));
  Ok(list_remove(region.db(), "cards/1", "checklist", 1));
  Ok(list_insert_after(*app, "cards/1", "checklist", cursor, R"(["after b"])"));
  Sync(*app, region);
  CHECK(Ok(app->get("cards/1")) == R"({"checklist":["z","b","after b","c"]})");
  CHECK(Ok(list_insert_after(*app, "cards/1", "checklist", kListStart, R"(["first"])")) ==
        R"({"checklist":["first","z","b","after b","c"]})");
  CHECK(Ok(list_remove_element(*app, "cards/1", "checklist", cursor)) ==
        R"({"checklist":["first","z","after b","c"]})");
  // Removing it again is a no-op; inserting after its tombstone still lands at its place.
  CHECK(Ok(list_remove_element(*app, "cards/1", "checklist", cursor)) ==
        R"({"checklist":["first","z","after b","c"]})");
  CHECK(Ok(list_insert_after(*app, "cards/1", "checklist", cursor, R"(["where b was"])")) ==
        R"({"checklist":["first","z","where b was","after b","c"]})");
  Refused(list_insert_after(*app, "cards/1", "checklist", ElementId{7, 7}, R"(["x"])"), "no element");
}

TEST_CASE("typed list calls take and return Values") {
  testing::TempDir dir;
  auto db = Open(dir.path());
  Value doc = Ok(list_insert_values(*db, "t/1", "tags", 0, Array{"red", 3, Object{{"k", true}}}));
  CHECK(doc == Value(Object{{"tags", Array{"red", 3, Object{{"k", true}}}}}));
  doc = Ok(list_insert_values_after(*db, "t/1", "tags", Ids(*db, "t/1", "tags")[0], Array{"blue"}));
  CHECK(doc == Value(Object{{"tags", Array{"red", "blue", 3, Object{{"k", true}}}}}));
  const Value patch = Array{Object{{"op", "remove"}, {"path", "/tags/3"}}, Object{{"op", "test"}, {"path", "/tags/2"}, {"value", 3}}};
  CHECK(Ok(json_patch_value(*db, "t/1", patch)) == Value(Object{{"tags", Array{"red", "blue", 3}}}));
  CHECK_FALSE(list_insert_values(*db, "t/1", "tags", 0, Array{std::nan("")}).ok());
}

TEST_CASE("JSON Patch through patch and json_patch: atomic, and resolved against a base version") {
  testing::TempDir app_dir, region_dir;
  auto app = Open(app_dir.path());
  Region region(region_dir.path());
  // patch takes either body: an object is a merge patch, an array a JSON Patch.
  Ok(app->patch("lists/1", R"({"l":["a","b","c"]})"));
  CHECK(Ok(app->patch("lists/1", R"([{"op":"add","path":"/l/-","value":"d"}])")) == R"({"l":["a","b","c","d"]})");
  Refused(app->patch("lists/1", "3"), "a JSON object (a merge patch) or an array");
  // A failing operation anywhere leaves every earlier one unwritten.
  Refused(app->patch("lists/1", R"([{"op":"remove","path":"/l/0"},{"op":"test","path":"/l/0","value":"a"}])"),
          "test failed");
  CHECK(Ok(app->get("lists/1")) == R"({"l":["a","b","c","d"]})");
  Sync(*app, region);

  // The app reads the document with its base version, then the region inserts at the front.
  Result<VersionedDocument> read = get_with_base(*app, "lists/1");
  REQUIRE(read.ok());
  CHECK(read->json == R"({"l":["a","b","c","d"]})");
  Ok(list_insert(region.db(), "lists/1", "l", 0, R"(["new"])"));
  Sync(*app, region);
  // "insert after b, remove c" on the old copy lands where the user meant.
  CHECK(Ok(json_patch(*app, "lists/1", R"([{"op":"add","path":"/l/2","value":"x"},{"op":"remove","path":"/l/3"}])",
                      read->base_version)) == R"({"l":["new","a","b","x","d"]})");
  Refused(json_patch(*app, "lists/1", "[]", "garbage"), "malformed base version");
  Refused(json_patch(*app, "lists/1", R"({"op":"add"})"), "must be a JSON array");
  CHECK(get_with_base(*app, "lists/none").status().code() == Status::Code::kNotFound);

  // Concurrent JSON Patches on the app and the region merge as lists: nobody's insert is lost.
  Ok(app->patch("lists/1", R"([{"op":"add","path":"/l/0","value":"app"}])"));
  Ok(region.db().patch("lists/1", R"([{"op":"add","path":"/l/-","value":"region"},{"op":"remove","path":"/l/0"}])"));
  Sync(*app, region);
  CHECK(Ok(app->get("lists/1")) == R"({"l":["app","a","b","x","d","region"]})");
  CHECK(Ok(region.db().get("lists/1")) == Ok(app->get("lists/1")));
}

}  // namespace crdtdb
