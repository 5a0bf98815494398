// Copyright (c) crdtdb authors.
//
// The crdtdb binary against its contract (docs/cli.md): every verb, every exit code, the exact
// output and the one stderr line of each failure, and that rejected input changes nothing. Each
// test runs the real binary (fork+exec) on a fresh store in its own temporary directory.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <leveldb/db.h>
#include <nlohmann/json.hpp>

#include "crdtdb/crdtdb.hpp"
#include "store/key_schema.h"
#include "tests/cli/cli_runner.h"
#include "tests/support/free_ports.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace crdtdb {
namespace {

using testing::CliResult;

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
    return testing::RunProcess(CRDTDB_CLI_PATH, args, input, dir_.path());
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
  testing::TempDir dir_;
};

const std::string kMilk = "{\"done\":false,\"title\":\"milk\"}\n";

TEST_CASE("put prints the stored document and get reads it back, with or without leading slash") {
  Cli cli;
  EXPECT_RUN(cli({"put", "/todos/1", R"({"title": "milk", "done": false})"}), 0, kMilk, "");
  EXPECT_RUN(cli({"get", "/todos/1"}), 0, kMilk, "");
  EXPECT_RUN(cli({"get", "todos/1"}), 0, kMilk, "");
}

TEST_CASE("put replaces the whole document") {
  Cli cli;
  EXPECT_RUN(cli({"put", "/todos/1", R"({"title": "milk", "done": false})"}), 0, kMilk, "");
  EXPECT_RUN(cli({"put", "/todos/1", R"({"title": "bread"})"}), 0, "{\"title\":\"bread\"}\n", "");
  EXPECT_RUN(cli({"get", "/todos/1"}), 0, "{\"title\":\"bread\"}\n", "");
}

TEST_CASE("patch merges objects recursively, null removes a field, a missing document is created") {
  Cli cli;
  EXPECT_RUN(cli({"patch", "/todos/1", R"({"title": "milk", "meta": {"a": 1}})"}), 0,
             "{\"meta\":{\"a\":1},\"title\":\"milk\"}\n", "");
  EXPECT_RUN(cli({"patch", "/todos/1", R"({"meta": {"b": 2}, "title": null, "done": true})"}), 0,
             "{\"done\":true,\"meta\":{\"a\":1,\"b\":2}}\n", "");
  EXPECT_RUN(cli({"get", "/todos/1"}), 0, "{\"done\":true,\"meta\":{\"a\":1,\"b\":2}}\n", "");
}

TEST_CASE("patch with an array applies a JSON Patch; --base resolves its indexes against an old copy") {
  Cli cli;
  EXPECT_RUN(cli({"patch", "/lists/1", R"([{"op":"add","path":"/items","value":["eggs"]}])"}), 0,
             "{\"items\":[\"eggs\"]}\n", "");
  EXPECT_RUN(cli({"patch", "/lists/1", "-"}, R"([{"op":"add","path":"/items/-","value":"milk"}])"), 0,
             "{\"items\":[\"eggs\",\"milk\"]}\n", "");
  const CliResult read = cli({"get", "--with-base", "/lists/1"});
  REQUIRE(read.exit_code == 0);
  const nlohmann::json j = nlohmann::json::parse(read.out);
  CHECK(j["doc"] == nlohmann::json::parse(R"({"items":["eggs","milk"]})"));
  EXPECT_RUN(cli({"patch", "/lists/1", R"([{"op":"add","path":"/items/0","value":"tea"}])"}), 0,
             "{\"items\":[\"tea\",\"eggs\",\"milk\"]}\n", "");
  // On the old copy, index 1 was "milk".
  EXPECT_RUN(cli({"patch", "--base", j["base"].get<std::string>(), "/lists/1", R"([{"op":"remove","path":"/items/1"}])"}),
             0, "{\"items\":[\"tea\",\"eggs\"]}\n", "");
  EXPECT_RUN(cli({"patch", "/lists/1", R"([{"op":"remove","path":"/items/2"}])"}), 2, "",
             "crdtdb: JSON Patch operation 0: index 2 is out of range for list /items of 2 elements\n");
  EXPECT_RUN(cli({"get", "/lists/1"}), 0, "{\"items\":[\"tea\",\"eggs\"]}\n", "");
}

TEST_CASE("a JSON Patch writes inside list elements; a bad pointer into one exits 2 and changes nothing") {
  Cli cli;
  EXPECT_RUN(cli({"put", "/lists/2", R"({"items":[{"t":"milk","done":false},{"t":"eggs","note":"x"}]})"}), 0,
             "{\"items\":[{\"done\":false,\"t\":\"milk\"},{\"note\":\"x\",\"t\":\"eggs\"}]}\n", "");
  EXPECT_RUN(cli({"patch", "/lists/2", R"([{"op":"replace","path":"/items/0/done","value":true},
                                          {"op":"remove","path":"/items/1/note"},
                                          {"op":"add","path":"/items/1/tags","value":["a"]},
                                          {"op":"add","path":"/items/1/tags/-","value":"b"}])"}),
             0, "{\"items\":[{\"done\":true,\"t\":\"milk\"},{\"t\":\"eggs\",\"tags\":[\"a\",\"b\"]}]}\n", "");
  EXPECT_RUN(cli({"patch", "/lists/2", R"([{"op":"add","path":"/items/0/t/x","value":1}])"}), 2, "",
             "crdtdb: JSON Patch operation 0: /items/0/t is neither an object nor a list\n");
  EXPECT_RUN(cli({"get", "/lists/2"}), 0,
             "{\"items\":[{\"done\":true,\"t\":\"milk\"},{\"t\":\"eggs\",\"tags\":[\"a\",\"b\"]}]}\n", "");
}

