// Copyright (c) crdtdb authors.
//
// CURVE security end to end (interfaces section 5): a real `crdtdb serve` with security.curve on
// loopback, and the real CLI with the region's keys, a listed client key and an unlisted one. The
// server is started with fork+exec and always killed when the test ends (Subprocess's destructor).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "command/command.h"
#include "crdt/codec.h"
#include "crdt/document.h"
#include "crdt/mutators.h"
#include "net/client_call.h"
#include "net/curve_keys.h"
#include "net/zmq_socket_options.h"
#include "sync/messages.h"
#include "tests/cli/cli_runner.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace crdtdb {
namespace {

using testing::CliResult;

// A TCP port on 127.0.0.1 that nothing listens on right now.
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  close(fd);
  return ntohs(addr.sin_port);
}

std::string Endpoint() { return "tcp://127.0.0.1:" + std::to_string(FreePort()); }

struct KeyPair {
  std::string public_key, secret_key;
};

CliResult Run(const testing::TempDir& dir, const std::vector<std::string>& args, int timeout_ms = 30'000) {
  return testing::RunProcess(CRDTDB_CLI_PATH, args, "", dir.path(), timeout_ms);
}

KeyPair Keygen(const testing::TempDir& dir) {
  const CliResult r = Run(dir, {"keygen"});
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.err.empty());
  const nlohmann::json j = nlohmann::json::parse(r.out);
  REQUIRE(j.is_object());
  REQUIRE(j.size() == 2);
  return {j.at("public").get<std::string>(), j.at("secret").get<std::string>()};
}

void WriteFile(const std::string& path, const std::string& text, mode_t mode) {
  {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    REQUIRE(out.good());
  }
  REQUIRE(chmod(path.c_str(), mode) == 0);
}

TEST_CASE("keygen prints a new Z85 key pair each time") {
  testing::TempDir dir;
  std::set<std::string> seen;
  for (int i = 0; i < 3; ++i) {
    const KeyPair k = Keygen(dir);
    CHECK(k.public_key.size() == 40);
    CHECK(k.secret_key.size() == 40);
    CHECK(k.public_key != k.secret_key);
    seen.insert(k.public_key);
    seen.insert(k.secret_key);
  }
  CHECK(seen.size() == 6);
}

