// Copyright (c) crdtdb authors.

#include "query/index_key.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <set>

namespace crdtdb::query {

namespace {

enum Tag : char {
  kMissing = 0x01, kNull = 0x02, kFalse = 0x03, kTrue = 0x04, kNumber = 0x05, kString = 0x06,
  kArray = 0x07, kObject = 0x08
};

void AppendU64(uint64_t v, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>((v >> shift) & 0xff));
}

// Two's complement bits flipped so that bytewise order is numeric order: negative doubles have
// every bit flipped (larger magnitude sorts first), others only the sign bit.
uint64_t SortableDouble(double d) {
  if (d == 0) d = 0;  // -0.0 collates equal to 0
  const uint64_t bits = std::bit_cast<uint64_t>(d);
  return (bits & (uint64_t{1} << 63)) != 0 ? ~bits : bits | (uint64_t{1} << 63);
}

void AppendNumber(const Json& v, std::string* out) {
  out->push_back(kNumber);
  if (v.is_number_float()) {
    AppendU64(SortableDouble(v.get<double>()), out);
    AppendU64(uint64_t{1} << 63, out);  // a double is its own nearest double: difference 0
    return;
  }
  // long double holds every int64 and uint64 exactly on x86-64 (as collation.cc relies on too).
  const long double exact = v.is_number_unsigned() ? static_cast<long double>(v.get<uint64_t>())
                                                   : static_cast<long double>(v.get<int64_t>());
  const double nearest = static_cast<double>(exact);
  // |exact - nearest| < 2^11 for 64-bit integers: exact in a long double, and within an int64.
  const auto difference = static_cast<int64_t>(exact - static_cast<long double>(nearest));
  AppendU64(SortableDouble(nearest), out);
  AppendU64(static_cast<uint64_t>(difference) ^ (uint64_t{1} << 63), out);
}

// The string's bytes with 00 escaped, then 00 01: "a" < "a\0" < "ab" bytewise as in collation.
void AppendStringBody(const std::string& s, std::string* out) {
  for (char c : s) {
    out->push_back(c);
    if (c == '\0') out->push_back(static_cast<char>(0xff));
  }
  out->push_back('\0');
  out->push_back('\x01');
}

// The end of the value encoded at `at`, or npos if malformed. `depth` bounds the recursion as
// documents bound their nesting.
size_t SkipValue(std::string_view entry, size_t at, int depth);

size_t SkipStringBody(std::string_view entry, size_t at) {
  while (at + 1 < entry.size()) {
    if (entry[at] != '\0') {
      ++at;
    } else if (entry[at + 1] == '\x01') {
      return at + 2;
    } else {
      at += 2;  // an escaped 00
    }
  }
  return std::string_view::npos;
}

size_t SkipValue(std::string_view entry, size_t at, int depth) {
  if (at >= entry.size() || depth > 64) return std::string_view::npos;
  switch (entry[at]) {
    case kMissing: case kNull: case kFalse: case kTrue: return at + 1;
    case kNumber: return at + 17 <= entry.size() ? at + 17 : std::string_view::npos;
    case kString: return SkipStringBody(entry, at + 1);
    case kArray:
      for (++at; at < entry.size() && entry[at] != '\0';) {
        at = SkipValue(entry, at, depth + 1);
        if (at == std::string_view::npos) return at;
      }
      return at < entry.size() ? at + 1 : std::string_view::npos;
    case kObject:
      for (++at; at < entry.size() && entry[at] == '\x01';) {
        at = SkipStringBody(entry, at + 1);
        if (at == std::string_view::npos) return at;
        at = SkipValue(entry, at, depth + 1);
        if (at == std::string_view::npos) return at;
      }
      return at < entry.size() && entry[at] == '\0' ? at + 1 : std::string_view::npos;
    default: return std::string_view::npos;
  }
}

}  // namespace

Result<size_t> EncodedValuesSize(std::string_view entry, size_t count) {
  size_t at = 0;
  for (size_t i = 0; i < count; ++i) {
    at = SkipValue(entry, at, 0);
    if (at == std::string_view::npos) return Status::Corruption("malformed index entry");
  }
  return at;
}

