// Copyright (c) crdtdb authors.

#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "query/bookmark.h"
#include "query/limits.h"
#include "query/matcher.h"
#include "query/query.h"
#include "tests/support/seed.h"

namespace crdtdb::query {
namespace {

// The error of parsing `text` as a query; fails the test if it parses.
std::string ErrorOf(const std::string& text) {
  Result<Query> q = ParseQuery(text);
  REQUIRE_FALSE(q.ok());
  CHECK(q.status().IsInvalidArgument());
  return q.status().message();
}

bool Match(const std::string& selector, const std::string& doc) {
  Result<Query> q = ParseQuery("{\"selector\":" + selector + "}");
  REQUIRE_MESSAGE(q.ok(), q.status().ToString());
  return Matches(q->selector, Json::parse(doc));
}

TEST_CASE("find selector: equality, operators, nesting and combinations match as documented") {
  const std::string doc =
      R"({"status":"open","n":3,"owner":{"name":"ann"},"tags":["a","b"],"x":null})";
  CHECK(Match("{}", doc));
  CHECK(Match(R"({"status":"open"})", doc));
  CHECK_FALSE(Match(R"({"status":"done"})", doc));
  CHECK(Match(R"({"n":3.0})", doc));  // numbers by value
  CHECK(Match(R"({"owner.name":"ann"})", doc));
  CHECK(Match(R"({"owner":{"name":"ann"}})", doc));          // a nested selector
  CHECK(Match(R"({"owner":{"$eq":{"name":"ann"}}})", doc));  // a whole object under $eq
  CHECK(Match(R"({"tags":["a","b"]})", doc));
  // An array matches whole or by one of its elements (one level deep), as MongoDB's.
  CHECK(Match(R"({"tags":"a"})", doc));
  CHECK(Match(R"({"tags":{"$in":["z","b"]}})", doc));
  CHECK(Match(R"({"tags":{"$gt":"a"}})", doc));  // "b"
  CHECK_FALSE(Match(R"({"tags":{"$gt":"b"}})", doc));
  CHECK_FALSE(Match(R"({"tags":{"$ne":"a"}})", doc));  // one element equals it
  CHECK(Match(R"({"tags":{"$ne":"c"}})", doc));
  CHECK_FALSE(Match(R"({"tags":{"$nin":["b"]}})", doc));
  CHECK_FALSE(Match(R"({"tags":["a"]})", doc));
  CHECK(Match(R"({"nested":[1]})", R"({"nested":[[1],2]})"));   // an element that is an array
  CHECK_FALSE(Match(R"({"nested":1})", R"({"nested":[[1],2]})"));  // not an element's element
  CHECK(Match(R"({"n":{"$gt":2,"$lte":3}})", doc));
  CHECK_FALSE(Match(R"({"n":{"$gt":"2"}})", doc));  // ranges hold within one type only
  CHECK_FALSE(Match(R"({"status":{"$gt":5}})", doc));
  CHECK(Match(R"({"status":{"$gt":"ok"}})", doc));
  CHECK(Match(R"({"n":{"$in":[1,3]}})", doc));
  CHECK(Match(R"({"n":{"$nin":[1,2]}})", doc));
  CHECK(Match(R"({"n":{"$ne":4}})", doc));
  CHECK_FALSE(Match(R"({"missing":{"$ne":4}})", doc));  // a missing field fails every condition...
  CHECK_FALSE(Match(R"({"missing":{"$nin":[4]}})", doc));
  CHECK(Match(R"({"missing":{"$exists":false}})", doc));  // ...but $exists: false
  CHECK(Match(R"({"x":{"$exists":true}})", doc));         // null is a value
  CHECK(Match(R"({"x":null})", doc));
  CHECK(Match(R"({"$or":[{"n":1},{"status":"open"}]})", doc));
  CHECK_FALSE(Match(R"({"$and":[{"n":3},{"status":"done"}]})", doc));
  CHECK(Match(R"({"a\\.b":1})", R"({"a.b":1})"));  // an escaped dot is part of the name
  CHECK_FALSE(Match(R"({"tags.0":"a"})", doc));    // paths do not index arrays
}

TEST_CASE("find selector: unknown operators, type errors and malformed parts are named") {
  CHECK(ErrorOf(R"({"selector":{"n":{"$regex":"a"}}})")
            .find("field \"n\": unknown operator \"$regex\"") != std::string::npos);
  CHECK(ErrorOf(R"({"selector":{"$nor":[]}})").find("unknown operator \"$nor\"") !=
        std::string::npos);
  CHECK(ErrorOf(R"({"selector":{"$gt":1}})").find("$gt must be applied to a field") !=
        std::string::npos);
  CHECK(ErrorOf(R"({"selector":{"n":{"$in":3}}})")
            .find("field \"n\": $in takes an array, not a number") != std::string::npos);
  CHECK(ErrorOf(R"({"selector":{"n":{"$exists":"yes"}}})").find("$exists takes true or false") !=
        std::string::npos);
  CHECK(ErrorOf(R"({"selector":{"$or":[]}})").find("$or takes a non-empty array") !=
        std::string::npos);
  CHECK(
      ErrorOf(R"({"selector":{"$and":[{"a":1},3]}})").find("selector.$and[1]: must be an object") !=
      std::string::npos);
  CHECK(ErrorOf(R"({"selector":{"a":{"$gt":1,"b":2}}})").find("mixes operators and field names") !=
        std::string::npos);
  CHECK(ErrorOf(R"({"selector":{"a..b":1}})").find("field path \"a..b\": has an empty segment") !=
        std::string::npos);
  CHECK(ErrorOf(R"({"selector":{"a":{"$or":[]}}})").find("$or combines selectors") !=
        std::string::npos);
  CHECK(ErrorOf(R"({"selector":[1]})").find("selector: must be an object, not an array") !=
        std::string::npos);
  CHECK(ErrorOf(R"({"sort":["a"]})").find("no \"selector\"") != std::string::npos);
  CHECK(ErrorOf(R"({"selector":{},"limits":3})").find("unknown query member \"limits\"") !=
        std::string::npos);
  CHECK(ErrorOf(R"({"selector":{},"limit":0})").find("limit: a whole number from 1") !=
        std::string::npos);
  CHECK(ErrorOf(R"({"selector":{},"limit":-1})").find("limit:") != std::string::npos);
  CHECK(ErrorOf(R"({"selector":{},"sort":[{"a":"up"}]})").find("not \"asc\" or \"desc\"") !=
        std::string::npos);
  CHECK(ErrorOf(R"({"selector":{},"sort":[3]})").find("sort: each field is") != std::string::npos);
  CHECK(ErrorOf(R"({"selector":{},"fields":"a"})").find("fields: an array") != std::string::npos);
  CHECK(ErrorOf(R"({"selector":{},"bookmark":"%%"})").find("bookmark: not a bookmark") !=
        std::string::npos);
  CHECK(ErrorOf(R"({"selector":)").find("not valid JSON") != std::string::npos);
  CHECK(ErrorOf("[]").find("must be a JSON object") != std::string::npos);
}

TEST_CASE("find selector: oversized queries are refused before any document is read") {
  const std::string big = R"({"selector":{"a":")" + std::string(kMaxQueryBytes, 'x') + R"("}})";
  CHECK(ErrorOf(big).find("bytes; at most 65536") != std::string::npos);
  std::string many = R"({"selector":{"$or":[)";
  for (size_t i = 0; i <= kMaxConditions; ++i) many += (i ? "," : "") + std::string(R"({"a":1})");
  many += "]}}";
  CHECK(ErrorOf(many).find("more than 1000 conditions") != std::string::npos);
  std::string in = R"({"selector":{"a":{"$in":[)";
  for (size_t i = 0; i <= kMaxInValues; ++i) in += (i ? "," : "") + std::to_string(i);
  in += "]}}}";
  CHECK(ErrorOf(in).find("$in has more than 1000 values") != std::string::npos);
  std::string deep = R"({"selector":{"a":)";
  for (int i = 0; i < 40; ++i) deep += R"({"b":)";
  deep += "1" + std::string(41, '}') + "}";
  CHECK(ErrorOf(deep).find("not valid JSON") != std::string::npos);  // deeper than kMaxJsonDepth
}

TEST_CASE("find bookmark: round-trips a position and refuses one of another sort") {
  Position p{{std::nullopt, Json("x"), Json(2.5)}, "id/with\"odd"};
  const std::string b = EncodeBookmark(p);
  CHECK(b.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
        std::string::npos);
  Result<Position> back = DecodeBookmark(b, 3);
  REQUIRE(back.ok());
  CHECK(back->id == p.id);
  CHECK(back->values == p.values);
  Result<Position> other = DecodeBookmark(b, 1);
  REQUIRE_FALSE(other.ok());
  CHECK(other.status().message().find("another sort") != std::string::npos);
}

// Queries spliced from pieces of valid and invalid syntax: each is parsed or refused with
// InvalidArgument, and a parsed one matches any document without failing.
TEST_CASE("find selector: random query text is parsed or refused, never trusted blindly") {
  const std::vector<std::string> pieces = {"{",
                                           "}",
                                           "[",
                                           "]",
                                           ",",
                                           ":",
                                           "\"selector\"",
                                           "\"sort\"",
                                           "\"fields\"",
                                           "\"limit\"",
                                           "\"bookmark\"",
                                           "\"a\"",
                                           "\"a.b\"",
                                           "\"$eq\"",
                                           "\"$in\"",
                                           "\"$or\"",
                                           "\"$and\"",
                                           "\"$exists\"",
                                           "\"$gt\"",
                                           "\"$x\"",
                                           "\"desc\"",
                                           "1",
                                           "-2.5",
                                           "true",
                                           "null",
                                           "\"\\\\\""};
  const Json doc = Json::parse(R"({"a":{"b":[1,2]},"c":"x"})");
  for (uint64_t seed : testing::PropertySeeds(2000)) {
    std::mt19937_64 rng(seed);
    std::string text = R"({"selector":{)";
    for (int i = 0, n = static_cast<int>(rng() % 12); i < n; ++i)
      text += pieces[rng() % pieces.size()];
    text += rng() % 2 ? "}}" : "}";
    CAPTURE(text);
    Result<Query> q = ParseQuery(text);
    if (!q.ok()) {
      CHECK(q.status().IsInvalidArgument());
      continue;
    }
    (void)Matches(q->selector, doc);
  }
}

}  // namespace
}  // namespace crdtdb::query
