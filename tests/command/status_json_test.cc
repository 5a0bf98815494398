// Copyright (c) crdtdb authors.
//
// The status object of an embedded store and of a region come from one builder: the same keys, in
// the same order (interfaces section 3, docs/cli.md "status").

#include "command/status_json.h"

#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

namespace crdtdb::command {
namespace {

using nlohmann::ordered_json;

std::vector<std::string> Keys(const ordered_json& j) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : j.items()) keys.push_back(key);
  return keys;
}

LocalStatus Local() {
  LocalStatus local;
  local.replica_id = "00000000000000a1";
  local.documents = 3;
  local.merkle_root = "d6eebd00bd5d151cefab483e18a15e03";
  return local;
}

TEST_CASE("an embedded store and a region show the same keys in the same order") {
  const ordered_json embedded = ordered_json::parse(EmbeddedStatusJson(Local(), "data"));
  db::ReplicaStatus region{"demo", "us-east", Local(), {}, {}};
  region.sync.futile_repairs = 2;
  const ordered_json served = ordered_json::parse(StatusJson(region, "data/us-east", 7));
  CHECK(Keys(embedded) == Keys(served));
  CHECK(embedded["cluster"].is_null());
  CHECK(embedded["region"].is_null());
  CHECK(embedded["futile_repairs"] == 0);
  CHECK(embedded["uptime_s"] == 0);
  CHECK(served["cluster"] == "demo");
  CHECK(served["region"] == "us-east");
  CHECK(served["futile_repairs"] == 2);
  CHECK(served["uptime_s"] == 7);
  for (const char* key : {"cluster", "region", "replica_id", "documents", "merkle_root", "peers",
                          "deltas_sent", "deltas_received", "bytes_sent", "bytes_received",
                          "anti_entropy_rounds", "docs_repaired", "rejected_messages"}) {
    CHECK_MESSAGE(served.contains(key), key);  // the contract's keys
  }
}

TEST_CASE("a peer names its last failure and its last futile repair once it has one") {
  db::ReplicaStatus region{"demo", "us-east", Local(), {}, {}};
  sync::PeerStatus quiet;
  quiet.name = "eu-west";
  sync::PeerStatus apart = quiet;
  apart.name = "ap-south";
  apart.futile_repairs = 4;
  apart.last_futile_repair = "/todos/7";
  apart.unacknowledged_deltas = 5;
  region.peers = {quiet, apart};
  const ordered_json peers = ordered_json::parse(StatusJson(region, "data", 0))["peers"];
  REQUIRE(peers.size() == 2);
  CHECK(peers[0]["futile_repairs"] == 0);
  CHECK_FALSE(peers[0].contains("last_futile_repair"));
  CHECK_FALSE(peers[0].contains("last_apply_error"));
  CHECK(peers[0]["unacknowledged_deltas"].is_null());
  CHECK(peers[1]["futile_repairs"] == 4);
  CHECK(peers[1]["last_futile_repair"] == "/todos/7");
  CHECK(peers[1]["unacknowledged_deltas"] == 5);
}

}  // namespace
}  // namespace crdtdb::command
