// Copyright (c) crdtdb authors.
//
// ParkedWatches (server/parked_watches.h): a held watch comes back when a commit may have brought
// a change or when its wait ends, and no more are held than the bound.

#include <doctest/doctest.h>

#include "server/parked_watches.h"

namespace crdtdb::server {
namespace {

ParkedWatches::Parked Watch(const std::string& identity, uint64_t deadline_ms) {
  ParkedWatches::Parked p;
  p.identity = identity;
  p.command.verb = command::Command::Verb::kWatch;
  p.deadline_ms = deadline_ms;
  return p;
}

TEST_CASE("parked watches come back on a commit, or one by one as their waits end") {
  ParkedWatches parked;
  REQUIRE(parked.Park(Watch("a", 100)));
  REQUIRE(parked.Park(Watch("b", 200)));
  CHECK(parked.Due(50, 0).empty());  // nothing committed, nothing due
  std::vector<ParkedWatches::Parked> due = parked.Due(150, 0);
  REQUIRE(due.size() == 1);
  CHECK(due[0].identity == "a");
  CHECK(parked.size() == 1);
  due = parked.Due(160, 7);  // a commit: every one held is run again
  REQUIRE(due.size() == 1);
  CHECK(due[0].identity == "b");
  CHECK(parked.empty());
  REQUIRE(parked.Park(Watch("c", 300)));
  CHECK(parked.Due(170, 7).empty());  // the same commit count: nothing new
}

TEST_CASE("no more watches are held than the bound") {
  ParkedWatches parked;
  for (size_t i = 0; i < ParkedWatches::kMaxParked; ++i) REQUIRE(parked.Park(Watch(std::to_string(i), 10)));
  CHECK(!parked.Park(Watch("one too many", 10)));
  CHECK(parked.Due(10, 0).size() == ParkedWatches::kMaxParked);
}

}  // namespace
}  // namespace crdtdb::server