TEST_CASE("a text field: put {\"$text\": S}, patch a string over it, get reads the string") {
  Cli cli;
  EXPECT_RUN(cli({"put", "/notes/1", R"({"title": "todo", "body": {"$text": "buy milk"}})"}), 0,
             "{\"body\":\"buy milk\",\"title\":\"todo\"}\n", "");
  EXPECT_RUN(cli({"patch", "/notes/1", R"({"body": "buy oat milk"})"}), 0,
             "{\"body\":\"buy oat milk\",\"title\":\"todo\"}\n", "");
  EXPECT_RUN(cli({"get", "/notes/1"}), 0, "{\"body\":\"buy oat milk\",\"title\":\"todo\"}\n", "");
  // A string over a field that is not a text stays a plain value.
  EXPECT_RUN(cli({"patch", "/notes/1", R"({"title": "done"})"}), 0,
             "{\"body\":\"buy oat milk\",\"title\":\"done\"}\n", "");
}

TEST_CASE("a JSON argument that is absent or - is read from standard input") {
  Cli cli;
  EXPECT_RUN(cli({"put", "/todos/1"}, R"({"title": "milk", "done": false})"), 0, kMilk, "");
  EXPECT_RUN(cli({"put", "/todos/2", "-"}, "{\"n\": 1}\n"), 0, "{\"n\":1}\n", "");
  EXPECT_RUN(cli({"patch", "/todos/2"}, R"({"m": 2})"), 0, "{\"m\":2,\"n\":1}\n", "");
  EXPECT_RUN(cli({"patch", "/todos/2", "-"}, R"({"n": null})"), 0, "{\"m\":2}\n", "");
}

TEST_CASE("standard input of exactly 4 MiB is accepted") {
  Cli cli;
  const std::string prefix = R"({"s":")", suffix = "\"}";
  const std::string doc =
      prefix + std::string((4u << 20) - prefix.size() - suffix.size(), 'x') + suffix;
  REQUIRE(doc.size() == 4u << 20);
  EXPECT_RUN(cli({"put", "/big/1"}, doc), 0, doc + "\n", "");
}

TEST_CASE("get --conflicts prints the document with its concurrent values") {
  Cli cli;
  EXPECT_RUN(cli({"put", "/todos/1", R"({"a": 1})"}), 0, "{\"a\":1}\n", "");
  EXPECT_RUN(cli({"get", "/todos/1", "--conflicts"}), 0, "{\"doc\":{\"a\":1},\"conflicts\":{}}\n",
             "");
}

TEST_CASE("delete prints nothing; afterwards get and delete exit 3") {
  Cli cli;
  EXPECT_RUN(cli({"put", "/todos/1", R"({"a": 1})"}), 0, "{\"a\":1}\n", "");
  EXPECT_RUN(cli({"delete", "/todos/1"}), 0, "", "");
  EXPECT_RUN(cli({"get", "/todos/1"}), 3, "", "crdtdb: document /todos/1 not found\n");
  EXPECT_RUN(cli({"delete", "/todos/1"}), 3, "", "crdtdb: document /todos/1 not found\n");
  EXPECT_RUN(cli({"list", "/todos"}), 0, "", "");
}

TEST_CASE("get and delete of a document that never existed exit 3") {
  Cli cli;
  EXPECT_RUN(cli({"put", "/other/1", "{}"}), 0, "{}\n", "");
  EXPECT_RUN(cli({"get", "/todos/9"}), 3, "", "crdtdb: document /todos/9 not found\n");
  EXPECT_RUN(cli({"get", "/todos/9", "--conflicts"}), 3, "",
             "crdtdb: document /todos/9 not found\n");
  EXPECT_RUN(cli({"delete", "todos/9"}), 3, "", "crdtdb: document /todos/9 not found\n");
}

TEST_CASE("list prints one {id, doc} line per live document in id order") {
  Cli cli;
  (void)cli.LibraryStatus();                       // creates the store
  EXPECT_RUN(cli({"list", "/todos"}), 0, "", "");  // an empty collection is not an error
  EXPECT_RUN(cli({"put", "/todos/b", R"({"n": 2})"}), 0, "{\"n\":2}\n", "");
  EXPECT_RUN(cli({"put", "/todos/a", R"({"n": 1})"}), 0, "{\"n\":1}\n", "");
  EXPECT_RUN(cli({"put", "/todos/q\"t", "{}"}), 0, "{}\n", "");
  EXPECT_RUN(cli({"put", "/other/a", R"({"n": 3})"}), 0, "{\"n\":3}\n", "");
  const std::string all =
      "{\"id\":\"a\",\"doc\":{\"n\":1}}\n"
      "{\"id\":\"b\",\"doc\":{\"n\":2}}\n"
      "{\"id\":\"q\\\"t\",\"doc\":{}}\n";
  EXPECT_RUN(cli({"list", "/todos"}), 0, all, "");
  EXPECT_RUN(cli({"list", "todos/"}), 0, all, "");
  EXPECT_RUN(cli({"list", "/other"}), 0, "{\"id\":\"a\",\"doc\":{\"n\":3}}\n", "");
}

