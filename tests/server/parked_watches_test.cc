// Copyright (c) crdtdb authors.
//
// ParkedWatches (server/parked_watches.h): a held watch comes back when a commit changed a key
// under its prefix or when its wait ends, a turn of the event loop runs at most its budget of
// them, and no more are held than the bound. The work is counted as the requests handed back to
// be run again (each one page read of the change log), not timed.

#include <doctest/doctest.h>

#include "server/parked_watches.h"

namespace crdtdb::server {
namespace {

ParkedWatches::Parked Watch(const std::string& identity, uint64_t deadline_ms, const std::string& path = "/t") {
  ParkedWatches::Parked p;
  p.identity = identity;
  p.command.verb = command::Command::Verb::kWatch;
  p.command.path = path;
  p.deadline_ms = deadline_ms;
  return p;
}

TEST_CASE("parked watches come back on a change under their prefix, or one by one as their waits end") {
  ParkedWatches parked;
  REQUIRE(parked.Park(Watch("a", 100)));
  REQUIRE(parked.Park(Watch("b", 200)));
  CHECK(parked.Due(50).empty());  // nothing changed, nothing due
  std::vector<ParkedWatches::Parked> due = parked.Due(150);
  REQUIRE(due.size() == 1);
  CHECK(due[0].identity == "a");
  CHECK(parked.size() == 1);
  parked.Changed({"u/1"});  // another collection: nothing wakes
  CHECK(!parked.pending());
  CHECK(parked.Due(160).empty());
  parked.Changed({"u/1", "t/7"});
  CHECK(parked.pending());
  due = parked.Due(160);
  REQUIRE(due.size() == 1);
  CHECK(due[0].identity == "b");
  CHECK(parked.empty());
  CHECK(!parked.pending());
}

TEST_CASE("a commit wakes only the watches whose prefix it touched, and a turn runs at most its budget") {
  ParkedWatches parked;
  // 1,000 watchers, each of its own collection c0..c999, waiting long.
  for (int i = 0; i < 1000; ++i) REQUIRE(parked.Park(Watch(std::to_string(i), 1'000'000, "/c" + std::to_string(i))));
  // One commit of one document of c7: one watch to run again, not 1,000.
  parked.Changed({"c7/doc"});
  std::vector<ParkedWatches::Parked> due = parked.Due(10);
  REQUIRE(due.size() == 1);
  CHECK(due[0].identity == "7");
  CHECK(parked.size() == 999);

  // A prefix that is a prefix of another collection's name does not match it: "c1/" is not "c10/".
  parked.Changed({"c10/x"});
  due = parked.Due(10);
  REQUIRE(due.size() == 1);
  CHECK(due[0].identity == "10");

  // A burst that touches every collection: each turn runs at most the budget.
  std::vector<std::string> keys;
  for (int i = 0; i < 1000; ++i) keys.push_back("c" + std::to_string(i) + "/k");
  parked.Changed(keys);
  size_t turns = 0;
  size_t runs = 0;
  while (parked.pending()) {
    const size_t n = parked.Due(10).size();
    CHECK(n <= ParkedWatches::kRunsPerTurn);
    runs += n;
    ++turns;
  }
  CHECK(runs == 998);
  CHECK(turns == (998 + ParkedWatches::kRunsPerTurn - 1) / ParkedWatches::kRunsPerTurn);
}

TEST_CASE("a burst too large to look at wakes every watch, still within the budget per turn") {
  ParkedWatches parked;
  for (int i = 0; i < 100; ++i) REQUIRE(parked.Park(Watch(std::to_string(i), 1'000'000, "/c" + std::to_string(i))));
  parked.ChangedAll();
  CHECK(parked.Due(0, 30).size() == 30);
  CHECK(parked.Due(0, 30).size() == 30);
  CHECK(parked.size() == 40);
  CHECK(parked.pending());
}

TEST_CASE("a woken watch goes before one whose wait ended, and the whole prefix '/' wakes on any key") {
  ParkedWatches parked;
  REQUIRE(parked.Park(Watch("late", 5, "/x")));
  REQUIRE(parked.Park(Watch("all", 1'000'000, "/")));
  parked.Changed({"q/1"});
  std::vector<ParkedWatches::Parked> due = parked.Due(10, 1);
  REQUIRE(due.size() == 1);
  CHECK(due[0].identity == "all");
  due = parked.Due(10, 1);
  REQUIRE(due.size() == 1);
  CHECK(due[0].identity == "late");
}

TEST_CASE("no more watches are held than the bound") {
  ParkedWatches parked;
  for (size_t i = 0; i < ParkedWatches::kMaxParked; ++i) REQUIRE(parked.Park(Watch(std::to_string(i), 10)));
  CHECK(!parked.Park(Watch("one too many", 10)));
  CHECK(parked.Due(10, ParkedWatches::kMaxParked).size() == ParkedWatches::kMaxParked);
}

}  // namespace
}  // namespace crdtdb::server
