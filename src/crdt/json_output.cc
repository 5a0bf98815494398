// Copyright (c) crdtdb authors.

#include "crdt/json_output.h"

#include <array>
#include <charconv>
#include <cstring>

namespace crdtdb::crdt {

namespace {

// The bytes dump() copies as they are: all but control characters, '"' and '\\'.
constexpr std::array<bool, 256> kPlainBytes = [] {
  std::array<bool, 256> plain{};
  for (int c = 0; c < 256; ++c) plain[static_cast<size_t>(c)] = c >= 0x20 && c != '"' && c != '\\';
  return plain;
}();

// Whether the 8 bytes at `p` are all plain: no byte below 0x20, no '"', no '\\'. From "Bit
// Twiddling Hacks": (x - 0x0101..01 * n) & ~x has a high bit set iff some byte of x is below n.
bool PlainWord(const char* p) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  uint64_t x;
  std::memcpy(&x, p, sizeof x);
  const uint64_t quote = x ^ (kOnes * '"'), backslash = x ^ (kOnes * '\\');
  const uint64_t control = (x - kOnes * 0x20) & ~x;  // some byte below 0x20
  const uint64_t special = control | ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash);
  return (special & kHigh) == 0;
}

}  // namespace

void AppendJsonString(std::string_view text, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t plain = 0;  // start of the run of bytes copied as they are
  for (size_t i = 0;; ++i) {
    while (i + 8 <= text.size() && PlainWord(text.data() + i)) i += 8;
    while (i < text.size() && kPlainBytes[static_cast<unsigned char>(text[i])]) ++i;
    out->append(text.data() + plain, i - plain);
    if (i == text.size()) break;
    plain = i + 1;
    const auto c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\b': out->append("\\b"); break;
      case '\t': out->append("\\t"); break;
      case '\n': out->append("\\n"); break;
      case '\f': out->append("\\f"); break;
      case '\r': out->append("\\r"); break;
      default:
        out->append("\\u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 15]);
    }
  }
  out->push_back('"');
}

void AppendJsonInt(int64_t value, std::string* out) {
  char buffer[24];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
  out->append(buffer, end);
}

void AppendJsonUint(uint64_t value, std::string* out) {
  char buffer[24];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
  out->append(buffer, end);
}

void AppendJsonDouble(double value, std::string* out) {
  // nlohmann's float format (Grisu2 digits, its own exponent rules) is not std::to_chars's, and
  // floats are rare in documents: let dump() write them.
  out->append(Json(value).dump());
}

void AppendJsonValue(const Json& value, std::string* out) {
  switch (value.type()) {
    case Json::value_t::null: out->append("null"); return;
    case Json::value_t::boolean: out->append(value.get<bool>() ? "true" : "false"); return;
    case Json::value_t::number_integer: AppendJsonInt(value.get<int64_t>(), out); return;
    case Json::value_t::number_unsigned: AppendJsonUint(value.get<uint64_t>(), out); return;
    case Json::value_t::number_float: AppendJsonDouble(value.get<double>(), out); return;
    case Json::value_t::string: AppendJsonString(value.get_ref<const std::string&>(), out); return;
    case Json::value_t::array: {
      out->push_back('[');
      bool first = true;
      for (const Json& item : value) {
        if (!first) out->push_back(',');
        first = false;
        AppendJsonValue(item, out);
      }
      out->push_back(']');
      return;
    }
    case Json::value_t::object: {
      out->push_back('{');
      bool first = true;
      for (const auto& [name, item] : value.get_ref<const Json::object_t&>()) {
        if (!first) out->push_back(',');
        first = false;
        AppendJsonString(name, out);
        out->push_back(':');
        AppendJsonValue(item, out);
      }
      out->push_back('}');
      return;
    }
    case Json::value_t::binary:
    case Json::value_t::discarded: break;
  }
  out->append(value.dump());  // not in a document; dump() decides
}

}  // namespace crdtdb::crdt
