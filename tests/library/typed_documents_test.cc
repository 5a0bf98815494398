// Copyright (c) crdtdb authors.
//
// The typed calls of Database end to end: every kind of value through put and get, patch,
// counters, sets, concurrent values of two replicas synced in process, and the caller's mistakes
// as errors that change nothing.

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>

#include <doctest/doctest.h>

#include "crdtdb/crdtdb.hpp"
#include "crdtdb/limits.h"
#include "tests/library/library_fixtures.h"
#include "tests/support/seed.h"
#include "tests/support/temp_dir.h"

namespace crdtdb {
namespace {

using testing::Ok;
using testing::Open;
using testing::Region;
using testing::Sync;

TEST_CASE("every kind of value goes through put_value and comes back from get_value as it was") {
  testing::TempDir dir;
  auto db = Open(dir.path());
  const Value document = Object{
      {"string", "caf\xc3\xa9 \"quoted\" \\ \n tab\t"},
      {"true", true},
      {"false", false},
      {"null", nullptr},
      {"int", -42},
      {"int_min", std::numeric_limits<int64_t>::min()},
      {"uint_max", std::numeric_limits<uint64_t>::max()},
      {"double", 0.1},
      {"whole_double", 2.0},
      {"array", Array{1, "two", Array{3.5, nullptr}, false}},
      {"nested", Object{{"a", Object{{"b", Object{{"c", "deep"}}}}}, {"n", 1}}},
  };
  const Value put = Ok(db->put_value("kinds/1", document));
  CHECK(put == document);
  const Value got = Ok(db->get_value("kinds/1"));
  CHECK(got == document);
  CHECK(got["nested"]["a"]["b"]["c"].as_string() == "deep");
  CHECK(got["uint_max"].as_uint() == std::numeric_limits<uint64_t>::max());
  CHECK(got["whole_double"] == Value(2.0));
  // The text API sees the same document: to_json() writes what get returns.
  CHECK(db->get("kinds/1").value() == document.to_json());
}

// A random value of any kind, nested at most `depth` levels (objects in arrays too: an array is
// one value, stored whole).
Value RandomValue(std::mt19937_64& rng, int depth) {
  static const char* const kStrings[] = {
      "", "milk", "caf\xc3\xa9", "tab\t \"q\" \\", "\x01\x1f", "\xf0\x9f\x8d\x8e"};
  auto pick = [&rng](uint64_t n) { return rng() % n; };
  switch (pick(depth > 0 ? 10 : 8)) {
    case 0: return nullptr;
    case 1: return pick(2) == 0;
    case 2: return static_cast<int64_t>(rng());
    case 3: return rng();  // uint64: above int64's range half of the time
    case 4: return static_cast<int64_t>(pick(1000)) - 500;
    case 5: {
      const double d =
          std::ldexp(static_cast<double>(rng() >> 11), static_cast<int>(pick(200)) - 100);
      return pick(2) == 0 ? d : -d;
    }
    case 6:
    case 7: return kStrings[pick(std::size(kStrings))];
    case 8: {
      Array array;
      for (uint64_t i = pick(4); i > 0; --i) array.push_back(RandomValue(rng, depth - 1));
      return array;
    }
    default: {
      Object object;
      for (uint64_t i = pick(4); i > 0; --i) {
        object["f" + std::to_string(pick(6))] = RandomValue(rng, depth - 1);
      }
      return object;
    }
  }
}

TEST_CASE("random values come back from put_value, get_value and parse(to_json()) as they were") {
  testing::TempDir dir;
  auto db = Open(dir.path());
  for (uint64_t seed : testing::PropertySeeds(300)) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    Object document;
    for (uint64_t i = rng() % 6; i > 0; --i)
      document["f" + std::to_string(i)] = RandomValue(rng, 4);
    const Value value = document;
    CAPTURE(value.to_json());
    CHECK(Value::parse(value.to_json()).value() == value);
    CHECK(Ok(db->put_value("random/" + std::to_string(seed), value)) == value);
    CHECK(Ok(db->get_value("random/" + std::to_string(seed))) == value);
  }
}

TEST_CASE("patch_value merges, and a null member removes the field") {
  testing::TempDir dir;
  auto db = Open(dir.path());
  Ok(db->put_value(
      "todos/1",
      Object{{"title", "milk"}, {"done", false}, {"where", Object{{"shop", "corner"}}}}));
  const Value patched = Ok(db->patch_value(
      "todos/1", Object{{"done", true}, {"title", nullptr}, {"where", Object{{"aisle", 4}}}}));
  CHECK(patched ==
        Value(Object{{"done", true}, {"where", Object{{"aisle", 4}, {"shop", "corner"}}}}));
  CHECK(Ok(db->get_value("todos/1")) == patched);
  // A patch of a missing document creates it.
  CHECK(Ok(db->patch_value("todos/2", Object{{"title", "eggs"}})) ==
        Value(Object{{"title", "eggs"}}));
}

// What the JSON-text get answers, parsed.
Value JsonGet(Database& db, std::string_view key) {
  Result<std::string> json = db.get(key);
  REQUIRE(json.ok());
  return Ok(Value::parse(*json));
}

// The typed calls build their answers from the document's events, or (when someone subscribed, and
// the change carries the JSON text anyway) from that text: either way, what the JSON calls say.
TEST_CASE("put_value, patch_value and get_value answer what put, patch and get answer, subscribed or not") {
  for (const bool subscribed : {false, true}) {
    CAPTURE(subscribed);
    testing::TempDir dir;
    auto db = Open(dir.path());
    size_t heard = 0;
    std::unique_ptr<Subscription> subscription;
    if (subscribed) subscription = db->subscribe("", [&](const Change&) { ++heard; });
    const Value doc = Object{{"title", "Todo 1: buy milk \"now\" \u00fc"},
                             {"done", false},
                             {"priority", 3},
                             {"big", uint64_t{1} << 63},
                             {"ratio", 0.25},
                             {"tags", Array{"work", Object{{"deep", Array{nullptr, true}}}}},
                             {"owner", Object{}}};
    const Value put = Ok(db->put_value("todos/1", doc));
    CHECK(put == doc);
    CHECK(put == JsonGet(*db, "todos/1"));
    const Value got = Ok(db->get_value("todos/1"));
    CHECK(got == put);
    const Value patched = Ok(db->patch_value("todos/1", Object{{"done", true}, {"priority", nullptr}}));
    CHECK(patched == JsonGet(*db, "todos/1"));
    CHECK(patched["done"] == Value(true));
    CHECK(patched.find("priority") == nullptr);
    // A patch that changes nothing answers the document as it is.
    CHECK(Ok(db->patch_value("todos/1", Object{{"done", true}})) == patched);
    // A JSON Patch (an array) goes its own way and answers the same.
    const Value json_patched =
        Ok(db->patch_value("todos/1", Array{Object{{"op", "replace"}, {"path", "/done"}, {"value", false}}}));
    CHECK(json_patched == JsonGet(*db, "todos/1"));
    CHECK(json_patched["done"] == Value(false));
    // The counters and sets of a document read the same through both.
    REQUIRE(db->increment("todos/1", "views", 2).ok());
    REQUIRE(db->set_add("todos/1", "labels", "\"x\"").ok());
    CHECK(Ok(db->get_value("todos/1")) == JsonGet(*db, "todos/1"));
    CHECK((heard > 0) == subscribed);
  }
}

TEST_CASE("counters read as integers, nested ones too") {
  testing::TempDir dir;
  auto db = Open(dir.path());
  CHECK(Ok(db->increment_value("stats/app", "launches", 1))["launches"].as_int() == 1);
  CHECK(Ok(db->increment_value("stats/app", "launches", 41))["launches"].as_int() == 42);
  CHECK(Ok(db->increment_value("stats/app", "launches", -2))["launches"].as_int() == 40);
  const Value stats = Ok(db->increment_value("stats/app", "/by_day/monday", 3));
  CHECK(stats == Value(Object{{"launches", 40}, {"by_day", Object{{"monday", 3}}}}));
}

TEST_CASE("sets take scalars of every kind, and read as arrays") {
  testing::TempDir dir;
  auto db = Open(dir.path());
  Ok(db->set_add_value("todos/1", "tags", "shop"));
  Ok(db->set_add_value("todos/1", "tags", 7));
  Ok(db->set_add_value("todos/1", "tags", true));
  Ok(db->set_add_value("todos/1", "tags", nullptr));
  Ok(db->set_add_value("todos/1", "tags", "shop"));  // already there: no change
  Value todo = Ok(db->get_value("todos/1"));
  REQUIRE(todo["tags"].is_array());
  CHECK(todo["tags"].size() == 4);
  todo = Ok(db->set_remove_value("todos/1", "tags", 7));
  const Array* tags = todo["tags"].as_array();
  REQUIRE(tags != nullptr);
  CHECK(std::set<std::string>{(*tags)[0].to_json(), (*tags)[1].to_json(), (*tags)[2].to_json()} ==
        std::set<std::string>{"\"shop\"", "true", "null"});
}

TEST_CASE("list_values pages through a collection as values") {
  testing::TempDir dir;
  auto db = Open(dir.path());
  for (int i = 1; i <= 5; ++i) Ok(db->put_value("todos/" + std::to_string(i), Object{{"n", i}}));
  ListOptions options;
  options.limit = 2;
  int seen = 0;
  for (bool more = true; more;) {
    Result<ValuePage> page = db->list_values("todos", options);
    REQUIRE(page.ok());
    for (const ListedValue& listed : page->documents) {
      ++seen;
      CHECK(listed.id == std::to_string(seen));
      CHECK(listed.value["n"].as_int() == seen);
    }
    more = page->next_start_after.has_value();
    if (more) options.start_after = *page->next_start_after;
  }
  CHECK(seen == 5);
  CHECK(db->list_values("bad/name").status().IsInvalidArgument());
}

TEST_CASE(
    "concurrent writes on two replicas show as conflicts, the same on both, until a write resolves "
    "them") {
  testing::TempDir dir;
  auto app = Open(dir.Sub("app"));
  Region region(dir.Sub("region"));
  Ok(app->put_value("todos/1", Object{{"title", "milk"}, {"done", false}}));
  Ok(region.db().put_value("todos/1", Object{{"title", "oat milk"}, {"done", false}}));
  CHECK(app->get_value_with_conflicts("todos/1")->conflicts.empty());
  Sync(*app, region);

  Result<DocumentWithConflicts> seen = app->get_value_with_conflicts("todos/1");
  REQUIRE(seen.ok());
  REQUIRE(seen->conflicts.count("/title") == 1);
  const Array& titles = seen->conflicts.at("/title");
  REQUIRE(titles.size() == 2);
  CHECK(titles[0] == seen->doc["title"]);  // the value get shows comes first
  CHECK(std::set<std::string>{*titles[0].as_string(), *titles[1].as_string()} ==
        std::set<std::string>{"milk", "oat milk"});
  CHECK(Ok(app->get_value("todos/1")) == seen->doc);
  Result<DocumentWithConflicts> there = region.db().get_value_with_conflicts("todos/1");
  REQUIRE(there.ok());
  CHECK(there->doc == seen->doc);
  CHECK(there->conflicts == seen->conflicts);

  // A write that has seen both values replaces them: no conflict left, on either side ("done" was
  // written on both too: two concurrent values, both false).
  Ok(app->put_value("todos/1", Object{{"title", "oat milk"}, {"done", false}}));
  Sync(*app, region);
  CHECK(app->get_value_with_conflicts("todos/1")->conflicts.empty());
  CHECK(region.db().get_value_with_conflicts("todos/1")->conflicts.empty());
  CHECK(region.db().get_value("todos/1").value()["title"].as_string() == "oat milk");
}

TEST_CASE("counters add up and an add wins over a concurrent remove, across two replicas") {
  testing::TempDir dir;
  auto app = Open(dir.Sub("app"));
  Region region(dir.Sub("region"));
  Ok(app->set_add_value("todos/1", "tags", "shop"));
  Sync(*app, region);

  Ok(app->increment_value("todos/1", "votes", 2));
  Ok(region.db().increment_value("todos/1", "votes", 3));
  Ok(app->set_remove_value("todos/1", "tags", "shop"));
  Ok(region.db().set_add_value("todos/1", "tags", "shop"));  // concurrent with the remove
  Ok(region.db().set_add_value("todos/1", "tags", "urgent"));
  Sync(*app, region);

  const Value expected = Object{{"votes", 5}, {"tags", Array{"shop", "urgent"}}};
  CHECK(Ok(app->get_value("todos/1")) == expected);
  CHECK(Ok(region.db().get_value("todos/1")) == expected);
  CHECK(app->get_value_with_conflicts("todos/1")->conflicts.empty());
}

TEST_CASE("a caller's mistakes are errors that change nothing, and the database stays usable") {
  testing::TempDir dir;
  auto db = Open(dir.path());
  Ok(db->put_value("todos/1", Object{{"title", "milk"}}));
  const Value todo =
      Ok(db->increment_value("todos/1", "votes", 1));  // a counter: a put makes values
  CHECK(todo == Value(Object{{"title", "milk"}, {"votes", 1}}));
  const std::string root = db->status().merkle_root;

  auto invalid = [](const auto& result) {
    CAPTURE(result.status().ToString());
    CHECK(result.status().IsInvalidArgument());
  };
  invalid(db->put_value("todos/1", Array{1, 2}));  // not an object
  invalid(db->put_value("todos/1", "text"));
  invalid(db->put_value("todos/1", nullptr));
  invalid(db->patch_value("todos/1", 5));
  invalid(db->put_value("todos/1", Object{{"x", std::nan("")}}));  // JSON has no NaN
  invalid(
      db->patch_value("todos/1", Object{{"x", Array{std::numeric_limits<double>::infinity()}}}));
  invalid(db->put_value("no-collection", todo));  // bad keys
  invalid(db->get_value("a/b/c"));
  invalid(db->increment_value("todos/1", "title", 1));              // not a counter
  invalid(db->set_add_value("todos/1", "votes", 1));                // a counter is not a set
  invalid(db->set_add_value("todos/1", "title", "x"));              // not a set
  invalid(db->set_add_value("todos/1", "tags", Object{{"a", 1}}));  // elements are scalars
  invalid(db->set_add_value("todos/1", "tags", Array{1}));
  invalid(db->set_add_value("todos/1", "tags", std::nan("")));
  invalid(db->increment_value("todos/1", "", 1));  // bad field path
  Value deep = Object{};
  for (int i = 0; i < kMaxJsonDepth + 1; ++i) deep = Object{{"d", deep}};
  invalid(db->put_value("todos/1", deep));  // nested past the limit
  CHECK(db->get_value("todos/2").status().IsNotFound());
  CHECK(db->get_value_with_conflicts("todos/2").status().IsNotFound());
  CHECK(db->status().merkle_root == root);  // nothing changed
  CHECK(Ok(db->get_value("todos/1")) == todo);

  Ok(db->set_add_value("todos/2", "tags", "a"));
  invalid(db->increment_value("todos/2", "tags", 1));  // a set is not a counter
  CHECK(Ok(db->get_value("todos/2")) == Value(Object{{"tags", Array{"a"}}}));
  CHECK(Ok(db->increment_value("todos/1", "votes", 1))["votes"].as_int() == 2);
}

}  // namespace
}  // namespace crdtdb
