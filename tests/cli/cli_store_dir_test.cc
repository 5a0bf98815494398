// Copyright (c) crdtdb authors.
//
// Where the crdtdb binary keeps its store (docs/cli.md, "The store"): ./crdtdb-data by default, a
// store that cannot be opened, reading verbs on a missing store, and a directory holding other
// files, which is refused and left as it was.

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "tests/cli/cli_fixture.h"

namespace crdtdb {
namespace {

using testing::Cli;
using testing::CliResult;

TEST_CASE("without --data-dir the store is ./crdtdb-data in the working directory") {
  Cli cli;
  EXPECT_RUN(cli.Raw({"put", "/todos/1", R"({"a": 1})"}), 0, "{\"a\":1}\n", "");
  CHECK(std::filesystem::is_directory(cli.path() + "/crdtdb-data"));
  EXPECT_RUN(cli.Raw({"--data-dir", cli.path() + "/crdtdb-data", "get", "/todos/1"}), 0,
             "{\"a\":1}\n", "");
  const CliResult status = cli.Raw({"status"});
  CHECK(status.exit_code == 0);
  CHECK(status.out.find(",\"data_dir\":\"./crdtdb-data\",") != std::string::npos);
}

TEST_CASE("a store that cannot be opened exits 1 with one line") {
  Cli cli;
  {
    Options options;
    options.path = cli.data_dir();
    auto db = Database::open(options);  // holds the store's lock while the binary runs
    REQUIRE(db.ok());
    EXPECT_RUN(
        cli({"get", "/todos/1"}), 1, "",
        "crdtdb: database " + cli.data_dir() + " is already open (by this or another process)\n");
    EXPECT_RUN(
        cli({"put", "/todos/1", "{}"}), 1, "",
        "crdtdb: database " + cli.data_dir() + " is already open (by this or another process)\n");
  }
  const std::string file = cli.path() + "/a-file";
  std::ofstream(file) << "not a directory\n";
  EXPECT_RUN(
      cli.Raw({"--data-dir", file, "status"}), 1, "",
      "crdtdb: cannot read the directory " + file + ": IO error: " + file + ": Not a directory\n");
  EXPECT_RUN(
      cli.Raw({"--data-dir", file, "put", "/todos/1", "{}"}), 1, "",
      "crdtdb: cannot read the directory " + file + ": IO error: " + file + ": Not a directory\n");
}

TEST_CASE("reading verbs on a missing store exit 1 and create nothing; a write creates it") {
  Cli cli;
  const std::string message =
      "crdtdb: no crdtdb store in " + cli.data_dir() + " (a write creates one)\n";
  EXPECT_RUN(cli({"get", "/todos/1"}), 1, "", message);
  EXPECT_RUN(cli({"list", "/todos"}), 1, "", message);
  EXPECT_RUN(cli({"status"}), 1, "", message);
  EXPECT_RUN(cli({"verify"}), 1,
             "{\"documents_checked\":0,\"problems\":[\"no crdtdb store in " + cli.data_dir() +
                 " (a write creates one)\"]}\n",
             message);
  CHECK_FALSE(std::filesystem::exists(cli.data_dir()));
  std::filesystem::create_directory(cli.data_dir());  // an empty directory is no store either
  EXPECT_RUN(cli({"get", "/todos/1"}), 1, "", message);
  CHECK(std::filesystem::is_empty(cli.data_dir()));
  EXPECT_RUN(cli({"put", "/todos/1", "{}"}), 0, "{}\n", "");
  EXPECT_RUN(cli({"get", "/todos/1"}), 0, "{}\n", "");
}

TEST_CASE("a directory that holds other files is refused, whatever the verb, and left as it was") {
  Cli cli;
  std::filesystem::create_directory(cli.data_dir());
  std::ofstream(cli.data_dir() + "/notes.txt") << "mine\n";
  const std::string message =
      "crdtdb: " + cli.data_dir() +
      " is not empty and holds no crdtdb store; crdtdb creates a store only in a "
      "missing or empty directory\n";
  EXPECT_RUN(cli({"put", "/todos/1", "{}"}), 1, "", message);
  EXPECT_RUN(cli({"status"}), 1, "", message);
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(cli.data_dir())) {
    names.push_back(entry.path().filename().string());
  }
  CHECK(names == std::vector<std::string>{"notes.txt"});
}

}  // namespace
}  // namespace crdtdb
