// Copyright (c) crdtdb authors.
//
// Crash safety: a child process writes in a loop and reports every acknowledged write; the parent
// SIGKILLs it at random moments, reopens the database, and checks that every acknowledged write is
// there, the counters agree, verify is clean (also the indexes the writer maintains: the entries
// of a document are in its write's batch) and the delta log has no hole. Rounds alternate the
// buffered and the fsync'd durability modes.

#include <doctest/doctest.h>

#include <random>
#include <sstream>
#include <string>

#include "crdtdb/crdtdb.hpp"
#include "nlohmann/json.hpp"
#include "tests/support/seed.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace crdtdb {
namespace {

TEST_CASE("no acknowledged write is lost when the writer is killed at random moments") {
  testing::TempDir dir;
  const std::string path = dir.Sub("db");
  std::mt19937_64 rng(testing::PropertySeeds(1).front());
  long next = 0;       // the first index of the next round
  long acked = 0;      // acknowledged writes over all rounds
  int rounds = 20;
  if (const char* n = std::getenv("CRDTDB_CRASH_ROUNDS")) rounds = std::atoi(n);
  for (int round = 0; round < rounds; ++round) {
    CAPTURE(round);
    const bool sync = round % 2 == 1;
    std::string output;
    {
      testing::Subprocess child({CRDTDB_CRASH_WRITER, path, sync ? "sync" : "buffered", std::to_string(next)});
      child.ReadFor(20 + static_cast<int>(rng() % 250), &output);
      child.KillAndDrain(&output);
    }
    std::istringstream lines(output);
    long last = next - 1;
    for (std::string line; std::getline(lines, line);) {
      const long i = std::stol(line);
      REQUIRE(i == last + 1);  // acknowledgements arrive in order, without gaps
      last = i;
      ++acked;
    }
    Options options;
    options.path = path;
    auto db = Database::open(options);
    REQUIRE_MESSAGE(db.ok(), db.status().ToString());
    for (long i = next; i <= last; ++i) {
      Result<std::string> doc = (*db)->get("items/" + std::to_string(i));
      REQUIRE_MESSAGE(doc.ok(), "acknowledged write items/" << i << " lost: " << doc.status().ToString());
      CHECK(nlohmann::json::parse(*doc)["i"] == i);
    }
    // The write after the last acknowledged one may or may not have landed; nothing beyond it.
    CHECK((*db)->get("items/" + std::to_string(last + 2)).status().IsNotFound());
    if (acked > 0) {
      Result<std::string> stats = (*db)->get("stats/all");
      REQUIRE(stats.ok());
      const long writes = nlohmann::json::parse(*stats)["writes"].get<long>();
      CHECK(writes >= acked);
      CHECK(writes <= acked + round + 1);  // at most one unreported increment per kill
    }
    Result<VerifyReport> report = (*db)->verify();
    REQUIRE(report.ok());
    CHECK_MESSAGE(report->ok(), report->problems.front());
    Result<std::vector<IndexInfo>> indexes = (*db)->list_indexes();
    REQUIRE(indexes.ok());
    CHECK(indexes->size() == 2);  // verify checked them once ready (a first build may not be)
    if (acked > 0) {
      Result<FindPage> found = (*db)->find("items", R"({"selector":{"i":0}})");
      REQUIRE(found.ok());
      CHECK(found->documents.size() == 1);
    }
    // Continue after whatever landed, acknowledged or not.
    next = last + 1;
    while ((*db)->get("items/" + std::to_string(next)).ok()) ++next;
  }
  MESSAGE("acknowledged writes checked across " << rounds << " kills: " << acked);
  CHECK(acked > 0);
}

}  // namespace
}  // namespace crdtdb
