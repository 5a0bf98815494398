// Copyright (c) crdtdb authors.
//
// GET /metrics and HTTPS against real `crdtdb serve` processes (docs/http.md, "Metrics" and
// "TLS"): two one-node regions replicating, scraped before and after writes, and by a real
// Prometheus with each exposition checked by promtool; a node serving HTTPS
// with a self-signed certificate made here (OpenSSL); a node given a bad key refusing to start.

#include <poll.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "http/token_hash.h"
#include "tests/e2e/region_cluster.h"
#include "tests/support/exposition.h"

namespace crdtdb::testing {
namespace {

constexpr char kToken[] = "metrics-e2e-token-0123456789";

// Writes the config of one-node regions `regions`, each with an `http` endpoint; `extra` is
// added to each region's entry (TLS files). Returns the HTTP ports, in the order of `regions`.
std::vector<int> WriteConfig(const std::string& path, const std::vector<std::string>& regions,
                             const std::string& extra = "") {
  const std::vector<int> ports = PickFreePorts(4 * regions.size());
  std::ofstream file(path);
  file << "cluster: metrics\nanti_entropy_interval_ms: 300\nregions:\n";
  std::vector<int> http;
  for (size_t r = 0; r < regions.size(); ++r) {
    file << "  - name: " << regions[r] << "\n    data_dir: data/" << regions[r] << "\n";
    size_t p = 4 * r;
    for (const char* socket : {"publish", "sync", "client"}) {
      file << "    " << socket << ": tcp://127.0.0.1:" << ports[p++] << "\n";
    }
    file << "    http: 127.0.0.1:" << ports[p] << "\n" << extra;
    http.push_back(ports[p]);
  }
  file << "security:\n  http_tokens:\n    - " << http::TokenDigest(kToken) << "\n";
  return http;
}

std::unique_ptr<ServerProcess> Serve(const std::string& dir, const std::string& region) {
  return std::make_unique<ServerProcess>(
      std::vector<std::string>{CRDTDB_CLI_PATH, "serve", "--config", dir + "/regions.yaml",
                               "--region", region},
      dir, dir + "/" + region + ".log");
}

Exposition Scrape(httplib::Client& client) {
  httplib::Result r = client.Get("/metrics");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  CHECK(r->get_header_value("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  Exposition e = ParseExposition(r->body);
  for (const std::string& problem : e.problems) FAIL_CHECK(problem);
  return e;
}

// Scrapes until `done` holds for the exposition (bounded).
template <typename Done>
Exposition ScrapeUntil(httplib::Client& client, const char* what, Done done) {
  const auto deadline = std::chrono::steady_clock::now() + Scaled(kConvergeMs);
  while (true) {
    Exposition e = Scrape(client);
    if (done(e)) return e;
    REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, "never: " << what);
    SleepMs(kPollMs);
  }
}

httplib::Client ClientOf(int port) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(std::chrono::seconds(30));
  client.set_bearer_token_auth(kToken);
  return client;
}

void AwaitHttp(httplib::Client& client, ServerProcess& server) {
  const auto deadline = std::chrono::steady_clock::now() + Scaled(kReadyMs);
  while (true) {
    httplib::Result r = client.Get("/v1/status");
    if (r && r->status == 200) return;
    REQUIRE_MESSAGE(server.Running(), "the node ended: " << server.HowEnded());
    REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, "the node never answered HTTP");
    SleepMs(kPollMs);
  }
}

// Two one-node regions, a and b, replicating, each answering HTTP with the token.
struct TwoRegions {
  TempDir dir;
  std::vector<int> ports = WriteConfig(dir.path() + "/regions.yaml", {"a", "b"});
  std::unique_ptr<ServerProcess> a = Serve(dir.path(), "a");
  std::unique_ptr<ServerProcess> b = Serve(dir.path(), "b");
  httplib::Client to_a = ClientOf(ports[0]);
  httplib::Client to_b = ClientOf(ports[1]);