TEST_CASE("list --limit and --start-after page through a collection") {
  Cli cli;
  for (int i = 1; i <= 5; ++i) {
    const std::string doc = "{\"i\":" + std::to_string(i) + "}";
    EXPECT_RUN(cli({"put", "/items/" + std::to_string(i), doc}), 0, doc + "\n", "");
  }
  auto line = [](int i) {
    return "{\"id\":\"" + std::to_string(i) + "\",\"doc\":{\"i\":" + std::to_string(i) + "}}\n";
  };
  EXPECT_RUN(cli({"list", "/items", "--limit", "2"}), 0, line(1) + line(2), "");
  EXPECT_RUN(cli({"list", "/items", "--limit", "2", "--start-after", "2"}), 0, line(3) + line(4),
             "");
  EXPECT_RUN(cli({"list", "/items", "--limit", "2", "--start-after", "4"}), 0, line(5), "");
  EXPECT_RUN(cli({"list", "/items", "--limit", "2", "--start-after", "5"}), 0, "", "");
  EXPECT_RUN(cli({"list", "/items", "--start-after", "3"}), 0, line(4) + line(5), "");
  EXPECT_RUN(cli({"list", "/items", "--limit=10"}), 0,
             line(1) + line(2) + line(3) + line(4) + line(5), "");
}

TEST_CASE("list without --limit prints every page of a collection larger than one page") {
  Cli cli;
  constexpr int kDocs = 2500;  // more than two of the binary's 1000-document pages
  auto id = [](int i) {
    std::string s = std::to_string(i);
    return "d" + std::string(4 - s.size(), '0') + s;
  };
  {
    Options options;
    options.path = cli.data_dir();
    auto db = Database::open(options);
    REQUIRE(db.ok());
    for (int i = 0; i < kDocs; ++i) {
      REQUIRE((*db)->put("many/" + id(i), "{\"i\":" + std::to_string(i) + "}").ok());
    }
  }
  auto lines = [&](int from, int to) {
    std::string out;
    for (int i = from; i < to; ++i) {
      out += "{\"id\":\"" + id(i) + "\",\"doc\":{\"i\":" + std::to_string(i) + "}}\n";
    }
    return out;
  };
  EXPECT_RUN(cli({"list", "/many"}), 0, lines(0, kDocs), "");
  EXPECT_RUN(cli({"list", "/many", "--limit", "1500"}), 0, lines(0, 1500), "");
  EXPECT_RUN(cli({"list", "/many", "--start-after", id(1499)}), 0, lines(1500, kDocs), "");
}

TEST_CASE("inc adds 1 by default, or N (negative too), to top-level and nested counters") {
  Cli cli;
  EXPECT_RUN(cli({"inc", "/stats/app", "launches"}), 0, "{\"launches\":1}\n", "");
  EXPECT_RUN(cli({"inc", "/stats/app", "launches", "41"}), 0, "{\"launches\":42}\n", "");
  EXPECT_RUN(cli({"inc", "/stats/app", "/usage/clicks", "-5"}), 0,
             "{\"launches\":42,\"usage\":{\"clicks\":-5}}\n", "");
  EXPECT_RUN(cli({"inc", "stats/app", "/usage/clicks", "--", "-1"}), 0,
             "{\"launches\":42,\"usage\":{\"clicks\":-6}}\n", "");
  EXPECT_RUN(cli({"get", "/stats/app"}), 0, "{\"launches\":42,\"usage\":{\"clicks\":-6}}\n", "");
}

TEST_CASE("status prints the contract's keys for an embedded store and follows writes") {
  Cli cli;
  LocalStatus s = cli.LibraryStatus();  // creates the store
  CliResult first = cli({"status"});
  CHECK(s.documents == 0);
  CHECK(s.replica_id.size() == 16);
  CHECK(s.merkle_root.size() == 32);
  EXPECT_RUN(first, 0, cli.StatusLine(s), "");

  EXPECT_RUN(cli({"put", "/todos/1", "{}"}), 0, "{}\n", "");
  EXPECT_RUN(cli({"put", "/todos/2", "{}"}), 0, "{}\n", "");
  EXPECT_RUN(cli({"delete", "/todos/1"}), 0, "", "");
  const CliResult after = cli({"status"});
  const LocalStatus t = cli.LibraryStatus();
  CHECK(t.replica_id == s.replica_id);
  CHECK(t.documents == 1);  // live documents only
  CHECK(t.last_sequence == s.last_sequence + 3);
  CHECK(t.merkle_root != s.merkle_root);
  EXPECT_RUN(after, 0, cli.StatusLine(t), "");
}

