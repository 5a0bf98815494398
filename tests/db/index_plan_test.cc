// Copyright (c) crdtdb authors.
//
// The plans an index gives (query/planner.h, docs/queries.md "Indexes and the planner"): an array
// is found by each of its elements, also past the element entries' bound; a $in reads one run of
// keys per value and, when it is the sort field, in the sort's order; a descending sort reads the
// index backward with ties in id order, page after page. The property test (find_property_test)
// checks every plan against a brute-force filter; these check what each plan reads.

#include <algorithm>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "db/database_impl.h"
#include "nlohmann/json.hpp"
#include "tests/db/index_wait.h"
#include "tests/db/open_database.h"
#include "tests/support/temp_dir.h"

namespace crdtdb {
namespace {

using Json = nlohmann::json;

struct Found {
  std::vector<std::string> ids;
  FindPlan plan;  // of the first page
  int pages = 0;  // how many the query took
};

// Every page of `query` (a _find body) on "c".
Found FindAll(Database& db, Json query) {
  Found found;
  while (true) {
    REQUIRE(found.pages < 100);
    Result<FindPage> page = db.find("c", query.dump());
    REQUIRE_MESSAGE(page.ok(), page.status().ToString());
    if (found.pages++ == 0) found.plan = page->plan;
    for (const ListedDocument& d : page->documents) found.ids.push_back(d.id);
    if (!page->bookmark) return found;
    query["bookmark"] = *page->bookmark;
  }
}

void CheckVerifies(Database& db) {
  Result<VerifyReport> v = db.verify();
  REQUIRE(v.ok());
  for (const std::string& p : v->problems) FAIL_CHECK(p);
}

TEST_CASE("index plan: an array is found by its elements and whole; entries follow its changes") {
  testing::TempDir dir;
  auto db = testing::OpenDatabase(dir.path(), 1);
  REQUIRE(db->put("c/1", R"({"t":["red","blue"]})").ok());
  REQUIRE(db->put("c/2", R"({"t":"red"})").ok());
  REQUIRE(db->put("c/3", R"({"t":["green",["red"]]})").ok());
  REQUIRE(db->put("c/4", R"({"t":[]})").ok());
  REQUIRE(db->create_index("c", "t").ok());
  testing::WaitForIndexes(*db);
  CheckVerifies(*db);

  Found red = FindAll(*db, {{"selector", {{"t", "red"}}}});
  CHECK(red.ids == std::vector<std::string>{"1", "2"});  // an element of an element is not matched
  CHECK(red.plan.index == "t");
  CHECK_FALSE(red.plan.ordered);
  CHECK(red.plan.ranges == 3);  // whole values, elements, overflow
  CHECK(red.plan.keys_read == 2);
  CHECK(FindAll(*db, {{"selector", {{"t", Json::array({"red"})}}}}).ids == std::vector<std::string>{"3"});
  CHECK(FindAll(*db, {{"selector", {{"t", Json::array()}}}}).ids == std::vector<std::string>{"4"});
  CHECK(FindAll(*db, {{"selector", {{"t", {{"$gt", "f"}, {"$lt", "h"}}}}}}).ids == std::vector<std::string>{"3"});
  CHECK(FindAll(*db, {{"selector", {{"t", {{"$ne", "red"}}}}}}).ids == std::vector<std::string>{"3", "4"});
  // A sort orders arrays whole, by the index's whole entries: each document once.
  Found sorted = FindAll(*db, {{"selector", Json::object()}, {"sort", Json::array({"t"})}});
  CHECK(sorted.ids == std::vector<std::string>{"2", "4", "3", "1"});
  CHECK(sorted.plan.ordered);

  REQUIRE(db->put("c/1", R"({"t":["blue"]})").ok());  // "red" leaves: its element entry goes
  CHECK(FindAll(*db, {{"selector", {{"t", "red"}}}}).ids == std::vector<std::string>{"2"});
  CHECK(FindAll(*db, {{"selector", {{"t", "blue"}}}}).ids == std::vector<std::string>{"1"});
  REQUIRE(db->remove("c/1").ok());
  CHECK(FindAll(*db, {{"selector", {{"t", "blue"}}}}).ids.empty());
  CheckVerifies(*db);
}

TEST_CASE("index plan: arrays past the bound of element entries are found by their overflow entry") {
  testing::TempDir dir;
  auto db = testing::OpenDatabase(dir.path(), 1);
  REQUIRE(db->create_index("c", "a,b").ok());
  testing::WaitForIndexes(*db);
  Json big{{"a", Json::array()}, {"b", Json::array()}};
  for (int i = 0; i < 40; ++i) {  // 41 x 41 combinations, past 1,000
    big["a"].push_back(i);
    big["b"].push_back(i);
  }
  REQUIRE(db->put("c/big", big.dump()).ok());
  REQUIRE(db->put("c/small", R"({"a":[7],"b":9})").ok());
  Found found = FindAll(*db, {{"selector", {{"a", 7}, {"b", 9}}}});
  CHECK(found.ids == std::vector<std::string>{"big", "small"});
  CHECK(found.plan.index == "a,b");
  CHECK(found.plan.keys_read == 2);  // small's element entry, big's overflow entry
  CheckVerifies(*db);
}

TEST_CASE("index plan: a $in reads one run per value, in the sort's order when it is the sort") {
  testing::TempDir dir;
  auto db = testing::OpenDatabase(dir.path(), 1);
  for (int i = 0; i < 60; ++i) {
    REQUIRE(db->put("c/" + std::to_string(100 + i), Json{{"k", i % 6}, {"n", i}}.dump()).ok());
  }
  REQUIRE(db->create_index("c", "k").ok());
  testing::WaitForIndexes(*db);
  Found in = FindAll(*db, {{"selector", {{"k", {{"$in", {4, 1, 4.0}}}}}}});
  CHECK(in.ids.size() == 20);
  CHECK(std::is_sorted(in.ids.begin(), in.ids.end()));  // id order
  CHECK(in.plan.ranges == 2);  // 4 and 4.0 are one value
  CHECK(in.plan.keys_read == 20);
  CHECK(in.plan.documents_read == 20);

  for (const char* direction : {"asc", "desc"}) {
    CAPTURE(direction);
    Found sorted = FindAll(*db, {{"selector", {{"k", {{"$in", {4, 1}}}}}},
                                 {"sort", Json::array({{{"k", direction}}})},
                                 {"limit", 3}});
    std::vector<std::string> expected;
    for (int k : std::string(direction) == "asc" ? std::vector<int>{1, 4} : std::vector<int>{4, 1}) {
      for (int i = k; i < 60; i += 6) expected.push_back(std::to_string(100 + i));  // ties: id order
    }
    CHECK(sorted.ids == expected);
    CHECK(sorted.plan.ordered);
    CHECK(sorted.plan.descending == (std::string(direction) == "desc"));
    CHECK(sorted.plan.documents_read == 3);  // a page reads only as far as its last document
    CHECK(sorted.pages >= 7);
  }
}

TEST_CASE("index plan: a descending sort reads the index backward, ties in id order, by pages") {
  testing::TempDir dir;
  auto db = testing::OpenDatabase(dir.path(), 1);
  for (int i = 0; i < 50; ++i) {
    Json doc{{"g", i % 2 == 0 ? "even" : "odd"}, {"n", i % 7}};
    if (i % 10 == 3) doc.erase("n");  // a missing field sorts last, descending
    REQUIRE(db->put("c/" + std::to_string(100 + i), doc.dump()).ok());
  }
  REQUIRE(db->create_index("c", "g,n").ok());
  testing::WaitForIndexes(*db);
  for (const int limit : {1, 4, 50}) {
    CAPTURE(limit);
    Json query{{"selector", {{"g", "odd"}, {"n", {{"$lte", 5}}}}}, {"sort", Json::array({Json{{"n", "desc"}}})},
               {"limit", limit}};
    Found backward = FindAll(*db, query);
    CHECK(backward.plan.ordered);
    CHECK(backward.plan.descending);
    CHECK(backward.plan.documents_read <= static_cast<uint64_t>(limit) + 1);
    std::vector<std::string> expected;
    for (int n = 5; n >= 0; --n) {
      for (int i = 1; i < 50; i += 2) {
        if (i % 7 == n && i % 10 != 3) expected.push_back(std::to_string(100 + i));
      }
    }
    CHECK(backward.ids == expected);
  }
  // Without a range: the missing values come last.
  Found all = FindAll(*db, {{"selector", {{"g", "odd"}}}, {"sort", Json::array({Json{{"n", "desc"}}})}});
  REQUIRE(all.ids.size() == 25);
  CHECK(all.plan.descending);
  CHECK(std::vector<std::string>(all.ids.end() - 5, all.ids.end()) ==
        std::vector<std::string>{"103", "113", "123", "133", "143"});
}

}  // namespace
}  // namespace crdtdb
