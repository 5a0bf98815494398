// Copyright (c) crdtdb authors.
//
// The routes of queries, counters, sets and indexes without a server (http/verb_routes.h): which
// command a request becomes, what is refused before it runs, and how a query's page is answered.

#include "http/verb_routes.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "command/exit_codes.h"
#include "tests/http/route_checks.h"

namespace crdtdb::http {
namespace {

using Verb = command::Command::Verb;
using testing::Refused;
using testing::Routed;

Request Post(std::string path, std::string body, std::string content_type = "application/json") {
  Request r;
  r.method = "POST";
  r.path = std::move(path);
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

Request Method(std::string method, std::string path) {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

TEST_CASE("POST _find is a find of one page, with the body as its query") {
  const std::string query = R"({"selector":{"done":false},"sort":["due"],"limit":5})";
  Route find = Routed(Post("/v1/docs/todos/_find", query));
  CHECK(find.command.verb == Verb::kFind);
  CHECK(find.command.path == "/todos");
  CHECK(find.command.json == query);
  CHECK_FALSE(find.command.limit.has_value());  // the query's own limit bounds the page
  CHECK(find.kind == Route::Kind::kFind);

  Request explain = Post("/v1/docs/todos/_find", query);
  explain.query["explain"] = "true";
  Route explained = Routed(explain);
  CHECK(explained.command.explain);
  CHECK(explained.kind == Route::Kind::kJson);

  explain.query["explain"] = "yes";
  CHECK(Refused(explain, "explain") == 400);
  CHECK(Refused(Post("/v1/docs/todos/_find", query, "text/plain")) == 415);
  CHECK(Refused(Post("/v1/docs/todos/_find", "")) == 400);
  // GET of /v1/docs/todos/_find is the document named _find; POST on a document is not allowed.
  CHECK(Routed(Method("GET", "/v1/docs/todos/_find")).command.verb == Verb::kGet);
  CHECK(Refused(Post("/v1/docs/todos/a", query)) == 405);
}

TEST_CASE("a query's page: its documents and, when more may follow, its bookmark") {
  const Answer full = FindAnswer(
      "{\"id\":\"a\",\"doc\":{\"n\":1}}\n{\"id\":\"b\",\"doc\":{}}\n{\"bookmark\":\"WzFd\"}\n");
  CHECK(full.status == 200);
  const nlohmann::json page = nlohmann::json::parse(full.body);
  REQUIRE(page["documents"].size() == 2);
  CHECK(page["documents"][0] == nlohmann::json{{"id", "a"}, {"doc", {{"n", 1}}}});
  CHECK(page["bookmark"] == "WzFd");
  const nlohmann::json last = nlohmann::json::parse(FindAnswer("").body);
  CHECK(last == nlohmann::json{{"documents", nlohmann::json::array()}});
  CHECK(FindAnswer("{\"id\":").status == 500);

  Route find = Routed(Post("/v1/docs/todos/_find", "{\"selector\":{}}"));
  command::Outcome bad{command::kExitUsage, "", "unknown query member \"limits\"", {}, {}};
  const Answer refused = AnswerOf(find, bad);
  CHECK(refused.status == 400);
  CHECK(nlohmann::json::parse(refused.body)["reason"] == "unknown query member \"limits\"");
}

TEST_CASE("_inc, _sadd and _srem are the CLI's inc, sadd and srem") {
  Route inc = Routed(Post("/v1/docs/posts/p1/_inc", R"({"field":"stats.likes","by":-3})"));
  CHECK(inc.command.verb == Verb::kInc);
  CHECK(inc.command.path == "/posts/p1");
  CHECK(inc.command.field == "stats.likes");
  CHECK(inc.command.by == -3);
  CHECK(inc.command.with_version);
  CHECK(inc.kind == Route::Kind::kDocument);
  CHECK(Routed(Post("/v1/docs/posts/p1/_inc", R"({"field":"likes"})")).command.by == 1);

  Request sadd = Post("/v1/docs/posts/p1/_sadd", R"({"field":"tags","value":"crdt"})");
  sadd.if_match = "\"v1\"";
  Route add = Routed(sadd);
  CHECK(add.command.verb == Verb::kSetAdd);
  CHECK(add.command.json == "\"crdt\"");
  CHECK(add.command.if_match == "v1");
  Route remove = Routed(Post("/v1/docs/posts/p1/_srem", R"({"field":"tags","value":7})"));
  CHECK(remove.command.verb == Verb::kSetRemove);
  CHECK(remove.command.json == "7");

  CHECK(Refused(Post("/v1/docs/posts/p1/_inc", R"({"field":"likes","by":1.5})"), "by") == 400);
  CHECK(Refused(Post("/v1/docs/posts/p1/_inc", R"({"field":"likes","by":9223372036854775808})"),
                "by") == 400);
  CHECK(Refused(Post("/v1/docs/posts/p1/_inc", R"({"by":1})"), "field") == 400);
  CHECK(Refused(Post("/v1/docs/posts/p1/_inc", R"({"field":"likes","bye":1})"), "bye") == 400);
  CHECK(Refused(Post("/v1/docs/posts/p1/_sadd", R"({"field":"tags"})"), "value") == 400);
  CHECK(Refused(Post("/v1/docs/posts/p1/_sadd", "[1]"), "object") == 400);
  CHECK(Refused(Post("/v1/docs/posts/p1/_sadd", "{"), "JSON") == 400);
  CHECK(Refused(Post("/v1/docs/posts/p1/_inc", R"({"field":"likes"})", "text/plain")) == 415);
  CHECK(Refused(Method("GET", "/v1/docs/posts/p1/_inc")) == 405);
  CHECK(Refused(Post("/v1/docs/posts/p1/_mul", "{}"), "_inc") == 400);
  CHECK(Refused(Post("/v1/docs/posts//_inc", "{}")) == 400);
}

TEST_CASE("indexes: list, create and drop as the CLI's index verbs") {
  Route all = Routed(Method("GET", "/v1/indexes"));
  CHECK(all.command.verb == Verb::kIndexList);
  CHECK(all.command.path.empty());
  CHECK(all.kind == Route::Kind::kJson);
  CHECK(Routed(Method("GET", "/v1/indexes/todos")).command.path == "/todos");

  Route create = Routed(Post("/v1/indexes/todos", R"({"fields":["owner.name","due"]})"));
  CHECK(create.command.verb == Verb::kIndexCreate);
  CHECK(create.command.path == "/todos");
  CHECK(create.command.field == "owner.name,due");

  Route drop = Routed(Method("DELETE", "/v1/indexes/todos/owner.name,due"));
  CHECK(drop.command.verb == Verb::kIndexDrop);
  CHECK(drop.command.path == "/todos");
  CHECK(drop.command.field == "owner.name,due");

  CHECK(Refused(Post("/v1/indexes/todos", R"({"fields":[]})"), "fields") == 400);
  CHECK(Refused(Post("/v1/indexes/todos", R"({"fields":["a,b"]})"), ",") == 400);
  CHECK(Refused(Post("/v1/indexes/todos", R"({"fields":[1]})"), "fields") == 400);
  CHECK(Refused(Post("/v1/indexes/todos", R"({"fields":["a"],"name":"x"})"), "name") == 400);
  CHECK(Refused(Post("/v1/indexes", R"({"fields":["a"]})")) == 405);
  CHECK(Refused(Method("PUT", "/v1/indexes/todos")) == 405);
  CHECK(Refused(Method("GET", "/v1/indexes/todos/a")) == 405);
  CHECK(Refused(Method("GET", "/v1/indexes//a")) == 400);
  CHECK(Refused(Method("GET", "/v1/indexes/a/b/c")) == 400);

  const Answer listed = AnswerOf(all, command::Outcome{0, "{\"indexes\":[]}\n", "", {}, {}});
  CHECK(listed.status == 200);
  CHECK(listed.body == "{\"indexes\":[]}");
  CHECK(AnswerOf(drop, command::Outcome{command::kExitNotFound, "", "no index", {}, {}}).status ==
        404);
}

}  // namespace
}  // namespace crdtdb::http
