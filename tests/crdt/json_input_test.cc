// Copyright (c) crdtdb authors.

#include <doctest/doctest.h>

#include <string>

#include "crdt/json_input.h"
#include "crdt/limits.h"

namespace crdtdb::crdt {
namespace {

TEST_CASE("a JSON object parses") {
  Result<Json> v = ParseJsonObject(R"({"title": "milk", "n": [1, 2], "o": {"p": null}})");
  REQUIRE(v.ok());
  CHECK((*v)["title"] == "milk");
  CHECK((*v)["o"]["p"].is_null());
}

TEST_CASE("non-objects are rejected for documents") {
  for (const char* text : {"[]", "1", "\"s\"", "null", "true"}) {
    Result<Json> v = ParseJsonObject(text);
    CHECK(v.status().IsInvalidArgument());
    CHECK(v.status().message().find("expected a JSON object") != std::string::npos);
  }
}

TEST_CASE("malformed JSON is an error naming where it went wrong") {
  for (const char* text : {"", "{", "{\"a\": }", "{\"a\": 1,}", "{'a': 1}", "{\"a\": 1} x", "nul"}) {
    Result<Json> v = ParseJson(text);
    CHECK(v.status().IsInvalidArgument());
    CHECK(v.status().message().find("malformed JSON") != std::string::npos);
  }
  CHECK(ParseJson("{\"a\": 1,}").status().message().find("column") != std::string::npos);
}

TEST_CASE("invalid UTF-8 in a string is rejected") {
  CHECK(ParseJson("{\"a\": \"\xff\xfe\"}").status().IsInvalidArgument());
  CHECK(ParseJson("{\"a\": \"\xc0\xaf\"}").status().IsInvalidArgument());
}

TEST_CASE("nesting is bounded before parsing") {
  auto nested = [](int depth) {
    std::string s;
    for (int i = 0; i < depth - 1; ++i) s += "{\"a\":";
    s += "{}";
    for (int i = 0; i < depth - 1; ++i) s += "}";
    return s;
  };
  CHECK(ParseJson(nested(kMaxJsonDepth)).ok());
  Result<Json> deep = ParseJson(nested(kMaxJsonDepth + 1));
  CHECK(deep.status().IsInvalidArgument());
  CHECK(deep.status().message().find("nests deeper") != std::string::npos);
  // A million brackets must not reach the recursive parser.
  CHECK(ParseJson(std::string(1'000'000, '[')).status().IsInvalidArgument());
  // Brackets inside strings do not count.
  CHECK(ParseJson("{\"a\": \"" + std::string(100, '[') + "\"}").ok());
}

TEST_CASE("input size is bounded") {
  std::string big = "{\"a\": \"" + std::string(kMaxJsonBytes, 'x') + "\"}";
  Result<Json> v = ParseJson(big);
  CHECK(v.status().IsInvalidArgument());
  CHECK(v.status().message().find("limit") != std::string::npos);
}

}  // namespace
}  // namespace crdtdb::crdt
