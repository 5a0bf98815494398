// Copyright (c) crdtdb authors.
//
// The HTTP API through real clients an app would use: the `curl` program and Python's standard
// library (tests/e2e/http_every_endpoint.py), each calling every operation of docs/openapi.yaml on
// a region of two nodes (tests/e2e/http_cluster.h) and checking what docs/http.md says it
// answers. Each test compares the operations it called with the spec's, so that an operation added
// to the spec without a client call here fails.

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "tests/e2e/http_cluster.h"

#ifndef CRDTDB_OPENAPI_PATH
#error "CRDTDB_OPENAPI_PATH must name docs/openapi.yaml"
#endif
#ifndef CRDTDB_HTTP_PY_CLIENT_PATH
#error "CRDTDB_HTTP_PY_CLIENT_PATH must name tests/e2e/http_every_endpoint.py"
#endif

namespace crdtdb::testing {
namespace {

using Json = nlohmann::json;

// "METHOD /path/{template}" of every operation docs/openapi.yaml documents.
std::set<std::string> SpecOperations() {
  std::set<std::string> out;
  const YAML::Node spec = YAML::LoadFile(CRDTDB_OPENAPI_PATH);
  for (const auto& path : spec["paths"]) {
    for (const auto& operation : path.second) {
      std::string method = operation.first.as<std::string>();
      if (method == "parameters") continue;
      for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out.insert(method + " " + path.first.as<std::string>());
    }
  }
  return out;
}

bool Installed(const char* program) {
  return std::system((std::string("command -v ") + program + " >/dev/null 2>&1").c_str()) == 0;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// What one curl call received.
struct CurlAnswer {
  int status = 0;
  std::string headers;  // the status line and header lines as received
  std::string body;
  Json json() const { return Json::parse(body); }
  // The value of header `name` (lower case), or "".
  std::string Header(const std::string& name) const {
    std::string lower = headers;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const size_t at = lower.find("\n" + name + ": ");
    if (at == std::string::npos) return "";
    const size_t start = at + name.size() + 3;
    return headers.substr(start, headers.find('\r', start) - start);
  }
};

// Runs curl with `args` (shell words, already quoted) against the cluster's files, with the token
// unless told otherwise. `stream_seconds` > 0 reads a stream for that long (curl exits 28 then).
class Curl {
 public:
  explicit Curl(const HttpCluster& cluster) : dir_(cluster.dir()) {}

  CurlAnswer Call(const std::string& operation, const std::string& args, bool token = true,
                  int stream_seconds = 0) {
    called_.insert(operation);
    const std::string out = dir_ + "/curl.body", head = dir_ + "/curl.head", code = dir_ + "/curl.code";
    std::string command = "curl -s -D " + head + " -o " + out + " -w '%{http_code}' ";
    if (token) command += std::string("-H 'Authorization: Bearer ") + kToken + "' ";
    if (stream_seconds > 0) command += "-N --max-time " + std::to_string(stream_seconds) + " ";
    command += args + " > " + code;
    const int rc = std::system(command.c_str());
    // A stream read until --max-time ends with curl's timeout, exit code 28.
    REQUIRE_MESSAGE((rc == 0 || (stream_seconds > 0 && WEXITSTATUS(rc) == 28)), command);
    CurlAnswer answer;
    answer.status = std::atoi(ReadFile(code).c_str());
    answer.headers = ReadFile(head);
    answer.body = ReadFile(out);
    CHECK_MESSAGE(!answer.Header("x-request-id").empty(), operation << ": no X-Request-Id");
    if (answer.status >= 400) {
      const Json error = answer.json();
      CHECK_MESSAGE((error.contains("error") && error.contains("reason")), answer.body);
    }
    return answer;
  }
  const std::set<std::string>& called() const { return called_; }

 private:
  std::string dir_;
  std::set<std::string> called_;
};

constexpr char kDoc[] = "/v1/docs/{collection}/{id}";

// curl's arguments that send `body` as JSON.
std::string JsonBody(const char* body) {
  return std::string("-H 'Content-Type: application/json' -d '") + body + "' ";
}

TEST_CASE("http: curl calls every operation of docs/openapi.yaml and gets what docs/http.md says") {
  if (!Installed("curl")) {
    MESSAGE("curl is not installed (scripts/install-deps.sh installs it): skipped");
    return;
  }
  HttpCluster cluster;
  const std::string base = "http://127.0.0.1:" + std::to_string(cluster.http_port(0));
  const std::string other = "http://127.0.0.1:" + std::to_string(cluster.http_port(1));
  const std::string get = std::string("GET ") + kDoc, put = std::string("PUT ") + kDoc;
  Curl curl(cluster);

  CurlAnswer console = curl.Call("GET /", base + "/");
  CHECK(console.status == 200);
  CHECK(console.Header("content-type").rfind("text/html", 0) == 0);
  CHECK(curl.Call("GET /v1/status", base + "/v1/status").json().contains("documents"));
  CHECK(curl.Call("GET /v1/status", base + "/v1/status?scope=region").json()["nodes"].size() == 2);

  CurlAnswer written = curl.Call(put, "-X PUT " + JsonBody(R"({"n":1,"items":["a"]})") + base + "/v1/docs/c/one");
  CHECK(written.status == 200);
  const std::string etag = written.Header("etag");
  CurlAnswer read = curl.Call(get, other + "/v1/docs/c/one");  // forwarded when node 1 owns it
  CHECK(read.status == 200);
  CHECK(read.json() == Json::parse(R"({"n":1,"items":["a"]})"));
  CHECK(read.Header("etag") == etag);
  CHECK(curl.Call("PATCH /v1/docs/{collection}/{id}",
                  "-X PATCH -H 'Content-Type: application/merge-patch+json' -H 'If-Match: " + etag +
                      "' -d '{\"n\":2}' " + base + "/v1/docs/c/one")
            .json()["n"] == 2);
  CHECK(curl.Call(put, "-X PUT -H 'If-Match: " + etag + "' " + JsonBody(R"({"n":3})") + base + "/v1/docs/c/one")
            .status == 412);
  CHECK(curl.Call("PATCH /v1/docs/{collection}/{id}",
                  "-X PATCH -H 'Content-Type: application/json-patch+json' "
                  "-d '[{\"op\":\"add\",\"path\":\"/items/-\",\"value\":\"b\"}]' " + base + "/v1/docs/c/one")
            .json()["items"] == Json::parse(R"(["a","b"])"));

  CHECK(curl.Call("POST /v1/docs/{collection}/{id}/_inc",
                  "-X POST " + JsonBody(R"({"field":"likes","by":2})") + base + "/v1/docs/c/one/_inc")
            .json()["likes"] == 2);
  CHECK(curl.Call("POST /v1/docs/{collection}/{id}/_sadd",
                  "-X POST " + JsonBody(R"({"field":"tags","value":"crdt"})") + base + "/v1/docs/c/one/_sadd")
            .json()["tags"] == Json::parse(R"(["crdt"])"));
  const Json removed = curl.Call("POST /v1/docs/{collection}/{id}/_srem",
                                 "-X POST " + JsonBody(R"({"field":"tags","value":"crdt"})") + base +
                                     "/v1/docs/c/one/_srem")
                           .json();
  CHECK(removed.value("tags", Json::array()).empty());

  for (int i = 0; i < 12; ++i) {
    REQUIRE(curl.Call(put, "-X PUT " + JsonBody(("{\"n\":" + std::to_string(100 + i) + "}").c_str()) + base +
                               "/v1/docs/c/m" + std::to_string(10 + i))
                .status == 200);
  }
  const Json page = curl.Call("GET /v1/docs/{collection}", base + "/v1/docs/c?limit=5").json();
  REQUIRE(page["documents"].size() == 5);
  CHECK(page["documents"][0]["id"] == "m10");
  const Json rest = curl.Call("GET /v1/docs/{collection}",
                              base + "/v1/docs/c?limit=100\\&start_after=" + page["next_start_after"].get<std::string>())
                        .json();
  CHECK(rest["documents"].size() == 8);  // m15..m21 and one

  CHECK(curl.Call("POST /v1/indexes/{collection}", "-X POST " + JsonBody(R"({"fields":["n"]})") + base + "/v1/indexes/c")
            .json()["fields"] == Json::parse(R"(["n"])"));
  CHECK(curl.Call("GET /v1/indexes", base + "/v1/indexes").json()["indexes"].size() == 1);
  CHECK(curl.Call("GET /v1/indexes/{collection}", base + "/v1/indexes/c").json()["indexes"][0]["name"] == "n");
  const Json found = curl.Call("POST /v1/docs/{collection}/_find",
                               "-X POST " + JsonBody(R"({"selector":{"n":{"$gte":110}},"sort":[{"n":"desc"}]})") + base +
                                   "/v1/docs/c/_find")
                         .json();
  REQUIRE(found["documents"].size() == 2);
  CHECK(found["documents"][0]["doc"]["n"] == 111);
  CHECK(curl.Call("POST /v1/docs/{collection}/_find",
                  "-X POST " + JsonBody(R"({"selector":{"n":{"$bad":1}}})") + base + "/v1/docs/c/_find")
            .status == 400);
  CHECK(curl.Call("DELETE /v1/indexes/{collection}/{name}", "-X DELETE " + base + "/v1/indexes/c/n").status == 200);
  CHECK(curl.Call("DELETE /v1/indexes/{collection}/{name}", "-X DELETE " + base + "/v1/indexes/c/n").status == 404);

  // Each node's feed holds its own partitions' changes: the two together hold every write.
  std::string events;
  for (const std::string& node : {base, other}) {
    CurlAnswer stream = curl.Call("GET /v1/changes", "'" + node + "/v1/changes?prefix=/c&since=0'", true, 3);
    CHECK(stream.status == 200);
    CHECK(stream.Header("content-type").rfind("text/event-stream", 0) == 0);
    events += stream.body;
  }
  for (int i = 0; i < 12; ++i) {
    CHECK_MESSAGE(events.find("\"path\":\"/c/m" + std::to_string(10 + i) + "\"") != std::string::npos, events);
  }
  CHECK(curl.Call("GET /v1/changes", base + "/v1/changes?since=x").status == 400);

  CurlAnswer metrics = curl.Call("GET /metrics", base + "/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.body.find("crdtdb_http_request_duration_seconds_count") != std::string::npos);

  const std::string now = curl.Call(get, base + "/v1/docs/c/one").Header("etag");
  CHECK(curl.Call(std::string("DELETE ") + kDoc, "-X DELETE -H 'If-Match: " + now + "' " + base + "/v1/docs/c/one")
            .status == 204);
  CHECK(curl.Call(get, base + "/v1/docs/c/one").status == 404);
  CHECK(curl.Call("GET /v1/status", base + "/v1/status", /*token=*/false).status == 401);
  CHECK(curl.Call("GET /v1/status", "-H 'Authorization: Bearer wrong' " + base + "/v1/status", false).status == 403);
  CHECK(curl.Call(put, "-X PUT " + JsonBody("{") + base + "/v1/docs/c/two").status == 400);
  CHECK(curl.Call(put, "-X PUT -H 'Content-Type: text/plain' -d 'x=1' " + base + "/v1/docs/c/two").status == 415);
  CHECK(curl.Call(get, base + "/v1/docs/c/two").status == 404);  // the refused writes wrote nothing

  CHECK(curl.called() == SpecOperations());
}

TEST_CASE("http: Python's standard library calls every operation of docs/openapi.yaml") {
  if (!Installed("python3")) {
    MESSAGE("python3 is not installed (scripts/install-deps.sh installs it): skipped");
    return;
  }
  HttpCluster cluster;
  const std::string output = cluster.dir() + "/py.out";
  const std::string command = std::string("python3 ") + CRDTDB_HTTP_PY_CLIENT_PATH + " http://127.0.0.1:" +
                              std::to_string(cluster.http_port(0)) + " http://127.0.0.1:" +
                              std::to_string(cluster.http_port(1)) + " " + kToken + " > " + output + " 2>&1";
  const int rc = std::system(command.c_str());
  const std::string printed = ReadFile(output);
  REQUIRE_MESSAGE(rc == 0, printed);
  // The last line is the list of operations the script called.
  const std::string last = printed.substr(printed.rfind('\n', printed.size() - 2) + 1);
  std::set<std::string> called;
  for (const Json& operation : Json::parse(last)) called.insert(operation.get<std::string>());
  CHECK(called == SpecOperations());
}

}  // namespace
}  // namespace crdtdb::testing
