// Copyright (c) crdtdb authors.
//
// The HTTP API (docs/http.md) against real `crdtdb serve` processes: one region of two nodes with
// one owner per partition, so a request to either node about a document the other owns is
// answered by forwarding it. Every route, conditional writes, the documented errors, bearer
// tokens, and every path of docs/openapi.yaml.

#include <poll.h>

#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "crdtdb/limits.h"
#include "tests/e2e/http_cluster.h"

#ifndef CRDTDB_OPENAPI_PATH
#error "CRDTDB_OPENAPI_PATH must name docs/openapi.yaml"
#endif

namespace crdtdb::testing {
namespace {


// An example of docs/openapi.yaml as JSON (flow-style YAML maps, lists and scalars).
nlohmann::json YamlToJson(const YAML::Node& node) {
  if (node.IsMap()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& item : node) out[item.first.as<std::string>()] = YamlToJson(item.second);
    return out;
  }
  if (node.IsSequence()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : node) out.push_back(YamlToJson(item));
    return out;
  }
  if (!node.IsScalar()) return nullptr;
  // A plain scalar that reads as a number is one; a quoted one ("crdt") stays a string.
  const std::string text = node.as<std::string>();
  nlohmann::json number = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (node.Tag() != "!" && number.is_number()) return number;
  return text;
}

