// Copyright (c) crdtdb authors.
//
// Issue 17 §3: what the binary says about storage errors is true. status reports the damage that
// reads meet; a storage error is exit 1, never 3 ("document not found"); verify prints its report
// for a damaged store; a write whose result cannot be printed says that it was committed.

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "crdtdb/crdtdb.hpp"
#include "tests/cli/store_fixtures.h"
#include "tests/support/temp_dir.h"

namespace crdtdb {
namespace {

namespace fs = std::filesystem;
using testing::CliResult;
using testing::Crdtdb;
using testing::OneErrorLine;

// A store of 50 documents in one table file, whose middle byte is then flipped: LevelDB's block
// checksum fails for the documents of that block.
std::string StoreWithDamagedTable(const testing::TempDir& tmp) {
  const std::string dir = tmp.Sub("data");
  testing::FlipMiddleByte(testing::PopulateOneTable(dir));
  return dir;
}

// Runs the binary with its stdout a pipe whose reading end is already closed, as after
// `crdtdb ... | head -c0`; stderr is collected through a file.
CliResult RunWithClosedStdout(const std::vector<std::string>& args) {
  testing::TempDir tmp;
  const std::string err_path = tmp.Sub("stderr");
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  close(fds[0]);
  std::vector<std::string> storage{CRDTDB_CLI_PATH};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fds[1], STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    signal(SIGPIPE, SIG_DFL);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  int status = 0;
  waitpid(pid, &status, 0);
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::ifstream in(err_path);
  r.err.assign(std::istreambuf_iterator<char>(in), {});
  return r;
}

TEST_CASE("status is not healthy on a store whose table checksums fail, and says what failed") {
  testing::TempDir tmp;
  const std::string dir = StoreWithDamagedTable(tmp);
  const CliResult list = Crdtdb(dir, {"list", "/todos"});
  CHECK(list.exit_code == 1);
  CHECK(list.err.find("Corruption") != std::string::npos);

  const CliResult status = Crdtdb(dir, {"status"});
  CHECK(status.exit_code == 0);
  const nlohmann::json s = nlohmann::json::parse(status.out);
  CHECK(s["healthy"] == false);
  CHECK(s["read_errors"].get<int>() >= 1);
  CHECK(s["last_error"].get<std::string>().find("checksum mismatch") != std::string::npos);
}

TEST_CASE("a replica's status counts the storage errors its reads met") {
  testing::TempDir tmp;
  const std::string dir = StoreWithDamagedTable(tmp);
  Options options;
  options.path = dir;
  auto db = Database::open(options);
  REQUIRE(db.ok());
  CHECK((*db)->status().healthy);  // nothing read yet
  int failed = 0;
  for (int i = 0; i < 50; ++i) failed += (*db)->get("todos/" + std::to_string(i)).ok() ? 0 : 1;
  REQUIRE(failed > 0);
  const LocalStatus s = (*db)->status();
  CHECK_FALSE(s.healthy);
  CHECK(s.read_errors == static_cast<uint64_t>(failed));
  CHECK(s.last_error.find("checksum mismatch") != std::string::npos);
  CHECK(s.first_read_error.find("checksum mismatch") != std::string::npos);
}

TEST_CASE("verify prints its report for a damaged store as well as the error line") {
  testing::TempDir tmp;
  const std::string dir = StoreWithDamagedTable(tmp);
  const CliResult r = Crdtdb(dir, {"verify"});
  CHECK(r.exit_code == 1);
  CHECK(OneErrorLine(r));
  const nlohmann::json report = nlohmann::json::parse(r.out);
  CHECK(report["documents_checked"].is_number_unsigned());
  REQUIRE_FALSE(report["problems"].empty());
  CHECK(report["problems"].back().get<std::string>().find("checksum mismatch") !=
        std::string::npos);

  fs::remove(dir + "/CURRENT");  // a store that cannot be opened at all
  const CliResult unopenable = Crdtdb(dir, {"verify"});
  CHECK(unopenable.exit_code == 1);
  CHECK(OneErrorLine(unopenable));
  const nlohmann::json report2 = nlohmann::json::parse(unopenable.out);
  CHECK(report2["documents_checked"] == 0);
  REQUIRE(report2["problems"].size() == 1);
  CHECK(report2["problems"][0].get<std::string>().find("CURRENT file is missing") !=
        std::string::npos);
}

TEST_CASE("a storage error exits 1, never 3, which means only 'document not found'") {
  testing::TempDir tmp;
  for (const std::string verb : {"get", "put", "delete"}) {
    std::vector<std::string> args{verb, "/todos/1"};
    if (verb == "put") args.push_back("{}");
    const CliResult r = Crdtdb("/proc/1", args);  // a directory in which LevelDB finds no files
    CAPTURE(verb);
    CHECK(r.exit_code == 1);
    CHECK(OneErrorLine(r));
  }
  const std::string dir = StoreWithDamagedTable(tmp);
  int corrupt = 0;
  for (int i = 0; i < 50; ++i) {
    const CliResult r = Crdtdb(dir, {"get", "/todos/" + std::to_string(i)});
    CHECK(r.exit_code != 3);  // every one of them exists
    corrupt += r.exit_code == 1 ? 1 : 0;
  }
  CHECK(corrupt > 0);
}

TEST_CASE("a write whose result cannot be printed says that it was committed") {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("data");
  for (const std::string verb : {"inc /stats/app n", "put /todos/1 {}"}) {
    CAPTURE(verb);
    const CliResult r = testing::RunProcess(
        "/bin/sh",
        {"-c", std::string("exec \"$0\" --data-dir \"$1\" ") + verb + " >/dev/full",
         CRDTDB_CLI_PATH, dir},
        "", "");
    CHECK(r.exit_code == 1);
    CHECK(OneErrorLine(r));
    CHECK(r.err.find("the write was committed") != std::string::npos);
  }
  const CliResult get = Crdtdb(dir, {"get", "/stats/app"});
  CHECK(get.out == "{\"n\":1}\n");  // applied once: a retry would not be needed

  // A reader that went away before the result was printed: the same, not a death by SIGPIPE.
  const CliResult piped = RunWithClosedStdout({"--data-dir", dir, "inc", "/stats/app", "n"});
  CHECK(piped.exit_code == 1);
  CHECK(piped.err.find("the write was committed") != std::string::npos);
  CHECK(Crdtdb(dir, {"get", "/stats/app"}).out == "{\"n\":2}\n");

  // A read that cannot print is a plain failure: nothing was written.
  const CliResult r = testing::RunProcess(
      "/bin/sh",
      {"-c", "exec \"$0\" --data-dir \"$1\" get /stats/app >/dev/full", CRDTDB_CLI_PATH, dir}, "",
      "");
  CHECK(r.exit_code == 1);
  CHECK(r.err == "crdtdb: cannot write to standard output\n");
}

}  // namespace
}  // namespace crdtdb