  TwoRegions() {
    AwaitHttp(to_a, *a);
    AwaitHttp(to_b, *b);
  }
};

TEST_CASE("metrics: /metrics is valid exposition text and follows writes and replication") {
  TwoRegions regions;
  const std::vector<int>& ports = regions.ports;
  httplib::Client& to_a = regions.to_a;
  httplib::Client& to_b = regions.to_b;

  // Every family the docs list is there, with HELP and TYPE (the parser checks those).
  const Exposition before = ScrapeUntil(to_a, "peer b connected", [](const Exposition& e) {
    return e.Value("crdtdb_peer_connected", {{"peer", "b"}}) == 1.0;
  });
  for (const char* family :
       {"crdtdb_peer_connected", "crdtdb_peer_lag_seconds", "crdtdb_peer_behind_deltas",
        "crdtdb_peer_deltas_received_total", "crdtdb_peer_received_bytes_total",
        "crdtdb_peer_sent_bytes_total", "crdtdb_peer_anti_entropy_rounds_total",
        "crdtdb_peer_repaired_documents_total", "crdtdb_peer_rejected_messages_total",
        "crdtdb_deltas_sent_total", "crdtdb_storage_documents", "crdtdb_storage_bytes",
        "crdtdb_storage_commits_total", "crdtdb_storage_commit_seconds", "crdtdb_storage_fsync_seconds",
        "crdtdb_storage_read_errors_total", "crdtdb_http_request_duration_seconds",
        "crdtdb_client_request_duration_seconds", "process_resident_memory_bytes",
        "process_open_fds", "process_start_time_seconds", "crdtdb_info"}) {
    CHECK_MESSAGE(before.types.count(family) == 1, family);
  }
  CHECK(*before.Value("crdtdb_storage_bytes") > 0);
  CHECK(*before.Value("process_resident_memory_bytes") > 0);
  CHECK(before.Value("crdtdb_info", {{"region", "a"}, {"node", "a"}}) == 1.0);

  constexpr int kWrites = 20;
  for (int i = 0; i < kWrites; ++i) {
    httplib::Result put = to_a.Put("/v1/docs/todos/t" + std::to_string(i),
                                   "{\"n\":" + std::to_string(i) + "}", "application/json");
    REQUIRE(put);
    REQUIRE(put->status == 200);
  }
  REQUIRE(to_a.Get("/v1/docs/todos/missing"));  // a 404, counted with its code

  const Exposition after_a = ScrapeUntil(to_a, "a's writes in its metrics", [&](const Exposition& e) {
    return e.Value("crdtdb_storage_documents") == kWrites &&
           *e.Value("crdtdb_deltas_sent_total") >= kWrites;
  });
  CHECK(*after_a.Value("crdtdb_storage_commits_total") >
        before.Value("crdtdb_storage_commits_total").value_or(0));
  CHECK(after_a.Sum("crdtdb_storage_commit_seconds_count") >=
        *after_a.Value("crdtdb_storage_commits_total"));
  CHECK(after_a.Value("crdtdb_http_request_duration_seconds_count",
                      {{"method", "PUT"}, {"route", "document"}, {"code", "200"}}) == kWrites);
  CHECK(after_a.Value("crdtdb_http_request_duration_seconds_count",
                      {{"method", "GET"}, {"route", "document"}, {"code", "404"}}) == 1);
  CHECK(after_a.Sum("crdtdb_client_request_duration_seconds_count",
                    {{"verb", "put"}, {"outcome", "ok"}}) == kWrites);
  CHECK(after_a.Value("crdtdb_client_request_duration_seconds_count",
                      {{"verb", "get"}, {"outcome", "not_found"}}) == 1);

  // Replicated: b counts the deltas and bytes it took from a, a the bytes it sent b.
  const Exposition after_b = ScrapeUntil(to_b, "b applied a's deltas", [&](const Exposition& e) {
    return e.Value("crdtdb_peer_deltas_received_total", {{"peer", "a"}}).value_or(0) +
               e.Value("crdtdb_peer_repaired_documents_total", {{"peer", "a"}}).value_or(0) >=
           kWrites;
  });
  CHECK(after_b.Value("crdtdb_storage_documents") == kWrites);
  CHECK(*after_b.Value("crdtdb_peer_received_bytes_total", {{"peer", "a"}}) > 0);
  CHECK(after_b.Value("crdtdb_peer_behind_deltas", {{"peer", "a"}}) == 0);
  const Exposition rounds = ScrapeUntil(to_a, "an anti-entropy round with b", [](const Exposition& e) {
    return e.Value("crdtdb_peer_anti_entropy_rounds_total", {{"peer", "b"}}).value_or(0) > 0 &&
           e.Value("crdtdb_peer_unacknowledged_deltas", {{"peer", "b"}}) == 0.0;
  });
  CHECK(*rounds.Value("crdtdb_peer_sent_bytes_total", {{"peer", "b"}}) > 0);

  SUBCASE("/metrics needs the token as the API does, and answers GET and HEAD only") {
    httplib::Client anonymous("127.0.0.1", ports[0]);
    httplib::Result none = anonymous.Get("/metrics");
    REQUIRE(none);
    CHECK(none->status == 401);
    anonymous.set_bearer_token_auth("wrong");
    httplib::Result wrong = anonymous.Get("/metrics");
    REQUIRE(wrong);
    CHECK(wrong->status == 403);
    httplib::Result post = to_a.Post("/metrics", "", "text/plain");
    REQUIRE(post);
    CHECK(post->status == 405);
    CHECK(post->get_header_value("Allow") == "GET, HEAD");
  }
}

#if defined(CRDTDB_PROMETHEUS_PATH) && defined(CRDTDB_PROMTOOL_PATH)
// GET on Prometheus's own HTTP API, parsed; fails the test on no answer or a non-JSON body.
nlohmann::json PrometheusApi(httplib::Client& prometheus, const std::string& path) {
  httplib::Result r = prometheus.Get(path);
  REQUIRE_MESSAGE(r, "Prometheus did not answer " << path);
  REQUIRE_MESSAGE(r->status == 200, path << " answered " << r->status << ": " << r->body);
  nlohmann::json j = nlohmann::json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  REQUIRE_MESSAGE(!j.is_discarded(), path << " answered no JSON: " << Shorten(r->body));
  return j;
}

// The value of the single series an instant query returns, if it returns exactly one.
std::optional<double> OneSample(const nlohmann::json& answer) {
  const nlohmann::json& result = answer["data"]["result"];
  if (!result.is_array() || result.size() != 1) return std::nullopt;
  return std::stod(result[0]["value"][1].get<std::string>());
}

TEST_CASE("metrics: a real Prometheus scrapes every node with its token, and promtool finds no fault") {
  TwoRegions regions;
  const std::vector<int>& ports = regions.ports;
  httplib::Client& to_a = regions.to_a;
  httplib::Client& to_b = regions.to_b;
  const std::string dir = regions.dir.path();
  constexpr int kWrites = 5;
  for (int i = 0; i < kWrites; ++i) {
    httplib::Result put = to_a.Put("/v1/docs/todos/p" + std::to_string(i), "{\"n\":1}", "application/json");
    REQUIRE(put);
    REQUIRE(put->status == 200);
  }

  // promtool's linter on each node's exposition: names, units, HELP/TYPE, histogram shapes.
  for (httplib::Client* node : {&to_a, &to_b}) {
    httplib::Result scrape = node->Get("/metrics");
    REQUIRE(scrape);
    REQUIRE(scrape->status == 200);
    const CliResult lint = RunProcess(CRDTDB_PROMTOOL_PATH, {"check", "metrics"}, scrape->body, dir);
    CHECK_MESSAGE(lint.exit_code == 0, "promtool check metrics: " << lint.out << lint.err);
  }

  // Prometheus scraping both nodes every second, with the bearer token as a scrape config sets it,
  // and a third target with a wrong token, which the nodes must refuse (403: the target is down).
  const std::vector<int> own = PickFreePorts(1);
  std::ofstream(dir + "/prometheus.yml")
      << "global: {scrape_interval: 1s, scrape_timeout: 1s}\n"
         "scrape_configs:\n"
         "  - job_name: crdtdb\n"
         "    authorization: {credentials: " << kToken << "}\n"
         "    static_configs: [{targets: ['127.0.0.1:" << ports[0] << "', '127.0.0.1:" << ports[1] << "']}]\n"
         "  - job_name: intruder\n"
         "    authorization: {credentials: not-the-token}\n"
         "    static_configs: [{targets: ['127.0.0.1:" << ports[0] << "']}]\n";
  ServerProcess prometheus({CRDTDB_PROMETHEUS_PATH, "--config.file=" + dir + "/prometheus.yml",
                            "--storage.tsdb.path=" + dir + "/tsdb",
                            "--web.listen-address=127.0.0.1:" + std::to_string(own[0])},
                           dir, dir + "/prometheus.log");
  httplib::Client api("127.0.0.1", own[0]);
  api.set_read_timeout(std::chrono::seconds(10));

  // Every target scraped at least once: both nodes up, the intruder down with the node's 403.
  const auto deadline = std::chrono::steady_clock::now() + Scaled(kConvergeMs);
  nlohmann::json targets;
  while (true) {
    REQUIRE_MESSAGE(prometheus.Running(), "Prometheus ended: " << prometheus.HowEnded());
    httplib::Result r = api.Get("/api/v1/targets");
    if (r && r->status == 200) {
      targets = nlohmann::json::parse(r->body, nullptr, false);
      size_t scraped = 0;
      if (!targets.is_discarded()) {
        for (const nlohmann::json& t : targets["data"]["activeTargets"]) scraped += t["health"] != "unknown";
      }
      if (scraped == 3) break;
    }
    REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, "Prometheus never scraped every target");
    SleepMs(kPollMs);
  }
  for (const nlohmann::json& t : targets["data"]["activeTargets"]) {
    const std::string job = t["labels"]["job"];
    CAPTURE(t.dump());
    if (job == "crdtdb") {
      CHECK(t["health"] == "up");
      CHECK(t["lastError"] == "");
    } else {
      CHECK(t["health"] == "down");
      CHECK(t["lastError"].get<std::string>().find("403") != std::string::npos);
    }
  }