TEST_CASE("verify reports the documents checked and no problems") {
  Cli cli;
  (void)cli.LibraryStatus();  // creates the store
  EXPECT_RUN(cli({"verify"}), 0, "{\"documents_checked\":0,\"problems\":[]}\n", "");
  EXPECT_RUN(cli({"put", "/todos/1", "{}"}), 0, "{}\n", "");
  EXPECT_RUN(cli({"inc", "/stats/app", "n"}), 0, "{\"n\":1}\n", "");
  EXPECT_RUN(cli({"verify"}), 0, "{\"documents_checked\":2,\"problems\":[]}\n", "");
}

// Damages the store behind the library's back, as a disk or a bug could (store/key_schema.h).
void PutRaw(const std::string& path, const std::string& key, const std::string& value) {
  leveldb::DB* raw = nullptr;
  REQUIRE(leveldb::DB::Open(leveldb::Options(), path, &raw).ok());
  std::unique_ptr<leveldb::DB> db(raw);
  REQUIRE(db->Put(leveldb::WriteOptions(), key, value).ok());
}

TEST_CASE("verify prints the problems of a damaged store and exits 1") {
  Cli cli;
  EXPECT_RUN(cli({"put", "/todos/1", "{}"}), 0, "{}\n", "");
  PutRaw(cli.data_dir(), store::MerkleLeafKey(merkle::BucketOf("todos/1")),
         std::string(16, '\x07'));
  const CliResult r = cli({"verify"});
  CHECK(r.exit_code == 1);
  const nlohmann::json report = nlohmann::json::parse(r.out);
  CHECK(report["documents_checked"] == 1);
  REQUIRE(report["problems"].size() >= 1);
  CHECK(r.out == "{\"documents_checked\":1,\"problems\":" + report["problems"].dump() + "}\n");
  CHECK(r.err == "crdtdb: verify found " + std::to_string(report["problems"].size()) +
                     " problem(s); the report on stdout lists them\n");
}

TEST_CASE("a damaged document is never printed: get exits 1 with one line") {
  Cli cli;
  EXPECT_RUN(cli({"put", "/todos/1", R"({"a": 1})"}), 0, "{\"a\":1}\n", "");
  std::string record;
  {
    leveldb::DB* raw = nullptr;
    REQUIRE(leveldb::DB::Open(leveldb::Options(), cli.data_dir(), &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    REQUIRE(db->Get(leveldb::ReadOptions(), store::DocumentKey("todos/1"), &record).ok());
  }
  record.back() ^= 0x01;  // the digest no longer matches the state
  PutRaw(cli.data_dir(), store::DocumentKey("todos/1"), record);
  const CliResult r = cli({"get", "/todos/1"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("crdtdb: ", 0) == 0);
  CHECK(r.err.find('\n') == r.err.size() - 1);
  // The document is named as /COLLECTION/ID however the path was typed, and by every verb.
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"get", "/todos/1"},
                                             {"get", "todos/1"},
                                             {"list", "todos"},
                                             {"patch", "todos/1", "{}"}}) {
    const CliResult damaged = cli(args);
    CAPTURE(args[0]);
    CHECK(damaged.exit_code == 1);
    CHECK(damaged.err.rfind("crdtdb: document /todos/1: ", 0) == 0);
  }
}

