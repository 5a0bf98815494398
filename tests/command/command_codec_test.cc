// Copyright (c) crdtdb authors.
//
// The client protocol's commands and outcomes (command/command.h) as they travel: what a router
// adds for a region of several nodes (partitions of a listing, redirects) round-trips, and what a
// client may not send is refused.

#include "command/command.h"

#include <string>

#include <doctest/doctest.h>

namespace crdtdb::command {
namespace {

TEST_CASE("a listing's partitions and an outcome's redirect travel intact") {
  Command list;
  list.verb = Command::Verb::kList;
  list.path = "/docs";
  list.limit = 10;
  list.partitions = {0, 7, 255};
  list.partition_count = 256;
  Result<Command> decoded = DecodeCommand(EncodeCommand(list));
  REQUIRE(decoded.ok());
  CHECK(decoded->partitions == list.partitions);
  CHECK(decoded->partition_count == 256);
  CHECK(*decoded->limit == 10);

  Outcome redirect{1, "", "node a-1 does not own partition 3",
                   {Redirect{"tcp://127.0.0.1:7113", ""}, Redirect{"tcp://127.0.0.1:7123", "key"}}, {}};
  Result<Outcome> back = DecodeOutcome(EncodeOutcome(redirect));
  REQUIRE(back.ok());
  CHECK(back->redirect == redirect.redirect);
  CHECK(back->error == redirect.error);
}

TEST_CASE("malformed partitions are refused") {
  for (const char* request : {
           R"({"verb":"list","path":"/d","partitions":[1]})",                          // no count
           R"({"verb":"list","path":"/d","partitions":[1],"partition_count":48})",     // not 2^k
           R"({"verb":"list","path":"/d","partitions":[1],"partition_count":8192})",   // too many
           R"({"verb":"list","path":"/d","partitions":[16],"partition_count":16})",    // outside
           R"({"verb":"list","path":"/d","partitions":[],"partition_count":16})",      // empty
           R"({"verb":"list","path":"/d","partitions":["1"],"partition_count":16})",   // a string
           R"({"verb":"list","path":"/d","partitions":1,"partition_count":16})",       // not a list
       }) {
    CAPTURE(request);
    Result<Command> c = DecodeCommand(request);
    REQUIRE_FALSE(c.ok());
    CHECK(c.status().IsInvalidArgument());
  }
  for (const char* answer : {R"({"code":1,"out":"","error":"","redirect":[1]})",
                             R"({"code":1,"out":"","error":"","redirect":["tcp://127.0.0.1:1"]})",
                             R"({"code":1,"out":"","error":"","redirect":[{"endpoint":"x"}]})"}) {
    CAPTURE(answer);
    CHECK_FALSE(DecodeOutcome(answer).ok());
  }
}

TEST_CASE("a JSON Patch's base version and get --with-base travel intact") {
  Command patch;
  patch.verb = Command::Verb::kPatch;
  patch.path = "/docs/a";
  patch.json = R"([{"op":"remove","path":"/l/0"}])";
  patch.base = "00000000000000a1:1-7";
  Result<Command> decoded = DecodeCommand(EncodeCommand(patch));
  REQUIRE(decoded.ok());
  CHECK(decoded->base == patch.base);
  CHECK(decoded->json == patch.json);
  CHECK_FALSE(decoded->with_base);
  Command get;
  get.path = "/docs/a";
  get.with_base = true;
  decoded = DecodeCommand(EncodeCommand(get));
  REQUIRE(decoded.ok());
  CHECK(decoded->with_base);
  CHECK(decoded->base.empty());
  CHECK_FALSE(DecodeCommand(R"({"verb":"patch","path":"/a/b","base":7})").ok());
}

TEST_CASE("a conditional command and an outcome's version travel intact") {
  Command put;
  put.verb = Command::Verb::kPut;
  put.path = "/docs/a";
  put.json = "{}";
  put.if_match = "0123abcd";
  put.with_version = true;
  Result<Command> decoded = DecodeCommand(EncodeCommand(put));
  REQUIRE(decoded.ok());
  CHECK(decoded->if_match == "0123abcd");
  CHECK(decoded->with_version);
  CHECK_FALSE(DecodeCommand(R"({"verb":"put","path":"/a/b","if_match":7})").ok());

  Result<Outcome> back = DecodeOutcome(EncodeOutcome(Outcome{0, "{}\n", "", {}, "feed"}));
  REQUIRE(back.ok());
  CHECK(back->version == "feed");
  CHECK_FALSE(DecodeOutcome(R"({"code":0,"out":"","error":"","version":1})").ok());
}

}  // namespace
}  // namespace crdtdb::command
