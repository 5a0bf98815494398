// Copyright (c) crdtdb authors.

#include "query/collation.h"

#include <cstdint>
#include <string>

namespace crdtdb::query {

namespace {

int Sign(auto a, auto b) { return a < b ? -1 : (a > b ? 1 : 0); }

// long double holds every int64 and uint64 exactly (a 64-bit mantissa on x86-64), so mixed
// comparisons are exact there; integers of one kind compare as integers everywhere.
int CompareNumbers(const Json& a, const Json& b) {
  if (a.is_number_float() || b.is_number_float()) {
    auto wide = [](const Json& v) -> long double {
      if (v.is_number_float()) return v.get<double>();
      if (v.is_number_unsigned()) return static_cast<long double>(v.get<uint64_t>());
      return static_cast<long double>(v.get<int64_t>());
    };
    return Sign(wide(a), wide(b));
  }
  const bool a_neg = a.is_number_integer() && !a.is_number_unsigned() && a.get<int64_t>() < 0;
  const bool b_neg = b.is_number_integer() && !b.is_number_unsigned() && b.get<int64_t>() < 0;
  if (a_neg != b_neg) return a_neg ? -1 : 1;
  if (a_neg) return Sign(a.get<int64_t>(), b.get<int64_t>());
  return Sign(a.get<uint64_t>(), b.get<uint64_t>());
}

}  // namespace

int TypeRank(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null: return 0;
    case Json::value_t::boolean: return value.get<bool>() ? 2 : 1;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float: return 3;
    case Json::value_t::string: return 4;
    case Json::value_t::array: return 5;
    default: return 6;  // object (binary and discarded never come from JSON text)
  }
}

bool SameType(const Json& a, const Json& b) {
  if (a.is_boolean() && b.is_boolean()) return true;
  return TypeRank(a) == TypeRank(b);
}

int Collate(const Json& a, const Json& b) {
  const int rank = TypeRank(a);
  if (int c = Sign(rank, TypeRank(b)); c != 0) return c;
  switch (rank) {
    case 3: return CompareNumbers(a, b);
    case 4:
      return Sign(a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>()), 0);
    case 5: {
      for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
        if (int c = Collate(a[i], b[i]); c != 0) return c;
      }
      return Sign(a.size(), b.size());
    }
    case 6: {
      // nlohmann::json keeps members in a std::map: in name order.
      auto x = a.begin(), y = b.begin();
      for (; x != a.end() && y != b.end(); ++x, ++y) {
        if (int c = Sign(x.key().compare(y.key()), 0); c != 0) return c;
        if (int c = Collate(x.value(), y.value()); c != 0) return c;
      }
      return Sign(a.size(), b.size());
    }
    default: return 0;  // null, false, true: the rank is the value
  }
}

}  // namespace crdtdb::query
