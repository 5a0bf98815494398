// Copyright (c) crdtdb authors.

#include "util/utf8.h"

#include <doctest/doctest.h>

#include <string>

namespace crdtdb {
namespace {

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

}  // namespace
}  // namespace crdtdb
