// Copyright (c) crdtdb authors.
//
// Property: on random documents and random queries, paging through Database::find by bookmarks
// gives exactly what a brute-force filter of list gives: every match once, in the query's order,
// projected; in half the cases after joining the concurrent writes of a second replica; in two
// cases of three with secondary indexes, some kept by the writes (local and replicated), some
// built over the stored documents, so whatever plan the planner picks (point lookups of a $in,
// backward reading for a descending sort, element entries of arrays). Documents hold arrays of
// scalars, which conditions match whole or by an element.
// The reference below re-implements docs/queries.md on its own (matching, collation,
// order), rather than calling src/query, so that the two check each other.

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "crdt/codec.h"
#include "crdtdb/crdtdb.hpp"
#include "db/database_impl.h"
#include "nlohmann/json.hpp"
#include "tests/db/index_wait.h"
#include "tests/db/open_database.h"
#include "tests/support/seed.h"
#include "tests/support/temp_dir.h"

namespace crdtdb {
namespace {

using Json = nlohmann::json;

// --- The reference: docs/queries.md, written plainly. ---

int Rank(const Json& v) {
  if (v.is_null()) return 0;
  if (v.is_boolean()) return v.get<bool>() ? 2 : 1;
  if (v.is_number()) return 3;
  if (v.is_string()) return 4;
  if (v.is_array()) return 5;
  return 6;
}

int Cmp(const Json& a, const Json& b) {
  if (Rank(a) != Rank(b)) return Rank(a) < Rank(b) ? -1 : 1;
  if (a.is_number())
    return a.get<double>() < b.get<double>() ? -1 : (a.get<double>() > b.get<double>() ? 1 : 0);
  if (a.is_string()) return a.get<std::string>() < b.get<std::string>() ? -1 : (a == b ? 0 : 1);
  if (a.is_array() || a.is_object()) {
    // Objects as arrays of [name, value] pairs in name order.
    auto list = [](const Json& v) {
      if (v.is_array()) return v;
      Json out = Json::array();
      for (auto it = v.begin(); it != v.end(); ++it)
        out.push_back(Json::array({it.key(), it.value()}));
      return out;
    };
    const Json x = list(a), y = list(b);
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (int c = Cmp(x[i], y[i]); c != 0) return c;
    }
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }
  return 0;
}

const Json* At(const Json& doc, const std::string& dotted) {
  const Json* at = &doc;
  size_t from = 0;
  while (true) {
    const size_t dot = dotted.find('.', from);
    const std::string name = dotted.substr(from, dot - from);
    if (!at->is_object() || !at->contains(name)) return nullptr;
    at = &(*at)[name];
    if (dot == std::string::npos) return at;
    from = dot + 1;
  }
}

bool RefMatch(const Json& selector, const Json& doc) {
  for (auto it = selector.begin(); it != selector.end(); ++it) {
    if (it.key() == "$and" || it.key() == "$or") {
      bool any = false, all = true;
      for (const Json& s : it.value()) {
        const bool m = RefMatch(s, doc);
        any = any || m;
        all = all && m;
      }
      if (it.key() == "$and" ? !all : !any) return false;
      continue;
    }
    const Json* v = At(doc, it.key());
    for (auto op = it.value().begin(); op != it.value().end();
         ++op) {  // always an operator object here
      const Json& x = op.value();
      const std::string& name = op.key();
      if (name == "$exists") {
        if ((v != nullptr) != x.get<bool>()) return false;
        continue;
      }
      if (v == nullptr) return false;
      // One value: the field's, or one of its elements when it is an array.
      auto holds = [&](const Json& value, const std::string& test) {
        bool in = false;
        if (x.is_array()) {
          for (const Json& e : x) in = in || Cmp(value, e) == 0;
        }
        const bool same = Rank(value) == Rank(x) || (value.is_boolean() && x.is_boolean());
        const int c = Cmp(value, x);
        return test == "$eq"    ? c == 0
               : test == "$in"  ? in
               : !same          ? false
               : test == "$gt"  ? c > 0
               : test == "$gte" ? c >= 0
               : test == "$lt"  ? c < 0
                                : c <= 0;
      };
      auto any = [&](const std::string& test) {
        if (holds(*v, test)) return true;
        if (v->is_array()) {
          for (const Json& e : *v) {
            if (holds(e, test)) return true;
          }
        }
        return false;
      };
      const bool ok = name == "$ne" ? !any("$eq") : name == "$nin" ? !any("$in") : any(name);
      if (!ok) return false;
    }
  }
  return true;
}

// --- Random documents and queries over a few fields, so that conditions often hold. ---

Json RandomScalar(std::mt19937_64& rng) {
  switch (rng() % 3) {
    case 0: return static_cast<int>(rng() % 4);
    case 1: return std::string(1, static_cast<char>('a' + rng() % 4));
    default: return rng() % 2 == 0;
  }
}

Json RandomValue(std::mt19937_64& rng) {
  switch (rng() % 9) {
    case 0: return nullptr;
    case 1: return rng() % 2 == 0;
    case 2: return static_cast<int>(rng() % 7) - 2;
    case 3: return static_cast<double>(rng() % 9) / 2 - 1;
    case 4: return std::string(1, static_cast<char>('a' + rng() % 4));
    case 5: return std::string(1, static_cast<char>('A' + rng() % 2)) + "x";
    case 6: {  // an array of scalars, now and then holding an array
      Json array = Json::array();
      for (int i = 0, n = static_cast<int>(rng() % 4); i < n; ++i) {
        array.push_back(rng() % 6 == 0 ? Json::array({static_cast<int>(rng() % 3)}) : RandomScalar(rng));
      }
      return array;
    }
    case 7: return Json{{"k", static_cast<int>(rng() % 3)}};
    default: return static_cast<uint64_t>(rng() % 4);
  }
}

const std::vector<std::string> kFields = {"a", "b", "n.x", "n.y", "z", "t", "pad"};

Json RandomDocument(std::mt19937_64& rng) {
  Json doc = Json::object();
  if (rng() % 5) doc["a"] = RandomValue(rng);
  if (rng() % 3) doc["b"] = RandomValue(rng);
  if (rng() % 2) {
    doc["n"] = Json::object();
    if (rng() % 4) doc["n"]["x"] = RandomValue(rng);
    if (rng() % 2) doc["n"]["y"] = RandomValue(rng);
  }
  if (rng() % 3) {  // tags: an array of scalars mostly, as lists are
    doc["t"] = Json::array();
    for (int i = 0, n = static_cast<int>(rng() % 4); i < n; ++i) doc["t"].push_back(RandomScalar(rng));
    if (rng() % 5 == 0) doc["t"] = RandomValue(rng);
  }
  // Never an array, so that an index on it serves ordered plans with conditions; never empty: an
  // empty put is a live document too.
  doc["pad"] = static_cast<int>(rng() % 10);
  return doc;
}

// A selector in the canonical form the reference reads: fields to operator objects, $and/$or.
Json RandomSelector(std::mt19937_64& rng, int depth) {
  static const std::vector<std::string> ops = {"$eq",  "$ne", "$gt",  "$gte",   "$lt",
                                               "$lte", "$in", "$nin", "$exists"};
  Json s = Json::object();
  const int members = static_cast<int>(rng() % 3);
  for (int i = 0; i < members; ++i) {
    if (depth < 2 && rng() % 5 == 0) {
      Json list = Json::array();
      for (int j = 0, n = 1 + static_cast<int>(rng() % 3); j < n; ++j)
        list.push_back(RandomSelector(rng, depth + 1));
      s[rng() % 2 ? "$and" : "$or"] = list;
      continue;
    }
    const std::string& op = ops[rng() % ops.size()];
    Json operand = RandomValue(rng);
    if (op == "$in" || op == "$nin") {
      operand = Json::array();
      for (int j = 0, n = static_cast<int>(rng() % 4); j < n; ++j) operand.push_back(RandomValue(rng));
    }
    if (op == "$exists") operand = rng() % 2 == 0;
    s[kFields[rng() % kFields.size()]][op] = operand;
  }
  return s;
}

const std::vector<std::string> kIndexes = {"a", "b,a", "n.x", "a,n.y", "z", "b", "t", "t,pad", "pad", "pad,a"};

TEST_CASE("find property: pages of a query equal a brute-force filter of list, each match once") {
  uint64_t indexed_pages = 0, ordered_pages = 0, descending_pages = 0, in_pages = 0, element_pages = 0;
  for (uint64_t seed : testing::PropertySeeds(40)) {
    INFO("replay: " << testing::ReplayCommand(seed));
    std::mt19937_64 rng(seed);
    testing::TempDir dir;
    std::unique_ptr<db::DatabaseImpl> replica = testing::OpenDatabase(dir.Sub("a"), 1);
    Database& db = *replica;
    const int documents = 20 + static_cast<int>(rng() % 60);
    auto write = [&](Database& into) {
      for (int i = 0; i < documents; ++i) {
        const std::string key = "c/" + std::to_string(rng() % 100);
        if (rng() % 8 == 0) {
          (void)into.remove(key);
        } else {
          REQUIRE(into.put(key, RandomDocument(rng).dump()).ok());
        }
      }
    };
    const bool indexed = rng() % 3 != 0;
    if (indexed) REQUIRE(db.create_index("c", kIndexes[rng() % kIndexes.size()]).ok());
    write(db);
    // Half the cases join the states of a second replica that wrote the same keys concurrently:
    // fields with concurrent values, matched on the winner that list shows.
    if (rng() % 2 == 0) {
      std::unique_ptr<db::DatabaseImpl> other = testing::OpenDatabase(dir.Sub("b"), 2, rng() % 2);
      write(*other);
      std::vector<sync::RemoteUpdate> updates;
      for (int k = 0; k < 100; ++k) {
        Result<std::optional<std::string>> state = other->ReadState("c/" + std::to_string(k));
        REQUIRE(state.ok());
        if (!state->has_value()) continue;
        updates.push_back({"c/" + std::to_string(k), crdt::DecodeDocument(**state).value(), true});
      }
      REQUIRE(replica->ApplyRemote(std::move(updates)).ok());
    }
    if (indexed) {
      REQUIRE(db.create_index("c", kIndexes[rng() % kIndexes.size()]).ok());
      REQUIRE(db.create_index("c", "a").ok());
      REQUIRE(db.create_index("c", "pad").ok());
      testing::WaitForIndexes(db);
    }
    (void)db.put("other/1", R"({"a":1})");  // another collection, never found
    Result<ListPage> all = db.list("c", ListOptions{kMaxListPage, ""});
    REQUIRE(all.ok());

    for (int round = 0; round < 10; ++round) {
      Json query{{"selector", RandomSelector(rng, 0)}};
      std::vector<std::pair<std::string, bool>> sort;  // field, descending
      for (int i = 0, n = static_cast<int>(rng() % 3); i < n; ++i)
        sort.emplace_back(kFields[rng() % kFields.size()], rng() % 2 == 0);
      if (!sort.empty()) {
        for (const auto& [f, desc] : sort)
          query["sort"].push_back(Json{{f, desc ? "desc" : "asc"}});
      }
      const bool project = rng() % 3 == 0;
      if (project) query["fields"] = Json::array({"a", "n.x"});
      query["limit"] = 1 + rng() % 7;
      FindOptions bounds;
      // A query in id order pages through a small scan budget too; a sorted one needs it all.
      if (sort.empty() && rng() % 2 == 0) bounds.max_examined = 1 + rng() % 10;
      CAPTURE(query.dump());

      // The reference.
      std::vector<std::pair<std::string, Json>> expected;
      for (const ListedDocument& d : all->documents) {
        Json doc = Json::parse(d.json);
        if (RefMatch(query["selector"], doc)) expected.emplace_back(d.id, std::move(doc));
      }
      std::stable_sort(expected.begin(), expected.end(), [&](const auto& x, const auto& y) {
        for (const auto& [f, desc] : sort) {
          const Json* a = At(x.second, f);
          const Json* b = At(y.second, f);
          int c =
              (a == nullptr) != (b == nullptr) ? (a == nullptr ? -1 : 1) : (a ? Cmp(*a, *b) : 0);
          if (c != 0) return desc ? c > 0 : c < 0;
        }
        return x.first < y.first;
      });
      if (project) {
        for (auto& [id, doc] : expected) {
          Json p = Json::object();
          if (doc.contains("a")) p["a"] = doc["a"];
          if (const Json* x = At(doc, "n.x")) p["n"]["x"] = *x;
          doc = p;
        }
      }

      std::vector<std::pair<std::string, Json>> got;
      for (int pages = 0;; ++pages) {
        REQUIRE(pages <= 101);  // progress on every page: at most 100 keys, one read at least
        Result<FindPage> page = db.find("/c", query.dump(), bounds);
        REQUIRE_MESSAGE(page.ok(), page.status().ToString());
        CHECK(page->documents.size() <= query["limit"].get<size_t>());
        CHECK(page->examined <= bounds.max_examined);
        for (const ListedDocument& d : page->documents) got.emplace_back(d.id, Json::parse(d.json));
        indexed_pages += page->plan.index.empty() ? 0 : 1;
        ordered_pages += page->plan.ordered ? 1 : 0;
        descending_pages += page->plan.descending ? 1 : 0;
        const bool in_plan = query["selector"].dump().find("$in") != std::string::npos;
        in_pages += !page->plan.index.empty() && in_plan && page->plan.ranges > 1 ? 1 : 0;
        element_pages += !page->plan.index.empty() && !page->plan.ordered && page->plan.ranges > 1 ? 1 : 0;
        if (!page->bookmark) break;
        query["bookmark"] = *page->bookmark;
      }
      REQUIRE(got.size() == expected.size());
      for (size_t i = 0; i < got.size(); ++i) {
        CHECK(got[i].first == expected[i].first);
        CHECK(got[i].second == expected[i].second);
      }
    }
    if (indexed) {
      Result<VerifyReport> report = db.verify();
      REQUIRE(report.ok());
      CHECK_MESSAGE(report->ok(), report->problems.front());
    }
  }
  MESSAGE("pages read through an index: " << indexed_pages << ", in its order: " << ordered_pages
                                           << ", backward: " << descending_pages << ", by $in lookups: " << in_pages
                                           << ", of several runs: " << element_pages);
  CHECK(indexed_pages > 0);
  CHECK(ordered_pages > 0);
  CHECK(descending_pages > 0);
  CHECK(in_pages > 0);
  CHECK(element_pages > 0);
}

TEST_CASE("find bounds: a sorted query over its scan budget fails; one in id order resumes") {
  testing::TempDir dir;
  Options options;
  options.path = dir.path();
  Result<std::unique_ptr<Database>> opened = Database::open(options);
  REQUIRE(opened.ok());
  Database& db = **opened;
  for (int i = 0; i < 10; ++i)
    REQUIRE(db.put("c/" + std::to_string(i), R"({"n":)" + std::to_string(i) + "}").ok());
  FindOptions bounds;
  bounds.max_examined = 4;
  Result<FindPage> sorted = db.find("c", R"({"selector":{},"sort":["n"]})", bounds);
  REQUIRE_FALSE(sorted.ok());
  CHECK(sorted.status().code() == Status::Code::kUnavailable);
  CHECK(sorted.status().message().find("budget of 4 documents") != std::string::npos);

  Result<FindPage> page = db.find("c", R"({"selector":{"n":{"$gte":8}}})", bounds);
  REQUIRE(page.ok());
  CHECK(page->documents.empty());  // 0..3 read, none matches
  CHECK(page->examined == 4);
  REQUIRE(page->bookmark.has_value());

  bounds.deadline_ms = 0;  // past at once: one document per call, and still progress
  page = db.find("c", R"({"selector":{}})", bounds);
  REQUIRE(page.ok());
  CHECK(page->examined == 1);
  CHECK(page->documents.size() == 1);
  CHECK(page->bookmark.has_value());

  Result<FindPage> bad = db.find("c", R"({"selector":{"n":{"$like":1}}})");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().IsInvalidArgument());
  CHECK(db.find("no/such", R"({"selector":{}})").status().IsInvalidArgument());
}