  // What it stored is what the nodes count: a's documents, and b's share of them once replicated.
  const auto stored = std::chrono::steady_clock::now() + Scaled(kConvergeMs);
  while (true) {
    const std::optional<double> docs_b =
        OneSample(PrometheusApi(api, "/api/v1/query?query=crdtdb_storage_documents%7Bjob%3D%22crdtdb%22%2C"
                                     "instance%3D%22127.0.0.1%3A" + std::to_string(ports[1]) + "%22%7D"));
    const std::optional<double> nodes_up =
        OneSample(PrometheusApi(api, "/api/v1/query?query=sum(up%7Bjob%3D%22crdtdb%22%7D)"));
    if (docs_b == kWrites && nodes_up == 2) break;
    REQUIRE_MESSAGE(std::chrono::steady_clock::now() < stored,
                    "Prometheus never stored b's " << kWrites << " documents and both nodes up");
    SleepMs(kPollMs);
  }
  const std::optional<double> puts = OneSample(PrometheusApi(
      api, "/api/v1/query?query=sum(crdtdb_http_request_duration_seconds_count%7Bmethod%3D%22PUT%22%2C"
           "instance%3D%22127.0.0.1%3A" + std::to_string(ports[0]) + "%22%7D)"));
  CHECK(puts == kWrites);
}
#endif  // CRDTDB_PROMETHEUS_PATH && CRDTDB_PROMTOOL_PATH

