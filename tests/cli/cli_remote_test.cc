// Copyright (c) crdtdb authors.
//
// The crdtdb binary's remote side (docs/cli.md): --endpoint, serve, a running region's verbs, and
// remote verbs that never fall back to a local store. Each test runs the real binary.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "tests/cli/cli_fixture.h"
#include "tests/support/free_ports.h"

namespace crdtdb {
namespace {

using testing::Cli;
using testing::CliResult;

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

}  // namespace
}  // namespace crdtdb
