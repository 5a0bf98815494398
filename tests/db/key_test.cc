// Copyright (c) crdtdb authors.

#include "db/key.h"

#include <doctest/doctest.h>

#include <string>

namespace crdtdb::db {
namespace {

TEST_CASE("keys are collection/id with an optional leading slash") {
  CHECK(*NormalizeKey("todos/1") == "todos/1");
  CHECK(*NormalizeKey("/todos/1") == "todos/1");
  CHECK(*NormalizeKey("/t/ü✓") == "t/ü✓");
}

TEST_CASE("bad keys are rejected with the reason") {
  for (const char* bad : {"", "/", "todos", "/todos", "todos/", "/todos/", "//1", "a/b/c", "/a/b/"}) {
    Result<std::string> k = NormalizeKey(bad);
    CAPTURE(bad);
    CHECK(k.status().IsInvalidArgument());
    CHECK(k.status().message().find("bad path") != std::string::npos);
  }
  CHECK(NormalizeKey("a/b\x01").status().message().find("control character") != std::string::npos);
  CHECK(NormalizeKey("a/" + std::string(kMaxKeyPartBytes, 'x')).ok());
  CHECK(NormalizeKey("a/" + std::string(kMaxKeyPartBytes + 1, 'x')).status().message().find("longer than") !=
        std::string::npos);
  CHECK(NormalizeKey("a/\xff").status().IsInvalidArgument());
}

TEST_CASE("collections accept surrounding slashes") {
  CHECK(*NormalizeCollection("/todos") == "todos");
  CHECK(*NormalizeCollection("todos/") == "todos");
  CHECK(NormalizeCollection("a/b").status().IsInvalidArgument());
  CHECK(NormalizeCollection("").status().IsInvalidArgument());
}

TEST_CASE("field paths are a name or a JSON pointer") {
  CHECK(*ParseFieldPath("views") == crdt::FieldPath{"views"});
  CHECK(*ParseFieldPath("/stats/views") == crdt::FieldPath{"stats", "views"});
  CHECK(*ParseFieldPath("/a~1b/c~0d") == crdt::FieldPath{"a/b", "c~d"});
  CHECK(*ParseFieldPath("/") == crdt::FieldPath{""});
  CHECK(ParseFieldPath("").status().IsInvalidArgument());
  CHECK(ParseFieldPath("/a~2").status().IsInvalidArgument());
}

}  // namespace
}  // namespace crdtdb::db
