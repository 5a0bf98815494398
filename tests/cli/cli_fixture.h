// Copyright (c) crdtdb authors.
//
// The fixture of the CLI tests: a temporary directory with a store in it, the real binary run on
// it (fork+exec), and the status line it prints, byte for byte.

#ifndef CRDTDB_TESTS_CLI_CLI_FIXTURE_H_
#define CRDTDB_TESTS_CLI_CLI_FIXTURE_H_

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "crdtdb/crdtdb.hpp"
#include "tests/cli/cli_runner.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace crdtdb::testing {

#define EXPECT_RUN(result, code, expected_out, expected_err) \
  do {                                                       \
    const CliResult r_ = (result);                           \
    CHECK(r_.exit_code == (code));                           \
    CHECK(r_.out == (expected_out));                         \
    CHECK(r_.err == (expected_err));                         \
  } while (false)

// A temporary directory with a store in it; calls run the binary with --data-dir set to it.
class Cli {
 public:
  CliResult operator()(std::vector<std::string> args, const std::string& input = "") const {
    args.insert(args.begin(), {"--data-dir", data_dir()});
    return Raw(args, input);
  }
  // Without --data-dir, in this directory.
  CliResult Raw(const std::vector<std::string>& args, const std::string& input = "") const {
    return RunProcess(CRDTDB_CLI_PATH, args, input, dir_.path());
  }
  std::string data_dir() const { return dir_.Sub("data"); }
  const std::string& path() const { return dir_.path(); }

  // What the library itself says about the store (the binary must not be running).
  LocalStatus LibraryStatus() const {
    Options options;
    options.path = data_dir();
    auto db = Database::open(options);
    REQUIRE_MESSAGE(db.ok(), db.status().ToString());
    return (*db)->status();
  }

  // The status line `crdtdb status` prints for `s`, byte for byte.
  std::string StatusLine(const LocalStatus& s) const {
    return R"({"cluster":null,"region":null,"replica_id":")" + s.replica_id + R"(","documents":)" +
           std::to_string(s.documents) + R"(,"merkle_root":")" + s.merkle_root +
           R"(","peers":[],"deltas_sent":0,"deltas_received":0,"bytes_sent":0,"bytes_received":0,)"
           R"("anti_entropy_rounds":0,"docs_repaired":0,"rejected_messages":0,"apply_failures":0,)"
           R"("futile_repairs":0,"healthy":true,)"
           R"("read_errors":0,"last_sequence":)" +
           std::to_string(s.last_sequence) +
           R"(,"commits":0,"documents_written":0,"clock_ahead_ignored":0,"indexes":[],"data_dir":")" +
           data_dir() + R"(","version":")" + CRDTDB_VERSION + R"(","uptime_s":0})" + "\n";
  }

  // Everything a user can observe of the store: status, a listing, one document, verify.
  std::string Snapshot(const std::string& collection, const std::string& key) const {
    std::string all;
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"status"}, {"list", collection}, {"get", key}, {"verify"}}) {
      const CliResult r = (*this)(args);
      all += std::to_string(r.exit_code) + "|" + r.out + "|" + r.err;
    }
    return all;
  }

 private:
  TempDir dir_;
};

}  // namespace crdtdb::testing

#endif  // CRDTDB_TESTS_CLI_CLI_FIXTURE_H_