TEST_CASE("find concurrency: a field with concurrent values matches on the winner get shows") {
  testing::TempDir dir;
  // Two replicas write the same field concurrently; b's clock is ahead, so its value wins.
  auto a = testing::OpenDatabase(dir.Sub("a"), 1);
  auto b = testing::OpenDatabase(dir.Sub("b"), 2, /*offset_ms=*/1000);
  REQUIRE(a->put("c/1", R"({"s":"open","n":1})").ok());
  REQUIRE(b->put("c/1", R"({"s":"done","n":1})").ok());
  Result<std::optional<std::string>> state = b->ReadState("c/1");
  REQUIRE(state.ok());
  REQUIRE(a->ApplyRemote({sync::RemoteUpdate{"c/1", crdt::DecodeDocument(**state).value(), true}})
              .ok());
  REQUIRE(Json::parse(*a->get_with_conflicts("c/1"))["conflicts"].contains("/s"));
  REQUIRE(*a->get("c/1") == R"({"n":1,"s":"done"})");

  auto ids = [&](const std::string& selector) {
    Result<FindPage> page =
        static_cast<Database&>(*a).find("c", R"({"selector":)" + selector + "}");
    REQUIRE(page.ok());
    std::vector<std::string> out;
    for (const ListedDocument& d : page->documents) out.push_back(d.id + " " + d.json);
    return out;
  };
  CHECK(ids(R"({"s":"done"})") == std::vector<std::string>{R"(1 {"n":1,"s":"done"})"});
  CHECK(ids(R"({"s":"open"})").empty());  // the value that lost is not matched
  CHECK(ids(R"({"s":{"$in":["open"]}})").empty());
}

}  // namespace
}  // namespace crdtdb