TEST_CASE("rejected input exits 2 with one line on stderr and leaves the store unchanged") {
  Cli cli;
  EXPECT_RUN(cli({"put", "/todos/1", R"({"title": "milk", "n": 1})"}), 0,
             "{\"n\":1,\"title\":\"milk\"}\n", "");
  const std::string before = cli.Snapshot("/todos", "/todos/1");
  const std::string big_input((4u << 20) + 1, ' ');
  struct Case {
    std::vector<std::string> args;
    std::string input;
    std::string err;
  };
  const std::vector<Case> cases = {
      {{"put", "/todos/1", "{x"},
       "",
       "malformed JSON: parse error at line 1, column 2: syntax error while parsing object key - "
       "invalid literal; last read: '{x'; expected string literal"},
      {{"put", "/todos/1"},
       "",
       "malformed JSON: parse error at line 1, column 1: syntax error while parsing value - "
       "unexpected end of input; expected '[', '{', or a literal"},
      {{"patch", "/todos/1", "-"},
       "{\"a\":",
       "malformed JSON: parse error at line 1, column 6: "
       "syntax error while parsing value - unexpected end of input; expected '[', '{', or a "
       "literal"},
      {{"put", "/todos/1", "[1]"}, "", "expected a JSON object, got array"},
      {{"put", "/todos/1", "\"milk\""}, "", "expected a JSON object, got string"},
      {{"patch", "/todos/1", "null"}, "", "a patch must be a JSON object (a merge patch) or an array (a JSON Patch)"},
      // JSON Patch: each error exits 2 and changes nothing, the earlier operations included.
      {{"patch", "/todos/1", R"([{"op":"add","path":"/n","value":2},{"op":"test","path":"/title","value":"tea"}])"},
       "",
       "JSON Patch operation 1: test failed: /title is \"milk\", not \"tea\""},
      {{"patch", "/todos/1", R"([{"op":"add","path":"/title/0","value":1}])"}, "",
       "JSON Patch operation 0: /title is neither an object nor a list"},
      {{"patch", "/todos/1", R"([{"op":"remove","path":"/gone"}])"}, "", "JSON Patch operation 0: /gone does not exist"},
      {{"patch", "/todos/1", R"([{"op":"add","path":"title","value":1}])"}, "",
       "JSON Patch operation 0: JSON pointer \"title\" must be empty or start with /"},
      {{"patch", "--base", "x", "/todos/1", R"([{"op":"remove","path":"/n"}])"}, "",
       "malformed base version: a replica id must be 16 hex digits"},
      {{"put", "/todos/1"},
       big_input,
       "JSON on standard input is larger than the limit of 4194304 bytes"},
      {{"put", "todos", "{}"}, "", "bad path \"todos\": expected /COLLECTION/ID"},
      {{"put", "/todos/1/x", "{}"}, "", "bad path \"/todos/1/x\": expected /COLLECTION/ID"},
      {{"patch", "/todos/", "{}"}, "", "bad path \"/todos/\": empty id"},
      {{"put", "//1", "{}"}, "", "bad path \"//1\": empty collection"},
      {{"delete", "/todos"}, "", "bad path \"/todos\": expected /COLLECTION/ID"},
      {{"get", "/todos/1/x"}, "", "bad path \"/todos/1/x\": expected /COLLECTION/ID"},
      {{"get", "/todos/a\tb"}, "", "bad path: control character in id"},
      {{"put", "/todos/" + std::string(257, 'i'), "{}"}, "", "bad path: id longer than 256 bytes"},
      {{"list", "/todos/1"}, "", "bad path \"/todos/1\": expected /COLLECTION"},
      {{"inc", "/todos/1", "title"}, "", "field /title is a value, not a counter"},
      {{"inc", "/todos/1", "n", "2"}, "", "field /n is a value, not a counter"},
      {{"inc", "/todos/1", ""}, "", "empty field name"},
      {{"inc", "/todos/1", "c", "abc"},
       "",
       "bad increment \"abc\": expected a whole number between -9223372036854775808 and "
       "9223372036854775807"},
      {{"inc", "/todos/1", "c", "1.5"},
       "",
       "bad increment \"1.5\": expected a whole number between -9223372036854775808 and "
       "9223372036854775807"},
      {{"inc", "/todos/1", "c", "9223372036854775808"},
       "",
       "bad increment \"9223372036854775808\": expected a whole number between "
       "-9223372036854775808 and 9223372036854775807"},
      {{"list", "/todos", "--limit", "0"},
       "",
       "bad --limit \"0\": expected a positive whole number"},
      {{"list", "/todos", "--limit", "x"},
       "",
       "bad --limit \"x\": expected a positive whole number"},
      {{"frobnicate", "/todos/1"},
       "",
       "unknown verb \"frobnicate\"; run 'crdtdb --help' for the list of verbs"},
      {{"Get", "/todos/1"}, "", "unknown verb \"Get\"; run 'crdtdb --help' for the list of verbs"},
      {{}, "", "no verb given; run 'crdtdb --help' for the list of verbs"},
      {{"get"}, "", "get: PATH is required (run 'crdtdb get --help')"},
      {{"inc", "/todos/1"}, "", "inc: FIELD is required (run 'crdtdb inc --help')"},
      {{"get", "/todos/1", "extra"},
       "",
       "get: The following argument was not expected: extra (run 'crdtdb get --help')"},
      {{"get", "/todos/1", "--bogus"},
       "",
       "get: The following argument was not expected: --bogus (run 'crdtdb get --help')"},
      {{"--bogus", "get", "/todos/1"},
       "",
       "unknown option \"--bogus\"; global options come before the verb (run 'crdtdb --help')"},
      {{"get", "/todos/1", "--data-dir", "elsewhere"},
       "",
       "--data-dir is a global option: put it before the verb (crdtdb --data-dir ... get ...)"},
      // I-JSON (RFC 7493): one meaning for every reader, or none.
      {{"put", "/todos/1", R"({"title": "milk", "title": "oat milk"})"},
       "",
       "duplicate member name \"title\" in a JSON object: names must be unique (RFC 7493)"},
      {{"patch", "/todos/1", R"({"o": {"a": 1, "a": 1}})"},
       "",
       "duplicate member name \"a\" in a JSON object: names must be unique (RFC 7493)"},
      {{"put", "/todos/1", R"({"n": 18446744073709551616})"},
       "",
       "integer 18446744073709551616 is beyond 64 bits (-9223372036854775808 to "
       "18446744073709551615) "
       "and cannot be kept exactly; send it as a string"},
      {{"patch", "/todos/1", R"({"n": 1e-400})"},
       "",
       "number 1e-400 is beyond the range of a double (it would become 0 or infinite) and cannot "
       "be "
       "kept exactly; send it as a string"},
      {{"sadd", "/todos/1", "tags", "[\"a\"]"}, "", "set elements must be JSON scalars"},
      {{"sadd", "/todos/1", "title", "\"a\""}, "", "field /title is a value, not a set"},
      {{"srem", "/todos/1", "tags", "-"},
       "{x",
       "malformed JSON: parse error at line 1, column 2: syntax error while parsing object key - "
       "invalid literal; last read: '{x'; expected string literal"},
      {{"sadd", "/todos/1", "tags"}, "", "sadd: JSON is required (run 'crdtdb sadd --help')"},
  };
  for (const Case& c : cases) {
    std::string shown;
    for (const std::string& a : c.args) shown += a.substr(0, 40) + " ";
    CAPTURE(shown);
    EXPECT_RUN(cli(c.args, c.input), 2, "", "crdtdb: " + c.err + "\n");
  }
  CHECK(cli.Snapshot("/todos", "/todos/1") == before);

  // A counter that would overflow is rejected too.
  EXPECT_RUN(cli({"inc", "/stats/app", "c", "9223372036854775807"}), 0,
             "{\"c\":9223372036854775807}\n", "");
  const std::string stats_before = cli.Snapshot("/stats", "/stats/app");
  EXPECT_RUN(cli({"inc", "/stats/app", "c"}), 2, "", "crdtdb: counter /c would overflow int64\n");
  CHECK(cli.Snapshot("/stats", "/stats/app") == stats_before);
}

