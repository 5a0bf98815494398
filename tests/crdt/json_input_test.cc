// Copyright (c) crdtdb authors.

#include "crdt/json_input.h"

#include <cmath>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "crdt/json_parser.h"
#include "crdt/limits.h"
#include "tests/support/seed.h"

namespace crdtdb::crdt {
namespace {

using testing::PropertySeeds;

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

TEST_CASE("a duplicate member name is refused at any depth, on the fast and the fallback path") {
  // The second text has a surrogate pair, which the fast parser leaves to nlohmann.
  for (const char* text : {R"({"a":1,"a":2})", R"({"s":"\ud834\udd1e","s":1})",
                           R"({"o":{"x":1,"y":2,"x":1}})", R"([1,{"k":[{"a":null,"a":null}]}])"}) {
    CAPTURE(text);
    const Result<Json> v = ParseJson(text);
    CHECK(v.status().IsInvalidArgument());
    CHECK(v.status().message().find("duplicate member name") != std::string::npos);
  }
  CHECK(ParseJson(R"({"o":{"x":1,"y":2,"x":1}})").status().message() ==
        "duplicate member name \"x\" in a JSON object: names must be unique (RFC 7493)");
  // The same name in different objects is fine.
  CHECK(ParseJson(R"({"a":{"a":1},"b":[{"a":1},{"a":2}]})").ok());
  CHECK(ParseJson(R"({"s":"\ud834\udd1e","o":{"s":1}})").ok());
}

TEST_CASE("a number the value cannot hold exactly is refused, not rounded") {
  for (const char* text :
       {"18446744073709551616", "-9223372036854775809", "123456789012345678901234567890",
        "[1e-400]", "{\"a\":-2.4e-324}", R"({"s":"\ud834\udd1e","n":1e-400})"}) {
    CAPTURE(text);
    const Result<Json> v = ParseJson(text);
    CHECK(v.status().IsInvalidArgument());
    CHECK(v.status().message().find("cannot be kept exactly") != std::string::npos);
  }
  CHECK(ParseJson("18446744073709551616").status().message() ==
        "integer 18446744073709551616 is beyond 64 bits (-9223372036854775808 to "
        "18446744073709551615) "
        "and cannot be kept exactly; send it as a string");
  CHECK(ParseJson("1e400").status().message().find("malformed JSON: number overflow") == 0);
  // The ends of the 64-bit ranges, true zeros, subnormals and ordinary decimals are kept.
  const Result<Json> kept = ParseJson(
      "[18446744073709551615, -9223372036854775808, 0e-999, -0.0, 5e-324, 0.1, "
      "1.7976931348623157e308]");
  REQUIRE(kept.ok());
  CHECK((*kept)[0].get<uint64_t>() == UINT64_MAX);
  CHECK((*kept)[1].get<int64_t>() == INT64_MIN);
  CHECK((*kept)[4].get<double>() > 0);
  // Digits inside strings are not numbers.
  CHECK(ParseJson(R"({"s":"\ud834\udd1e 1e-400 99999999999999999999999"})").ok());
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


// Equal values of equal types all the way down (Json's == calls 1 and 1u and 1.0 equal).
bool Identical(const Json& a, const Json& b) {
  if (a.type() != b.type()) return false;
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!Identical(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j) {
      if (i.key() != j.key() || !Identical(*i, *j)) return false;
    }
    return true;
  }
  if (a.is_number_float()) return std::signbit(a.get<double>()) == std::signbit(b.get<double>()) && a == b;
  return a == b;
}

// The fast parser's contract (json_parser.h): whatever it accepts, nlohmann parses to the
// identical value; whatever nlohmann rejects, it rejects.
void CheckAgreesWithNlohmann(const std::string& text) {
  CAPTURE(text);
  const std::optional<Json> fast = ParseWellFormedJson(text);
  const Json reference = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (reference.is_discarded()) {
    CHECK(!fast.has_value());
  } else if (fast.has_value()) {
    CHECK(Identical(*fast, reference));
  }
}

const std::vector<std::string>& Corpus() {
  static const std::vector<std::string> corpus = {
      R"({"name":"user-1","email":"u@example.com","age":42,"city":"city-7","bio":"abc"})",
      " \t\r\n{ \"a\" : [ 1 , -2 , 3.5 , true , false , null ] , \"b\" : { } , \"c\" : [ ] } \n",
      R"({"a":1,"a":2,"b":{"x":1},"b":[3]})",
      R"(["\"\\\/\b\f\n\r\t","\u0000\u001f\u0041\u00e9\u20ac\uFFFF\uffff","ü✓𝄞",""])",
      R"(["\ud834\udd1e","\ud800","\udc00","\ud800\u0041","\uD834\uDD1E"])",
      R"([0,-0,1,-1,0.0,-0.0,1.5e3,1E-3,2e+2,1e308,1e309,-1e309,1e-400,5e-324,4.9e-324,2.5e-324])",
      R"([18446744073709551615,18446744073709551616,-9223372036854775808,-9223372036854775809])",
      R"([9223372036854775807,9223372036854775808,123456789012345678901234567890])",
      R"([0.1,0.30000000000000004,1.7976931348623157e308,2.2250738585072014e-308,12345678901234567890.5])",
      "\xef\xbb\xbf{\"bom\":1}",
      "", " ", "{", "}", "[", "]", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "[1,]", "[,1]", "{,}",
      "01", "-", "-01", "1.", ".5", "1e", "1e+", "+1", "0x10", "1.5.2", "NaN", "Infinity", "-Infinity",
      "tru", "truee", "nul", "nulll", "fals", "True", "\"abc", "\"a\\x\"", "\"\\u12\"", "\"\\u12G4\"",
      "\"\x01\"", "\"\t\"", "\"\xff\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"",
      "\"\xe2\x82\"", "{\"a\":1} x", "1 2", "[1]]", "{\"a\":1}}", std::string("[1,\0]", 5), "{'a':1}",
      "[\"a\"\"b\"]", "{\"a\" 1}", "{1:2}", "[\"\\/\"]", "\"\\\"\"",
  };
  return corpus;
}

