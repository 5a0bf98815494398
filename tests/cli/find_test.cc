// Copyright (c) crdtdb authors.
//
// `crdtdb find` on an embedded store (docs/cli.md, docs/queries.md): the real binary, its output,
// paging with --limit and --bookmark, and exit 2 with one line naming the offending part.

#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "tests/cli/cli_runner.h"
#include "tests/support/temp_dir.h"

namespace crdtdb {
namespace {

using testing::CliResult;

class Store {
 public:
  CliResult operator()(std::vector<std::string> args, const std::string& input = "") const {
    args.insert(args.begin(), {"--data-dir", dir_.Sub("data")});
    return testing::RunProcess(CRDTDB_CLI_PATH, args, input, dir_.path());
  }
  void Put(const std::string& path, const std::string& json) const {
    REQUIRE((*this)({"put", path, json}).exit_code == 0);
  }

 private:
  testing::TempDir dir_;
};

// Fills `s` with a few todos (one deleted) and a note.
void AddTodos(const Store& s) {
  s.Put("/todos/1", R"({"title":"milk","done":false,"due":30,"owner":{"name":"ann"}})");
  s.Put("/todos/2", R"({"title":"bread","done":false,"due":12,"owner":{"name":"bob"}})");
  s.Put("/todos/3", R"({"title":"eggs","done":true,"due":5})");
  s.Put("/todos/4", R"({"title":"jam","done":false})");
  s.Put("/notes/1", R"({"done":false})");
  REQUIRE(s({"delete", "/todos/3"}).exit_code == 0);
}

TEST_CASE("find cli: prints the matching documents as NDJSON in id order, as list does") {
  Store s;
  AddTodos(s);
  CliResult r = s({"find", "/todos", R"({"done": false})"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(r.out ==
        "{\"id\":\"1\",\"doc\":{\"done\":false,\"due\":30,\"owner\":{\"name\":\"ann\"},\"title\":"
        "\"milk\"}}\n"
        "{\"id\":\"2\",\"doc\":{\"done\":false,\"due\":12,\"owner\":{\"name\":\"bob\"},\"title\":"
        "\"bread\"}}\n"
        "{\"id\":\"4\",\"doc\":{\"done\":false,\"title\":\"jam\"}}\n");
  // A deleted document matches nothing; the selector may come from standard input.
  CHECK(s({"find", "todos", "-"}, R"({"title": "eggs"})").out.empty());
  CHECK(s({"find", "todos"}, R"({"owner.name": {"$in": ["bob"]}})").out.find("\"id\":\"2\"") == 1);
}

TEST_CASE("find cli: sort, fields, limit and bookmark page through every match once") {
  Store s;
  AddTodos(s);
  CHECK(
      s({"find", "/todos", "{}", "--sort", "due:desc", "--fields", "title,owner.name"}).out ==
      "{\"id\":\"1\",\"doc\":{\"owner\":{\"name\":\"ann\"},\"title\":\"milk\"}}\n"
      "{\"id\":\"2\",\"doc\":{\"owner\":{\"name\":\"bob\"},\"title\":\"bread\"}}\n"
      "{\"id\":\"4\",\"doc\":{\"title\":\"jam\"}}\n");  // a missing field sorts first: last in desc
  std::vector<std::string> ids;
  std::string bookmark;
  for (int page = 0; page < 5; ++page) {
    std::vector<std::string> args = {"find", "/todos", "{}", "--sort", "due", "--limit", "1"};
    if (!bookmark.empty()) args.insert(args.end(), {"--bookmark", bookmark});
    CliResult r = s(args);
    REQUIRE(r.exit_code == 0);
    bookmark.clear();
    size_t start = 0;
    for (size_t end; (end = r.out.find('\n', start)) != std::string::npos; start = end + 1) {
      nlohmann::json line = nlohmann::json::parse(r.out.substr(start, end - start));
      if (line.contains("bookmark")) {
        bookmark = line["bookmark"];
      } else {
        ids.push_back(line["id"]);
      }
    }
    if (bookmark.empty()) break;
  }
  CHECK(ids == std::vector<std::string>{"4", "2", "1"});
}

TEST_CASE("find cli: a selector that cannot be parsed is exit 2 with one line naming the part") {
  Store s;
  AddTodos(s);
  auto error = [&](std::vector<std::string> args) { return testing::UsageError(s, std::move(args)); };
  CHECK(error({"find", "/todos", R"({"due": {"$near": 3}})"}) ==
        "crdtdb: field \"due\": unknown operator \"$near\"\n");
  CHECK(error({"find", "/todos", R"({"due": {"$in": 3}})"}) ==
        "crdtdb: field \"due\": $in takes an array, not a number\n");
  CHECK(error({"find", "/todos", "[1]"}) ==
        "crdtdb: SELECTOR must be a JSON object, such as {\"done\": false}\n");
  CHECK(error({"find", "/todos", "{"}).rfind("crdtdb: SELECTOR: ", 0) == 0);
  CHECK(error({"find", "/todos", "{}", "--sort", "due:down"}) ==
        "crdtdb: --sort due:down: the direction after ':' is asc or desc\n");
  CHECK(error({"find", "/todos", "{}", "--bookmark", "zz!"}) ==
        "crdtdb: bookmark: not a bookmark of a find page\n");
  CHECK(error({"find", "/todos", "{}", "--limit", "0"}).find("limit") != std::string::npos);
  CHECK(error({"find", "/a/b", "{}"}) == "crdtdb: bad path \"/a/b\": expected /COLLECTION\n");
}

}  // namespace
}  // namespace crdtdb
