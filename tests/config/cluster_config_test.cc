// Copyright (c) crdtdb authors.

#include "config/cluster_config.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <doctest/doctest.h>

#include "config/http_tokens_file.h"
#include "tests/support/temp_dir.h"

namespace crdtdb {
namespace {

namespace fs = std::filesystem;

// Valid Z85 keys (SHA-256 of a name, Z85-encoded), quoted in YAML as a user would quote them.
constexpr std::string_view kUsEastKey = "Ol/9/AKAd6JO(.ohy=hCe.46!S[GZCuB3rb&UZtc";
constexpr std::string_view kEuWestKey = "p.B=Pl+fp/fB7&I[y)w3-=bw!Ea+xQ-z=*lFkmjW";
constexpr std::string_view kClientKey = "r%mv%@9R$O^2p1j5N{2^ImNB7Go!!fh4L+IjwapE";

// Two regions; the bad-input cases below edit it. Line numbers matter: 3 and 8 start the regions.
constexpr std::string_view kBase =
    "cluster: demo\n"                      // 1
    "regions:\n"                           // 2
    "  - name: us-east\n"                  // 3
    "    data_dir: data/us-east\n"         // 4
    "    publish: tcp://127.0.0.1:7101\n"  // 5
    "    sync: tcp://127.0.0.1:7102\n"     // 6
    "    client: tcp://127.0.0.1:7103\n"   // 7
    "  - name: eu-west\n"                  // 8
    "    data_dir: /srv/eu-west\n"         // 9
    "    publish: tcp://127.0.0.1:7201\n"  // 10
    "    sync: tcp://127.0.0.1:7202\n"     // 11
    "    client: tcp://127.0.0.1:7203\n";  // 12

// `text` (kBase by default) with the first occurrence of `from` replaced by `to`.
std::string Edit(std::string_view from, std::string_view to,
                 std::string text = std::string(kBase)) {
  size_t at = text.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, from);
  return text.replace(at, from.size(), to);
}

std::string Append(std::string_view more) { return std::string(kBase) + std::string(more); }

Result<ClusterConfig> Parse(std::string_view yaml) {
  return ParseClusterConfig(yaml, "regions.yaml", "/etc/crdtdb");
}

std::string CurveRegions(std::string_view us_east_extra) {
  return "cluster: secure\n"
         "regions:\n"
         "  - name: us-east\n"
         "    data_dir: data/us-east\n"
         "    publish: tcp://10.0.0.1:7101\n"
         "    sync: tcp://10.0.0.1:7102\n"
         "    client: tcp://10.0.0.1:7103\n" +
         std::string(us_east_extra) +
         "  - name: eu-west\n"
         "    data_dir: data/eu-west\n"
         "    publish: tcp://eu-west.example.com:7101\n"
         "    sync: tcp://eu-west.example.com:7102\n"
         "    client: tcp://eu-west.example.com:7103\n"
         "    public_key: \"" +
         std::string(kEuWestKey) +
         "\"\n"
         "    secret_key_file: /etc/crdtdb/eu-west.key\n"
         "security:\n"
         "  curve: true\n"
         "  clients:\n"
         "    - \"" +
         std::string(kClientKey) + "\"\n";
}

TEST_CASE("the repository's regions.example.yaml loads with the values it shows") {
  const std::string dir = CRDTDB_SOURCE_DIR;
  Result<ClusterConfig> config = LoadClusterConfig(dir + "/regions.example.yaml");
  REQUIRE_MESSAGE(config.ok(), config.status().ToString());
  CHECK(config->cluster == "demo");
  CHECK(config->anti_entropy_interval_ms == 1000);
  REQUIRE(config->regions.size() == 3);
  const RegionConfig& us_east = config->regions[0];
  CHECK(us_east.name == "us-east");
  CHECK(us_east.nodes[0].data_dir == (fs::path(dir) / "data/us-east").lexically_normal().string());
  CHECK(us_east.nodes[0].publish == "tcp://127.0.0.1:7101");
  CHECK(us_east.nodes[0].sync == "tcp://127.0.0.1:7102");
  CHECK(us_east.nodes[0].client == "tcp://127.0.0.1:7103");
  CHECK_FALSE(us_east.nodes[0].public_key.has_value());
  CHECK_FALSE(us_east.nodes[0].secret_key_file.has_value());
  CHECK(config->regions[2].name == "ap-south");
  CHECK(config->FindRegion("eu-west") == &config->regions[1]);
  CHECK(config->FindRegion("eu-east") == nullptr);
  CHECK(config->links.size() == 3);
  CHECK_FALSE(config->security.curve);
  CHECK(config->security.clients.empty());
}

TEST_CASE("a link gives the latency in both directions") {
  Result<ClusterConfig> config =
      LoadClusterConfig(std::string(CRDTDB_SOURCE_DIR) + "/regions.example.yaml");
  REQUIRE(config.ok());
  for (auto [a, b] : {std::pair{"us-east", "eu-west"}, std::pair{"eu-west", "us-east"}}) {
    const LinkConfig* link = config->FindLink(a, b);
    REQUIRE(link != nullptr);
    CHECK(link->latency_ms == 40);
    CHECK(link->loss == 0.0);
  }
  CHECK(config->FindLink("ap-south", "eu-west")->latency_ms == 75);
  CHECK(config->FindLink("us-east", "us-east") == nullptr);
  CHECK(config->FindLink("us-east", "nowhere") == nullptr);
}

TEST_CASE("optional keys take their defaults and paths resolve against the base directory") {
  Result<ClusterConfig> config = Parse(kBase);
  REQUIRE_MESSAGE(config.ok(), config.status().ToString());
  CHECK(config->anti_entropy_interval_ms == 1000);
  CHECK(config->links.empty());
  CHECK_FALSE(config->security.curve);
  CHECK(config->regions[0].nodes[0].data_dir == "/etc/crdtdb/data/us-east");
  CHECK(config->regions[1].nodes[0].data_dir == "/srv/eu-west");  // absolute paths stay as they are

  Result<ClusterConfig> relative = ParseClusterConfig(kBase, "regions.yaml", "");
  REQUIRE(relative.ok());
  CHECK(relative->regions[0].nodes[0].data_dir == "data/us-east");
}

TEST_CASE("links, loss and anti-entropy interval are read") {
  Result<ClusterConfig> config =
      Parse(Append("anti_entropy_interval_ms: 250\n"
                   "links:\n"
                   "  - {a: eu-west, b: us-east, latency_ms: 0, loss: 0.25}\n"));
  REQUIRE_MESSAGE(config.ok(), config.status().ToString());
  CHECK(config->anti_entropy_interval_ms == 250);
  const LinkConfig* link = config->FindLink("us-east", "eu-west");
  REQUIRE(link != nullptr);
  CHECK(link->latency_ms == 0);
  CHECK(link->loss == 0.25);
}

TEST_CASE("a CURVE config with keys, secret key files and clients is valid") {
  Result<ClusterConfig> config = Parse(CurveRegions("    public_key: \"" + std::string(kUsEastKey) +
                                                    "\"\n"
                                                    "    secret_key_file: keys/us-east.key\n"));
  REQUIRE_MESSAGE(config.ok(), config.status().ToString());
  CHECK(config->security.curve);
  REQUIRE(config->security.clients.size() == 1);
  CHECK(config->security.clients[0] == kClientKey);
  const RegionConfig* us_east = config->FindRegion("us-east");
  REQUIRE(us_east != nullptr);
  CHECK(us_east->nodes[0].public_key == std::string(kUsEastKey));
  CHECK(us_east->nodes[0].secret_key_file == "/etc/crdtdb/keys/us-east.key");
  CHECK(config->FindRegion("eu-west")->nodes[0].secret_key_file == "/etc/crdtdb/eu-west.key");
  CHECK(config->regions[1].nodes[0].publish == "tcp://eu-west.example.com:7101");
}

TEST_CASE("other endpoint hosts: localhost, DNS names, IPv6") {
  Result<ClusterConfig> config = Parse(Edit("tcp://127.0.0.1:7101", "tcp://localhost:7101"));
  CHECK_MESSAGE(config.ok(), config.status().ToString());
  config = Parse(Edit("tcp://127.0.0.1:7202", "tcp://[::1]:7202"));
  CHECK_MESSAGE(config.ok(), config.status().ToString());
  config = Parse(Edit("tcp://127.0.0.1:7203", "tcp://db-1.eu-west.example.com:65535"));
  CHECK_MESSAGE(config.ok(), config.status().ToString());
}

struct BadCase {
  std::string yaml;
  std::string error;
};

TEST_CASE("every invalid config is refused with file, line, key and reason") {
  const std::string kRegionKeys =
      "(expected one of: name, replication_factor, nodes, data_dir, publish, sync, client, "
      "public_key, secret_key_file, http, http_cert_file, http_key_file)";
  const std::string kKey = std::string(kUsEastKey);
  const BadCase cases[] = {
      // Document shape and syntax.
      {"", "regions.yaml:1: the file is empty; it must be a YAML mapping with cluster and regions"},
      {"- a\n- b\n", "regions.yaml:1: the file must be a YAML mapping (got a list)"},
      {"cluster: [demo\nregions: x\n",
       "regions.yaml:2: invalid YAML at column 8: end of sequence flow not found"},
      {Append("---\ncluster: again\n"),
       "regions.yaml:14: only one YAML document is allowed (remove the second '---')"},
      // Unknown and duplicate keys, at every level.
      {Append("clustre: x\n"),
       "regions.yaml:13: clustre: unknown key (expected one of: cluster, anti_entropy_interval_ms, "
       "partitions, regions, links, security)"},
      {Edit("    sync: tcp://127.0.0.1:7202", "    synk: tcp://127.0.0.1:7202"),
       "regions.yaml:11: regions[1].synk: unknown key " + kRegionKeys},
      {Append("links:\n  - {a: us-east, b: eu-west, latency: 40}\n"),
       "regions.yaml:14: links[0].latency: unknown key (expected one of: a, b, latency_ms, loss)"},
      {Append("security:\n  curve: false\n  clients_keys: []\n"),
       "regions.yaml:15: security.clients_keys: unknown key (expected one of: curve, clients, http_tokens, "
       "http_tokens_file, http_allow_remote)"},
      {Edit("cluster: demo\n", "cluster: demo\ncluster: other\n"),
       "regions.yaml:2: cluster: duplicate key (first at line 1)"},
      {Edit("    data_dir: /srv/eu-west\n", "    data_dir: /srv/eu-west\n    data_dir: /srv/x\n"),
       "regions.yaml:10: regions[1].data_dir: duplicate key (first at line 9)"},
      // Missing keys and wrong types.
      {Edit("cluster: demo\n", ""), "regions.yaml:1: cluster: required key is missing"},
      {"cluster: demo\n", "regions.yaml:1: regions: required key is missing"},
      {"cluster: demo\nregions: []\n", "regions.yaml:2: regions: at least one region is required"},
      {Edit("    publish: tcp://127.0.0.1:7201\n", ""),
       "regions.yaml:8: regions[1].publish: required key is missing"},
      {Edit("cluster: demo", "cluster: [demo]"),
       "regions.yaml:1: cluster: must be a string (got a list)"},
      {"cluster: demo\nregions:\n  name: us-east\n",
       "regions.yaml:2: regions: must be a list (got a mapping)"},
      {"cluster: demo\nregions:\n  - [us-east]\n",
       "regions.yaml:3: regions[0]: must be a mapping (got a list)"},
      {Edit("  - name: eu-west", "  - name:"),
       "regions.yaml:8: regions[1].name: must be a string (got nothing)"},
      {Edit("    data_dir: data/us-east", "    data_dir: \"\""),
       "regions.yaml:4: regions[0].data_dir: must not be empty"},
      // Region names.
      {Edit("name: eu-west", "name: EU-West"),
       "regions.yaml:8: regions[1].name: must be 1 to 64 characters of [a-z0-9-] (got "
       "\"EU-West\")"},
      {Edit("name: eu-west", "name: us-east"),
       "regions.yaml:8: regions[1].name: duplicate region name \"us-east\" (first at line 3)"},
      // Endpoints.
      {Edit("tcp://127.0.0.1:7102", "udp://127.0.0.1:7102"),
       "regions.yaml:6: regions[0].sync: must be tcp://HOST:PORT (got \"udp://127.0.0.1:7102\")"},
      {Edit("tcp://127.0.0.1:7102", "tcp://127.0.0.1"),
       "regions.yaml:6: regions[0].sync: must be tcp://HOST:PORT (the port is missing) "
       "(got \"tcp://127.0.0.1\")"},
      {Edit("tcp://127.0.0.1:7102", "tcp://127.0.0.1:65536"),
       "regions.yaml:6: regions[0].sync: the port must be a number from 1 to 65535 "
       "(got \"tcp://127.0.0.1:65536\")"},
      {Edit("tcp://127.0.0.1:7102", "tcp://127.0.0.1:0"),
       "regions.yaml:6: regions[0].sync: the port must be a number from 1 to 65535 "
       "(got \"tcp://127.0.0.1:0\")"},
      {Edit("tcp://127.0.0.1:7102", "tcp://127.0.0.300:7102"),
       "regions.yaml:6: regions[0].sync: the host is not a valid IPv4 address "
       "(got \"tcp://127.0.0.300:7102\")"},
      {Edit("tcp://127.0.0.1:7102", "tcp://*:7102"),
       "regions.yaml:6: regions[0].sync: '*' cannot be connected to; give the address other "
       "regions and clients reach it at (got \"tcp://*:7102\")"},
      {Edit("tcp://127.0.0.1:7102", "tcp://db_1:7102"),
       "regions.yaml:6: regions[0].sync: the host is not an IP address or a DNS name "
       "(got \"tcp://db_1:7102\")"},
      {Edit("tcp://127.0.0.1:7102", "tcp://[::1:7102"),
       "regions.yaml:6: regions[0].sync: the host is not a valid [IPv6] address "
       "(got \"tcp://[::1:7102\")"},
      {Edit("tcp://127.0.0.1:7201", "tcp://127.0.0.1:7101"),
       "regions.yaml:10: regions[1].publish: endpoint tcp://127.0.0.1:7101 is already used by "
       "regions[0].publish (line 5)"},
      {Edit("tcp://127.0.0.1:7103", "tcp://LocalHost:07102",
            Edit("tcp://127.0.0.1:7102", "tcp://localhost:7102")),
       "regions.yaml:7: regions[0].client: endpoint tcp://LocalHost:07102 is already used by "
       "regions[0].sync (line 6)"},
      // anti_entropy_interval_ms.
      {Append("anti_entropy_interval_ms: 5\n"),
       "regions.yaml:13: anti_entropy_interval_ms: must be an integer from 10 to 3600000 "
       "(got \"5\")"},
      {Append("anti_entropy_interval_ms: \"1000\"\n"),
       "regions.yaml:13: anti_entropy_interval_ms: must be an integer from 10 to 3600000 "
       "(got \"1000\")"},
      {Append("anti_entropy_interval_ms: 1.5e3\n"),
       "regions.yaml:13: anti_entropy_interval_ms: must be an integer from 10 to 3600000 "
       "(got \"1.5e3\")"},
      {Append("anti_entropy_interval_ms:\n  ms: 1000\n"),
       "regions.yaml:13: anti_entropy_interval_ms: must be an integer from 10 to 3600000 "
       "(got a mapping)"},
      // Links.
      {Append("links:\n  - {a: us-east, b: eu-wst, latency_ms: 40}\n"),
       "regions.yaml:14: links[0].b: no region named \"eu-wst\""},
      {Append("links:\n  - {a: us-east, b: us-east, latency_ms: 40}\n"),
       "regions.yaml:14: links[0].b: a link joins two different regions (a is also \"us-east\")"},
      {Append("links:\n  - {a: us-east, b: eu-west, latency_ms: 40}\n"
              "  - {a: eu-west, b: us-east, latency_ms: 45}\n"),
       "regions.yaml:15: links[1]: duplicate link between \"eu-west\" and \"us-east\" "
       "(first at line 14)"},
      {Append("links:\n  - {a: us-east, b: eu-west}\n"),
       "regions.yaml:14: links[0].latency_ms: required key is missing"},
      {Append("links:\n  - {a: us-east, b: eu-west, latency_ms: 60001}\n"),
       "regions.yaml:14: links[0].latency_ms: must be an integer from 0 to 60000 (got \"60001\")"},
      {Append("links:\n  - {a: us-east, b: eu-west, latency_ms: -1}\n"),
       "regions.yaml:14: links[0].latency_ms: must be an integer from 0 to 60000 (got \"-1\")"},
      {Append("links:\n  - {a: us-east, b: eu-west, latency_ms: 40, loss: 1.5}\n"),
       "regions.yaml:14: links[0].loss: must be a number from 0 to 1 (got \"1.5\")"},
      {Append("links:\n  - {a: us-east, b: eu-west, latency_ms: 40, loss: .nan}\n"),
       "regions.yaml:14: links[0].loss: must be a number from 0 to 1 (got \".nan\")"},
      {Append("links:\n  a: us-east\n"), "regions.yaml:13: links: must be a list (got a mapping)"},
      // Security.
      {Append("security: on\n"), "regions.yaml:13: security: must be a mapping (got \"on\")"},
      {Append("security:\n  curve: yes\n"),
       "regions.yaml:14: security.curve: must be true or false (got \"yes\")"},
      {CurveRegions("    secret_key_file: keys/us-east.key\n"),
       "regions.yaml:3: regions[0].public_key: required when security.curve is true"},
      {CurveRegions("    public_key: \"" + kKey + "\"\n"),
       "regions.yaml:3: regions[0].secret_key_file: required when security.curve is true"},
      {CurveRegions("    public_key: \"" + kKey.substr(1) + "\"\n"),
       "regions.yaml:8: regions[0].public_key: must be a Z85 CURVE key, 40 characters as "
       "`crdtdb keygen` prints (got \"" +
           kKey.substr(1) + "\")"},
      {CurveRegions("    public_key: \"#####" + kKey.substr(5) +
                    "\"\n"
                    "    secret_key_file: k\n"),
       "regions.yaml:8: regions[0].public_key: must be a Z85 CURVE key, 40 characters as "
       "`crdtdb keygen` prints (got \"#####" +
           kKey.substr(5) + "\")"},
      {CurveRegions("    public_key: \"" + std::string(kEuWestKey) +
                    "\"\n"
                    "    secret_key_file: k\n"),
       "regions.yaml:15: regions[1].public_key: the same key as regions[0].public_key (line 8)"},
      {Append("security:\n  clients:\n    - not-a-key\n"),
       "regions.yaml:15: security.clients[0]: must be a Z85 CURVE key, 40 characters as "
       "`crdtdb keygen` prints (got \"not-a-key\")"},
      {Append("security:\n  clients:\n    - \"" + std::string(kClientKey) + "\"\n    - \"" +
              std::string(kClientKey) + "\"\n"),
       "regions.yaml:16: security.clients[1]: duplicate client key (first at line 15)"},
  };
  for (const BadCase& bad : cases) {
    CAPTURE(bad.yaml);
    Result<ClusterConfig> config = Parse(bad.yaml);
    REQUIRE_FALSE(config.ok());
    CHECK(config.status().IsInvalidArgument());
    CHECK(config.status().message() == bad.error);
  }
}

// A cluster of a two-node region beside a one-node region (interfaces.md section 1).
constexpr std::string_view kNodes =
    "cluster: demo\n"                        // 1
    "partitions: 64\n"                       // 2
    "regions:\n"                             // 3
    "  - name: us-east\n"                    // 4
    "    replication_factor: 2\n"            // 5
    "    nodes:\n"                           // 6
    "      - name: us-east-1\n"              // 7
    "        data_dir: data/us-east-1\n"     // 8
    "        publish: tcp://127.0.0.1:7101\n"  // 9
    "        sync: tcp://127.0.0.1:7102\n"     // 10
    "        client: tcp://127.0.0.1:7103\n"   // 11
    "      - name: us-east-2\n"              // 12
    "        data_dir: data/us-east-2\n"     // 13
    "        publish: tcp://127.0.0.1:7111\n"  // 14
    "        sync: tcp://127.0.0.1:7112\n"     // 15
    "        client: tcp://127.0.0.1:7113\n"   // 16
    "  - name: eu-west\n"                    // 17
    "    data_dir: /srv/eu-west\n"           // 18
    "    publish: tcp://127.0.0.1:7201\n"    // 19
    "    sync: tcp://127.0.0.1:7202\n"       // 20
    "    client: tcp://127.0.0.1:7203\n";    // 21

TEST_CASE("regions of several nodes: partitions, replication factor and nodes are read") {
  Result<ClusterConfig> config = Parse(kNodes);
  REQUIRE_MESSAGE(config.ok(), config.status().ToString());
  CHECK(config->partitions == 64);
  const RegionConfig& us_east = config->regions[0];
  CHECK(us_east.listed_nodes);
  CHECK(us_east.replication_factor == 2);
  REQUIRE(us_east.nodes.size() == 2);
  CHECK(us_east.nodes[1].name == "us-east-2");
  CHECK(us_east.nodes[1].data_dir == "/etc/crdtdb/data/us-east-2");
  CHECK(us_east.nodes[1].client == "tcp://127.0.0.1:7113");
  CHECK(us_east.FindNode("us-east-1") == &us_east.nodes[0]);
  CHECK(config->RegionOfNode("us-east-2") == &us_east);
  // A region written as before is a one-node region whose node is named after it.
  const RegionConfig& eu_west = config->regions[1];
  CHECK_FALSE(eu_west.listed_nodes);
  CHECK(eu_west.replication_factor == 1);
  REQUIRE(eu_west.nodes.size() == 1);
  CHECK(eu_west.nodes[0].name == "eu-west");
  CHECK(config->RegionOfNode("eu-west") == &eu_west);
  CHECK(config->RegionOfNode("us-east") == nullptr);

  Result<ClusterConfig> plain = Parse(kBase);
  REQUIRE(plain.ok());
  CHECK(plain->partitions == kDefaultPartitions);
}

TEST_CASE("a node marked leaving is read, and stays a member of its region") {
  Result<ClusterConfig> config =
      Parse(Edit("replication_factor: 2", "replication_factor: 1",
                 Edit("        client: tcp://127.0.0.1:7113\n",
                      "        client: tcp://127.0.0.1:7113\n        leaving: true\n", std::string(kNodes))));
  REQUIRE_MESSAGE(config.ok(), config.status().ToString());
  CHECK_FALSE(config->regions[0].nodes[0].leaving);
  CHECK(config->regions[0].nodes[1].leaving);
  CHECK(config->RegionOfNode("us-east-2") == &config->regions[0]);
}

TEST_CASE("invalid nodes, partitions and replication factors are refused with line and key") {
  const BadCase cases[] = {
      {Edit("partitions: 64", "partitions: 48", std::string(kNodes)),
       "regions.yaml:2: partitions: must be a power of two (got \"48\")"},
      {Edit("partitions: 64", "partitions: 8192", std::string(kNodes)),
       "regions.yaml:2: partitions: must be an integer from 1 to 4096 (got \"8192\")"},
      {Edit("partitions: 64", "partitions: 0", std::string(kNodes)),
       "regions.yaml:2: partitions: must be an integer from 1 to 4096 (got \"0\")"},
      {Edit("replication_factor: 2", "replication_factor: 3", std::string(kNodes)),
       "regions.yaml:5: regions[0].replication_factor: must be from 1 to the region's node count, "
       "2 (got \"3\")"},
      {Edit("replication_factor: 2", "replication_factor: 0", std::string(kNodes)),
       "regions.yaml:5: regions[0].replication_factor: must be from 1 to the region's node count, "
       "2 (got \"0\")"},
      {Edit("    data_dir: /srv/eu-west\n", "    data_dir: /srv/eu-west\n    replication_factor: 2\n",
            std::string(kNodes)),
       "regions.yaml:19: regions[1].replication_factor: must be from 1 to the region's node "
       "count, 1 (got \"2\")"},
      {Edit("    nodes:\n", "    data_dir: x\n    nodes:\n", std::string(kNodes)),
       "regions.yaml:6: regions[0].data_dir: a region with nodes gives its endpoints under each "
       "node"},
      {Edit("      - name: us-east-2", "      - name: us-east-1", std::string(kNodes)),
       "regions.yaml:12: regions[0].nodes[1].name: duplicate node name \"us-east-1\" (first at "
       "line 7)"},
      {Edit("      - name: us-east-2", "      - name: eu-west", std::string(kNodes)),
       "regions.yaml:17: regions[1].name: node name \"eu-west\" is already taken at line 12 (a "
       "one-node region's node is named after the region)"},
      {Edit("      - name: us-east-2", "      - name: East_2", std::string(kNodes)),
       "regions.yaml:12: regions[0].nodes[1].name: must be 1 to 64 characters of [a-z0-9-] "
       "(got \"East_2\")"},
      {Edit("        publish: tcp://127.0.0.1:7111", "        publish: tcp://127.0.0.1:7201",
            std::string(kNodes)),
       "regions.yaml:19: regions[1].publish: endpoint tcp://127.0.0.1:7201 is already used by "
       "regions[0].nodes[1].publish (line 14)"},
      {Edit("        sync: tcp://127.0.0.1:7112\n", "", std::string(kNodes)),
       "regions.yaml:12: regions[0].nodes[1].sync: required key is missing"},
      {Edit("        client: tcp://127.0.0.1:7113\n", "        client: tcp://127.0.0.1:7113\n        http: x\n",
            std::string(kNodes)),
       "regions.yaml:17: regions[0].nodes[1].http: must be HOST:PORT (the port is missing) (got \"x\")"},
      {Edit("        client: tcp://127.0.0.1:7113\n", "        client: tcp://127.0.0.1:7113\n        htp: x\n",
            std::string(kNodes)),
       "regions.yaml:17: regions[0].nodes[1].htp: unknown key (expected one of: name, data_dir, "
       "publish, sync, client, public_key, secret_key_file, leaving, http, http_cert_file, http_key_file)"},
      {"cluster: x\nregions:\n  - name: a\n    nodes: []\n",
       "regions.yaml:4: regions[0].nodes: at least one node is required"},
      // A leaving node owns nothing: the factor counts the nodes that stay, and one must stay.
      {Edit("        client: tcp://127.0.0.1:7113\n", "        client: tcp://127.0.0.1:7113\n        leaving: true\n",
            std::string(kNodes)),
       "regions.yaml:5: regions[0].replication_factor: must be from 1 to the region's node count "
       "without its leaving nodes, 1 (got \"2\")"},
      {Edit("        client: tcp://127.0.0.1:7113\n", "        client: tcp://127.0.0.1:7113\n        leaving: yes\n",
            std::string(kNodes)),
       "regions.yaml:17: regions[0].nodes[1].leaving: must be true or false (got \"yes\")"},
      {Edit("    replication_factor: 2\n", "",
            Edit("        client: tcp://127.0.0.1:7103\n", "        client: tcp://127.0.0.1:7103\n        leaving: true\n",
                 Edit("        client: tcp://127.0.0.1:7113\n",
                      "        client: tcp://127.0.0.1:7113\n        leaving: true\n", std::string(kNodes)))),
       "regions.yaml:5: regions[0].nodes: every node is leaving: at least one must stay"},
  };
  for (const BadCase& c : cases) {
    Result<ClusterConfig> config = Parse(c.yaml);
    CHECK_MESSAGE(!config.ok(), c.yaml);
    if (config.ok()) continue;
    CHECK(config.status().IsInvalidArgument());
    CHECK(config.status().message() == c.error);
  }
}

TEST_CASE("with CURVE on, every node needs its key pair") {
  Result<ClusterConfig> config = Parse(std::string(kNodes) + "security:\n  curve: true\n");
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().message() ==
        "regions.yaml:7: regions[0].nodes[0].public_key: required when security.curve is true");
}