// A self-signed certificate for 127.0.0.1 and its key, as PEM files.
void MakeCertificate(const std::string& cert_path, const std::string& key_path) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  REQUIRE(key != nullptr);
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "IP:127.0.0.1");
  REQUIRE(san != nullptr);
  X509_add_ext(cert, san, -1);
  X509_EXTENSION_free(san);
  REQUIRE(X509_sign(cert, key, EVP_sha256()) > 0);
  FILE* c = std::fopen(cert_path.c_str(), "w");
  FILE* k = std::fopen(key_path.c_str(), "w");
  REQUIRE((c != nullptr && k != nullptr));
  PEM_write_X509(c, cert);
  PEM_write_PrivateKey(k, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(c);
  std::fclose(k);
  X509_free(cert);
  EVP_PKEY_free(key);
}

std::string TlsLines(const std::string& dir, const std::string& key = "key.pem") {
  return "    http_cert_file: " + dir + "/cert.pem\n    http_key_file: " + dir + "/" + key + "\n";
}

TEST_CASE("tls: a node with a certificate serves HTTPS, and not plain HTTP") {
  TempDir dir;
  MakeCertificate(dir.path() + "/cert.pem", dir.path() + "/key.pem");
  const std::vector<int> ports = WriteConfig(dir.path() + "/regions.yaml", {"a"}, TlsLines(dir.path()));
  auto a = Serve(dir.path(), "a");

  httplib::SSLClient https("127.0.0.1", ports[0]);
  https.set_ca_cert_path((dir.path() + "/cert.pem").c_str());
  https.enable_server_certificate_verification(true);
  https.set_read_timeout(std::chrono::seconds(30));
  https.set_bearer_token_auth(kToken);
  const auto deadline = std::chrono::steady_clock::now() + Scaled(kReadyMs);
  httplib::Result status = https.Get("/v1/status");
  while (!status || status->status != 200) {
    REQUIRE_MESSAGE(a->Running(), "the node ended: " << a->HowEnded() << "\n"
                                                      << FileTail(dir.path() + "/a.log", 20));
    REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, "the node never answered HTTPS");
    SleepMs(kPollMs);
    status = https.Get("/v1/status");
  }
  CHECK(nlohmann::json::parse(status->body)["region"] == "a");
  // Several requests on one kept-alive TLS connection, a write among them.
  httplib::Result put = https.Put("/v1/docs/notes/n1", "{\"text\":\"over tls\"}", "application/json");
  REQUIRE(put);
  CHECK(put->status == 200);
  httplib::Result got = https.Get("/v1/docs/notes/n1");
  REQUIRE(got);
  CHECK(nlohmann::json::parse(got->body)["text"] == "over tls");
  httplib::Result metrics = https.Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->status == 200);
  CHECK(ParseExposition(metrics->body).problems.empty());

  // A client that trickles its handshake (a byte a second stays under the 5 s per-read timeout)
  // is cut off at the 10 s deadline to read a request, as a slow plain client is.
  {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(ports[0]));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
    // A TLS handshake record header announcing 512 bytes, then the bytes one at a time.
    std::string hello = std::string("\x16\x03\x01\x02\x00", 5) + std::string(512, '\x01');
    bool cut = false;
    for (size_t i = 0; i < hello.size() && i < 40 && !cut; ++i) {
      if (send(fd, &hello[i], 1, MSG_NOSIGNAL) != 1) cut = true;
      pollfd p{fd, POLLIN, 0};
      char buffer[256];
      if (!cut && poll(&p, 1, 1000) > 0 && recv(fd, buffer, sizeof buffer, 0) <= 0) cut = true;
    }
    close(fd);
    CHECK_MESSAGE(cut, "a trickled handshake held the connection for 40 s");
  }

  // Plain HTTP to the HTTPS port gets no HTTP answer.
  httplib::Client plain("127.0.0.1", ports[0]);
  plain.set_read_timeout(std::chrono::seconds(15));
  plain.set_bearer_token_auth(kToken);
  httplib::Result refused = plain.Get("/v1/status");
  CHECK(!refused);
  // And the node is still serving HTTPS.
  httplib::Result again = https.Get("/v1/status");
  REQUIRE(again);
  CHECK(again->status == 200);
}

