// Copyright (c) crdtdb authors.
//
// ParseClusterConfig, the regions YAML loader (config/cluster_config.h), on arbitrary text.
// Properties: it never crashes; a config it accepts holds what the header promises: 1 to
// kMaxRegions regions with unique names that FindRegion finds, paths resolved against the base
// directory, at most kMaxLinks links between two different known regions (found both ways), values
// in range, and CURVE keys for every region when security.curve is on.

#include <cstddef>
#include <cstdint>

#include "config/cluster_config.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crdtdb;
  Result<ClusterConfig> config = ParseClusterConfig(fuzz::AsView(data, size), "fuzz.yaml", "/base");
  if (!config.ok()) {
    FUZZ_CHECK(config.status().IsInvalidArgument());
    return 0;
  }
  FUZZ_CHECK(config->cluster.size() <= kMaxClusterNameBytes);
  FUZZ_CHECK(config->anti_entropy_interval_ms >= kMinAntiEntropyIntervalMs &&
             config->anti_entropy_interval_ms <= kMaxAntiEntropyIntervalMs);
  FUZZ_CHECK(!config->regions.empty() && config->regions.size() <= kMaxRegions);
  for (const RegionConfig& region : config->regions) {
    FUZZ_CHECK(config->FindRegion(region.name) == &region);
    FUZZ_CHECK(!region.nodes.empty() && region.nodes.size() <= kMaxNodesPerRegion);
    FUZZ_CHECK(region.replication_factor >= 1 &&
               static_cast<size_t>(region.replication_factor) <= region.nodes.size());
    for (const NodeConfig& node : region.nodes) {
      FUZZ_CHECK(config->RegionOfNode(node.name) == &region);
      FUZZ_CHECK(node.data_dir.starts_with('/'));
      if (config->security.curve) {
        FUZZ_CHECK(node.public_key.has_value() && node.secret_key_file.has_value());
        FUZZ_CHECK(node.secret_key_file->starts_with('/'));
      }
    }
  }
  FUZZ_CHECK(config->partitions >= 1 && config->partitions <= kMaxPartitions &&
             (config->partitions & (config->partitions - 1)) == 0);
  FUZZ_CHECK(config->links.size() <= kMaxLinks);
  for (const LinkConfig& link : config->links) {
    FUZZ_CHECK(link.a != link.b);
    FUZZ_CHECK(config->FindRegion(link.a) != nullptr && config->FindRegion(link.b) != nullptr);
    FUZZ_CHECK(config->FindLink(link.a, link.b) == &link &&
               config->FindLink(link.b, link.a) == &link);
    FUZZ_CHECK(link.latency_ms >= 0 && link.latency_ms <= kMaxLinkLatencyMs);
    FUZZ_CHECK(link.loss >= 0.0 && link.loss <= 1.0);
  }
  FUZZ_CHECK(config->security.clients.size() <= kMaxClientKeys);
  return 0;
}