TEST_CASE("counts beyond the bounds are refused before the items are read") {
  std::string yaml = "cluster: big\nregions:\n";
  for (size_t i = 0; i <= kMaxRegions; ++i) yaml += "  - {}\n";
  Result<ClusterConfig> config = Parse(yaml);
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().message() ==
        "regions.yaml:2: regions: at most 64 items are allowed (got 65)");

  config = Parse(std::string(kMaxConfigBytes + 1, '#'));
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().message() == "regions.yaml:1: the file is larger than 1048576 bytes");
}

TEST_CASE("hostile or broken YAML is an error naming the file, never a crash") {
  const std::string inputs[] = {
      std::string(100'000, '['),                              // nesting deeper than any stack
      "cluster: demo\nregions:\n  - &r {name: a}\n  - *r\n",  // aliases share one node
      "cluster: demo\nregions: &a [*a]\n",                    // an alias inside its own anchor
      std::string("cluster: \xff\xfe\x00"
                  "demo\n",
                  16),  // a UTF-16 byte-order mark, a NUL
      "cluster: demo\nregions:\n  - !!binary aGVsbG8=\n",
      "? [complex, key]\n: value\n",
      "cluster: \"\\x01\"\nregions: []\n",
      std::string("cluster: de\0mo\nregions: []\n", 26),
  };
  for (const std::string& input : inputs) {
    CAPTURE(input.substr(0, 60));
    Result<ClusterConfig> config = Parse(input);
    REQUIRE_FALSE(config.ok());
    CHECK(config.status().IsInvalidArgument());
    CHECK(config.status().message().rfind("regions.yaml:", 0) == 0);
  }
}

TEST_CASE("YAML that stalls yaml-cpp's parser is refused instead of looping forever") {
  // yaml-cpp 0.7's LoadAll never returns on these: it yields an empty document without consuming
  // anything, again and again (jbeder/yaml-cpp#1040; found by fuzz/cluster_config_fuzzer.cc).
  const std::pair<std::string, std::string> cases[] = {
      {",", "regions.yaml:1: invalid YAML at column 1: unexpected character"},
      {"# regions\n  ,", "regions.yaml:2: invalid YAML at column 3: unexpected character"},
      {"cluster: demo\n---\n,\n", "regions.yaml:3: invalid YAML at column 1: unexpected character"},
  };
  for (const auto& [input, error] : cases) {
    CAPTURE(input);
    Result<ClusterConfig> config = Parse(input);
    REQUIRE_FALSE(config.ok());
    CHECK(config.status().message() == error);
  }
}

// A scratch directory for the tests that read files, removed at the end.
class TempDir {
 public:
  TempDir()
      : path_(fs::temp_directory_path() / ("crdtdb-config-test-" + std::to_string(getpid()))) {
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void WriteFile(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

TEST_CASE("a loaded file resolves relative paths against its own directory") {
  TempDir dir;
  fs::create_directories(dir.path() / "conf");
  WriteFile(dir.path() / "conf/regions.yaml", kBase);
  Result<ClusterConfig> config = LoadClusterConfig((dir.path() / "conf/regions.yaml").string());
  REQUIRE_MESSAGE(config.ok(), config.status().ToString());
  CHECK(config->regions[0].nodes[0].data_dir == (dir.path() / "conf/data/us-east").string());
}

TEST_CASE("a missing, unreadable or too large file is a clear error naming it") {
  TempDir dir;
  std::string missing = (dir.path() / "nope.yaml").string();
  Result<ClusterConfig> config = LoadClusterConfig(missing);
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().IsIOError());
  CHECK(config.status().message() == missing + ": cannot read: No such file or directory");

  config = LoadClusterConfig(dir.path().string());
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().message() == dir.path().string() + ": cannot read: not a regular file");

  std::string big = (dir.path() / "big.yaml").string();
  WriteFile(big, std::string(kMaxConfigBytes + 1, '#'));
  config = LoadClusterConfig(big);
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().IsInvalidArgument());
  CHECK(config.status().message() == big + ":1: the file is larger than 1048576 bytes");

  std::string bad = (dir.path() / "bad.yaml").string();
  WriteFile(bad, "cluster: demo\nregions: 7\n");
  config = LoadClusterConfig(bad);
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().message() == bad + ":2: regions: must be a list (got \"7\")");
}

TEST_CASE("http: an optional HOST:PORT, loopback only unless security.http_allow_remote") {
  Result<ClusterConfig> config = Parse(Edit("    client: tcp://127.0.0.1:7103\n",
                                            "    client: tcp://127.0.0.1:7103\n    http: 127.0.0.1:8080\n"));
  REQUIRE_MESSAGE(config.ok(), config.status().ToString());
  CHECK(*config->regions[0].nodes[0].http == "127.0.0.1:8080");
  CHECK_FALSE(config->regions[1].nodes[0].http.has_value());
  CHECK(config->security.http_tokens.empty());

  const std::string remote =
      Edit("    client: tcp://127.0.0.1:7103\n", "    client: tcp://127.0.0.1:7103\n    http: 10.0.0.1:8080\n");
  Result<ClusterConfig> refused = Parse(remote);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().message().rfind("regions.yaml:8: regions[0].http: binds a non-loopback address", 0) == 0);
  CHECK(Parse(remote + "security:\n  http_allow_remote: true\n").ok());

  for (auto [value, why] : {std::pair{"127.0.0.1", "the port is missing"},
                            std::pair{"http://127.0.0.1:80", "must be HOST:PORT, without a scheme"},
                            std::pair{"127.0.0.1:0", "the port must be a number from 1 to 65535"},
                            std::pair{"127.0.0.1:7102", "endpoint 127.0.0.1:7102 is already used by regions[0].sync (line 6)"}}) {
    Result<ClusterConfig> bad = Parse(Edit("    client: tcp://127.0.0.1:7103\n",
                                           std::string("    client: tcp://127.0.0.1:7103\n    http: ") + value + "\n"));
    REQUIRE_FALSE(bad.ok());
    CHECK_MESSAGE(bad.status().message().find(why) != std::string::npos, bad.status().message());
    CHECK(bad.status().message().rfind("regions.yaml:8: regions[0].http: ", 0) == 0);
  }
}

