// Copyright (c) crdtdb authors.

#include "util/utf8.h"

#include <random>
#include <string>

#include <doctest/doctest.h>

namespace crdtdb {
namespace {

// RFC 3629 read one byte at a time, with no shortcut: what the ASCII fast path must agree with.
bool ReferenceIsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    uint32_t code = 0;
    size_t len = 0;
    if (b0 < 0x80) {
      code = b0, len = 1;
    } else if ((b0 & 0xe0) == 0xc0) {
      code = b0 & 0x1fu, len = 2;
    } else if ((b0 & 0xf0) == 0xe0) {
      code = b0 & 0x0fu, len = 3;
    } else if ((b0 & 0xf8) == 0xf0) {
      code = b0 & 0x07u, len = 4;
    } else {
      return false;
    }
    if (text.size() - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      if ((b & 0xc0) != 0x80) return false;
      code = (code << 6) | (b & 0x3fu);
    }
    static constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kSmallest[len] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
      return false;
    i += len;
  }
  return true;
}

TEST_CASE("well-formed UTF-8 is accepted") {
  CHECK(IsValidUtf8(""));
  CHECK(IsValidUtf8("plain ascii"));
  CHECK(IsValidUtf8("h\xc3\xa9llo"));            // é
  CHECK(IsValidUtf8("\xe2\x9c\x93"));            // ✓
  CHECK(IsValidUtf8("\xf0\x9f\x98\x80"));        // 😀
  CHECK(IsValidUtf8("\xf4\x8f\xbf\xbf"));        // U+10FFFF
  CHECK(IsValidUtf8(std::string("a\0b", 3)));    // NUL is a character
}

TEST_CASE("malformed UTF-8 is rejected") {
  CHECK_FALSE(IsValidUtf8("\xff"));
  CHECK_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(IsValidUtf8("\xe0\x80\xaf"));      // overlong
  CHECK_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate U+D800
  CHECK_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(IsValidUtf8("\xc3"));              // truncated
  CHECK_FALSE(IsValidUtf8("\xe2\x9c"));          // truncated
  CHECK_FALSE(IsValidUtf8("\x80"));              // lone continuation
  CHECK_FALSE(IsValidUtf8("\xe2\x28\xa1"));      // bad continuation
}

TEST_CASE("a bad byte is found at any offset of long ASCII text, inside or after an 8-byte word") {
  for (size_t length : {8u, 9u, 15u, 16u, 17u, 64u}) {
    for (size_t at = 0; at < length; ++at) {
      for (const char* bad : {"\x80", "\xff", "\xc3", "\xed\xa0\x80"}) {
        std::string text(length, 'a');
        text.replace(at, std::string_view(bad).size(), bad);
        text.resize(length);
        CAPTURE(length);
        CAPTURE(at);
        CHECK_FALSE(IsValidUtf8(text));
      }
      std::string good(length, 'a');
      good.replace(at, 2, "\xc3\xa9");  // é, whole or cut at the end
      good.resize(length);
      CHECK(IsValidUtf8(good) == (at + 2 <= length));
    }
  }
}

TEST_CASE("random byte strings: the same verdict as a byte-at-a-time reference") {
  std::mt19937_64 rng(20261203);
  // Mostly ASCII with a few high bytes, so that valid multi-byte sequences occur often.
  const std::string alphabet =
      std::string("abcdefgh01 ") + "\x80\x9f\xa0\xbf\xc2\xc3\xdf\xe0\xe2\xed\xef\xf0\xf4\xf5\xff";
  int valid = 0;
  for (int round = 0; round < 100'000; ++round) {
    std::string text(rng() % 40, '\0');
    for (char& c : text) {
      c = rng() % 4 == 0 ? alphabet[rng() % alphabet.size()] : static_cast<char>('a' + rng() % 26);
    }
    const bool expected = ReferenceIsValidUtf8(text);
    valid += expected;
    CAPTURE(text);
    REQUIRE(IsValidUtf8(text) == expected);
  }
  CHECK(valid > 1'000);  // both verdicts were exercised
  CHECK(valid < 99'000);
}

}  // namespace
}  // namespace crdtdb
