// Copyright (c) crdtdb authors.
//
// The HTTP API's bearer tokens follow a reload (SIGHUP), on real `crdtdb serve` processes: a token
// added to security.http_tokens_file is admitted and one taken out of it refused, without a
// restart; a tokens file that cannot be read or lists nothing keeps the tokens in use, with an
// ERROR in the log (docs/http.md, "Authentication").

#include <cstdio>
#include <fstream>
#include <string>

#include <doctest/doctest.h>
#include <httplib.h>

#include "http/token_hash.h"
#include "tests/e2e/http_cluster.h"

namespace crdtdb::testing {
namespace {

constexpr char kNewToken[] = "e2e-token-issued-after-the-start";

// The status node n answers GET /v1/status with `token` (none: empty).
int StatusWith(const HttpCluster& cluster, size_t n, const std::string& token) {
  httplib::Client client = cluster.Client(n, /*with_token=*/false);
  if (!token.empty()) client.set_bearer_token_auth(token);
  httplib::Result r = client.Get("/v1/status");
  REQUIRE_MESSAGE(r, "node " << n << " did not answer");
  return r->status;
}

// Waits, bounded, until every node answers `token` with `status`.
void AwaitStatus(const HttpCluster& cluster, const std::string& token, int status) {
  for (size_t n = 0; n < cluster.size(); ++n) {
    const auto deadline = std::chrono::steady_clock::now() + Scaled(kReadyMs);
    while (StatusWith(cluster, n, token) != status) {
      REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline,
                      "node " << n << " never answered " << status << "\n" << cluster.LogOf(n));
      SleepMs(kPollMs);
    }
  }
}

// Waits, bounded, until every node has logged `text`.
void AwaitLogged(const HttpCluster& cluster, const std::string& text) {
  for (size_t n = 0; n < cluster.size(); ++n) {
    const auto deadline = std::chrono::steady_clock::now() + Scaled(kReadyMs);
    while (cluster.LogOf(n).find(text) == std::string::npos) {
      REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline,
                      "node " << n << " never logged: " << text << "\n" << cluster.LogOf(n));
      SleepMs(kPollMs);
    }
  }
}

// Every node answers each token as given (checked after a reload was seen to be applied).
void CheckStatus(const HttpCluster& cluster, const std::string& token, int status) {
  for (size_t n = 0; n < cluster.size(); ++n) CHECK(StatusWith(cluster, n, token) == status);
}

void WriteTokensFile(const HttpCluster& cluster, const std::string& text) {
  std::ofstream(cluster.dir() + "/tokens", std::ios::trunc) << text;
}

}  // namespace

TEST_CASE("http tokens: a reload admits a new token and refuses a removed one; a bad tokens file keeps the tokens in use") {
  HttpCluster cluster;
  CheckStatus(cluster, kNewToken, 403);
  CheckStatus(cluster, kFileToken, 200);

  // The file's token is rotated: the new one in, the old one out.
  WriteTokensFile(cluster, "# rotated\n" + http::TokenDigest(kNewToken) + "\n");
  cluster.ReloadAll();
  AwaitStatus(cluster, kNewToken, 200);
  CheckStatus(cluster, kFileToken, 403);
  CheckStatus(cluster, kToken, 200);  // the config's own is still listed
  CheckStatus(cluster, "", 401);
  // A document the other node owns is forwarded as before, with the new token on either node.
  for (size_t n = 0; n < cluster.size(); ++n) {
    httplib::Client client = cluster.Client(n, /*with_token=*/false);
    client.set_bearer_token_auth(kNewToken);
    for (int i = 0; i < 8; ++i) {
      const std::string path = "/v1/docs/todo/rotated-" + std::to_string(n) + "-" + std::to_string(i);
      httplib::Result put = client.Put(path, R"({"n": 1})", "application/json");
      REQUIRE(put);
      CHECK(put->status == 200);
      httplib::Result get = cluster.Client((n + 1) % cluster.size()).Get(path);
      REQUIRE(get);
      CHECK(get->status == 200);
    }
  }

  SUBCASE("a tokens file that lists nothing keeps the tokens in use") {
    WriteTokensFile(cluster, "# every token revoked by mistake\n");
    cluster.ReloadAll();
    AwaitLogged(cluster, "lists no token digest");
  }
  SUBCASE("a tokens file that cannot be read keeps the tokens in use") {
    REQUIRE(std::remove((cluster.dir() + "/tokens").c_str()) == 0);
    cluster.ReloadAll();
    AwaitLogged(cluster, "cannot read security.http_tokens_file");
  }
  CheckStatus(cluster, kNewToken, 200);
  CheckStatus(cluster, kToken, 200);
  CheckStatus(cluster, kFileToken, 403);
  CheckStatus(cluster, "", 401);

  // Mended, the file applies again at the next reload.
  WriteTokensFile(cluster, http::TokenDigest(kFileToken) + "\n");
  cluster.ReloadAll();
  AwaitStatus(cluster, kFileToken, 200);
  CheckStatus(cluster, kNewToken, 403);
}

}  // namespace crdtdb::testing