TEST_CASE("http: TLS files go together, with http, and let HTTPS bind any address") {
  const std::string client = "    client: tcp://127.0.0.1:7103\n";
  const std::string tls = "    http_cert_file: certs/node.pem\n    http_key_file: /etc/crdtdb/node.key\n";
  // A non-loopback address is fine with TLS, and the paths resolve like data_dir.
  Result<ClusterConfig> config = Parse(Edit(client, client + "    http: 0.0.0.0:8443\n" + tls));
  REQUIRE_MESSAGE(config.ok(), config.status().ToString());
  const NodeConfig& node = config->regions[0].nodes[0];
  CHECK(node.http_cert_file->size() > std::string("certs/node.pem").size());
  CHECK(node.http_cert_file->ends_with("/certs/node.pem"));
  CHECK(*node.http_key_file == "/etc/crdtdb/node.key");
  CHECK_FALSE(config->regions[1].nodes[0].http_cert_file.has_value());

  for (auto [lines, why] :
       {std::pair{"    http: 127.0.0.1:8443\n    http_cert_file: a.pem\n", "go together"},
        std::pair{"    http: 127.0.0.1:8443\n    http_key_file: a.key\n", "go together"},
        std::pair{"    http_cert_file: a.pem\n    http_key_file: a.key\n", "need an http endpoint"}}) {
    Result<ClusterConfig> bad = Parse(Edit(client, client + lines));
    REQUIRE_FALSE(bad.ok());
    CHECK_MESSAGE(bad.status().message().find(why) != std::string::npos, bad.status().message());
  }
}