TEST_CASE("sadd and srem edit an add-wins set, read and written like any field") {
  Cli cli;
  EXPECT_RUN(cli({"sadd", "/todos/1", "tags", "\"shop\""}), 0, "{\"tags\":[\"shop\"]}\n", "");
  EXPECT_RUN(cli({"sadd", "todos/1", "tags", "3"}), 0, "{\"tags\":[\"shop\",3]}\n", "");
  EXPECT_RUN(cli({"sadd", "/todos/1", "tags", "3"}), 0, "{\"tags\":[\"shop\",3]}\n", "");  // a set
  EXPECT_RUN(cli({"sadd", "/todos/1", "/o/flags", "-"}, "true\n"), 0,
             "{\"o\":{\"flags\":[true]},\"tags\":[\"shop\",3]}\n", "");
  EXPECT_RUN(cli({"srem", "/todos/1", "tags", "\"shop\""}), 0,
             "{\"o\":{\"flags\":[true]},\"tags\":[3]}\n", "");
  EXPECT_RUN(cli({"srem", "/todos/1", "tags", "\"absent\""}), 0,
             "{\"o\":{\"flags\":[true]},\"tags\":[3]}\n", "");
  EXPECT_RUN(cli({"get", "/todos/1"}), 0, "{\"o\":{\"flags\":[true]},\"tags\":[3]}\n", "");
  EXPECT_RUN(cli({"srem", "/todos/2", "tags", "1"}), 3, "",
             "crdtdb: document /todos/2 not found\n");
  const CliResult help = cli.Raw({"sadd", "--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("Example") != std::string::npos);
}

TEST_CASE("--endpoint is tcp://HOST:PORT, and a command names one replica: a store or a region") {
  Cli cli;
  for (const char* bad : {"127.0.0.1:7103", "localhost", "ipc:///tmp/x", "tcp://127.0.0.1"}) {
    CAPTURE(bad);
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"--endpoint", bad, "get", "/todos/1"},
          std::vector<std::string>{"--data-dir", "local", "sync", "--endpoint", bad}}) {
      const CliResult r = cli.Raw(args);
      CHECK(r.exit_code == 2);
      CHECK(r.out.empty());
      CHECK(r.err.rfind(std::string("crdtdb: --endpoint \"") + bad + "\": ", 0) == 0);
      CHECK(r.err.find("tcp://HOST:PORT") != std::string::npos);
      CHECK(r.err.find(", such as tcp://127.0.0.1:7103\n") == r.err.size() - 31);
    }
  }
  EXPECT_RUN(cli.Raw({"--endpoint", "tcp://127.0.0.1:1", "--data-dir", "local", "get", "/todos/1"}),
             2, "", "crdtdb: --endpoint replaces --data-dir: give one or the other\n");
  EXPECT_RUN(cli.Raw({"--config", "x.yaml", "--region", "r", "--data-dir", "local", "status"}), 2,
             "", "crdtdb: --config/--region replaces --data-dir: give one or the other\n");
  EXPECT_RUN(cli.Raw({"--data-dir", "local", "sync", "--endpoint", "tcp://127.0.0.1:1", "--config",
                      "x.yaml"}),
             2, "", "crdtdb: --endpoint replaces --config/--region: give one or the other\n");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--data-dir", "local", "serve", "--config", "x.yaml", "--region",
                                 "r"},
        std::vector<std::string>{"--endpoint", "tcp://127.0.0.1:1", "serve", "--config", "x.yaml",
                                 "--region", "r"}}) {
    EXPECT_RUN(
        cli.Raw(args), 2, "",
        "crdtdb: serve takes its data_dir and endpoints from --config/--region: --data-dir and "
        "--endpoint do not apply\n");
  }
  // sync copies a region into a local store: only into one that is named.
  EXPECT_RUN(cli.Raw({"sync", "--endpoint", "tcp://127.0.0.1:1"}), 2, "",
             "crdtdb: sync needs --data-dir DIR, the local store to sync (crdtdb --data-dir DIR "
             "sync ...)\n");
  // Nothing was created by any of these.
  CHECK_FALSE(std::filesystem::exists(cli.path() + "/crdtdb-data"));
  CHECK_FALSE(std::filesystem::exists(cli.path() + "/local"));
}

