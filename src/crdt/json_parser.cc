// Copyright (c) crdtdb authors.

#include "crdt/json_parser.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <string>

#include "crdt/limits.h"
#include "util/utf8.h"

namespace crdtdb::crdt {

namespace {

// What a byte inside a string is: the end of a run of plain bytes (a control character, '"' or
// '\\'), or a plain byte, ASCII or not.
enum StringByte : unsigned char { kEnd = 0, kAscii = 1, kNonAscii = 2 };
constexpr std::array<unsigned char, 256> kStringBytes = [] {
  std::array<unsigned char, 256> kinds{};
  for (int c = 0; c < 256; ++c) {
    kinds[static_cast<size_t>(c)] = c < 0x20 || c == '"' || c == '\\' ? kEnd : c < 0x80 ? kAscii : kNonAscii;
  }
  return kinds;
}();

class Parser {
 public:
  explicit Parser(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  // The whole text as one value, or false.
  bool ParseDocument(Json* out) {
    SkipSpace();
    if (!Value(out, 0)) return false;
    SkipSpace();
    return p_ == end_;
  }

 private:
  void SkipSpace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool Consume(char c) {
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }

  bool Literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) return false;
    p_ += word.size();
    return true;
  }

  bool Value(Json* out, int depth) {
    if (p_ == end_) return false;
    switch (*p_) {
      case '{': return Object(out, depth + 1);
      case '[': return Array(out, depth + 1);
      case '"': {
        std::string s;
        if (!String(&s)) return false;
        *out = std::move(s);
        return true;
      }
      case 't': *out = true; return Literal("true");
      case 'f': *out = false; return Literal("false");
      case 'n': *out = nullptr; return Literal("null");
      default: return Number(out);
    }
  }

  bool Object(Json* out, int depth) {
    if (depth > kMaxJsonDepth) return false;
    ++p_;  // '{'
    *out = Json::object();
    Json::object_t& members = out->get_ref<Json::object_t&>();
    SkipSpace();
    if (Consume('}')) return true;
    for (;;) {
      std::string name;
      Json value;
      SkipSpace();
      if (p_ == end_ || *p_ != '"' || !String(&name)) return false;
      SkipSpace();
      if (!Consume(':')) return false;
      SkipSpace();
      if (!Value(&value, depth)) return false;
      // A duplicate name is refused by the caller (I-JSON), with a message naming it.
      if (!members.emplace(std::move(name), std::move(value)).second) return false;
      SkipSpace();
      if (Consume('}')) return true;
      if (!Consume(',')) return false;
    }
  }

  bool Array(Json* out, int depth) {
    if (depth > kMaxJsonDepth) return false;
    ++p_;  // '['
    *out = Json::array();
    Json::array_t& items = out->get_ref<Json::array_t&>();
    SkipSpace();
    if (Consume(']')) return true;
    for (;;) {
      SkipSpace();
      if (!Value(&items.emplace_back(), depth)) return false;
      SkipSpace();
      if (Consume(']')) return true;
      if (!Consume(',')) return false;
    }
  }

  static int HexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // \uXXXX outside the surrogate range, as UTF-8.
  bool UnicodeEscape(std::string* out) {
    if (end_ - p_ < 4) return false;
    unsigned code = 0;
    for (int i = 0; i < 4; ++i) {
      const int digit = HexDigit(*p_++);
      if (digit < 0) return false;
      code = code * 16 + static_cast<unsigned>(digit);
    }
    if (code >= 0xd800 && code <= 0xdfff) return false;  // pairs and lone halves: left to nlohmann
    if (code < 0x80) {
      out->push_back(static_cast<char>(code));
    } else if (code < 0x800) {
      out->push_back(static_cast<char>(0xc0 | (code >> 6)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3f)));
    } else {
      out->push_back(static_cast<char>(0xe0 | (code >> 12)));
      out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3f)));
    }
    return true;
  }

  bool String(std::string* out) {
    ++p_;  // '"'
    unsigned seen = 0;  // the kinds of plain bytes met, or-ed: kNonAscii tells UTF-8 to check
    for (;;) {
      const char* run = p_;  // bytes copied as they are
      for (unsigned kind; p_ != end_ && (kind = kStringBytes[static_cast<unsigned char>(*p_)]) != kEnd; ++p_) {
        seen |= kind;
      }
      out->append(run, p_);
      if (p_ == end_ || static_cast<unsigned char>(*p_) < 0x20) return false;
      if (*p_++ == '"') break;
      if (p_ == end_) return false;
      switch (*p_++) {
        case '"': out->push_back('"'); break;
        case '\\': out->push_back('\\'); break;
        case '/': out->push_back('/'); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'n': out->push_back('\n'); break;
        case 'r': out->push_back('\r'); break;
        case 't': out->push_back('\t'); break;
        case 'u':
          if (!UnicodeEscape(out)) return false;
          break;
        default: return false;
      }
    }
    return (seen & kNonAscii) == 0 || IsValidUtf8(*out);
  }

  // -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
  bool Number(Json* out) {
    const char* start = p_;
    const bool negative = Consume('-');
    if (p_ == end_ || *p_ < '0' || *p_ > '9') return false;
    if (*p_ == '0') {
      ++p_;
    } else {
      SkipDigits();
    }
    bool integer = true;
    if (Consume('.')) {
      if (!SkipDigits()) return false;
      integer = false;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (!Consume('+')) Consume('-');
      if (!SkipDigits()) return false;
      integer = false;
    }
    // Integers too large for 64 bits, and doubles out of range, are errors here and left to the
    // fallback, which turns the former into doubles.
    if (integer && negative) {
      int64_t i = 0;
      if (!Converted(std::from_chars(start, p_, i))) return false;
      *out = i;
    } else if (integer) {
      uint64_t u = 0;
      if (!Converted(std::from_chars(start, p_, u))) return false;
      *out = u;
    } else {
      double d = 0;
      if (!Converted(std::from_chars(start, p_, d))) return false;
      *out = d;
    }
    return true;
  }

  bool Converted(std::from_chars_result r) const { return r.ec == std::errc() && r.ptr == p_; }

  bool SkipDigits() {
    const char* start = p_;
    while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    return p_ != start;
  }

  const char* p_;
  const char* const end_;
};

}  // namespace

std::optional<Json> ParseWellFormedJson(std::string_view text) {
  Json value;
  if (!Parser(text).ParseDocument(&value)) return std::nullopt;
  return value;
}

}  // namespace crdtdb::crdt