TEST_CASE(
    "http: documents, pages, status, conditional writes and forwarding on a region of two nodes") {
  HttpCluster cluster;
  httplib::Client first = cluster.Client(0);
  httplib::Client second = cluster.Client(1);

  // Writes through node 1 and reads through node 2: each node owns about half the documents, so
  // about half the requests are forwarded to the other node.
  for (int i = 0; i < 12; ++i) {
    const std::string path = "/v1/docs/todos/t" + std::to_string(i);
    httplib::Result put = first.Put(path, "{\"n\":" + std::to_string(i) + "}", "application/json");
    REQUIRE(put);
    CHECK(put->status == 200);
    CHECK(put->has_header("ETag"));
    CHECK(put->has_header("X-Request-Id"));
  }
  for (int i = 0; i < 12; ++i) {
    httplib::Result got = second.Get("/v1/docs/todos/t" + std::to_string(i));
    REQUIRE(got);
    CHECK(got->status == 200);
    CHECK(Body(got)["n"] == i);
  }
  httplib::Result status = second.Get("/v1/status");
  REQUIRE(status);
  CHECK(status->status == 200);
  const nlohmann::json node_status = Body(status);
  CHECK(node_status["documents"].get<int>() < 12);  // some answers above were forwarded
  CHECK(node_status["documents"].get<int>() > 0);

  SUBCASE("pages of a collection gather every node's documents in id order") {
    httplib::Result page = second.Get("/v1/docs/todos?limit=5");
    REQUIRE(page);
    CHECK(page->status == 200);
    nlohmann::json body = Body(page);
    REQUIRE(body["documents"].size() == 5);
    CHECK(body["documents"][0]["id"] == "t0");
    httplib::Result rest = second.Get("/v1/docs/todos?limit=100&start_after=" +
                                      body["next_start_after"].get<std::string>());
    REQUIRE(rest);
    CHECK(Body(rest)["documents"].size() == 7);
    CHECK_FALSE(Body(rest).contains("next_start_after"));
  }

  SUBCASE("JSON Patch: list inserts, If-Match, and a base version from GET ?base=true") {
    const char* json_patch = "application/json-patch+json";
    httplib::Result created =
        first.Patch("/v1/docs/lists/l1", R"([{"op":"add","path":"/items","value":["a","b"]}])", json_patch);
    REQUIRE(created);
    CHECK(created->status == 200);
    CHECK(Body(created) == nlohmann::json::parse(R"({"items":["a","b"]})"));
    httplib::Result read = second.Get("/v1/docs/lists/l1?base=true");
    REQUIRE(read);
    REQUIRE(read->status == 200);
    const std::string base = Body(read)["base"].get<std::string>();
    CHECK(Body(read)["doc"] == Body(created));
    // Someone inserts at the front; the client's edit on its old copy still goes after "a".
    httplib::Result front = second.Patch("/v1/docs/lists/l1", R"([{"op":"add","path":"/items/0","value":"z"}])",
                                         json_patch);
    REQUIRE(front);
    const std::string etag = front->get_header_value("ETag");
    httplib::Result edited = first.Patch("/v1/docs/lists/l1", {{"Crdtdb-Base", base}, {"If-Match", etag}},
                                         R"([{"op":"add","path":"/items/1","value":"x"}])", json_patch);
    REQUIRE(edited);
    CHECK(edited->status == 200);
    CHECK(Body(edited) == nlohmann::json::parse(R"({"items":["z","a","x","b"]})"));
    httplib::Result stale = first.Patch("/v1/docs/lists/l1", {{"If-Match", etag}},
                                        R"([{"op":"remove","path":"/items/0"}])", json_patch);
    REQUIRE(stale);
    CHECK(stale->status == 412);
    httplib::Result failed = first.Patch("/v1/docs/lists/l1", R"([{"op":"test","path":"/items/0","value":"a"}])",
                                         json_patch);
    REQUIRE(failed);
    CHECK(failed->status == 400);
    CHECK(Body(failed)["reason"].get<std::string>().find("test failed") != std::string::npos);
    // Writes inside list elements: each element keeps its place; a bad index changes nothing.
    httplib::Result objects = first.Patch(
        "/v1/docs/lists/l2", R"([{"op":"add","path":"/items","value":[{"t":"a"},{"t":"b","n":1}]}])", json_patch);
    REQUIRE(objects);
    httplib::Result inside = second.Patch("/v1/docs/lists/l2",
                                          R"([{"op":"replace","path":"/items/1/t","value":"B"},
                                              {"op":"remove","path":"/items/1/n"},
                                              {"op":"add","path":"/items/0/tags","value":["x"]},
                                              {"op":"add","path":"/items/0/tags/-","value":"y"}])",
                                          json_patch);
    REQUIRE(inside);
    CHECK(inside->status == 200);
    CHECK(Body(inside) == nlohmann::json::parse(R"({"items":[{"t":"a","tags":["x","y"]},{"t":"B"}]})"));
    httplib::Result outside = second.Patch("/v1/docs/lists/l2", R"([{"op":"replace","path":"/items/2/t","value":1}])",
                                           json_patch);
    REQUIRE(outside);
    CHECK(outside->status == 400);
    CHECK(Body(outside)["reason"].get<std::string>().find("index 2 is out of range for list /items") !=
          std::string::npos);
  }

  SUBCASE("If-Match: 200 with the current ETag, 412 once the document changed") {
    httplib::Result got = second.Get("/v1/docs/todos/t3");
    REQUIRE(got);
    const std::string etag = got->get_header_value("ETag");
    REQUIRE(!etag.empty());
    httplib::Result patched = first.Patch("/v1/docs/todos/t3", {{"If-Match", etag}},
                                          "{\"done\":true}", "application/merge-patch+json");
    REQUIRE(patched);
    CHECK(patched->status == 200);
    CHECK(Body(patched) == nlohmann::json{{"n", 3}, {"done", true}});
    CHECK(patched->get_header_value("ETag") != etag);
    httplib::Result stale =
        second.Put("/v1/docs/todos/t3", {{"If-Match", etag}}, "{\"n\":0}", "application/json");
    REQUIRE(stale);
    CHECK(stale->status == 412);
    CHECK(Body(stale)["error"] == "precondition_failed");
    httplib::Result stale_delete = second.Delete("/v1/docs/todos/t3", {{"If-Match", etag}});
    REQUIRE(stale_delete);
    CHECK(stale_delete->status == 412);
    httplib::Result deleted =
        second.Delete("/v1/docs/todos/t3", {{"If-Match", patched->get_header_value("ETag")}});
    REQUIRE(deleted);
    CHECK(deleted->status == 204);
    httplib::Result gone = first.Get("/v1/docs/todos/t3");
    REQUIRE(gone);
    CHECK(gone->status == 404);
    CHECK(Body(gone)["error"] == "not_found");
    httplib::Result absent =
        first.Put("/v1/docs/todos/t3", {{"If-Match", "*"}}, "{}", "application/json");
    REQUIRE(absent);
    CHECK(absent->status == 412);
  }

  SUBCASE("errors: JSON bodies with the documented status") {
    auto check = [](const httplib::Result& r, int expected, const std::string& code) {
      REQUIRE(r);
      CHECK(r->status == expected);
      CHECK(Body(r)["error"] == code);
      CHECK(Body(r)["reason"].is_string());
      CHECK(r->has_header("X-Request-Id"));
    };
    check(first.Put("/v1/docs/todos/x", "{\"a\":", "application/json"), 400, "bad_request");
    check(first.Put("/v1/docs/todos/x", "[1]", "application/json"), 400, "bad_request");
    check(first.Put("/v1/docs/todos/x", "{}", "text/plain"), 415, "unsupported_media_type");
    check(first.Patch("/v1/docs/todos/x", "[]", "text/plain"), 415, "unsupported_media_type");
    check(first.Patch("/v1/docs/todos/x", "{}", "application/json-patch+json"), 400, "bad_request");
    check(first.Patch("/v1/docs/todos/t1", R"([{"op":"remove","path":"/nope"}])", "application/json-patch+json"),
          400, "bad_request");
    check(first.Put("/v1/docs/todos/x", std::string(kMaxJsonBytes + 1, ' '), "application/json"),
          413, "payload_too_large");
    check(first.Get("/v1/docs/todos/a%01b"), 400, "bad_request");
    check(first.Get("/v1/docs//x"), 400, "bad_request");
    check(first.Get("/v1/docs/a/b/c"), 400, "bad_request");
    check(first.Get("/v1/docs/todos?limit=0"), 400, "bad_request");
    check(first.Get("/v1/nothing"), 404, "not_found");
    check(first.Get("/nothing"), 404, "not_found");  // "/" is the console
    httplib::Result wrong_method = first.Put("/v1/status", "{}", "application/json");
    check(wrong_method, 405, "method_not_allowed");
    CHECK(wrong_method->get_header_value("Allow") == "GET, HEAD");
    check(first.Get("/v1/docs/todos/missing"), 404, "not_found");
    // A request id sent by the client comes back.
    httplib::Result with_id = first.Get("/v1/status", {{"X-Request-Id", "abc-123"}});
    REQUIRE(with_id);
    CHECK(with_id->get_header_value("X-Request-Id") == "abc-123");
  }

  SUBCASE("bearer tokens: 401 without, 403 with a wrong one, 200 with a listed one") {
    httplib::Client anonymous = cluster.Client(0, /*with_token=*/false);
    httplib::Result none = anonymous.Get("/v1/docs/todos/t1");
    REQUIRE(none);
    CHECK(none->status == 401);
    CHECK(none->get_header_value("WWW-Authenticate") == "Bearer");
    anonymous.set_bearer_token_auth("not-the-token");
    httplib::Result wrong = anonymous.Get("/v1/docs/todos/t1");
    REQUIRE(wrong);
    CHECK(wrong->status == 403);
    httplib::Result right = first.Get("/v1/docs/todos/t1");
    REQUIRE(right);
    CHECK(right->status == 200);
    anonymous.set_bearer_token_auth(kFileToken);  // listed in security.http_tokens_file only
    httplib::Result from_file = anonymous.Get("/v1/docs/todos/t1");
    REQUIRE(from_file);
    CHECK(from_file->status == 200);
  }

  SUBCASE("queries, counters, sets and indexes over HTTP answer as the CLI, across both nodes") {
    const std::string query = R"({"selector":{"n":{"$gte":8}},"sort":[{"n":"desc"}],"fields":["n"],"limit":3})";
    httplib::Result page = second.Post("/v1/docs/todos/_find", query, "application/json");
    REQUIRE(page);
    REQUIRE(page->status == 200);
    const nlohmann::json first_page = Body(page);
    REQUIRE(first_page["documents"].size() == 3);
    CHECK(first_page["documents"][0] == nlohmann::json{{"id", "t11"}, {"doc", {{"n", 11}}}});
    CHECK(first_page["documents"][2]["id"] == "t9");
    REQUIRE(first_page["bookmark"].is_string());
    nlohmann::json next = nlohmann::json::parse(query);
    next["bookmark"] = first_page["bookmark"];
    httplib::Result rest = first.Post("/v1/docs/todos/_find", next.dump(), "application/json");
    REQUIRE(rest);
    REQUIRE(rest->status == 200);
    REQUIRE(Body(rest)["documents"].size() == 1);
    CHECK(Body(rest)["documents"][0]["id"] == "t8");
    httplib::Result bad = first.Post("/v1/docs/todos/_find", R"({"selector":{"n":{"$regex":"1"}}})", "application/json");
    REQUIRE(bad);
    CHECK(bad->status == 400);
    CHECK(Body(bad)["reason"].get<std::string>().find("$regex") != std::string::npos);

    for (int i = 0; i < 2; ++i) {
      httplib::Result inc = second.Post("/v1/docs/posts/p1/_inc", R"({"field":"likes","by":2})", "application/json");
      REQUIRE(inc);
      CHECK(inc->status == 200);
      CHECK(inc->has_header("ETag"));
    }
    CHECK(Body(first.Get("/v1/docs/posts/p1"))["likes"] == 4);
    httplib::Result not_counter = first.Post("/v1/docs/todos/t1/_inc", R"({"field":"n"})", "application/json");
    REQUIRE(not_counter);
    CHECK(not_counter->status == 400);
    CHECK(Body(first.Get("/v1/docs/todos/t1"))["n"] == 1);  // unchanged
    for (const char* tag : {"\"a\"", "\"b\""}) {
      httplib::Result added = first.Post("/v1/docs/posts/p1/_sadd",
                                         std::string(R"({"field":"tags","value":)") + tag + "}", "application/json");
      REQUIRE(added);
      CHECK(added->status == 200);
    }
    httplib::Result removed = second.Post("/v1/docs/posts/p1/_srem", R"({"field":"tags","value":"a"})", "application/json");
    REQUIRE(removed);
    CHECK(removed->status == 200);
    CHECK(Body(removed) == nlohmann::json{{"likes", 4}, {"tags", {"b"}}});

    httplib::Result created = first.Post("/v1/indexes/todos", R"({"fields":["n"]})", "application/json");
    REQUIRE(created);
    CHECK(created->status == 200);
    CHECK(Body(created)["name"] == "n");
    httplib::Result listed = second.Get("/v1/indexes");
    REQUIRE(listed);
    CHECK(listed->status == 200);
    REQUIRE(Body(listed)["indexes"].size() == 1);
    CHECK(Body(listed)["indexes"][0]["collection"] == "todos");
    httplib::Result dropped = second.Delete("/v1/indexes/todos/n");
    REQUIRE(dropped);
    CHECK(dropped->status == 200);
    httplib::Result again = first.Delete("/v1/indexes/todos/n");
    REQUIRE(again);
    CHECK(again->status == 404);
    CHECK(Body(second.Get("/v1/indexes/todos"))["indexes"].empty());
  }

  SUBCASE("status?scope=region is the region's view; the console needs the token like every request") {
    httplib::Result region = second.Get("/v1/status?scope=region");
    REQUIRE(region);
    CHECK(region->status == 200);
    const nlohmann::json view = Body(region);
    CHECK(view["region"] == "a");
    CHECK(view["documents"] == 12);  // the whole region's, not one node's
    REQUIRE(view["nodes"].size() == 2);
    CHECK(view["nodes"][0]["name"] == "a-1");
    CHECK(view["nodes"][1]["reachable"] == true);
    httplib::Result bad = second.Get("/v1/status?scope=everything");
    REQUIRE(bad);
    CHECK(bad->status == 400);

    // interfaces.md section 7: every request needs the token, the console's files too.
    for (const char* path : {"/", "/console/app.js"}) {
      httplib::Result refused = cluster.Client(0, /*with_token=*/false).Get(path);
      REQUIRE(refused);
      CHECK(refused->status == 401);
      CHECK(Body(refused)["error"] == "unauthorized");
    }
    httplib::Client wrong = cluster.Client(0, /*with_token=*/false);
    wrong.set_bearer_token_auth("not-the-token");
    httplib::Result forbidden = wrong.Get("/");
    REQUIRE(forbidden);
    CHECK(forbidden->status == 403);
    httplib::Result page = cluster.Client(0).Get("/");
    REQUIRE(page);
    CHECK(page->status == 200);
    CHECK(page->get_header_value("Content-Type") == "text/html; charset=utf-8");
    CHECK(page->body.find("/console/app.js") != std::string::npos);
    httplib::Headers revalidate{{"If-None-Match", page->get_header_value("ETag")}};
    httplib::Result again = cluster.Client(0).Get("/", revalidate);
    REQUIRE(again);
    CHECK(again->status == 304);
    // The API behind it still needs the token.
    httplib::Result api = cluster.Client(0, false).Get("/v1/status?scope=region");
    REQUIRE(api);
    CHECK(api->status == 401);
  }

  SUBCASE("every path of docs/openapi.yaml answers one of its documented statuses") {
    const YAML::Node spec = YAML::LoadFile(CRDTDB_OPENAPI_PATH);
    REQUIRE(spec["openapi"].as<std::string>().rfind("3.", 0) == 0);
    int checked = 0;
    for (const auto& path : spec["paths"]) {
      std::string url = path.first.as<std::string>();
      for (auto [from, to] : {std::pair{"{collection}", "todos"}, std::pair{"{id}", "t5"}, std::pair{"{name}", "n"}}) {
        if (size_t at = url.find(from); at != std::string::npos)
          url.replace(at, std::string(from).size(), to);
      }
      if (url == "/v1/changes") url += "?since=x";  // a malformed cursor: a stream lasts a minute
      for (const auto& operation : path.second) {
        const std::string method = operation.first.as<std::string>();
        if (method == "parameters") continue;
        std::set<int> documented;
        for (const auto& response : operation.second["responses"])
          documented.insert(response.first.as<int>());
        // A POST sends its documented example (the routes' bodies differ).
        std::string example;
        if (method == "post") {
          for (const auto& content : operation.second["requestBody"]["content"])
            example = nlohmann::json(YamlToJson(content.second["example"])).dump();
        }
        httplib::Result r = method == "get"    ? first.Get(url)
                            : method == "put"  ? first.Put(url, "{\"n\":5}", "application/json")
                            : method == "post" ? first.Post(url, example, "application/json")
                            : method == "patch"
                                ? first.Patch(url, "{\"n\":5}", "application/merge-patch+json")
                                : first.Delete(url);
        REQUIRE_MESSAGE((method == "get" || method == "put" || method == "post" ||
                         method == "patch" || method == "delete"),
                        "the test does not know method " << method);
        REQUIRE_MESSAGE(r, method << " " << url << " got no answer");
        CHECK_MESSAGE(documented.count(r->status) == 1,
                      method << " " << url << " answered " << r->status);
        ++checked;
      }
    }
    CHECK(checked >= 14);
  }
}

