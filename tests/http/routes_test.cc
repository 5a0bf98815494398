// Copyright (c) crdtdb authors.
//
// The HTTP routes without a server: which command a request becomes, and which answer an outcome.

#include "http/routes.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "command/exit_codes.h"
#include "tests/http/route_checks.h"

namespace crdtdb::http {
namespace {

using Verb = command::Command::Verb;
using testing::Refused;
using testing::Routed;

Request Make(std::string method, std::string path, std::string content_type = "",
             std::string body = "") {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

std::string Header(const Answer& a, const std::string& name) {
  for (const auto& [n, v] : a.headers) {
    if (n == name) return v;
  }
  return "";
}

TEST_CASE("requests become the CLI's commands") {
  Route get = Routed(Make("GET", "/v1/docs/todos/a"));
  CHECK(get.command.verb == Verb::kGet);
  CHECK(get.command.path == "/todos/a");
  CHECK(get.command.with_version);

  Request put = Make("PUT", "/v1/docs/todos/a", "application/json", "{\"x\":1}");
  put.if_match = "\"abc\"";
  Route p = Routed(put);
  CHECK(p.command.verb == Verb::kPut);
  CHECK(p.command.json == "{\"x\":1}");
  CHECK(p.command.if_match == "abc");

  CHECK(Routed(Make("PATCH", "/v1/docs/t/a", "application/merge-patch+json", "{}")).command.verb ==
        Verb::kPatch);
  Route del = Routed(Make("DELETE", "/v1/docs/t/a"));
  CHECK(del.command.verb == Verb::kDelete);
  CHECK(del.kind == Route::Kind::kDelete);

  Request page = Make("GET", "/v1/docs/todos");
  page.query = {{"limit", "5"}, {"start_after", "k"}};
  Route list = Routed(page);
  CHECK(list.command.verb == Verb::kList);
  CHECK(list.command.path == "/todos");
  CHECK(*list.command.limit == 5);
  CHECK(list.command.start_after == "k");
  CHECK(*Routed(Make("GET", "/v1/docs/todos")).command.limit == kDefaultPageSize);
  CHECK(Routed(Make("GET", "/v1/status")).command.verb == Verb::kStatus);
  CHECK_FALSE(Routed(Make("GET", "/v1/status")).command.whole_region);
  Request region = Make("GET", "/v1/status");
  region.query = {{"scope", "region"}};
  CHECK(Routed(region).command.whole_region);
  region.query = {{"scope", "node"}};
  CHECK_FALSE(Routed(region).command.whole_region);
}

TEST_CASE("requests without a route get the documented error") {
  CHECK(Refused(Make("GET", "/")) == 404);
  CHECK(Refused(Make("GET", "/v2/docs/a/b")) == 404);
  CHECK(Refused(Make("GET", "/v1/nothing")) == 404);
  CHECK(Refused(Make("GET", "/v1/docs/a/b/c")) == 400);
  CHECK(Refused(Make("GET", "/v1/docs//b")) == 400);
  CHECK(Refused(Make("GET", "/v1/docs/")) == 400);
  CHECK(Refused(Make("POST", "/v1/docs/a/b")) == 405);
  CHECK(Refused(Make("DELETE", "/v1/status")) == 405);
  CHECK(Refused(Make("PUT", "/v1/docs/a", "application/json", "{}")) == 405);
  CHECK(Refused(Make("PUT", "/v1/docs/a/b", "text/plain", "{}")) == 415);
  CHECK(Refused(Make("PUT", "/v1/docs/a/b", "application/json", "")) == 400);
  CHECK(Refused(Make("PATCH", "/v1/docs/a/b", "application/json", "{}")) == 415);
  CHECK(Refused(Make("PATCH", "/v1/docs/a/b", "text/plain", "[]")) == 415);
  // The body must be of the type its content type says; a base version only with a JSON Patch.
  CHECK(Refused(Make("PATCH", "/v1/docs/a/b", "application/json-patch+json", " {}")) == 400);
  CHECK(Refused(Make("PATCH", "/v1/docs/a/b", "application/merge-patch+json", "\n[]")) == 400);
  Request merge_with_base = Make("PATCH", "/v1/docs/a/b", "application/merge-patch+json", "{}");
  merge_with_base.base = "-";
  CHECK(Refused(merge_with_base) == 400);
  for (const char* limit : {"0", "1001", "x", "", "-1"}) {
    Request r = Make("GET", "/v1/docs/a");
    r.query = {{"limit", limit}};
    CHECK(Refused(r) == 400);
  }
  for (const char* scope : {"", "all", "Region"}) {
    Request r = Make("GET", "/v1/status");
    r.query = {{"scope", scope}};
    CHECK(Refused(r) == 400);
  }
  for (const char* tag : {"abc", "W/\"abc\"", "\"a\"b\""}) {
    Request r = Make("DELETE", "/v1/docs/a/b");
    r.if_match = tag;
    CHECK(Refused(r) == 400);
  }
}

TEST_CASE("outcomes become statuses, ETags and pages") {
  Route get = Routed(Make("GET", "/v1/docs/t/a"));
  Answer ok = AnswerOf(get, command::Outcome{0, "{\"x\":1}\n", "", {}, "v1"});
  CHECK(ok.status == 200);
  CHECK(ok.body == "{\"x\":1}");
  CHECK(Header(ok, "ETag") == "\"v1\"");
  CHECK(AnswerOf(get, command::Outcome{command::kExitUsage, "", "bad", {}, {}}).status == 400);
  CHECK(AnswerOf(get, command::Outcome{command::kExitNotFound, "", "no", {}, {}}).status == 404);
  CHECK(AnswerOf(get, command::Outcome{command::kExitPreconditionFailed, "", "changed", {}, {}})
            .status == 412);
  Answer down =
      AnswerOf(get, command::Outcome{command::kExitFailure, "", "no owner answered", {}, {}});
  CHECK(down.status == 503);
  CHECK(Header(down, "Retry-After") == "1");
  CHECK(AnswerOf(Routed(Make("DELETE", "/v1/docs/t/a")), command::Outcome{}).status == 204);

  // A region's status that lacks partitions is still shown (exit 1 with the view on stdout); a
  // status that could not be had at all is 503.
  Route status = Routed(Make("GET", "/v1/status"));
  Answer partial = AnswerOf(
      status, command::Outcome{command::kExitFailure, "{\"healthy\":false}\n", "2 partitions", {}, {}});
  CHECK(partial.status == 200);
  CHECK(partial.body == "{\"healthy\":false}");
  CHECK(AnswerOf(status, command::Outcome{command::kExitFailure, "", "no answer", {}, {}}).status ==
        503);

  Request page = Make("GET", "/v1/docs/t");
  page.query = {{"limit", "2"}};
  const std::string two = "{\"id\":\"a\",\"doc\":{}}\n{\"id\":\"b\",\"doc\":{\"x\":1}}\n";
  nlohmann::json full =
      nlohmann::json::parse(AnswerOf(Routed(page), command::Outcome{0, two, "", {}, {}}).body);
  CHECK(full["documents"].size() == 2);
  CHECK(full["next_start_after"] == "b");
  page.query = {{"limit", "3"}};
  nlohmann::json last =
      nlohmann::json::parse(AnswerOf(Routed(page), command::Outcome{0, two, "", {}, {}}).body);
  CHECK_FALSE(last.contains("next_start_after"));
}

}  // namespace
}  // namespace crdtdb::http