TEST_CASE("with security.curve only listed keys get answers") {
  testing::TempDir dir;
  const KeyPair us_east = Keygen(dir), eu_west = Keygen(dir), client = Keygen(dir), stranger = Keygen(dir);
  WriteFile(dir.Sub("us-east.key"), us_east.secret_key + "\n", 0600);
  WriteFile(dir.Sub("client.key"), client.secret_key + "\n", 0600);
  WriteFile(dir.Sub("stranger.key"), stranger.secret_key + "\n", 0600);
  const std::string client_endpoint = Endpoint(), sync_endpoint = Endpoint();
  const std::string config =
      "cluster: secure\n"
      "regions:\n"
      "  - name: us-east\n"
      "    data_dir: data/us-east\n"
      "    publish: " +
      Endpoint() +
      "\n"
      "    sync: " +
      sync_endpoint +
      "\n"
      "    client: " +
      client_endpoint +
      "\n"
      "    public_key: \"" +
      us_east.public_key +
      "\"\n"
      "    secret_key_file: us-east.key\n"
      "  - name: eu-west\n"  // declared, never started
      "    data_dir: data/eu-west\n"
      "    publish: " +
      Endpoint() +
      "\n"
      "    sync: " +
      Endpoint() +
      "\n"
      "    client: " +
      Endpoint() +
      "\n"
      "    public_key: \"" +
      eu_west.public_key +
      "\"\n"
      "    secret_key_file: eu-west.key\n"
      "security:\n"
      "  curve: true\n"
      "  clients:\n"
      "    - \"" +
      client.public_key + "\"\n";
  WriteFile(dir.Sub("regions.yaml"), config, 0644);
  const std::string yaml = dir.Sub("regions.yaml");

  // A secret key file others can read: the region refuses to start.
  REQUIRE(chmod(dir.Sub("us-east.key").c_str(), 0644) == 0);
  const CliResult refused = Run(dir, {"serve", "--config", yaml, "--region", "us-east"});
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("chmod 600") != std::string::npos);
  CHECK(refused.err.find(us_east.secret_key) == std::string::npos);  // errors never print secrets
  REQUIRE(chmod(dir.Sub("us-east.key").c_str(), 0600) == 0);

  testing::Subprocess server({CRDTDB_CLI_PATH, "serve", "--config", yaml, "--region", "us-east"});

  // The CLI with the region's own key pair (from --config/--region).
  const std::vector<std::string> region = {"--config", yaml, "--region", "us-east"};
  auto with_region = [&](std::vector<std::string> args) {
    args.insert(args.begin(), region.begin(), region.end());
    return Run(dir, args);
  };
  CliResult put;
  for (int attempt = 0; attempt < 5; ++attempt) {  // the server may still be starting
    put = with_region({"put", "/todos/1", R"({"title":"milk"})"});
    if (put.exit_code == 0) break;
  }
  CHECK(put.exit_code == 0);
  CHECK(put.out == "{\"title\":\"milk\"}\n");
  const CliResult status = with_region({"status"});
  CHECK(status.exit_code == 0);
  CHECK(status.out.find("\"region\":\"us-east\"") != std::string::npos);
  const nlohmann::json status_json = nlohmann::json::parse(status.out);
  CHECK(status_json.at("data_dir") == dir.Sub("data/us-east"));
  CHECK(status_json.at("version").is_string());
  CHECK(status_json.at("uptime_s").is_number_unsigned());

  // A listed client key, with --endpoint.
  const CliResult listed = Run(dir, {"--endpoint", client_endpoint, "--client-key", dir.Sub("client.key"),
                                     "--server-key", us_east.public_key, "get", "/todos/1"});
  CHECK(listed.exit_code == 0);
  CHECK(listed.out == "{\"title\":\"milk\"}\n");
  CHECK(listed.err.empty());
  // The add-wins set verbs run remotely as they do locally.
  const std::vector<std::string> as_client = {"--endpoint",   client_endpoint,
                                              "--client-key", dir.Sub("client.key"),
                                              "--server-key", us_east.public_key};
  auto with_client = [&](std::vector<std::string> args) {
    args.insert(args.begin(), as_client.begin(), as_client.end());
    return Run(dir, args);
  };
  CliResult set = with_client({"sadd", "/todos/1", "tags", "\"shop\""});
  CHECK(set.exit_code == 0);
  CHECK(set.out == "{\"tags\":[\"shop\"],\"title\":\"milk\"}\n");
  set = with_client({"srem", "/todos/1", "tags", "\"shop\""});
  CHECK(set.exit_code == 0);
  CHECK(set.out == "{\"title\":\"milk\"}\n");  // an empty set shows as no field
  set = with_client({"sadd", "/todos/1", "tags", "[1]"});
  CHECK(set.exit_code == 2);
  CHECK(set.err == "crdtdb: set elements must be JSON scalars\n");
  set = with_client({"srem", "/todos/9", "tags", "1"});
  CHECK(set.exit_code == 3);
  CHECK(set.err == "crdtdb: document /todos/9 not found\n");

  // sync by the address of the region's sync endpoint, with a listed client key.
  const CliResult by_endpoint =
      Run(dir, {"--data-dir", dir.Sub("by-endpoint"), "sync", "--endpoint", sync_endpoint,
                "--client-key", dir.Sub("client.key"), "--server-key", us_east.public_key});
  CHECK(by_endpoint.exit_code == 0);
  CHECK(by_endpoint.err.empty());
  CHECK(by_endpoint.out.rfind("{\"endpoint\":\"" + sync_endpoint + "\",", 0) == 0);
  CHECK(by_endpoint.out.find("\"in_sync\":true") != std::string::npos);
  const CliResult synced_doc = Run(dir, {"--data-dir", dir.Sub("by-endpoint"), "get", "/todos/1"});
  CHECK(synced_doc.exit_code == 0);
  CHECK(synced_doc.out == "{\"title\":\"milk\"}\n");

  // An offline-first store syncs with the region's keys.
  const CliResult synced = Run(dir, {"--data-dir", dir.Sub("local"), "sync", "--config", yaml, "--region", "us-east"});
  CHECK(synced.exit_code == 0);
  CHECK(synced.out.find("\"in_sync\":true") != std::string::npos);

  // An unlisted key gets nothing, within bounded time.
  const auto started = std::chrono::steady_clock::now();
  const CliResult stranger_get = Run(dir, {"--endpoint", client_endpoint, "--client-key", dir.Sub("stranger.key"),
                                           "--server-key", us_east.public_key, "get", "/todos/1"},
                                     20'000);
  CHECK(stranger_get.exit_code == 1);
  CHECK(stranger_get.out.empty());
  CHECK(stranger_get.err.find("no answer") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(15));

  // Plain TCP, without CURVE, gets nothing either.
  const CliResult plain = Run(dir, {"--endpoint", client_endpoint, "get", "/todos/1"}, 20'000);
  CHECK(plain.exit_code == 1);
  CHECK(plain.out.empty());

  // A client key file readable by others is refused before anything is sent.
  REQUIRE(chmod(dir.Sub("client.key").c_str(), 0640) == 0);
  const CliResult open_key = Run(dir, {"--endpoint", client_endpoint, "--client-key", dir.Sub("client.key"),
                                       "--server-key", us_east.public_key, "get", "/todos/1"});
  CHECK(open_key.exit_code == 2);
  CHECK(open_key.err.find("chmod 600") != std::string::npos);
  CHECK(open_key.err.find(client.secret_key) == std::string::npos);
  CHECK(open_key.out.find(client.secret_key) == std::string::npos);
}

TEST_CASE("a reload (SIGHUP) cuts a client whose key left the allow-list, and admits it again") {
  testing::TempDir dir;
  const KeyPair us_east = Keygen(dir), eu_west = Keygen(dir), client = Keygen(dir);
  WriteFile(dir.Sub("us-east.key"), us_east.secret_key + "\n", 0600);
  WriteFile(dir.Sub("client.key"), client.secret_key + "\n", 0600);
  const std::string client_endpoint = Endpoint();
  const std::string regions =
      "cluster: secure\n"
      "regions:\n"
      "  - {name: us-east, data_dir: data/us-east, publish: \"" + Endpoint() + "\", sync: \"" + Endpoint() +
      "\", client: \"" + client_endpoint + "\", public_key: \"" + us_east.public_key +
      "\", secret_key_file: us-east.key}\n"
      "  - {name: eu-west, data_dir: data/eu-west, publish: \"" + Endpoint() + "\", sync: \"" + Endpoint() +
      "\", client: \"" + Endpoint() + "\", public_key: \"" + eu_west.public_key +
      "\", secret_key_file: eu-west.key}\n";
  const std::string with_client = regions + "security: {curve: true, clients: [\"" + client.public_key + "\"]}\n";
  const std::string without_client = regions + "security: {curve: true}\n";
  const std::string yaml = dir.Sub("regions.yaml");
  WriteFile(yaml, with_client, 0644);
  testing::Subprocess server({CRDTDB_CLI_PATH, "serve", "--config", yaml, "--region", "us-east"});

  const std::vector<std::string> as_client = {"--endpoint", client_endpoint, "--client-key", dir.Sub("client.key"),
                                              "--server-key", us_east.public_key};
  auto client_status = [&] {
    std::vector<std::string> args = as_client;
    args.push_back("status");
    return Run(dir, args, 20'000);
  };
  // A connection the client keeps open across requests, as an app's would be.
  Result<net::CurveKeyPair> client_pair = net::KeyPairFromSecret(client.secret_key);
  REQUIRE(client_pair.ok());
  net::ClientConnection held(client_endpoint, 2000, net::CurveClientKeys{us_east.public_key, *client_pair});
  command::Command status_command;
  status_command.verb = command::Command::Verb::kStatus;
  const std::string status_request = command::EncodeCommand(status_command);
  bool answered = false;
  for (int attempt = 0; attempt < 10 && !answered; ++attempt) answered = held.Exchange(status_request).ok();
  REQUIRE_MESSAGE(answered, "the listed client got no answer");
  CHECK(client_status().exit_code == 0);

  // The key leaves the allow-list: after SIGHUP the held connection gets nothing more, nor does a
  // new one; the region's own key still works.
  WriteFile(yaml, without_client, 0644);
  server.Signal(SIGHUP);
  // The server takes the reload at its next loop turn, which may come late on a loaded machine
  // or under a sanitizer: until then the held connection is still answered.
  bool cut = false;
  const auto cut_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!cut && std::chrono::steady_clock::now() < cut_deadline) {
    cut = !held.Exchange(status_request).ok();
    if (!cut) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK_MESSAGE(cut, "the held connection still gets answers after its key was removed");
  const CliResult refused = client_status();
  CHECK(refused.exit_code == 1);
  CHECK(refused.out.empty());
  CHECK(Run(dir, {"--config", yaml, "--region", "us-east", "status"}).exit_code == 0);

  // Listed again: admitted again, without a restart.
  WriteFile(yaml, with_client, 0644);
  server.Signal(SIGHUP);
  bool readmitted = false;
  const auto readmit_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!readmitted && std::chrono::steady_clock::now() < readmit_deadline) {
    readmitted = client_status().exit_code == 0;
    if (!readmitted) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(readmitted);

  // A file that does not parse changes nothing.
  WriteFile(yaml, "cluster: [broken\n", 0644);
  server.Signal(SIGHUP);
  CHECK(client_status().exit_code == 0);
}

// A document state pushed to `endpoint`'s sync socket over CURVE with `own` keys, as a message
// of replica `sender`.
void PushDocument(const std::string& endpoint, const std::string& server_key, const net::CurveKeyPair& own,
                  crdt::ReplicaId sender, const std::string& key) {
  Result<crdt::Document> delta =
      crdt::PutDelta(crdt::Document(), crdt::Json{{"injected", true}}, crdt::WriteStamp{sender, 1'800'000'000'000});
  REQUIRE(delta.ok());
  crdt::Document state;
  state.ApplyDelta(*delta);
  sync::Documents push;
  push.documents.push_back({key, crdt::EncodeDocument(state)});
  zmq::context_t context(1);
  zmq::socket_t dealer = net::MakeSocket(context, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 20'000);  // closing waits until it has left, however slow the handshake
  net::MakeCurveClient(dealer, net::CurveClientKeys{server_key, own});
  dealer.connect(endpoint);
  const std::string bytes = sync::Encode({sender, std::move(push)});
  dealer.send(zmq::buffer(bytes), zmq::send_flags::none);
}

TEST_CASE("a listed client that claims a region's replica id on the sync socket is refused") {
  testing::TempDir dir;
  const KeyPair us_east = Keygen(dir), eu_west = Keygen(dir), client = Keygen(dir);
  WriteFile(dir.Sub("us-east.key"), us_east.secret_key + "\n", 0600);
  WriteFile(dir.Sub("eu-west.key"), eu_west.secret_key + "\n", 0600);
  const std::string eu_sync = Endpoint();
  const std::string yaml = dir.Sub("regions.yaml");
  WriteFile(yaml,
            "cluster: secure\nanti_entropy_interval_ms: 300\nregions:\n"
            "  - {name: us-east, data_dir: data/us-east, publish: \"" + Endpoint() + "\", sync: \"" + Endpoint() +
                "\", client: \"" + Endpoint() + "\", public_key: \"" + us_east.public_key +
                "\", secret_key_file: us-east.key}\n"
            "  - {name: eu-west, data_dir: data/eu-west, publish: \"" + Endpoint() + "\", sync: \"" + eu_sync +
                "\", client: \"" + Endpoint() + "\", public_key: \"" + eu_west.public_key +
                "\", secret_key_file: eu-west.key}\n"
            "security: {curve: true, clients: [\"" + client.public_key + "\"]}\n",
            0644);
  testing::Subprocess us({CRDTDB_CLI_PATH, "serve", "--config", yaml, "--region", "us-east"});
  testing::Subprocess eu({CRDTDB_CLI_PATH, "serve", "--config", yaml, "--region", "eu-west"});
  auto status = [&](const std::string& region) {
    const CliResult r = Run(dir, {"--config", yaml, "--region", region, "status"});
    return r.exit_code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json();
  };
  // eu-west has heard us-east's stream, so it knows us-east's replica id.
  nlohmann::json eu_status, us_status;
  for (int attempt = 0; attempt < 100; ++attempt) {
    eu_status = status("eu-west");
    us_status = status("us-east");
    const bool heard = eu_status.is_object() && eu_status["peers"].is_array() && !eu_status["peers"].empty() &&
                       eu_status["peers"][0].value("connected", false);
    if (heard && us_status.is_object()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE_MESSAGE(eu_status["peers"][0].value("connected", false), eu_status.dump());
  const crdt::ReplicaId us_east_id = std::stoull(us_status["replica_id"].get<std::string>(), nullptr, 16);
  const uint64_t rejected_before = eu_status["rejected_messages"].get<uint64_t>();

  Result<net::CurveKeyPair> client_pair = net::KeyPairFromSecret(client.secret_key);
  REQUIRE(client_pair.ok());
  // Claiming us-east's id: refused and counted, nothing injected.
  PushDocument(eu_sync, eu_west.public_key, *client_pair, us_east_id, "evil/1");
  // Claiming eu-west's own id: likewise.
  const crdt::ReplicaId eu_west_id = std::stoull(eu_status["replica_id"].get<std::string>(), nullptr, 16);
  PushDocument(eu_sync, eu_west.public_key, *client_pair, eu_west_id, "evil/2");
  // Under an id of its own, the same client's push is an offline-first client's, and accepted.
  PushDocument(eu_sync, eu_west.public_key, *client_pair, 0x1234567, "fine/1");

  bool accepted = false;
  for (int attempt = 0; attempt < 50 && !accepted; ++attempt) {
    accepted = Run(dir, {"--config", yaml, "--region", "eu-west", "get", "/fine/1"}).exit_code == 0;
    if (!accepted) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(accepted);
  uint64_t rejected = 0;
  for (int attempt = 0; attempt < 50 && rejected < rejected_before + 2; ++attempt) {
    rejected = status("eu-west").value("rejected_messages", uint64_t{0});
    if (rejected < rejected_before + 2) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(rejected >= rejected_before + 2);
  CHECK(Run(dir, {"--config", yaml, "--region", "eu-west", "get", "/evil/1"}).exit_code == 3);
  CHECK(Run(dir, {"--config", yaml, "--region", "eu-west", "get", "/evil/2"}).exit_code == 3);
}

// Stops a server as an operator would (SIGTERM) and waits for it.
void Stop(std::unique_ptr<testing::Subprocess>& server) {
  server->Signal(SIGTERM);
  server->Wait();
  server.reset();
}

TEST_CASE(
    "replica ids stay bound to their keys across a restart: a claim made first after it is "
    "refused") {
  testing::TempDir dir;
  const KeyPair us_east = Keygen(dir), eu_west = Keygen(dir), client = Keygen(dir),
                other = Keygen(dir);
  WriteFile(dir.Sub("us-east.key"), us_east.secret_key + "\n", 0600);
  WriteFile(dir.Sub("eu-west.key"), eu_west.secret_key + "\n", 0600);
  const std::string eu_sync = Endpoint();
  const std::string yaml = dir.Sub("regions.yaml");
  WriteFile(yaml,
            "cluster: secure\nregions:\n"
            "  - {name: us-east, data_dir: data/us-east, publish: \"" +
                Endpoint() + "\", sync: \"" + Endpoint() + "\", client: \"" + Endpoint() +
                "\", public_key: \"" + us_east.public_key +
                "\", secret_key_file: us-east.key}\n"
                "  - {name: eu-west, data_dir: data/eu-west, publish: \"" +
                Endpoint() + "\", sync: \"" + eu_sync + "\", client: \"" + Endpoint() +
                "\", public_key: \"" + eu_west.public_key +
                "\", secret_key_file: eu-west.key}\n"
                "security: {curve: true, clients: [\"" +
                client.public_key + "\", \"" + other.public_key + "\"]}\n",
            0644);
  const std::vector<std::string> serve_eu = {CRDTDB_CLI_PATH, "serve",  "--config", yaml,
                                             "--region",      "eu-west"};
  auto us = std::make_unique<testing::Subprocess>(
      std::vector<std::string>{CRDTDB_CLI_PATH, "serve", "--config", yaml, "--region", "us-east"});
  auto eu = std::make_unique<testing::Subprocess>(serve_eu);
  auto status = [&](const std::string& region) {
    const CliResult r = Run(dir, {"--config", yaml, "--region", region, "status"});
    return r.exit_code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json();
  };
  auto get = [&](const std::string& path) {
    return Run(dir, {"--config", yaml, "--region", "eu-west", "get", path}).exit_code;
  };
  Result<net::CurveKeyPair> client_pair = net::KeyPairFromSecret(client.secret_key);
  Result<net::CurveKeyPair> other_pair = net::KeyPairFromSecret(other.secret_key);
  REQUIRE(client_pair.ok());
  REQUIRE(other_pair.ok());

  // eu-west hears us-east's stream and so learns, and records, us-east's replica id.
  nlohmann::json us_status;
  bool heard = false;
  for (int attempt = 0; attempt < 100 && !heard; ++attempt) {
    const nlohmann::json eu_status = status("eu-west");
    us_status = status("us-east");
    heard = us_status.is_object() && eu_status.is_object() && !eu_status["peers"].empty() &&
            eu_status["peers"][0].value("connected", false);
    if (!heard) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(heard);
  const crdt::ReplicaId us_east_id =
      std::stoull(us_status["replica_id"].get<std::string>(), nullptr, 16);
  // A client's own id, bound to its key by its first push.
  const crdt::ReplicaId client_id = 0x1234567;
  PushDocument(eu_sync, eu_west.public_key, *client_pair, client_id, "fine/1");
  bool accepted = false;
  for (int attempt = 0; attempt < 50 && !accepted; ++attempt) {
    accepted = get("/fine/1") == 0;
    if (!accepted) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(accepted);

  // us-east goes away; eu-west restarts and cannot hear us-east again.
  Stop(us);
  Stop(eu);
  eu = std::make_unique<testing::Subprocess>(serve_eu);

  // Claims made first thing after the restart: us-east's id under a client key, the client's id
  // under another listed key. Both refused; the client's own key is still admitted with its id.
  PushDocument(eu_sync, eu_west.public_key, *client_pair, us_east_id, "evil/1");
  PushDocument(eu_sync, eu_west.public_key, *other_pair, client_id, "evil/2");
  PushDocument(eu_sync, eu_west.public_key, *client_pair, client_id, "fine/2");
  accepted = false;
  for (int attempt = 0; attempt < 100 && !accepted; ++attempt) {
    accepted = get("/fine/2") == 0;
    if (!accepted) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(accepted);
  uint64_t rejected = 0;
  for (int attempt = 0; attempt < 50 && rejected < 2; ++attempt) {
    rejected = status("eu-west").value("rejected_messages", uint64_t{0});
    if (rejected < 2) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(rejected >= 2);
  CHECK(get("/evil/1") == 3);
  CHECK(get("/evil/2") == 3);
  CHECK(status("eu-west")["peers"][0].value("connected", true) == false);  // the window was open
}

}  // namespace
}  // namespace crdtdb
