// Copyright (c) crdtdb authors.

#include "crdt/json_input.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "crdt/json_parser.h"
#include "crdt/limits.h"

namespace crdtdb::crdt {

namespace {

// Tracks whether a scan of JSON text is inside a string literal, escapes included, so that the
// scans below see only the text between strings.
class StringTracker {
 public:
  // Takes the next character; true if it is part of a string literal (its quotes included).
  bool InString(char c) {
    if (in_string_) {
      if (escaped_) {
        escaped_ = false;
      } else if (c == '\\') {
        escaped_ = true;
      } else if (c == '"') {
        in_string_ = false;
      }
      return true;
    }
    in_string_ = c == '"';
    return in_string_;
  }

 private:
  bool in_string_ = false;
  bool escaped_ = false;
};

// The deepest nesting of [ and { outside strings. Malformed text is left to the parser.
int NestingDepth(std::string_view text) {
  int depth = 0, deepest = 0;
  StringTracker strings;
  for (char c : text) {
    if (strings.InString(c)) continue;
    if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

// At most this many bytes of a name or a number are quoted in an error message.
constexpr size_t kQuotedBytesMax = 64;

std::string Quoted(std::string_view text) {
  std::string shown(text.substr(0, kQuotedBytesMax));
  if (text.size() > kQuotedBytesMax) shown += "...";
  return Json(shown).dump(-1, ' ', false, Json::error_handler_t::replace);
}

// A number literal of valid JSON text that the parsed value would not hold exactly is refused
// rather than rounded in silence: an integer (no fraction, no exponent) beyond int64/uint64, which
// nlohmann would turn into a double, or any number that underflows to 0 or overflows a double.
// Other decimals round to the nearest double, as in every JSON parser (docs/crdt.md, section 14).
Status CheckNumber(std::string_view literal) {
  const char* begin = literal.data();
  const char* end = begin + literal.size();
  if (literal.find_first_of(".eE") == std::string_view::npos) {
    int64_t i = 0;
    uint64_t u = 0;
    const bool fits = literal.front() == '-' ? std::from_chars(begin, end, i).ec == std::errc()
                                             : std::from_chars(begin, end, u).ec == std::errc();
    if (fits) return Status::OK();
    return Status::InvalidArgument(
        "integer " + std::string(literal.substr(0, kQuotedBytesMax)) +
        " is beyond 64 bits (-9223372036854775808 to 18446744073709551615) "
        "and cannot be kept exactly; send it as a string");
  }
  double d = 0;
  if (std::from_chars(begin, end, d).ec == std::errc()) return Status::OK();
  return Status::InvalidArgument("number " + std::string(literal.substr(0, kQuotedBytesMax)) +
                                 " is beyond the range of a double (it would become 0 or infinite) "
                                 "and cannot be kept exactly; send it as a string");
}

// Checks every number literal of `text`, which nlohmann has accepted as JSON.
Status CheckNumbers(std::string_view text) {
  StringTracker strings;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (strings.InString(c)) continue;
    if (c != '-' && (c < '0' || c > '9')) continue;
    const size_t end = std::min(text.find_first_not_of("0123456789+-.eE", i), text.size());
    if (Status s = CheckNumber(text.substr(i, end - i)); !s.ok()) return s;
    i = end - 1;
  }
  return Status::OK();
}

// nlohmann's parse (for the text the fast parser leaves alone), refusing what I-JSON (RFC 7493)
// refuses: duplicate member names, which nlohmann would resolve by keeping the last, and numbers
// that cannot be kept exactly.
Result<Json> ParseWithNlohmann(std::string_view text) {
  std::vector<std::set<std::string>> names;  // of each object being parsed, innermost last
  std::optional<std::string> duplicate;
  const Json::parser_callback_t check = [&](int, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start: names.emplace_back(); break;
      case Json::parse_event_t::object_end: names.pop_back(); break;
      case Json::parse_event_t::key:
        if (!duplicate && !names.back().insert(parsed.get<std::string>()).second) {
          duplicate = parsed.get<std::string>();
        }
        break;
      default: break;
    }
    return true;
  };
  Json value;
  try {
    value = Json::parse(text, check);
  } catch (const Json::exception& e) {
    // nlohmann's messages start with an id ("[json.exception.parse_error.101] ") that means
    // nothing to a user; the rest carries the position: "parse error at line 1, column 7: ...".
    std::string msg = e.what();
    if (msg.rfind("[json.exception.", 0) == 0) {
      if (auto end = msg.find("] "); end != std::string::npos) msg = msg.substr(end + 2);
    }
    return Status::InvalidArgument("malformed JSON: " + msg);
  }
  if (duplicate) {
    return Status::InvalidArgument("duplicate member name " + Quoted(*duplicate) +
                                   " in a JSON object: names must be unique (RFC 7493)");
  }
  if (Status s = CheckNumbers(text); !s.ok()) return s;
  return value;
}

}  // namespace

Result<Json> ParseJson(std::string_view text) {
  if (text.size() > kMaxJsonBytes) {
    return Status::InvalidArgument("JSON input is " + std::to_string(text.size()) +
                                   " bytes, more than the limit of " + std::to_string(kMaxJsonBytes));
  }
  if (std::optional<Json> value = ParseWellFormedJson(text)) return std::move(*value);
  // Malformed, too deep, or rare: nlohmann and the I-JSON checks decide, and name what is wrong.
  if (NestingDepth(text) > kMaxJsonDepth) {
    return Status::InvalidArgument("JSON input nests deeper than " + std::to_string(kMaxJsonDepth) +
                                   " levels");
  }
  return ParseWithNlohmann(text);
}

Result<Json> ParseJsonObject(std::string_view text) {
  Result<Json> value = ParseJson(text);
  if (!value.ok()) return value;
  if (!value->is_object()) {
    return Status::InvalidArgument(std::string("expected a JSON object, got ") + value->type_name());
  }
  return value;
}

}  // namespace crdtdb::crdt
