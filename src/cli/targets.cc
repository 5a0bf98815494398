// Copyright (c) crdtdb authors.

#include "cli/targets.h"

#include <utility>

#include "config/value_syntax.h"

namespace crdtdb::cli {

// The region --config/--region names, with a clear error when one of the two is missing.
Result<std::pair<ClusterConfig, RegionConfig>> ResolveRegion(const Arguments& a) {
  if (a.config.empty() || a.region.empty()) {
    return Status::InvalidArgument("--config and --region go together");
  }
  Result<ClusterConfig> config = LoadClusterConfig(a.config);
  if (!config.ok()) return config.status();
  const RegionConfig* region = config->FindRegion(a.region);
  if (region == nullptr) {
    return Status::InvalidArgument("no region \"" + a.region + "\" in " + a.config);
  }
  return std::make_pair(*config, *region);
}

// The one node of a region, whose endpoints stand for the region: a region of several nodes holds
// each partition on other nodes, and is gathered by the callers that handle it.
Result<NodeConfig> SoleNode(const RegionConfig& region) {
  if (region.nodes.size() != 1) {
    return Status::InvalidArgument("region " + region.name + " has " +
                                   std::to_string(region.nodes.size()) +
                                   " nodes; one endpoint cannot stand for it (docs/sharding.md)");
  }
  return region.nodes[0];
}

// The CURVE keys of a remote call: with --config/--region and security.curve, the key pair of
// the node called (its secret_key_file) unless --client-key names another; with --endpoint, --client-key and
// --server-key. nullopt means plain TCP.
Result<std::optional<net::CurveClientKeys>> ClientKeys(const Arguments& a, const ClusterConfig* config,
                                                       const NodeConfig* node) {
  const bool given = !a.client_key.empty() || !a.server_key.empty();
  if (config == nullptr || !config->security.curve) {
    if (!given) return std::optional<net::CurveClientKeys>();
    if (config != nullptr) {
      return Status::InvalidArgument("--client-key/--server-key given but security.curve is off in " + a.config);
    }
    if (a.client_key.empty() || a.server_key.empty()) {
      return Status::InvalidArgument("--client-key and --server-key go together");
    }
  }
  std::string key_file = a.client_key;
  std::string server_key = a.server_key;
  if (config != nullptr) {
    if (key_file.empty()) key_file = node->secret_key_file.value_or("");
    if (server_key.empty()) server_key = node->public_key.value_or("");
  }
  if (key_file.empty() || server_key.empty()) {
    return Status::InvalidArgument("CURVE needs a client key file and the server's public key");
  }
  if (!net::IsZ85Key(server_key)) {
    return Status::InvalidArgument("--server-key: not a Z85 CURVE public key (40 characters)");
  }
  Result<net::CurveKeyPair> own = net::ReadSecretKeyFile(key_file);
  if (!own.ok()) return own.status();
  return std::optional<net::CurveClientKeys>(net::CurveClientKeys{server_key, std::move(own).value()});
}

// --endpoint must be an address the CLI can connect to, spelled as in the configuration file.
Status CheckEndpoint(const std::string& endpoint) {
  Result<std::string> canonical = CanonicalEndpoint(endpoint);
  if (canonical.ok()) return Status::OK();
  std::string why = canonical.status().message();
  if (why.find("tcp://HOST:PORT") == std::string::npos) why += "; expected tcp://HOST:PORT";
  return Status::InvalidArgument("--endpoint \"" + endpoint + "\": " + why +
                                 ", such as tcp://127.0.0.1:7103");
}

Result<SyncTarget> ResolveSyncTarget(const Arguments& a) {
  if (!a.endpoint.empty()) {
    if (!a.config.empty() || !a.region.empty()) {
      return Status::InvalidArgument(
          "--endpoint replaces --config/--region: give one or the other");
    }
    if (Status s = CheckEndpoint(a.endpoint); !s.ok()) return s;
    Result<std::optional<net::CurveClientKeys>> keys = ClientKeys(a, nullptr, nullptr);
    if (!keys.ok()) return keys.status();
    return SyncTarget{a.endpoint, a.endpoint, std::move(keys).value()};
  }
  Result<std::pair<ClusterConfig, RegionConfig>> target = ResolveRegion(a);
  if (!target.ok()) return target.status();
  Result<NodeConfig> node = SoleNode(target->second);
  if (!node.ok()) return node.status();
  Result<std::optional<net::CurveClientKeys>> keys = ClientKeys(a, &target->first, &*node);
  if (!keys.ok()) return keys.status();
  return SyncTarget{a.region, node->sync, std::move(keys).value()};
}

// Side B of a diff named by --against: another region of --config, or a sync endpoint.
Result<SyncTarget> ResolveAgainst(const Arguments& a) {
  if (a.against.rfind("tcp://", 0) == 0) {
    if (Status s = CheckEndpoint(a.against); !s.ok()) return s;
    Result<std::optional<net::CurveClientKeys>> keys = ClientKeys(a, nullptr, nullptr);
    if (!keys.ok()) return keys.status();
    return SyncTarget{a.against, a.against, std::move(keys).value()};
  }
  if (a.config.empty()) {
    return Status::InvalidArgument("--against " + a.against +
                                   ": a region name needs --config (or give tcp://HOST:PORT)");
  }
  Arguments other = a;
  other.region = a.against;
  other.endpoint.clear();
  return ResolveSyncTarget(other);
}

Result<DiffTarget> ResolveDiffTarget(const Arguments& a) {
  if (a.endpoint.empty() && !a.config.empty() && !a.region.empty()) {
    Result<std::pair<ClusterConfig, RegionConfig>> region = ResolveRegion(a);
    if (!region.ok()) return region.status();
    if (region->second.nodes.size() > 1) {
      return DiffTarget{SyncTarget{a.region, "", std::nullopt}, std::move(region).value()};
    }
  }
  Result<SyncTarget> whole = ResolveSyncTarget(a);
  if (!whole.ok()) return whole.status();
  return DiffTarget{std::move(whole).value(), std::nullopt};
}

Result<DiffTarget> ResolveDiffAgainst(const Arguments& a) {
  if (a.against.rfind("tcp://", 0) == 0 || a.config.empty()) {
    Result<SyncTarget> whole = ResolveAgainst(a);
    if (!whole.ok()) return whole.status();
    return DiffTarget{std::move(whole).value(), std::nullopt};
  }
  Arguments other = a;
  other.region = a.against;
  other.endpoint.clear();
  return ResolveDiffTarget(other);
}

}  // namespace crdtdb::cli
