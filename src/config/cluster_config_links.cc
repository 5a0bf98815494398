// Copyright (c) crdtdb authors.
//
// The links and security sections of a cluster configuration and the nodes' public keys
// (config/config_parser.h), and the checks that tie them to the nodes: CURVE keys, and HTTP
// endpoints on non-loopback hosts.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "config/config_parser.h"
#include "config/value_syntax.h"

namespace crdtdb {

// HOST:PORT, unique like the other endpoints (it binds a TCP port too). Whether a non-loopback
// host is allowed without TLS depends on security, checked once that is read (CheckHttpEndpoints).
Status ConfigParser::ParseHttpEndpoint(const YamlEntry& entry, bool tls, std::string* out) {
  if (Status s = Text(entry, kMaxPathBytes, out); !s.ok()) return s;
  Result<HttpEndpoint> endpoint = ParseHttpHostPort(*out);
  if (!endpoint.ok()) {
    return reader_.Error(entry.line, entry.path,
                         endpoint.status().message() + " (got " + YamlReader::Quote(*out) + ")");
  }
  auto [first, inserted] = endpoints_.emplace(endpoint->canonical, FirstUse{entry.line, entry.path});
  if (!inserted) {
    return reader_.Error(entry.line, entry.path, "endpoint " + *out + " is already used by " + SeenAt(first->second));
  }
  if (!tls && !IsLoopbackHost(endpoint->host)) http_remote_sites_.push_back(FirstUse{entry.line, entry.path});
  return Status::OK();
}

// Plain HTTP sends tokens and documents in clear text: it stays on the host unless the file says
// explicitly that it may leave it. HTTPS may bind any address.
Status ConfigParser::CheckHttpEndpoints(const ClusterConfig& config) const {
  if (config.security.http_allow_remote || http_remote_sites_.empty()) return Status::OK();
  const FirstUse& at = http_remote_sites_.front();
  return reader_.Error(at.line, at.path,
                       "binds a non-loopback address without TLS: use 127.0.0.1 (or ::1, "
                       "localhost), give the node http_cert_file and http_key_file, or set "
                       "security.http_allow_remote: true");
}

// Peers are told apart by their public keys: two regions sharing one could impersonate each other.
Status ConfigParser::ParsePublicKey(const YamlEntry& entry, std::string* out) {
  if (Status s = Z85Key(entry, out); !s.ok()) return s;
  auto [first, inserted] = public_keys_.emplace(*out, FirstUse{entry.line, entry.path});
  if (!inserted) {
    return reader_.Error(entry.line, entry.path, "the same key as " + SeenAt(first->second));
  }
  return Status::OK();
}

Status ConfigParser::ParseLinks(const YamlEntry& entry, ClusterConfig* config) {
  Result<std::vector<YamlEntry>> items = reader_.List(entry, kMaxLinks);
  if (!items.ok()) return items.status();
  std::map<std::pair<std::string, std::string>, int> pair_lines;  // (lesser, greater) -> line
  for (const YamlEntry& item : *items) {
    Result<YamlMapping> mapping = reader_.Mapping(item, {"a", "b", "latency_ms", "loss"});
    if (!mapping.ok()) return mapping.status();
    LinkConfig link;
    for (auto [key, out] : {std::pair{"a", &link.a}, std::pair{"b", &link.b}}) {
      if (Status s = RequiredText(*mapping, key, kMaxRegionNameBytes, out); !s.ok()) return s;
      if (config->FindRegion(*out) == nullptr) {
        const YamlEntry* at = mapping->Find(key);
        return reader_.Error(at->line, at->path, "no region named " + YamlReader::Quote(*out));
      }
    }
    if (link.a == link.b) {
      const YamlEntry* at = mapping->Find("b");
      return reader_.Error(
          at->line, at->path,
          "a link joins two different regions (a is also " + YamlReader::Quote(link.a) + ")");
    }
    Result<YamlEntry> latency = reader_.Required(*mapping, "latency_ms");
    if (!latency.ok()) return latency.status();
    Result<int64_t> latency_ms = reader_.Integer(*latency, 0, kMaxLinkLatencyMs);
    if (!latency_ms.ok()) return latency_ms.status();
    link.latency_ms = static_cast<int>(*latency_ms);
    if (const YamlEntry* loss = mapping->Find("loss")) {
      Result<double> value = reader_.Number(*loss, 0.0, 1.0);
      if (!value.ok()) return value.status();
      link.loss = *value;
    }
    // One link per pair: a second one, in either direction, would leave the latency ambiguous.
    auto [first, inserted] = pair_lines.emplace(std::minmax(link.a, link.b), item.line);
    if (!inserted) {
      return reader_.Error(item.line, item.path,
                           "duplicate link between " + YamlReader::Quote(link.a) + " and " +
                               YamlReader::Quote(link.b) + " (first at line " +
                               std::to_string(first->second) + ")");
    }
    config->links.push_back(std::move(link));
  }
  return Status::OK();
}

Status ConfigParser::ParseSecurity(const YamlEntry& entry, SecurityConfig* security) {
  Result<YamlMapping> mapping =
      reader_.Mapping(entry, {"curve", "clients", "http_tokens", "http_tokens_file", "http_allow_remote"});
  if (!mapping.ok()) return mapping.status();
  if (const YamlEntry* curve = mapping->Find("curve")) {
    Result<bool> value = reader_.Bool(*curve);
    if (!value.ok()) return value.status();
    security->curve = *value;
  }
  if (const YamlEntry* clients = mapping->Find("clients")) {
    Result<std::vector<YamlEntry>> items = reader_.List(*clients, kMaxClientKeys);
    if (!items.ok()) return items.status();
    std::map<std::string, int> key_lines;
    for (const YamlEntry& item : *items) {
      std::string key;
      if (Status s = Z85Key(item, &key); !s.ok()) return s;
      auto [first, inserted] = key_lines.emplace(key, item.line);
      if (!inserted) {
        return reader_.Error(
            item.line, item.path,
            "duplicate client key (first at line " + std::to_string(first->second) + ")");
      }
      security->clients.push_back(std::move(key));
    }
  }
  if (const YamlEntry* tokens = mapping->Find("http_tokens")) {
    Result<std::vector<YamlEntry>> items = reader_.List(*tokens, kMaxHttpTokens);
    if (!items.ok()) return items.status();
    for (const YamlEntry& item : *items) {
      Result<std::string> digest = reader_.String(item);
      if (!digest.ok()) return digest.status();
      if (!IsSha256Hex(*digest)) {
        return reader_.Error(item.line, item.path,
                             "must be a token's SHA-256 as 64 lowercase hex digits (crdtdb http-token-hash "
                             "prints it), not the token itself");
      }
      if (std::find(security->http_tokens.begin(), security->http_tokens.end(), *digest) !=
          security->http_tokens.end()) {
        return reader_.Error(item.line, item.path, "duplicate token digest");
      }
      security->http_tokens.push_back(std::move(digest).value());
    }
  }
  if (const YamlEntry* file = mapping->Find("http_tokens_file")) {
    if (Status s = PathValue(*file, &security->http_tokens_file.emplace()); !s.ok()) return s;
  }
  if (const YamlEntry* remote = mapping->Find("http_allow_remote")) {
    Result<bool> value = reader_.Bool(*remote);
    if (!value.ok()) return value.status();
    security->http_allow_remote = *value;
  }
  return Status::OK();
}

// With CURVE on, a replica admits only listed keys, so a region without its key pair could neither
// serve nor be reached.
Status ConfigParser::CheckCurveKeys(const ClusterConfig& config) const {
  if (!config.security.curve) return Status::OK();
  size_t site = 0;
  for (const RegionConfig& region : config.regions) {
    for (const NodeConfig& node : region.nodes) {
      const FirstUse& at = node_sites_[site++];
      if (!node.public_key) {
        return reader_.Error(at.line, at.path + ".public_key", "required when security.curve is true");
      }
      if (!node.secret_key_file) {
        return reader_.Error(at.line, at.path + ".secret_key_file",
                             "required when security.curve is true");
      }
    }
  }
  return Status::OK();
}

}  // namespace crdtdb
