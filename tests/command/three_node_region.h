// Copyright (c) crdtdb authors.
//
// The region of the region watch's tests: r, nodes a, b and c, 16 partitions.

#ifndef CRDTDB_TESTS_COMMAND_THREE_NODE_REGION_H_
#define CRDTDB_TESTS_COMMAND_THREE_NODE_REGION_H_

#include "config/cluster_config.h"

namespace crdtdb::command {

inline ClusterConfig ThreeNodes(int replication_factor) {
  ClusterConfig config;
  config.partitions = 16;
  RegionConfig region;
  region.name = "r";
  region.replication_factor = replication_factor;
  region.listed_nodes = true;
  for (const char* name : {"a", "b", "c"}) {
    NodeConfig node;
    node.name = name;
    region.nodes.push_back(node);
  }
  config.regions.push_back(region);
  return config;
}

}  // namespace crdtdb::command

#endif  // CRDTDB_TESTS_COMMAND_THREE_NODE_REGION_H_
