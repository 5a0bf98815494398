// Copyright (c) crdtdb authors.
//
// The crdtdb binary against its contract (docs/cli.md): every verb, every exit code, the exact
// output and the one stderr line of each failure, and that rejected input changes nothing. Each
// test runs the real binary (fork+exec) on a fresh store in its own temporary directory. The
// remote side is in cli_remote_test.cc, where the store lives in cli_store_dir_test.cc.

#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <leveldb/db.h>
#include <nlohmann/json.hpp>

#include "crdtdb/crdtdb.hpp"
#include "store/key_schema.h"
#include "tests/cli/cli_fixture.h"

namespace crdtdb {
namespace {

using testing::Cli;
using testing::CliResult;

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

}  // namespace
}  // namespace crdtdb
