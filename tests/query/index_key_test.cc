// Copyright (c) crdtdb authors.
//
// The index key encoding (query/index_key.h): bytewise order of encodings is the collation of the
// values, equal values encode alike, and encodings are self-delimiting (EncodedValuesSize finds
// where a tuple ends, so the id after it is read back). The planner's ranges rest on these.

#include "query/index_key.h"

#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include <doctest/doctest.h>

#include "query/collation.h"
#include "tests/support/seed.h"

namespace crdtdb::query {
namespace {

int Sign(int v) { return v < 0 ? -1 : (v > 0 ? 1 : 0); }

std::string Encode(const Json& v) {
  std::string out;
  AppendIndexValue(&v, &out);
  return out;
}

Json RandomValue(std::mt19937_64& rng, int depth) {
  switch (rng() % (depth < 2 ? 12 : 9)) {
    case 0: return nullptr;
    case 1: return rng() % 2 == 0;
    case 2: return static_cast<int64_t>(rng() % 11) - 5;
    case 3: return static_cast<double>(static_cast<int64_t>(rng() % 21) - 10) / 4;
    case 4: return (int64_t{1} << 53) + static_cast<int64_t>(rng() % 5);  // beyond a double's precision
    case 5: return std::numeric_limits<uint64_t>::max() - rng() % 3;
    case 6: return std::numeric_limits<int64_t>::min() + static_cast<int64_t>(rng() % 3);
    case 7: {
      std::string s;
      for (int i = 0, n = static_cast<int>(rng() % 3); i < n; ++i) s.push_back("\0a\x01\xff"[rng() % 4]);
      return s;
    }
    case 8: return 9007199254740992.0 + static_cast<double>(rng() % 3) * 2;
    case 9:
    case 10: {
      Json a = Json::array();
      for (int i = 0, n = static_cast<int>(rng() % 3); i < n; ++i) a.push_back(RandomValue(rng, depth + 1));
      return a;
    }
    default: {
      Json o = Json::object();
      for (int i = 0, n = static_cast<int>(rng() % 3); i < n; ++i) o[std::string(1, "ab\0"[rng() % 3])] = RandomValue(rng, depth + 1);
      return o;
    }
  }
}

TEST_CASE("index key: the bytewise order of encodings is the collation of the values") {
  for (uint64_t seed : testing::PropertySeeds(20)) {
    INFO("replay: " << testing::ReplayCommand(seed));
    std::mt19937_64 rng(seed);
    for (int i = 0; i < 500; ++i) {
      const Json a = RandomValue(rng, 0), b = RandomValue(rng, 0);
      CAPTURE(a.dump());
      CAPTURE(b.dump());
      const std::string x = Encode(a), y = Encode(b);
      CHECK(Sign(x.compare(y)) == Sign(Collate(a, b)));
      // Self-delimiting: a tuple of both, then an id, splits where it should.
      const std::string entry = x + y + "id";
      Result<size_t> size = EncodedValuesSize(entry, 2);
      REQUIRE(size.ok());
      CHECK(entry.substr(*size) == "id");
      CHECK(*EncodedValuesSize(entry, 1) == x.size());
      // A range by type holds every value of that type.
      CHECK(TypeStart(a) <= x);
      CHECK(x < TypeEnd(a));
    }
  }
}

TEST_CASE("index key: numbers equal by value encode alike; missing sorts first; malformed is refused") {
  CHECK(Encode(Json(1)) == Encode(Json(1.0)));
  CHECK(Encode(Json(uint64_t{7})) == Encode(Json(int64_t{7})));
  CHECK(Encode(Json(-0.0)) == Encode(Json(0)));
  CHECK(Encode(Json((int64_t{1} << 53) + 1)) > Encode(Json(static_cast<double>(int64_t{1} << 53))));
  std::string missing;
  AppendIndexValue(nullptr, &missing);
  CHECK(missing < Encode(Json(nullptr)));
  CHECK(PrefixEnd("a\xff") == "b");
  CHECK(PrefixEnd("\xff\xff").empty());
  CHECK_FALSE(EncodedValuesSize("\x06" "abc", 1).ok());  // a string without its end
  CHECK_FALSE(EncodedValuesSize("\x05" "1234", 1).ok());  // a short number
  CHECK_FALSE(EncodedValuesSize("\x09", 1).ok());         // no such tag
}

}  // namespace
}  // namespace crdtdb::query
