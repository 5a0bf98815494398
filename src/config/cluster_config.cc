// Copyright (c) crdtdb authors.

#include "config/cluster_config.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>
#include <vector>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include "config/config_parser.h"
#include "config/value_syntax.h"
#include "config/yaml_progress.h"
#include "config/yaml_reader.h"
#include "util/utf8.h"

namespace crdtdb {

Result<ClusterConfig> ConfigParser::Parse(const YAML::Node& root) {
  if (!root.IsMap()) {
    return reader_.Error(
        YamlReader::LineOf(root, 1), "",
        "the file must be a YAML mapping (got " + YamlReader::Describe(root) + ")");
  }
  Result<YamlMapping> top =
      reader_.Mapping(YamlEntry{.node = root, .line = 1, .path = ""},
                      {"cluster", "anti_entropy_interval_ms", "partitions", "regions", "links",
                       "security"});
  if (!top.ok()) return top.status();

  ClusterConfig config;
  Status s = RequiredText(*top, "cluster", kMaxClusterNameBytes, &config.cluster);
  if (!s.ok()) return s;
  if (const YamlEntry* entry = top->Find("anti_entropy_interval_ms")) {
    Result<int64_t> interval_ms =
        reader_.Integer(*entry, kMinAntiEntropyIntervalMs, kMaxAntiEntropyIntervalMs);
    if (!interval_ms.ok()) return interval_ms.status();
    config.anti_entropy_interval_ms = static_cast<int>(*interval_ms);
  }
  if (const YamlEntry* entry = top->Find("partitions")) {
    Result<int64_t> partitions = reader_.Integer(*entry, 1, kMaxPartitions);
    if (!partitions.ok()) return partitions.status();
    if ((*partitions & (*partitions - 1)) != 0) {
      return reader_.Error(entry->line, entry->path,
                           "must be a power of two (got \"" + std::to_string(*partitions) + "\")");
    }
    config.partitions = static_cast<uint32_t>(*partitions);
  }
  Result<YamlEntry> regions = reader_.Required(*top, "regions");
  if (!regions.ok()) return regions.status();
  if (s = ParseRegions(*regions, &config); !s.ok()) return s;
  if (const YamlEntry* links = top->Find("links")) {
    if (s = ParseLinks(*links, &config); !s.ok()) return s;
  }
  if (const YamlEntry* security = top->Find("security")) {
    if (s = ParseSecurity(*security, &config.security); !s.ok()) return s;
  }
  if (s = CheckCurveKeys(config); !s.ok()) return s;
  if (s = CheckHttpEndpoints(config); !s.ok()) return s;
  return config;
}

Status ConfigParser::ParseRegions(const YamlEntry& entry, ClusterConfig* config) {
  Result<std::vector<YamlEntry>> items = reader_.List(entry, kMaxRegions);
  if (!items.ok()) return items.status();
  if (items->empty()) {
    return reader_.Error(entry.line, entry.path, "at least one region is required");
  }
  for (const YamlEntry& item : *items) {
    RegionConfig region;
    if (Status s = ParseRegion(item, &region); !s.ok()) return s;
    config->regions.push_back(std::move(region));
  }
  return Status::OK();
}

constexpr const char* kEndpointKeys[] = {"data_dir", "publish", "sync", "client", "public_key",
                                         "secret_key_file", "http", "http_cert_file", "http_key_file"};

Status ConfigParser::ParseRegion(const YamlEntry& entry, RegionConfig* region) {
  Result<YamlMapping> mapping =
      reader_.Mapping(entry, {"name", "replication_factor", "nodes", "data_dir", "publish", "sync",
                              "client", "public_key", "secret_key_file", "http", "http_cert_file",
                              "http_key_file"});
  if (!mapping.ok()) return mapping.status();

  Status s = ParseName(*mapping, "region", &region_name_lines_, &region->name);
  if (!s.ok()) return s;
  if (const YamlEntry* nodes = mapping->Find("nodes")) {
    // One place for a node's endpoints: keys beside `nodes` would leave it unclear whose they are.
    for (const char* key : kEndpointKeys) {
      if (const YamlEntry* stray = mapping->Find(key)) {
        return reader_.Error(stray->line, stray->path,
                             "a region with nodes gives its endpoints under each node");
      }
    }
    if (s = ParseNodes(*nodes, region); !s.ok()) return s;
  } else {
    NodeConfig node;
    node.name = region->name;
    const YamlEntry* name = mapping->Find("name");
    if (s = ClaimNodeName(node.name, name->line, name->path); !s.ok()) return s;
    if (s = ParseNodeEndpoints(*mapping, &node); !s.ok()) return s;
    node_sites_.push_back(FirstUse{entry.line, entry.path});
    region->nodes.push_back(std::move(node));
  }
  const auto staying = static_cast<int64_t>(
      std::count_if(region->nodes.begin(), region->nodes.end(), [](const NodeConfig& n) { return !n.leaving; }));
  if (staying == 0) {  // only a region with `nodes` has leaving nodes
    const YamlEntry* nodes = mapping->Find("nodes");
    return reader_.Error(nodes->line, nodes->path, "every node is leaving: at least one must stay");
  }
  if (const YamlEntry* factor = mapping->Find("replication_factor")) {
    Result<int64_t> value = reader_.Integer(*factor, 1, staying);
    if (!value.ok()) {
      return reader_.Error(factor->line, factor->path,
                           std::string("must be from 1 to the region's node count") +
                               (staying < static_cast<int64_t>(region->nodes.size()) ? " without its leaving nodes" : "") +
                               ", " + std::to_string(staying) + " (got " + YamlReader::Describe(factor->node) + ")");
    }
    region->replication_factor = static_cast<int>(*value);
  }
  return Status::OK();
}

Status ConfigParser::ParseNodes(const YamlEntry& entry, RegionConfig* region) {
  Result<std::vector<YamlEntry>> items = reader_.List(entry, kMaxNodesPerRegion);
  if (!items.ok()) return items.status();
  if (items->empty()) return reader_.Error(entry.line, entry.path, "at least one node is required");
  region->listed_nodes = true;
  for (const YamlEntry& item : *items) {
    Result<YamlMapping> mapping =
        reader_.Mapping(item, {"name", "data_dir", "publish", "sync", "client", "public_key",
                               "secret_key_file", "leaving", "http", "http_cert_file",
                               "http_key_file"});
    if (!mapping.ok()) return mapping.status();
    NodeConfig node;
    if (Status s = ParseName(*mapping, "node", &node_name_lines_, &node.name); !s.ok()) return s;
    if (Status s = ParseNodeEndpoints(*mapping, &node); !s.ok()) return s;
    if (const YamlEntry* leaving = mapping->Find("leaving")) {
      Result<bool> value = reader_.Bool(*leaving);
      if (!value.ok()) return value.status();
      node.leaving = *value;
    }
    node_sites_.push_back(FirstUse{item.line, item.path});
    region->nodes.push_back(std::move(node));
  }
  return Status::OK();
}

Status ConfigParser::ParseNodeEndpoints(const YamlMapping& mapping, NodeConfig* node) {
  Result<YamlEntry> data_dir = reader_.Required(mapping, "data_dir");
  if (!data_dir.ok()) return data_dir.status();
  Status s = PathValue(*data_dir, &node->data_dir);
  if (!s.ok()) return s;
  if (s = ParseEndpoint(mapping, "publish", &node->publish); !s.ok()) return s;
  if (s = ParseEndpoint(mapping, "sync", &node->sync); !s.ok()) return s;
  if (s = ParseEndpoint(mapping, "client", &node->client); !s.ok()) return s;
  if (const YamlEntry* key = mapping.Find("public_key")) {
    if (s = ParsePublicKey(*key, &node->public_key.emplace()); !s.ok()) return s;
  }
  if (const YamlEntry* file = mapping.Find("secret_key_file")) {
    if (s = PathValue(*file, &node->secret_key_file.emplace()); !s.ok()) return s;
  }
  const YamlEntry* cert = mapping.Find("http_cert_file");
  const YamlEntry* key = mapping.Find("http_key_file");
  const YamlEntry* http = mapping.Find("http");
  if (cert != nullptr || key != nullptr) {
    const YamlEntry& given = cert != nullptr ? *cert : *key;
    if (http == nullptr) return reader_.Error(given.line, given.path, "TLS files need an http endpoint");
    if (cert == nullptr || key == nullptr) {
      return reader_.Error(given.line, given.path, "http_cert_file and http_key_file go together");
    }
    if (s = PathValue(*cert, &node->http_cert_file.emplace()); !s.ok()) return s;
    if (s = PathValue(*key, &node->http_key_file.emplace()); !s.ok()) return s;
  }
  if (http != nullptr) {
    if (s = ParseHttpEndpoint(*http, node->http_cert_file.has_value(), &node->http.emplace()); !s.ok()) return s;
  }
  return Status::OK();
}

Status ConfigParser::ParseName(const YamlMapping& mapping, const char* what,
                               std::map<std::string, int>* seen, std::string* out) {
  Result<YamlEntry> entry = reader_.Required(mapping, "name");
  if (!entry.ok()) return entry.status();
  if (Status s = Text(*entry, kMaxRegionNameBytes, out); !s.ok()) return s;
  if (!IsValidRegionName(*out)) {
    return reader_.Error(entry->line, entry->path,
                         "must be 1 to " + std::to_string(kMaxRegionNameBytes) +
                             " characters of [a-z0-9-] (got " + YamlReader::Quote(*out) + ")");
  }
  auto [first, inserted] = seen->emplace(*out, entry->line);
  if (!inserted) {
    return reader_.Error(entry->line, entry->path,
                         std::string("duplicate ") + what + " name " + YamlReader::Quote(*out) +
                             " (first at line " + std::to_string(first->second) + ")");
  }
  return Status::OK();
}

Status ConfigParser::ClaimNodeName(const std::string& name, int line, const std::string& path) {
  auto [first, inserted] = node_name_lines_.emplace(name, line);
  if (inserted) return Status::OK();
  return reader_.Error(line, path,
                       "node name " + YamlReader::Quote(name) + " is already taken at line " +
                           std::to_string(first->second) +
                           " (a one-node region's node is named after the region)");
}

// Endpoints are unique across the whole file: two sockets cannot bind one address, and a region
// connecting to a peer's endpoint must reach that peer and no other.
Status ConfigParser::ParseEndpoint(const YamlMapping& mapping, std::string_view key,
                                   std::string* out) {
  Result<YamlEntry> entry = reader_.Required(mapping, key);
  if (!entry.ok()) return entry.status();
  if (Status s = Text(*entry, kMaxPathBytes, out); !s.ok()) return s;
  Result<std::string> canonical = CanonicalEndpoint(*out);
  if (!canonical.ok()) {
    return reader_.Error(entry->line, entry->path,
                         canonical.status().message() + " (got " + YamlReader::Quote(*out) + ")");
  }
  auto [first, inserted] = endpoints_.emplace(*canonical, FirstUse{entry->line, entry->path});
  if (!inserted) {
    return reader_.Error(entry->line, entry->path,
                         "endpoint " + *out + " is already used by " + SeenAt(first->second));
  }
  return Status::OK();
}

Status ConfigParser::RequiredText(const YamlMapping& mapping, std::string_view key,
                                  size_t max_bytes, std::string* out) const {
  Result<YamlEntry> entry = reader_.Required(mapping, key);
  if (!entry.ok()) return entry.status();
  return Text(*entry, max_bytes, out);
}

Status ConfigParser::Text(const YamlEntry& entry, size_t max_bytes, std::string* out) const {
  Result<std::string> text = reader_.String(entry);
  if (!text.ok()) return text.status();
  if (text->empty()) return reader_.Error(entry.line, entry.path, "must not be empty");
  if (text->size() > max_bytes) {
    return reader_.Error(entry.line, entry.path,
                         "must be at most " + std::to_string(max_bytes) + " bytes long");
  }
  // The values reach logs, JSON status output and file names: keep them printable text.
  bool printable = IsValidUtf8(*text);
  for (char c : *text) printable = printable && static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
  if (!printable) {
    return reader_.Error(entry.line, entry.path, "must be printable UTF-8 text");
  }
  *out = std::move(*text);
  return Status::OK();
}

Status ConfigParser::PathValue(const YamlEntry& entry, std::string* out) const {
  std::string text;
  if (Status s = Text(entry, kMaxPathBytes, &text); !s.ok()) return s;
  std::filesystem::path path(text);
  if (path.is_relative() && !base_dir_.empty()) path = std::filesystem::path(base_dir_) / path;
  *out = path.lexically_normal().string();
  return Status::OK();
}

Status ConfigParser::Z85Key(const YamlEntry& entry, std::string* out) const {
  Result<std::string> key = reader_.String(entry);
  if (!key.ok()) return key.status();
  if (!IsZ85Key(*key)) {
    return reader_.Error(entry.line, entry.path,
                         "must be a Z85 CURVE key, 40 characters as `crdtdb keygen` prints (got " +
                             YamlReader::Describe(entry.node) + ")");
  }
  *out = std::move(*key);
  return Status::OK();
}

const RegionConfig* ClusterConfig::FindRegion(std::string_view name) const {
  for (const RegionConfig& region : regions) {
    if (region.name == name) return &region;
  }
  return nullptr;
}

const NodeConfig* RegionConfig::FindNode(std::string_view node) const {
  for (const NodeConfig& n : nodes) {
    if (n.name == node) return &n;
  }
  return nullptr;
}

const RegionConfig* ClusterConfig::RegionOfNode(std::string_view node) const {
  for (const RegionConfig& region : regions) {
    if (region.FindNode(node) != nullptr) return &region;
  }
  return nullptr;
}

const LinkConfig* ClusterConfig::FindLink(std::string_view a, std::string_view b) const {
  for (const LinkConfig& link : links) {
    if ((link.a == a && link.b == b) || (link.a == b && link.b == a)) return &link;
  }
  return nullptr;
}

Result<ClusterConfig> ParseClusterConfig(std::string_view yaml, const std::string& file_name,
                                         const std::string& base_dir) {
  YamlReader reader(file_name);
  if (yaml.size() > kMaxConfigBytes) {
    return reader.Error(1, "",
                        "the file is larger than " + std::to_string(kMaxConfigBytes) + " bytes");
  }
  // yaml-cpp reports syntax errors, and a few misuses, as exceptions; none may leave this module.
  try {
    if (Status s = CheckParserProgresses(yaml, reader); !s.ok()) return s;
    std::vector<YAML::Node> documents = YAML::LoadAll(std::string(yaml));
    if (documents.empty()) {
      return reader.Error(1, "",
                          "the file is empty; it must be a YAML mapping with cluster and regions");
    }
    if (documents.size() > 1) {
      return reader.Error(YamlReader::LineOf(documents[1], 1), "",
                          "only one YAML document is allowed (remove the second '---')");
    }
    return ConfigParser(file_name, base_dir).Parse(documents.front());
  } catch (const YAML::DeepRecursion& e) {  // its own message says "bad file" in yaml-cpp 0.7
    return reader.Error(
        YamlReader::LineOf(e.mark, 1), "",
        "invalid YAML: nested more than " + std::to_string(e.depth()) + " levels deep");
  } catch (const YAML::Exception& e) {
    std::string column = e.mark.is_null() ? "" : " at column " + std::to_string(e.mark.column + 1);
    return reader.Error(YamlReader::LineOf(e.mark, 1), "",
                        "invalid YAML" + column + ": " + YamlReader::Escape(e.msg, 200));
  } catch (const std::exception& e) {
    return reader.Error(1, "", std::string("cannot be parsed: ") + e.what());
  }
}

Result<ClusterConfig> LoadClusterConfig(const std::string& path) {
  std::error_code error;
  std::filesystem::file_status status = std::filesystem::status(path, error);
  if (error) return Status::IOError(path + ": cannot read: " + error.message());
  if (!std::filesystem::is_regular_file(status)) {
    return Status::IOError(path + ": cannot read: not a regular file");
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) return Status::IOError(path + ": cannot read: " + std::strerror(errno));
  // Read one byte past the bound, so that a larger file is refused without reading all of it.
  std::string text(kMaxConfigBytes + 1, '\0');
  file.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (file.bad()) return Status::IOError(path + ": cannot read: " + std::strerror(errno));
  text.resize(static_cast<size_t>(file.gcount()));

  std::filesystem::path absolute = std::filesystem::absolute(path, error);
  if (error) return Status::IOError(path + ": cannot resolve: " + error.message());
  return ParseClusterConfig(text, path, absolute.parent_path().string());
}

}  // namespace crdtdb
