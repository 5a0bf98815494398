// Copyright (c) crdtdb authors.
//
// `crdtdb repair --into NEWDIR` (issue 17 §1): works on a copy, leaves the damaged store exactly
// as it was, keeps every readable document, says what it lost, and gives the copy a new stream
// epoch, since it may lack writes that peers already hold.

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "crdtdb/crdtdb.hpp"
#include "tests/support/dir_files.h"
#include "tests/cli/store_fixtures.h"
#include "tests/support/temp_dir.h"

namespace crdtdb {
namespace {

namespace fs = std::filesystem;
using testing::DirFiles;
using testing::CliResult;
using testing::Crdtdb;
using testing::FlipMiddleByte;
using testing::PopulateOneTable;

TEST_CASE(
    "repair keeps every readable document in a new directory and leaves the damaged store as it "
    "was") {
  testing::TempDir tmp;
  const std::string damaged = tmp.Sub("data");
  FlipMiddleByte(PopulateOneTable(damaged));
  fs::remove(damaged + "/CURRENT");  // and the store cannot even be opened
  const std::map<std::string, std::string> before = DirFiles(damaged);

  const std::string repaired = tmp.Sub("repaired");
  const CliResult r = Crdtdb(damaged, {"repair", "--into", repaired});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(DirFiles(damaged) == before);
  const nlohmann::json report = nlohmann::json::parse(r.out);
  CHECK(report["repaired_into"] == repaired);
  const uint64_t kept = report["documents_kept"];
  CHECK(kept > 0);
  CHECK(kept < 50);  // the damaged block's documents are gone
  CHECK(report["documents"] == kept);
  // Without CURRENT, RepairDB rebuilds the store and sets the damaged table aside (copying what it
  // parsed of it); the documents whose Merkle entries survived are named.
  CHECK_FALSE(report["set_aside_files"].empty());
  CHECK(report["documents_lost"].get<uint64_t>() + kept == 50);
  CHECK(report["lost_keys"].size() == report["documents_lost"]);
  CHECK(report["epoch"].get<uint64_t>() >= 1);
  CHECK(report["verify"]["problems"].empty());
  CHECK(report["verify"]["documents_checked"] == kept);

  // The copy is a sound store: every document it kept reads, verify is clean.
  int readable = 0;
  for (int i = 0; i < 50; ++i) {
    const CliResult get = Crdtdb(repaired, {"get", "/todos/" + std::to_string(i)});
    CHECK((get.exit_code == 0 || get.exit_code == 3));
    readable += get.exit_code == 0 ? 1 : 0;
  }
  CHECK(readable == static_cast<int>(kept));
  CHECK(Crdtdb(repaired, {"verify"}).exit_code == 0);
  const nlohmann::json status = nlohmann::json::parse(Crdtdb(repaired, {"status"}).out);
  CHECK(status["healthy"] == true);
  CHECK(status["documents"] == kept);
}

TEST_CASE("repair of a store whose table fails its checksums keeps the readable blocks") {
  testing::TempDir tmp;
  const std::string damaged = tmp.Sub("data");
  FlipMiddleByte(PopulateOneTable(damaged));
  const std::map<std::string, std::string> before = DirFiles(damaged);
  const CliResult r = Crdtdb(damaged, {"repair", "--into", tmp.Sub("repaired")});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(DirFiles(damaged) == before);
  const nlohmann::json report = nlohmann::json::parse(r.out);
  CHECK(report["unreadable_blocks"].get<std::string>().find("checksum mismatch") !=
        std::string::npos);
  CHECK(report["documents_before"] == 50);
  CHECK(report["documents"].get<uint64_t>() < 50);
  CHECK(report["verify"]["problems"].empty());
}

TEST_CASE("a repaired store writes in a new stream epoch, and a sound one repairs to all of it") {
  testing::TempDir tmp;
  const std::string sound = tmp.Sub("data");
  PopulateOneTable(sound);
  std::ofstream(sound + "/crdtdb-identities") << "00000000000000aa us-east\n";  // a server's file
  const nlohmann::json before = nlohmann::json::parse(Crdtdb(sound, {"status"}).out);
  const std::string repaired = tmp.Sub("repaired");
  const CliResult r = Crdtdb(sound, {"repair", "--into", repaired});
  REQUIRE(r.exit_code == 0);
  const nlohmann::json report = nlohmann::json::parse(r.out);
  CHECK(report["documents_kept"] == 50);
  CHECK(report["documents_before"] == 50);
  CHECK(report["documents_lost"] == 0);
  CHECK(report["replica_id"] == before["replica_id"]);
  CHECK(report["other_files"] == nlohmann::json::array({"crdtdb-identities"}));
  CHECK(DirFiles(repaired).at("crdtdb-identities") == "00000000000000aa us-east\n");
  REQUIRE(Crdtdb(repaired, {"put", "/todos/new", "{}"}).exit_code == 0);
  const nlohmann::json after = nlohmann::json::parse(Crdtdb(repaired, {"status"}).out);
  CHECK(after["last_sequence"].get<uint64_t>() > (uint64_t{1} << 40));  // sequences of epoch >= 1
  CHECK(after["merkle_root"] != before["merkle_root"]);
}

TEST_CASE("repair refuses a NEWDIR that holds files, and a store that is open") {
  testing::TempDir tmp;
  const std::string data = tmp.Sub("data");
  PopulateOneTable(data);
  const std::string occupied = tmp.Sub("occupied");
  fs::create_directory(occupied);
  std::ofstream(occupied + "/keep.txt") << "mine\n";
  const CliResult r = Crdtdb(data, {"repair", "--into", occupied});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "crdtdb: repair of " + data +
                     " failed: the repaired copy goes into a new directory: " + occupied +
                     " must be missing or empty\n");
  CHECK(DirFiles(occupied).size() == 1);

  Options options;
  options.path = data;
  auto db = Database::open(options);
  REQUIRE(db.ok());
  const CliResult open = Crdtdb(data, {"repair", "--into", tmp.Sub("new")});
  CHECK(open.exit_code == 1);
  CHECK(open.err.find("is open") != std::string::npos);
}

}  // namespace
}  // namespace crdtdb