// The events of a change stream up to its first comment (": waiting": the backlog is all sent),
// as (id, data) pairs; the status in `status`.
std::vector<std::pair<std::string, std::string>> ReadBacklog(httplib::Client& client, const std::string& url,
                                                             const httplib::Headers& headers, int* status) {
  std::string text;
  std::vector<std::pair<std::string, std::string>> events;
  httplib::Result r = client.Get(url, headers, [&](const char* data, size_t size) {
    text.append(data, size);
    return text.find("\n: waiting\n") == std::string::npos && text.rfind(": waiting\n", 0) != 0;
  });
  *status = r ? r->status : (text.empty() ? -1 : 200);
  std::string id;
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    const std::string line = text.substr(start, end - start);
    if (line.rfind("id: ", 0) == 0) id = line.substr(4);
    if (line.rfind("data: ", 0) == 0) events.emplace_back(id, line.substr(6));
  }
  return events;
}

TEST_CASE("http: the change feed as Server-Sent Events, resumed with Last-Event-ID") {
  HttpCluster cluster;
  std::set<std::string> written;
  httplib::Client writer = cluster.Client(0);
  for (int i = 0; i < 12; ++i) {
    const std::string id = "e" + std::to_string(i);
    httplib::Result r = writer.Put("/v1/docs/sse/" + id, R"({"i": 1})", "application/json");
    REQUIRE((r && r->status == 200));
    written.insert("/sse/" + id);
  }
  // Each node streams its own partitions' changes: together, every write.
  std::set<std::string> seen;
  std::vector<std::vector<std::pair<std::string, std::string>>> per_node;
  for (size_t n = 0; n < 2; ++n) {
    httplib::Client client = cluster.Client(n);
    int status = 0;
    per_node.push_back(ReadBacklog(client, "/v1/changes?prefix=/sse&since=0", {}, &status));
    CHECK(status == 200);
    for (const auto& [id, data] : per_node.back()) {
      const nlohmann::json change = nlohmann::json::parse(data);
      CHECK(change["cursor"] == id);
      seen.insert(change["path"].get<std::string>());
    }
  }
  CHECK(seen == written);
  const auto& first_node = per_node[0].empty() ? per_node[1] : per_node[0];
  const size_t node = per_node[0].empty() ? 1 : 0;
  httplib::Client client = cluster.Client(node);
  int status = 0;
  const auto resumed = ReadBacklog(client, "/v1/changes?prefix=/sse&since=0", {{"Last-Event-ID", first_node[0].first}},
                                   &status);
  CHECK(status == 200);
  CHECK(resumed == std::vector(first_node.begin() + 1, first_node.end()));
  httplib::Result bad = client.Get("/v1/changes?since=x");
  REQUIRE(bad);
  CHECK(bad->status == 400);
  // The other node's cursor is not of this node's feed.
  if (!per_node[1 - node].empty()) {
    httplib::Result foreign = client.Get("/v1/changes", {{"Last-Event-ID", per_node[1 - node][0].first}});
    REQUIRE(foreign);
    CHECK(foreign->status == 410);
    CHECK(Body(foreign)["error"] == "gone");
  }
}

TEST_CASE(
    "http: a client that sends its request slowly is cut off at the deadline, and the node stays "
    "healthy") {
  HttpCluster cluster;
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(cluster.http_port(0)));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
  // One byte a second stays under the per-read timeout (5 s) forever; the request deadline (10 s)
  // ends it.
  const std::string request =
      "GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Padding: " + std::string(100, 'p');
  const auto start = std::chrono::steady_clock::now();
  bool cut = false;
  for (char c : request) {
    if (send(fd, &c, 1, MSG_NOSIGNAL) != 1) {
      cut = true;
      break;
    }
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 1000) > 0) {  // the server closed (or answered) the connection
      char buffer[256];
      if (recv(fd, buffer, sizeof buffer, 0) <= 0) {
        cut = true;
        break;
      }
    }
  }
  close(fd);
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(cut);
  CHECK(took < std::chrono::seconds(20));
  httplib::Result status = cluster.Client(0).Get("/v1/status");
  REQUIRE(status);
  CHECK(status->status == 200);
}

}  // namespace
}  // namespace crdtdb::testing