void AppendIndexValue(const Json* value, std::string* out) {
  if (value == nullptr) {
    out->push_back(kMissing);
    return;
  }
  switch (value->type()) {
    case Json::value_t::null: out->push_back(kNull); return;
    case Json::value_t::boolean: out->push_back(value->get<bool>() ? kTrue : kFalse); return;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float: AppendNumber(*value, out); return;
    case Json::value_t::string:
      out->push_back(kString);
      AppendStringBody(value->get_ref<const std::string&>(), out);
      return;
    case Json::value_t::array:
      // Every element encoding starts with a tag above 00, so the end mark sorts a prefix first.
      out->push_back(kArray);
      for (const Json& element : *value) AppendIndexValue(&element, out);
      out->push_back('\0');
      return;
    default:
      // nlohmann::json keeps members in name order, which is the collation's.
      out->push_back(kObject);
      for (auto it = value->begin(); it != value->end(); ++it) {
        out->push_back('\x01');
        AppendStringBody(it.key(), out);
        AppendIndexValue(&it.value(), out);
      }
      out->push_back('\0');
      return;
  }
}

std::vector<std::string> IndexEntries(const Json& document, const std::vector<FieldPath>& fields,
                                      std::string_view id) {
  std::vector<const Json*> values;
  values.reserve(fields.size());
  for (const FieldPath& field : fields) values.push_back(Lookup(document, field));
  return IndexEntries(values, id);
}

std::vector<std::string> IndexEntries(const std::vector<const Json*>& values, std::string_view id) {
  std::vector<std::string> out(1);
  bool has_elements = false;  // whether some field holds a nonempty array
  for (const Json* value : values) {
    AppendIndexValue(value, &out.front());
    has_elements = has_elements || (value != nullptr && value->is_array() && !value->empty());
  }
  out.front().append(id);
  // Most documents (no arrays) have the whole entry alone: a write makes no more than it.
  if (!has_elements) return out;
  // Per field: its whole encoding, then the distinct encodings of its elements if an array.
  std::vector<std::vector<std::string>> choices(values.size());
  size_t combinations = 1;
  for (size_t i = 0; i < values.size(); ++i) {
    const Json* value = values[i];
    AppendIndexValue(value, &choices[i].emplace_back());
    if (value == nullptr || !value->is_array()) continue;
    std::set<std::string> elements;
    for (const Json& element : *value) {
      std::string e;
      AppendIndexValue(&element, &e);
      elements.insert(std::move(e));
    }
    choices[i].insert(choices[i].end(), elements.begin(), elements.end());
    combinations = std::min(combinations * choices[i].size(), kMaxElementEntries + 2);
  }
  if (combinations == 1) return out;
  if (combinations - 1 > kMaxElementEntries) {
    out.push_back(std::string(kOverflowEntries) + std::string(id));
    return out;
  }
  // Every combination but the all-whole one, by counting in mixed radix.
  std::vector<size_t> pick(values.size(), 0);
  for (size_t n = 1; n < combinations; ++n) {
    for (size_t i = 0; i < pick.size(); ++i) {
      if (++pick[i] < choices[i].size()) break;
      pick[i] = 0;
    }
    std::string entry(1, kElementEntry);
    for (size_t i = 0; i < pick.size(); ++i) entry += choices[i][pick[i]];
    out.push_back(entry + std::string(id));
  }
  return out;
}

Result<size_t> EntryIdOffset(std::string_view entry, size_t count) {
  if (entry.starts_with(kOverflowEntries)) return kOverflowEntries.size();
  const size_t skip = !entry.empty() && entry[0] == kElementEntry ? 1 : 0;
  Result<size_t> tuple = EncodedValuesSize(entry.substr(skip), count);
  if (!tuple.ok()) return tuple.status();
  return skip + *tuple;
}

std::string PrefixEnd(std::string prefix) {
  while (!prefix.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(prefix.back());
    if (last != 0xff) {
      ++last;
      return prefix;
    }
    prefix.pop_back();
  }
  return prefix;
}

std::string TypeStart(const Json& value) {
  std::string tag;
  AppendIndexValue(&value, &tag);
  tag.resize(1);
  if (tag[0] == kTrue) tag[0] = kFalse;
  return tag;
}

std::string TypeEnd(const Json& value) {
  std::string tag = TypeStart(value);
  tag[0] = static_cast<char>(tag[0] == kFalse ? kNumber : tag[0] + 1);
  return tag;
}

}  // namespace crdtdb::query
