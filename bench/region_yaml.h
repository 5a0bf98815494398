// Copyright (c) crdtdb authors.
//
// The YAML of a region of `crdtdb serve` processes (node_process.h), for the benches that write a
// cluster file (scale_bench, feed_bench).

#ifndef CRDTDB_BENCH_REGION_YAML_H_
#define CRDTDB_BENCH_REGION_YAML_H_

#include <string>

#include "served_region.h"

namespace crdtdb::bench {

// The YAML entry of a region `name` with `nodes` nodes (written without `nodes:`, as a one-node
// region of today, when there is one), each storing its data in a directory named after it
// beside the file. Endpoints are free loopback ports.
inline std::string RegionEntryYaml(const std::string& name, int nodes, int replication_factor) {
  std::string yaml = "  - name: " + name + "\n";
  auto endpoints = [](const std::string& indent, const std::string& dir) {
    std::string out = indent + "data_dir: " + dir + "\n";
    for (const char* socket : {"publish", "sync", "client"}) {
      out += indent + socket + ": \"tcp://127.0.0.1:" + std::to_string(FreePort()) + "\"\n";
    }
    return out;
  };
  if (nodes == 1) return yaml + endpoints("    ", name);
  yaml += "    replication_factor: " + std::to_string(replication_factor) + "\n    nodes:\n";
  for (int i = 1; i <= nodes; ++i) {
    const std::string node = name + "-" + std::to_string(i);
    yaml += "      - name: " + node + "\n" + endpoints("        ", node);
  }
  return yaml;
}

}  // namespace crdtdb::bench

#endif  // CRDTDB_BENCH_REGION_YAML_H_
