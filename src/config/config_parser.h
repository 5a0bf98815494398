// Copyright (c) crdtdb authors.
//
// The parser of a cluster configuration file (ParseClusterConfig, config/cluster_config.h),
// private to the config module: cluster_config.cc reads the top level, regions, nodes, names and
// endpoints; cluster_config_links.cc reads links, security and public keys, and the checks that
// tie them to the nodes.

#ifndef CRDTDB_CONFIG_CONFIG_PARSER_H_
#define CRDTDB_CONFIG_CONFIG_PARSER_H_

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/cluster_config.h"
#include "config/yaml_reader.h"
#include "crdtdb/result.h"

namespace crdtdb {

// A file path in the config (data_dir, secret_key_file): long enough for any real path.
constexpr size_t kMaxPathBytes = 4096;

// Where a value that must be unique was first seen, for the error about its repeat.
struct FirstUse {
  int line;
  std::string path;
};

inline std::string SeenAt(const FirstUse& first) {
  return first.path + " (line " + std::to_string(first.line) + ")";
}

// One parse of one document. Checks run in a fixed order (top-level keys, regions, links,
// security, then the rules that tie them together), so the first error reported is stable.
class ConfigParser {
 public:
  ConfigParser(const std::string& file_name, std::string base_dir)
      : reader_(file_name), base_dir_(std::move(base_dir)) {}

  Result<ClusterConfig> Parse(const YAML::Node& root);

 private:
  Status ParseRegions(const YamlEntry& entry, ClusterConfig* config);
  Status ParseRegion(const YamlEntry& entry, RegionConfig* region);
  Status ParseNodes(const YamlEntry& entry, RegionConfig* region);
  // The endpoint keys of one node, from the node's mapping or a one-node region's.
  Status ParseNodeEndpoints(const YamlMapping& mapping, NodeConfig* node);
  // A region or node name: [a-z0-9-]+, unique among the names already in `seen` (a one-node
  // region's node name is there too, so a listed node cannot take it).
  Status ParseName(const YamlMapping& mapping, const char* what, std::map<std::string, int>* seen,
                   std::string* out);
  // A one-node region's node takes the region's name, which no listed node may also take.
  Status ClaimNodeName(const std::string& name, int line, const std::string& path);
  Status ParsePublicKey(const YamlEntry& entry, std::string* out);
  Status ParseEndpoint(const YamlMapping& mapping, std::string_view key, std::string* out);
  Status ParseLinks(const YamlEntry& entry, ClusterConfig* config);
  Status ParseSecurity(const YamlEntry& entry, SecurityConfig* security);
  Status CheckCurveKeys(const ClusterConfig& config) const;
  // `tls`: the node has http_cert_file, so a non-loopback host needs no http_allow_remote.
  Status ParseHttpEndpoint(const YamlEntry& entry, bool tls, std::string* out);
  Status CheckHttpEndpoints(const ClusterConfig& config) const;

  // A required string value, at most `max_bytes` long and without control characters.
  Status RequiredText(const YamlMapping& mapping, std::string_view key, size_t max_bytes,
                      std::string* out) const;
  Status Text(const YamlEntry& entry, size_t max_bytes, std::string* out) const;
  // A path value, resolved against base_dir_.
  Status PathValue(const YamlEntry& entry, std::string* out) const;
  Status Z85Key(const YamlEntry& entry, std::string* out) const;

  YamlReader reader_;
  std::string base_dir_;
  std::map<std::string, FirstUse> endpoints_;     // canonical endpoint -> first use
  std::map<std::string, int> region_name_lines_;  // region name -> line of its name
  std::map<std::string, int> node_name_lines_;    // node name -> line of its name
  std::map<std::string, FirstUse> public_keys_;   // node public key -> first use
  // Where each node is written, in config order (regions, then their nodes), for later checks.
  std::vector<FirstUse> node_sites_;
  std::vector<FirstUse> http_remote_sites_;  // `http` endpoints on a non-loopback host
};

}  // namespace crdtdb

#endif  // CRDTDB_CONFIG_CONFIG_PARSER_H_
