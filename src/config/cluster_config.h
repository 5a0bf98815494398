// Copyright (c) crdtdb authors.
//
// The region configuration of a cluster: the YAML file of the interface contract, section 1
// (regions.example.yaml; every key is described in docs/operations.md, "Configuration").
//
// Loading checks everything that can be checked from the text alone: unknown, repeated and missing
// keys, types, ranges, unique region names and endpoints, links between known regions, CURVE keys.
// A config that loads is therefore safe to act on; one that does not load yields one
// InvalidArgument naming the file, the line and the key: "regions.yaml:12: regions[1].publish:
// ...". Nothing is created or opened beyond the config file itself: data directories and secret key
// files are checked by the replica that uses them, since a region's files exist only on its host.
//
// A ClusterConfig is a plain value; copies are independent and const ones may be shared by threads.

#ifndef CRDTDB_CONFIG_CLUSTER_CONFIG_H_
#define CRDTDB_CONFIG_CLUSTER_CONFIG_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crdtdb/result.h"

namespace crdtdb {

// Bounds on what a config may hold; beyond them it is refused. A config is written by a person, so
// they are far above any real cluster and only stop runaway or hostile files.
constexpr size_t kMaxConfigBytes = size_t{1} << 20;
constexpr size_t kMaxRegions = 64;
constexpr size_t kMaxLinks = 1024;
constexpr size_t kMaxClientKeys = 1024;
constexpr size_t kMaxClusterNameBytes = 256;
constexpr int kDefaultAntiEntropyIntervalMs = 1000;
constexpr int kMinAntiEntropyIntervalMs = 10;
constexpr int kMaxAntiEntropyIntervalMs = 3'600'000;
constexpr int kMaxLinkLatencyMs = 60'000;
// Partitions of the key space (docs/sharding.md): a power of two, at most one per Merkle node of
// the level above the leaves, so that a partition is a set of whole subtrees anti-entropy can
// start at.
constexpr uint32_t kDefaultPartitions = 256;
constexpr uint32_t kMaxPartitions = 4096;
constexpr size_t kMaxNodesPerRegion = 64;

// One node of a region: one `crdtdb serve` process with its own store and endpoints.
struct NodeConfig {
  std::string name;  // unique in the cluster; [a-z0-9-]+; a one-node region's node is the region's
  std::string
      data_dir;         // resolved: a relative path in the file is relative to the file's directory
  std::string publish;  // PUB socket of this node's delta stream, tcp://HOST:PORT as written
  std::string sync;     // ROUTER socket: anti-entropy, retransmits, offline-first clients
  std::string client;   // ROUTER socket: CLI / API requests
  std::optional<std::string> public_key;       // Z85 CURVE key; required when security.curve
  std::optional<std::string> secret_key_file;  // resolved like data_dir; required when curve
  // The HTTP API's endpoint, HOST:PORT (docs/http.md); absent: no HTTP. Without TLS the host must
  // be a loopback address unless security.http_allow_remote says otherwise.
  std::optional<std::string> http;
  // TLS for the HTTP API: a PEM certificate (chain) and its PEM private key, resolved like
  // data_dir; both or neither, and only with `http`. Read when the node starts.
  std::optional<std::string> http_cert_file;
  std::optional<std::string> http_key_file;
  // `leaving: true`: the node owns no partition (cluster/placement.h) but stays a member of the
  // region, reachable and authenticated, while it hands what it holds off to the new owners
  // (docs/sharding.md, "Removing a node"); then it can be removed from the file.
  bool leaving = false;
};

struct RegionConfig {
  std::string name;  // unique in the cluster; [a-z0-9-]+
  // Owners of each partition in this region; 1 <= replication_factor <= the nodes not leaving.
  int replication_factor = 1;
  // Never empty. A region written with its endpoints directly under it (interfaces.md section 1)
  // is a one-node region: one node, named after the region.
  std::vector<NodeConfig> nodes;
  // True when the file listed `nodes` (even one): the region's replicas are partitioned nodes.
  bool listed_nodes = false;

  // The node called `name`, or nullptr.
  const NodeConfig* FindNode(std::string_view name) const;
};

// The simulated network between two regions. A link applies in both directions.
struct LinkConfig {
  std::string a;
  std::string b;
  int latency_ms = 0;  // one-way delay of a message
  double loss = 0.0;   // probability in [0, 1] that a message is dropped
};

constexpr size_t kMaxHttpTokens = 1024;

struct SecurityConfig {
  bool curve = false;
  std::vector<std::string> clients;  // Z85 public keys of clients allowed besides the regions
  // SHA-256 digests (64 lowercase hex digits) of the bearer tokens the HTTP API admits; empty:
  // no authentication (docs/http.md, "Authentication"). Stored hashed so the file is no secret.
  std::vector<std::string> http_tokens;
  // A file of more such digests, one per line (config/http_tokens_file.h), read by the node when
  // it starts serving HTTP; relative to the config file's directory.
  std::optional<std::string> http_tokens_file;
  // An `http` endpoint without TLS (http_cert_file) may bind a non-loopback address.
  bool http_allow_remote = false;
};

struct ClusterConfig {
  std::string cluster;  // free text, shown by `status`
  int anti_entropy_interval_ms = kDefaultAntiEntropyIntervalMs;
  uint32_t partitions = kDefaultPartitions;  // the same in every region
  std::vector<RegionConfig> regions;  // file order; never empty once loaded
  std::vector<LinkConfig> links;      // file order; at most one per pair of regions
  SecurityConfig security;

  // The region called `name`, or nullptr. The pointer lives as long as this config, unchanged.
  const RegionConfig* FindRegion(std::string_view name) const;
  // The region of the node called `name`, or nullptr.
  const RegionConfig* RegionOfNode(std::string_view node) const;

  // The link between regions `a` and `b` in either order, or nullptr when the file gives none
  // (the simulation then uses its default network).
  const LinkConfig* FindLink(std::string_view a, std::string_view b) const;
};

// Reads and checks the config file at `path` (at most kMaxConfigBytes). Relative paths in it are
// resolved against the absolute directory of `path`. Errors name `path` as given. A file that
// cannot be read is an IOError; everything else wrong is an InvalidArgument.
Result<ClusterConfig> LoadClusterConfig(const std::string& path);

// Checks the config text `yaml`. `file_name` is only used in error messages; relative paths are
// resolved against `base_dir` (an empty base_dir leaves them relative).
Result<ClusterConfig> ParseClusterConfig(std::string_view yaml, const std::string& file_name,
                                         const std::string& base_dir);

}  // namespace crdtdb

#endif  // CRDTDB_CONFIG_CLUSTER_CONFIG_H_