TEST_CASE("the fast parser agrees with nlohmann on awkward text") {
  for (const std::string& text : Corpus()) CheckAgreesWithNlohmann(text);
  // The common case takes the fast path.
  for (const char* text : {R"({"title":"milk","n":[1,-2,3.25e2],"o":{"p":null,"q":true}})",
                           R"({"s":"tab\there \u00e9 ü \"quoted\""})"}) {
    CAPTURE(text);
    CHECK(ParseWellFormedJson(text).has_value());
  }
}

TEST_CASE("the fast parser stops at the depth limit, where the scan takes over") {
  std::string deep;
  for (int i = 0; i < kMaxJsonDepth; ++i) deep += "[";
  for (int i = 0; i < kMaxJsonDepth; ++i) deep += "]";
  CHECK(ParseWellFormedJson(deep).has_value());
  CHECK(!ParseWellFormedJson("[" + deep + "]").has_value());
  CHECK(ParseJson("[" + deep + "]").status().message() == "JSON input nests deeper than 32 levels");
}

// Random JSON text: values of every kind, escapes, UTF-8, numbers of every form, whitespace.
class RandomText {
 public:
  explicit RandomText(uint64_t seed) : rng_(seed) {}

  std::string Value(int depth) {
    switch (Uniform(depth > 0 ? 9 : 7)) {
      case 0: return Pick({"null", "true", "false"});
      case 1: case 2: return Number();
      case 3: case 4: case 5: case 6: return String();
      case 7: {
        std::string out = "[" + Space();
        for (uint64_t i = Uniform(4); i > 0; --i) out += Value(depth - 1) + Space() + (i > 1 ? "," + Space() : "");
        return out + "]";
      }
      default: {
        std::string out = "{" + Space();
        for (uint64_t i = Uniform(4); i > 0; --i) {
          out += String() + Space() + ":" + Space() + Value(depth - 1) + (i > 1 ? "," + Space() : "");
        }
        return out + "}";
      }
    }
  }

  // A few random edits: deleted, inserted, replaced bytes.
  std::string Mutate(std::string text) {
    for (uint64_t n = 1 + Uniform(3); n > 0; --n) {
      const size_t at = text.empty() ? 0 : Uniform(text.size());
      const char c = Pick({"\"", "\\", "{", "}", "[", "]", ",", ":", "0", "e", "-", ".", "u", "\x01", "\xff",
                           "\xc3", "\xed", " "})[0];
      switch (Uniform(3)) {
        case 0: if (!text.empty()) text.erase(at, 1); break;
        case 1: text.insert(at, 1, c); break;
        default: if (!text.empty()) text[at] = c; break;
      }
    }
    return text;
  }

 private:
  uint64_t Uniform(uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng_); }
  std::string Pick(std::initializer_list<const char*> options) { return *(options.begin() + Uniform(options.size())); }
  std::string Space() { return Uniform(4) == 0 ? Pick({" ", "\n", "\t ", "\r\n"}) : ""; }

  std::string Digits(uint64_t max_length) {
    std::string out;
    for (uint64_t i = 1 + Uniform(max_length); i > 0; --i) out += static_cast<char>('0' + Uniform(10));
    return out;
  }

  std::string Number() {
    std::string out = Uniform(3) == 0 ? "-" : "";
    out += Uniform(4) == 0 ? "0" : std::to_string(1 + Uniform(9)) + (Uniform(2) ? Digits(Uniform(3) == 0 ? 25 : 5) : "");
    if (Uniform(3) == 0) out += "." + Digits(20);
    if (Uniform(4) == 0) out += Pick({"e", "E"}) + Pick({"", "+", "-"}) + Digits(3);
    return out;
  }

  std::string String() {
    std::string out = "\"";
    for (uint64_t i = Uniform(12); i > 0; --i) {
      switch (Uniform(10)) {
        case 0: out += Pick({"\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"}); break;
        case 1: out += Pick({"\\u0000", "\\u00e9", "\\u20AC", "\\ud834\\udd1e", "\\ud800", "\\uDFFF", "\\uffff"}); break;
        case 2: out += Pick({"ü", "✓", "𝄞", "\x7f"}); break;
        default: out += static_cast<char>('a' + Uniform(26)); break;
      }
    }
    return out + "\"";
  }

  std::mt19937_64 rng_;
};

TEST_CASE("the fast parser agrees with nlohmann on random and mutated text") {
  uint64_t taken = 0, total = 0;
  for (uint64_t seed : PropertySeeds(5000)) {
    CAPTURE(seed);
    RandomText random(seed);
    const std::string text = random.Value(4);
    CheckAgreesWithNlohmann(text);
    CheckAgreesWithNlohmann(random.Mutate(text));
    taken += ParseWellFormedJson(text).has_value();
    ++total;
  }
  // Most well-formed text takes the fast path (the rest holds surrogates or huge numbers).
  CHECK(taken * 2 > total);
}

}  // namespace
}  // namespace crdtdb::crdt
