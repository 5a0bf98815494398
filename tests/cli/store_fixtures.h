// Copyright (c) crdtdb authors.
//
// Embedded stores for the CLI tests of damage and repair (repair_test, storage_errors_test): one
// filled through the public API so that its documents sit in one table file, a byte flip that
// breaks a block of it, and the binary (CRDTDB_CLI_PATH, defined by the test target) run on it.

#ifndef CRDTDB_TESTS_CLI_STORE_FIXTURES_H_
#define CRDTDB_TESTS_CLI_STORE_FIXTURES_H_

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "crdtdb/crdtdb.hpp"
#include "tests/cli/cli_runner.h"

namespace crdtdb::testing {

// Runs the binary on the embedded store at `data_dir`.
inline CliResult Crdtdb(const std::string& data_dir, std::vector<std::string> args) {
  args.insert(args.begin(), {"--data-dir", data_dir});
  return RunProcess(CRDTDB_CLI_PATH, args, "", "");
}

// Creates a store at `dir` holding 50 documents (todos/0 to todos/49) in one table file, plus a
// log; returns the table's path.
inline std::string PopulateOneTable(const std::string& dir) {
  Options options;
  options.path = dir;
  for (int session = 0; session < 2; ++session) {  // the reopen writes the first session's table
    auto db = Database::open(options);
    REQUIRE_MESSAGE(db.ok(), db.status().ToString());
    for (int i = 0; session == 0 && i < 50; ++i) {
      std::string pad;  // incompressible, so that the documents span several blocks
      for (int k = 0; k < 300; ++k) pad += "0123456789abcdef"[(i * 7919 + k * k * 31) % 16];
      REQUIRE((*db)->put("todos/" + std::to_string(i), R"({"pad": ")" + pad + "\"}").ok());
    }
  }
  std::vector<std::filesystem::path> tables;
  for (const std::filesystem::directory_entry& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".ldb") tables.push_back(e.path());
  }
  REQUIRE(tables.size() == 1);
  return tables[0].string();
}

// Flips the middle byte of the file: in a table, LevelDB's checksum then fails for the documents
// of that block.
inline void FlipMiddleByte(const std::string& path) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  const auto middle = static_cast<std::streamoff>(std::filesystem::file_size(path) / 2);
  f.seekg(middle);
  const char byte = static_cast<char>(f.get() ^ 0x5a);
  f.seekp(middle);
  f.put(byte);
}

}  // namespace crdtdb::testing

#endif  // CRDTDB_TESTS_CLI_STORE_FIXTURES_H_
