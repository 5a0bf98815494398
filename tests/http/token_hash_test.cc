// Copyright (c) crdtdb authors.

#include "http/token_hash.h"

#include <doctest/doctest.h>

namespace crdtdb::http {
namespace {

TEST_CASE("token digests are SHA-256 in lowercase hex, and only listed ones are admitted") {
  // FIPS 180-2's example.
  CHECK(TokenDigest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::vector<std::string> listed = {TokenDigest("one"), TokenDigest("two")};
  CHECK(TokenAdmitted("two", listed));
  CHECK_FALSE(TokenAdmitted("three", listed));
  CHECK_FALSE(TokenAdmitted("", listed));
  CHECK_FALSE(TokenAdmitted("one", {}));
  Result<std::string> token = NewToken();
  REQUIRE(token.ok());
  CHECK(token->size() == 64);
  CHECK(*NewToken() != *token);
}

}  // namespace
}  // namespace crdtdb::http