TEST_CASE("tls: a bad, missing or mismatched key file stops the node at startup") {
  TempDir dir;
  MakeCertificate(dir.path() + "/cert.pem", dir.path() + "/key.pem");
  MakeCertificate(dir.path() + "/other-cert.pem", dir.path() + "/other-key.pem");
  std::ofstream(dir.path() + "/garbage.pem") << "-----BEGIN PRIVATE KEY-----\nnot a key\n";
  struct Case {
    const char* key;
    const char* says;
  };
  for (const Case& c : {Case{"garbage.pem", "is not an unencrypted PEM private key"},
                        Case{"missing.pem", "cannot read the TLS key file"},
                        Case{"other-key.pem", "does not match"}}) {
    CAPTURE(c.key);
    WriteConfig(dir.path() + "/regions.yaml", {"a"}, TlsLines(dir.path(), c.key));
    std::filesystem::remove(dir.path() + "/a.log");
    auto a = Serve(dir.path(), "a");
    const auto deadline = std::chrono::steady_clock::now() + Scaled(kReadyMs);
    while (a->Running()) {
      REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, "the node kept running");
      SleepMs(kPollMs);
    }
    CHECK(a->exit_code() > 0);
    const std::string log = FileTail(dir.path() + "/a.log", 20);
    CHECK_MESSAGE(log.find(c.says) != std::string::npos, log);
    CHECK_FALSE(std::filesystem::exists(dir.path() + "/data/a"));  // refused before the store opened
  }
}

}  // namespace
}  // namespace crdtdb::testing