// A TCP socket listening on a free port of 127.0.0.1; returns its fd and
// sets `endpoint` to its address.
int BoundSocket(std::string* endpoint) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(listen(fd, 1) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  *endpoint = "tcp://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  return fd;
}

TEST_CASE("serve that cannot bind names the endpoint and leaves no data_dir behind") {
  Cli cli;
  // Free ports for publish and sync; the client endpoint's port is held by this test.
  const std::vector<int> ports = testing::PickFreePorts(2);
  const std::string publish = "tcp://127.0.0.1:" + std::to_string(ports[0]);
  const std::string sync = "tcp://127.0.0.1:" + std::to_string(ports[1]);
  std::string taken;
  const int fd = BoundSocket(&taken);
  std::ofstream(cli.path() + "/regions.yaml")
      << "cluster: c\nregions:\n  - {name: r, data_dir: data/r, publish: \"" + publish +
             "\", sync: \"" + sync + "\", client: \"" + taken + "\"}\n";
  const CliResult r = cli.Raw({"serve", "--config", "regions.yaml", "--region", "r"});
  close(fd);
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find("cannot bind the client endpoint " + taken + ": Address already in use") !=
        std::string::npos);
  CHECK_FALSE(std::filesystem::exists(cli.path() + "/data"));
}

TEST_CASE("a running region: sadd/srem by --endpoint, sync --endpoint, and status names its data_dir") {
  Cli cli;
  // Ports from outside the ephemeral range: a bound-and-closed ephemeral port can be taken by any
  // outgoing connection of the tests running beside this one before the server binds it.
  const std::vector<int> ports = testing::PickFreePorts(3);
  auto endpoint = [](int port) { return "tcp://127.0.0.1:" + std::to_string(port); };
  const std::string publish = endpoint(ports[0]), sync = endpoint(ports[1]), client = endpoint(ports[2]);
  // The region's store beside the embedded one (cli.data_dir()), not inside it: crdtdb creates
  // a store only in a missing or empty directory.
  std::ofstream(cli.path() + "/regions.yaml")
      << "cluster: c\nregions:\n  - {name: r, data_dir: regions/r, publish: \"" + publish +
             "\", sync: \"" + sync + "\", client: \"" + client + "\"}\n";
  testing::Subprocess server(
      {CRDTDB_CLI_PATH, "serve", "--config", cli.path() + "/regions.yaml", "--region", "r"});
  CliResult added;
  for (int attempt = 0; attempt < 5 && added.exit_code != 0; ++attempt) {  // it may be starting
    added = cli.Raw({"--endpoint", client, "sadd", "/todos/1", "tags", "\"shop\""});
  }
  EXPECT_RUN(added, 0, "{\"tags\":[\"shop\"]}\n", "");
  EXPECT_RUN(cli.Raw({"--endpoint", client, "sadd", "todos/1", "tags", "2"}), 0,
             "{\"tags\":[\"shop\",2]}\n", "");
  EXPECT_RUN(cli.Raw({"--endpoint", client, "srem", "/todos/1", "tags", "\"shop\""}), 0,
             "{\"tags\":[2]}\n", "");
  EXPECT_RUN(cli.Raw({"--endpoint", client, "srem", "/todos/2", "tags", "2"}), 3, "",
             "crdtdb: document /todos/2 not found\n");

  const CliResult synced = cli({"sync", "--endpoint", sync});
  CHECK(synced.exit_code == 0);
  CHECK(synced.err.empty());
  CHECK(synced.out.rfind("{\"endpoint\":\"" + sync + "\",", 0) == 0);
  CHECK(synced.out.find("\"in_sync\":true") != std::string::npos);
  EXPECT_RUN(cli({"get", "/todos/1"}), 0, "{\"tags\":[2]}\n", "");

  const CliResult status = cli.Raw({"--endpoint", client, "status"});
  REQUIRE(status.exit_code == 0);
  const nlohmann::json s = nlohmann::json::parse(status.out);
  CHECK(s.at("data_dir") == cli.path() + "/regions/r");
  CHECK(s.at("version") == CRDTDB_VERSION);
  CHECK(s.at("uptime_s").is_number_unsigned());
}

TEST_CASE("an empty --data-dir is a usage error") {
  Cli cli;
  EXPECT_RUN(cli.Raw({"--data-dir", "", "status"}), 2, "",
             "crdtdb: --data-dir needs a directory name\n");
  EXPECT_RUN(cli.Raw({"--data-dir"}), 2, "",
             "crdtdb: --data-dir: 1 required DIR missing (run 'crdtdb --help')\n");
}