TEST_CASE("security.http_tokens holds SHA-256 digests, never tokens") {
  const std::string digest(64, 'a');
  Result<ClusterConfig> config = Parse(Append("security:\n  http_tokens:\n    - " + digest + "\n"));
  REQUIRE_MESSAGE(config.ok(), config.status().ToString());
  CHECK(config->security.http_tokens == std::vector<std::string>{digest});

  Result<ClusterConfig> token = Parse(Append("security:\n  http_tokens:\n    - my-secret-token\n"));
  REQUIRE_FALSE(token.ok());
  CHECK(token.status().message().rfind("regions.yaml:15: security.http_tokens[0]: must be a token's SHA-256", 0) == 0);
  Result<ClusterConfig> upper = Parse(Append("security:\n  http_tokens:\n    - " + std::string(64, 'A') + "\n"));
  CHECK_FALSE(upper.ok());
  Result<ClusterConfig> twice =
      Parse(Append("security:\n  http_tokens:\n    - " + digest + "\n    - " + digest + "\n"));
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.status().message() == "regions.yaml:16: security.http_tokens[1]: duplicate token digest");
}

TEST_CASE("security.http_tokens_file: more digests in a file of their own, read when HTTP starts") {
  testing::TempDir dir;
  const std::string a(64, 'a'), b(64, 'b');
  const std::string path = dir.Sub("tokens");
  auto write = [&path](const std::string& text) { std::ofstream(path, std::ios::binary) << text; };

  Result<ClusterConfig> config = Parse(Append("security:\n  http_tokens: [" + a + "]\n  http_tokens_file: tokens\n"));
  REQUIRE_MESSAGE(config.ok(), config.status().ToString());
  CHECK(config->security.http_tokens_file == std::optional<std::string>("/etc/crdtdb/tokens"));  // beside the config
  config->security.http_tokens_file = path;
  write("# issued 2026-12-07\n\n  " + b + "\r\n" + a + "\n");
  Result<std::vector<std::string>> digests = HttpTokenDigests(config->security);
  REQUIRE_MESSAGE(digests.ok(), digests.status().ToString());
  CHECK(*digests == std::vector<std::string>{a, b});  // a digest in both places is one token

  const std::vector<std::pair<std::string, std::string>> refused = {
      {"my-secret-token\n", path + ":1: must be a token's SHA-256"},
      {a + "\n" + std::string(64, 'A') + "\n", path + ":2: must be"},
      {a + "\n# again\n" + a + "\n", path + ":3: duplicate token digest"},
      {"# nobody yet\n\n", path + " lists no token digest"},
      {std::string(kMaxHttpTokensFileBytes + 1, '#'), "larger than"},
  };
  for (const auto& [text, why] : refused) {
    write(text);
    Result<std::vector<std::string>> bad = ReadHttpTokensFile(path);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.status().code() == Status::Code::kInvalidArgument);
    CHECK_MESSAGE(bad.status().message().find(why) != std::string::npos, bad.status().message());
  }
  Result<std::vector<std::string>> missing = ReadHttpTokensFile(dir.Sub("absent"));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == Status::Code::kIOError);
}

}  // namespace
}  // namespace crdtdb
