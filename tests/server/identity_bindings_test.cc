// Copyright (c) crdtdb authors.
//
// The replica id bindings file of a region (server/identity_bindings.h): what is bound stays bound
// across a reopen, a region's binding replaces a client's claim, a torn last line is cut off and a
// damaged one stops the server from starting.

#include "server/identity_bindings.h"

#include <fstream>
#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include "tests/support/temp_dir.h"

namespace crdtdb::server {
namespace {

std::string Contents(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_CASE("bindings survive a reopen, and a later binding of an id replaces the earlier") {
  testing::TempDir dir;
  const std::string path = dir.Sub(kIdentityBindingsFile);
  {
    Result<std::unique_ptr<IdentityBindings>> b = IdentityBindings::Open(path);  // no file yet
    REQUIRE(b.ok());
    CHECK((*b)->Find(0xabc) == nullptr);
    REQUIRE((*b)->Bind(0xabc, "client:KEY1").ok());
    REQUIRE((*b)->Bind(0xabc, "client:KEY1").ok());  // already so: nothing appended
    REQUIRE((*b)->Bind(0x12, "us-east").ok());
    REQUIRE((*b)->Bind(0xabc, "eu-west").ok());  // a region's learned id takes it back
  }
  CHECK(Contents(path) == "abc client:KEY1\n12 us-east\nabc eu-west\n");
  Result<std::unique_ptr<IdentityBindings>> b = IdentityBindings::Open(path);
  REQUIRE(b.ok());
  CHECK((*b)->size() == 2);
  REQUIRE((*b)->Find(0xabc) != nullptr);
  CHECK(*(*b)->Find(0xabc) == "eu-west");
  CHECK(*(*b)->Find(0x12) == "us-east");
}

TEST_CASE("a torn last line is cut off; a damaged line stops the open") {
  testing::TempDir dir;
  const std::string path = dir.Sub(kIdentityBindingsFile);
  std::ofstream(path) << "12 us-east\nab client:K";  // the append of "ab ..." was cut short
  {
    Result<std::unique_ptr<IdentityBindings>> b = IdentityBindings::Open(path);
    REQUIRE(b.ok());
    CHECK((*b)->Find(0xab) == nullptr);
    REQUIRE((*b)->Bind(0xcd, "client:K2").ok());
  }
  CHECK(Contents(path) == "12 us-east\ncd client:K2\n");
  for (const char* damaged : {"12 us-east\nxyz client:K\n", "12\n", " us-east\n", "12 \n"}) {
    CAPTURE(damaged);
    std::ofstream(path, std::ios::trunc) << damaged;
    Result<std::unique_ptr<IdentityBindings>> b = IdentityBindings::Open(path);
    CHECK(b.status().IsCorruption());
    CHECK(b.status().message().find(path + ":") == 0);
  }
}

}  // namespace
}  // namespace crdtdb::server
