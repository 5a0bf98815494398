// Copyright (c) crdtdb authors.
//
// `crdtdb index create|list|drop` and `find --explain` on an embedded store (docs/cli.md): the
// real binary, its JSON, and exit 2 with one line and nothing changed for bad input.

#include <filesystem>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "tests/cli/cli_runner.h"
#include "tests/support/temp_dir.h"

namespace crdtdb {
namespace {

using Json = nlohmann::json;
using testing::CliResult;

class Store {
 public:
  CliResult operator()(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--data-dir", data()});
    return testing::RunProcess(CRDTDB_CLI_PATH, args, "", dir_.path());
  }
  std::string data() const { return dir_.Sub("data"); }

 private:
  testing::TempDir dir_;
};

TEST_CASE("index cli: create builds the index, find --explain uses it, drop removes it") {
  Store s;
  for (int i = 0; i < 40; ++i) {
    REQUIRE(s({"put", "/todos/" + std::to_string(i),
               R"({"due":)" + std::to_string(i % 10) + R"(,"owner":{"name":"u)" + std::to_string(i % 4) + R"("}})"})
                .exit_code == 0);
  }
  CliResult explain = s({"find", "/todos", R"({"due": 3})", "--explain"});
  REQUIRE(explain.exit_code == 0);
  CHECK(Json::parse(explain.out)["explain"] ==
        Json::parse(R"({"index":null,"ordered":false,"descending":false,"ranges":0,"keys_read":0,"documents_read":40,"documents_returned":4})"));

  CliResult created = s({"index", "create", "/todos", "owner.name,due"});
  REQUIRE(created.exit_code == 0);
  CHECK(Json::parse(created.out) ==
        Json::parse(R"({"collection":"todos","name":"owner.name,due","fields":["owner.name","due"],"state":"ready"})"));
  REQUIRE(s({"index", "create", "todos", "due"}).exit_code == 0);
  CliResult listed = s({"index", "list", "/todos"});
  REQUIRE(listed.exit_code == 0);
  CHECK(Json::parse(listed.out)["indexes"].size() == 2);

  explain = s({"find", "/todos", R"({"due": 3})", "--explain"});
  CHECK(Json::parse(explain.out)["explain"] ==
        Json::parse(R"({"index":"due","ordered":false,"descending":false,"ranges":1,"keys_read":4,"documents_read":4,"documents_returned":4})"));
  explain = s({"find", "/todos", R"({"owner.name": "u1", "due": {"$gte": 5}})", "--explain"});
  CHECK(Json::parse(explain.out)["explain"]["index"] == "owner.name,due");
  CHECK(Json::parse(explain.out)["explain"]["documents_read"] == 6);  // the owner's due 5, 7, 9
  // A $in: one lookup per value; a descending sort served by the index reads it backward (a key
  // found stepping back names a group of equal values, read forward: ties in id order).
  explain = s({"find", "/todos", R"({"due": {"$in": [1, 2, 2.0]}})", "--explain"});
  CHECK(Json::parse(explain.out)["explain"] ==
        Json::parse(R"({"index":"due","ordered":false,"descending":false,"ranges":2,"keys_read":8,"documents_read":8,"documents_returned":8})"));
  explain = s({"find", "/todos", R"({"owner.name": "u1"})", "--sort", "due:desc", "--limit", "2", "--explain"});
  CHECK(Json::parse(explain.out)["explain"] ==
        Json::parse(R"({"index":"owner.name,due","ordered":true,"descending":true,"ranges":1,"keys_read":3,"documents_read":2,"documents_returned":2})"));
  CliResult found = s({"find", "/todos", R"({"owner.name": "u1", "due": {"$gte": 5}})"});
  CHECK(found.out ==
        "{\"id\":\"17\",\"doc\":{\"due\":7,\"owner\":{\"name\":\"u1\"}}}\n"
        "{\"id\":\"25\",\"doc\":{\"due\":5,\"owner\":{\"name\":\"u1\"}}}\n"
        "{\"id\":\"29\",\"doc\":{\"due\":9,\"owner\":{\"name\":\"u1\"}}}\n"
        "{\"id\":\"37\",\"doc\":{\"due\":7,\"owner\":{\"name\":\"u1\"}}}\n"
        "{\"id\":\"5\",\"doc\":{\"due\":5,\"owner\":{\"name\":\"u1\"}}}\n"
        "{\"id\":\"9\",\"doc\":{\"due\":9,\"owner\":{\"name\":\"u1\"}}}\n");
  CHECK(s({"verify"}).exit_code == 0);
  CliResult status = s({"status"});
  CHECK(Json::parse(status.out)["indexes"].size() == 2);

  CliResult dropped = s({"index", "drop", "/todos", "due"});
  REQUIRE(dropped.exit_code == 0);
  CHECK(Json::parse(dropped.out) == Json::parse(R"({"dropped":{"collection":"todos","name":"due"}})"));
  CHECK(s({"index", "drop", "/todos", "due"}).exit_code == 3);
  explain = s({"find", "/todos", R"({"due": 3})", "--explain"});
  CHECK(Json::parse(explain.out)["explain"]["index"] == nullptr);
}

TEST_CASE("index cli: bad input is exit 2 with one line, and creates nothing") {
  Store s;
  auto error = [&](std::vector<std::string> args) { return testing::UsageError(s, std::move(args)); };
  CHECK(error({"index", "create", "/todos", "a..b"}) ==
        "crdtdb: index fields: field path \"a..b\": has an empty segment\n");
  CHECK(error({"index", "create", "/todos", "a,a"}) == "crdtdb: index fields: \"a\" is given twice\n");
  CHECK(error({"index", "create", "/a/b", "x"}) == "crdtdb: bad path \"/a/b\": expected /COLLECTION\n");
  CHECK(error({"index", "drop", "/todos", ""}).find("index fields") != std::string::npos);
  CHECK(error({"index", "create", "/todos"}).find("FIELDS") != std::string::npos);
  CHECK(error({"index", "frobnicate"}).find("index") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(s.data()));  // nothing was created
  REQUIRE(s({"put", "/todos/1", "{}"}).exit_code == 0);
  CHECK(error({"index", "create", "/_indexes", "x"}) ==
        "crdtdb: /_indexes holds index definitions: it has no indexes\n");
  CliResult listed = s({"index", "list"});
  CHECK(Json::parse(listed.out) == Json::parse(R"({"indexes":[]})"));
}

}  // namespace
}  // namespace crdtdb