TEST_CASE("upper-case HTTP verbs work like their lower-case forms") {
  Cli cli;
  EXPECT_RUN(cli({"PUT", "/todos/1", R"({"a": 1})"}), 0, "{\"a\":1}\n", "");
  EXPECT_RUN(cli({"PATCH", "/todos/1"}, R"({"b": 2})"), 0, "{\"a\":1,\"b\":2}\n", "");
  EXPECT_RUN(cli({"GET", "/todos/1"}), 0, "{\"a\":1,\"b\":2}\n", "");
  EXPECT_RUN(cli({"DELETE", "/todos/1"}), 0, "", "");
  EXPECT_RUN(cli({"GET", "/todos/1"}), 3, "", "crdtdb: document /todos/1 not found\n");
}

TEST_CASE("--version and --help print to stdout and exit 0") {
  Cli cli;
  EXPECT_RUN(cli.Raw({"--version"}), 0, std::string("crdtdb ") + CRDTDB_VERSION + "\n", "");
  const CliResult help = cli.Raw({"--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.err.empty());
  CHECK(help.out.rfind("crdtdb: a geo-replicated CRDT document database.\n", 0) == 0);
  for (const char* verb : {"get, GET", "put, PUT", "patch, PATCH", "delete, DELETE", "list", "inc",
                           "sadd", "srem", "status", "verify", "serve", "sync", "keygen"}) {
    CHECK_MESSAGE(help.out.find(std::string("\n  ") + verb + " ") != std::string::npos, verb);
  }
  EXPECT_RUN(
      cli.Raw({"get", "--help"}), 0,
      "Print one document as a JSON object.\n"
      "Usage: crdtdb get [OPTIONS] PATH\n"
      "\n"
      "Positionals:\n"
      "  PATH REQUIRED               document path /COLLECTION/ID (leading slash optional)\n"
      "\n"
      "Options:\n"
      "  -h,--help                   Print this help message and exit\n"
      "  --conflicts                 print {\"doc\": ..., \"conflicts\": {\"/pointer\": [values]}} "
      "with every concurrent value\n"
      "  --with-base                 print {\"doc\": ..., \"base\": VERSION}: the version to give "
      "patch --base\n"
      "\n"
      "Example:\n"
      "  $ crdtdb get /todos/1\n"
      "  {\"done\":false,\"title\":\"milk\"}\n",
      "");
  for (const char* verb : {"get", "GET", "put", "PUT", "patch", "PATCH", "delete", "DELETE", "list",
                           "inc", "sadd", "srem", "status", "verify", "serve", "sync", "keygen"}) {
    CAPTURE(verb);
    const CliResult r = cli.Raw({verb, "--help"});
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    CHECK(r.out.find("Example") != std::string::npos);
  }
  CHECK_FALSE(std::filesystem::exists(cli.path() + "/crdtdb-data"));  // help opens no store
}

TEST_CASE("remote verbs without a reachable region fail plainly and never fall back to a local store") {
  Cli cli;
  EXPECT_RUN(cli.Raw({"--config", "missing.yaml", "--region", "us-east", "get", "/todos/1"}), 1, "",
             "crdtdb: missing.yaml: cannot read: No such file or directory\n");
  EXPECT_RUN(cli.Raw({"--region", "us-east", "status"}), 2, "", "crdtdb: --config and --region go together\n");
  EXPECT_RUN(cli.Raw({"serve", "--config", "missing.yaml"}), 2, "",
             "crdtdb: --config and --region go together\n");
  EXPECT_RUN(cli.Raw({"sync", "--region", "us-east"}), 2, "", "crdtdb: --config and --region go together\n");
  // Nothing listens on port 1: the answer never comes, and the wait is bounded.
  const auto started = std::chrono::steady_clock::now();
  EXPECT_RUN(cli.Raw({"--endpoint", "tcp://127.0.0.1:1", "get", "/todos/1"}), 1, "",
             "crdtdb: no answer from tcp://127.0.0.1:1 within 5 s (is the region running?)\n");
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
  EXPECT_RUN(cli.Raw({"--endpoint", "tcp://127.0.0.1:1", "--config", "x.yaml", "status"}), 2, "",
             "crdtdb: --endpoint replaces --config/--region: give one or the other\n");
  // keygen needs no region and no store: two new Z85 keys, different on every run.
  const CliResult key1 = cli.Raw({"keygen"}), key2 = cli.Raw({"keygen"});
  for (const CliResult* k : {&key1, &key2}) {
    CHECK(k->exit_code == 0);
    CHECK(k->err.empty());
    const nlohmann::json j = nlohmann::json::parse(k->out);
    CHECK(j.size() == 2);
    CHECK(j.at("public").get<std::string>().size() == 40);
    CHECK(j.at("secret").get<std::string>().size() == 40);
  }
  CHECK(key1.out != key2.out);
  CHECK_FALSE(std::filesystem::exists(cli.path() + "/crdtdb-data"));  // nothing fell back to it
}

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
