// Copyright (c) crdtdb authors.

#include "query/collation.h"

#include <cstdint>
#include <vector>

#include <doctest/doctest.h>

namespace crdtdb::query {
namespace {

TEST_CASE("find collation: types in CouchDB's order, values within each") {
  // Each sorts strictly before the next.
  const std::vector<Json> ascending = {nullptr,
                                       false,
                                       true,
                                       Json(-5),
                                       Json(-1.5),
                                       Json(0),
                                       Json(1u),
                                       Json(1.5),
                                       Json(UINT64_MAX),
                                       "",
                                       "B",
                                       "a",
                                       "ab",
                                       "é",
                                       Json::array(),
                                       Json::array({1}),
                                       Json::array({1, 2}),
                                       Json::array({2}),
                                       Json::object(),
                                       Json{{"a", 1}},
                                       Json{{"a", 2}},
                                       Json{{"a", 2}, {"b", 0}},
                                       Json{{"b", 0}}};
  for (size_t i = 0; i < ascending.size(); ++i) {
    CAPTURE(ascending[i].dump());
    CHECK(Collate(ascending[i], ascending[i]) == 0);
    for (size_t j = i + 1; j < ascending.size(); ++j) {
      CAPTURE(ascending[j].dump());
      CHECK(Collate(ascending[i], ascending[j]) < 0);
      CHECK(Collate(ascending[j], ascending[i]) > 0);
    }
  }
}

TEST_CASE("find collation: numbers compare by value across representations, exactly") {
  CHECK(Collate(Json(1), Json(1.0)) == 0);
  CHECK(Collate(Json(int64_t{-3}), Json(uint64_t{3})) < 0);
  // 2^53 + 1 is no double: it must still sort after the double 2^53.
  CHECK(Collate(Json(uint64_t{9007199254740993u}), Json(9007199254740992.0)) > 0);
  CHECK(Collate(Json(INT64_MIN), Json(-9.3e18)) > 0);
  CHECK(SameType(Json(true), Json(false)));
  CHECK_FALSE(SameType(Json(1), Json("1")));
}

}  // namespace
}  // namespace crdtdb::query
