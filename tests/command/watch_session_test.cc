// Copyright (c) crdtdb authors.
//
// The watcher's session (command/watch.h): its page commands, the change lines it takes from an
// outcome and the cursor it keeps, and a failed page as the Status it came from.

#include <doctest/doctest.h>

#include "command/exit_codes.h"
#include "command/watch.h"

namespace crdtdb::command {
namespace {

TEST_CASE("a watch session keeps the cursor of each page and hands back the change lines") {
  WatchSession session("/t", "");
  Command first = session.NextPage(2000);
  CHECK(first.verb == Command::Verb::kWatch);
  CHECK(first.wait_ms == 0);  // the first page of a watch from now only learns the cursor
  Result<std::string> lines = session.Accept(Outcome{0, "{\"next\":\"00000000000000aa-3\"}\n", "", {}, ""});
  REQUIRE(lines.ok());
  CHECK(lines->empty());
  CHECK(session.cursor() == "00000000000000aa-3");
  CHECK(session.moved());
  Command next = session.NextPage(2000);
  CHECK(next.start_after == "00000000000000aa-3");
  CHECK(next.wait_ms == 2000);
  const std::string change = "{\"cursor\":\"00000000000000aa-4\",\"path\":\"/t/1\",\"doc\":{}}\n";
  lines = session.Accept(Outcome{0, change + "{\"next\":\"00000000000000aa-4\"}\n", "", {}, ""});
  REQUIRE(lines.ok());
  CHECK(*lines == change);
  lines = session.Accept(Outcome{0, "{\"next\":\"00000000000000aa-4\"}\n", "", {}, ""});
  REQUIRE(lines.ok());
  CHECK(!session.moved());
  CHECK(session.Accept(Outcome{0, "garbage", "", {}, ""}).status().IsCorruption());
  CHECK(session.Accept(Outcome{kExitUsage, "", "malformed cursor", {}, ""}).status().IsInvalidArgument());
  CHECK(session.Accept(Outcome{kExitGone, "", "too old", {}, ""}).status().IsGone());
  CHECK(session.cursor() == "00000000000000aa-4");  // a failed page moves nothing
}

TEST_CASE("a watch outcome without change lines is one a server may hold") {
  CHECK(!WatchFoundChanges(Outcome{0, "{\"next\":\"0\"}\n", "", {}, ""}));
  CHECK(WatchFoundChanges(Outcome{0, "{\"cursor\":\"x\"}\n{\"next\":\"0\"}\n", "", {}, ""}));
  CHECK(WatchFoundChanges(Outcome{kExitGone, "", "gone", {}, ""}));
}

}  // namespace
}  // namespace crdtdb::command
