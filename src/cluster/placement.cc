// Copyright (c) crdtdb authors.

#include "cluster/placement.h"

#include <algorithm>
#include <tuple>

#include <xxhash.h>

namespace crdtdb::cluster {

namespace {

// The rendezvous weight of a (partition, node) pair: any stable hash will do, as long as every
// build computes the same one.
uint64_t Weight(PartitionId partition, const std::string& node) {
  return XXH3_64bits_withSeed(node.data(), node.size(), partition);
}

}  // namespace

std::vector<std::vector<size_t>> AssignOwners(uint32_t partitions,
                                              const std::vector<std::string>& nodes,
                                              int replication_factor) {
  std::vector<std::vector<size_t>> owners(partitions);
  if (nodes.empty()) return owners;
  const size_t wanted = std::min(static_cast<size_t>(std::max(replication_factor, 1)), nodes.size());
  // Every node takes `base` partitions, and `extra` of them one more: the first to reach `base`.
  const size_t base = partitions * wanted / nodes.size();
  size_t extra = partitions * wanted % nodes.size();

  struct Pair {
    uint64_t weight;
    PartitionId partition;
    size_t node;
  };
  std::vector<Pair> pairs;
  pairs.reserve(static_cast<size_t>(partitions) * nodes.size());
  for (PartitionId p = 0; p < partitions; ++p) {
    for (size_t n = 0; n < nodes.size(); ++n) pairs.push_back(Pair{Weight(p, nodes[n]), p, n});
  }
  // Descending weight; ties (a 2^-64 event) by name and partition, so the order is total.
  std::sort(pairs.begin(), pairs.end(), [&](const Pair& a, const Pair& b) {
    return std::tie(b.weight, nodes[a.node], a.partition) <
           std::tie(a.weight, nodes[b.node], b.partition);
  });
  std::vector<size_t> load(nodes.size(), 0);
  auto owns = [&](PartitionId p, size_t n) {
    return std::find(owners[p].begin(), owners[p].end(), n) != owners[p].end();
  };
  // Whether node `n` may take one more partition; if so, takes the slot.
  auto take_slot = [&](size_t n) {
    if (load[n] < base) return true;
    if (load[n] == base && extra > 0) {
      --extra;
      return true;
    }
    return false;
  };
  for (const Pair& pair : pairs) {
    if (owners[pair.partition].size() == wanted || owns(pair.partition, pair.node)) continue;
    if (!take_slot(pair.node)) continue;
    owners[pair.partition].push_back(pair.node);
    ++load[pair.node];
  }
  // With two or more owners per partition, the slots left can be on nodes that already own the
  // partitions still short of an owner. Each such partition p is given to its best node n that
  // does not own it, which hands one of its partitions q to a node m with a free slot (m owns p,
  // so n, holding at least as many, owns some q that m does not).
  for (PartitionId p = 0; p < partitions; ++p) {
    while (owners[p].size() < wanted) {
      size_t m = nodes.size();
      for (size_t i = 0; i < nodes.size() && m == nodes.size(); ++i) {
        if (load[i] < base || (load[i] == base && extra > 0)) m = i;
      }
      if (!owns(p, m)) {
        (void)take_slot(m);
        owners[p].push_back(m);
        ++load[m];
        continue;
      }
      size_t n = nodes.size();
      for (const Pair& pair : pairs) {
        if (pair.partition == p && !owns(p, pair.node)) {
          n = pair.node;
          break;
        }
      }
      for (PartitionId q = 0; q < partitions; ++q) {
        if (owns(q, n) && !owns(q, m)) {
          std::replace(owners[q].begin(), owners[q].end(), n, m);
          break;
        }
      }
      (void)take_slot(m);
      ++load[m];
      owners[p].push_back(n);
    }
  }
  // Most preferred first: by weight, whatever order the capacities let owners in.
  for (PartitionId p = 0; p < partitions; ++p) {
    std::sort(owners[p].begin(), owners[p].end(), [&](size_t a, size_t b) {
      const uint64_t wa = Weight(p, nodes[a]), wb = Weight(p, nodes[b]);
      return wa != wb ? wa > wb : nodes[a] < nodes[b];
    });
  }
  return owners;
}

Placement Placement::Compute(const ClusterConfig& config) {
  Placement placement(config.partitions);
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  auto feed = [state](const std::string& text) {
    const uint64_t size = text.size();
    XXH3_64bits_update(state, &size, sizeof size);
    XXH3_64bits_update(state, text.data(), text.size());
  };
  feed(std::to_string(config.partitions));
  for (const RegionConfig& region : config.regions) {
    std::vector<std::string> names;  // the nodes that own partitions: leaving ones own none
    for (const NodeConfig& node : region.nodes) {
      if (!node.leaving) names.push_back(node.name);
    }
    // The placement depends on the set of names, not on their order in the file.
    std::vector<std::string> sorted = names;
    std::sort(sorted.begin(), sorted.end());
    feed(region.name);
    feed(std::to_string(region.replication_factor));
    for (const std::string& name : sorted) feed(name);

    Region r{region.name, {}, {}};
    for (const NodeConfig& node : region.nodes) r.nodes.push_back(node.name);
    for (const std::vector<size_t>& owners :
         AssignOwners(config.partitions, names, region.replication_factor)) {
      std::vector<std::string> owner_names;
      for (size_t n : owners) owner_names.push_back(names[n]);
      r.owners.push_back(std::move(owner_names));
    }
    for (const NodeConfig& node : region.nodes) placement.owned_.emplace(node.name, PartitionSet(config.partitions));
    for (PartitionId p = 0; p < config.partitions; ++p) {
      for (const std::string& owner : r.owners[p]) placement.owned_.find(owner)->second.Add(p);
    }
    placement.regions_.push_back(std::move(r));
  }
  placement.version_ = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  return placement;
}

const std::vector<std::string>& Placement::Owners(std::string_view region,
                                                  PartitionId partition) const {
  static const std::vector<std::string> kNone;
  for (const Region& r : regions_) {
    if (r.name == region) return partition < r.owners.size() ? r.owners[partition] : kNone;
  }
  return kNone;
}

const std::vector<std::string>& Placement::NodesOf(std::string_view region) const {
  static const std::vector<std::string> kNone;
  for (const Region& r : regions_) {
    if (r.name == region) return r.nodes;
  }
  return kNone;
}

PartitionSet Placement::OwnedBy(std::string_view node) const {
  auto it = owned_.find(node);
  return it == owned_.end() ? PartitionSet(partitioning_.count()) : it->second;
}

std::map<std::string, PartitionSet> Placement::PeersOf(std::string_view node) const {
  std::map<std::string, PartitionSet> peers;
  auto self = owned_.find(node);
  if (self == owned_.end()) return peers;
  for (const auto& [name, owned] : owned_) {
    if (name == node) continue;
    PartitionSet shared = owned.Intersect(self->second);
    if (!shared.empty()) peers.emplace(name, std::move(shared));
  }
  return peers;
}

}  // namespace crdtdb::cluster
