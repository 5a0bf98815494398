"""What a regions file asks of the simulation: the cluster's regions and the one-way latency of
every directed link between them.

Only the parts the simulation uses are read: `cluster`, `anti_entropy_interval_ms`, the region
names and `links`, and for regions of several nodes (docs/sharding.md) `partitions`, each region's
`replication_factor` and the names of its `nodes`. A node written `spare: true` is not in the
cluster at first: a scenario's `add_node` step adds it while the cluster runs (a file of the
simulation only; crdtdb's own configs have no `spare`). The endpoints and data directories of the file are not used (the simulation
runs every region on fresh loopback ports in its own run folder), so a region file written for
real hosts can be simulated as is. The crdtdb binary remains the judge of the file's validity:
each replica is started with a config derived from this one.
"""

from dataclasses import dataclass, field

from sim import yaml_subset


class TopologyError(ValueError):
    pass


@dataclass(frozen=True)
class Topology:
    cluster: str
    regions: tuple  # region names, in file order
    anti_entropy_interval_ms: int | None
    latency_ms: dict = field(default_factory=dict)  # (from, to) -> one-way delay, every ordered pair
    warnings: tuple = ()
    nodes: dict = field(default_factory=dict)  # region -> node names, for regions of several nodes
    replication_factor: dict = field(default_factory=dict)  # region -> owners per partition
    partitions: int | None = None  # the cluster's partition count, if the file sets it
    spares: dict = field(default_factory=dict)  # region -> names of its `spare: true` nodes

    def spares_of(self, region):
        """The nodes of `region` that a scenario may add while the cluster runs."""
        return tuple(self.spares.get(region, ()))

    def nodes_of(self, region):
        """The nodes of `region`: its `nodes`, or the one node named after the region."""
        return tuple(self.nodes.get(region, (region,)))

    def all_nodes(self):
        return tuple(n for r in self.regions for n in self.nodes_of(r))

    def region_of(self, node):
        for region in self.regions:
            if node in self.nodes_of(region):
                return region
        raise KeyError(node)

    def is_multi_node(self, region):
        return region in self.nodes

    @property
    def has_nodes(self):
        """True if some region is written with `nodes` (the configs then carry partitions)."""
        return bool(self.nodes)

    def pairs(self):
        """Every ordered pair (origin, observer) of distinct regions, in file order."""
        return [(a, b) for a in self.regions for b in self.regions if a != b]


def load_topology(path, default_latency_ms=0):
    """The topology of the regions file at `path`; pairs without a link get `default_latency_ms`."""
    doc = yaml_subset.load_file(path)
    if not isinstance(doc, dict):
        raise TopologyError(f"{path}: expected a mapping at the top level")
    regions = _region_names(doc, path)
    nodes, factors, spares = _region_nodes(doc["regions"], regions, path)
    partitions = doc.get("partitions")
    if partitions is not None and (isinstance(partitions, bool) or not isinstance(partitions, int)
                                   or partitions < 1 or partitions > 4096 or partitions & (partitions - 1)):
        raise TopologyError(f"{path}: partitions: must be a power of two from 1 to 4096, got {partitions!r}")
    warnings = []
    latency = {(a, b): default_latency_ms for a in regions for b in regions if a != b}
    for i, link in enumerate(doc.get("links") or []):
        a, b, ms, loss = _link(link, i, regions, path)
        latency[(a, b)] = latency[(b, a)] = ms
        if loss:
            warnings.append(f"links[{i}] ({a}, {b}): loss {loss} is not emulated (the relays carry "
                            f"TCP streams, which do not lose bytes); only the latency is")
    security = doc.get("security") or {}
    if isinstance(security, dict) and security.get("curve"):
        raise TopologyError(f"{path}: security.curve is true; the simulation runs without CURVE")
    interval = doc.get("anti_entropy_interval_ms")
    return Topology(str(doc.get("cluster", "sim")), tuple(regions),
                    interval if isinstance(interval, int) else None, latency, tuple(warnings),
                    nodes, factors, partitions, spares)


def _region_nodes(entries, regions, path):
    """({region: (node names)} of the regions written with `nodes`, {region: replication factor},
    {region: (spare node names)}); a region's node names leave out its spares."""
    nodes, factors, spares, seen = {}, {}, {}, set(regions)
    for i, entry in enumerate(entries):
        region = entry["name"]
        factor = entry.get("replication_factor", 1)
        if "nodes" not in entry:
            if factor != 1:
                raise TopologyError(f"{path}: regions[{i}].replication_factor: a one-node region has 1")
            continue
        listed = entry["nodes"]
        if not isinstance(listed, list) or not listed:
            raise TopologyError(f"{path}: regions[{i}].nodes: expected a list of nodes")
        names, spare = [], []
        for j, node in enumerate(listed):
            name = node.get("name") if isinstance(node, dict) else None
            if not isinstance(name, str) or not name:
                raise TopologyError(f"{path}: regions[{i}].nodes[{j}].name: required")
            if name in seen and name != region or name in names or name in spare:
                raise TopologyError(f"{path}: regions[{i}].nodes[{j}].name: '{name}' is not unique "
                                    f"in the cluster")
            seen.add(name)
            is_spare = node.get("spare", False)
            if not isinstance(is_spare, bool):
                raise TopologyError(f"{path}: regions[{i}].nodes[{j}].spare: expected true or false, "
                                    f"got {is_spare!r}")
            (spare if is_spare else names).append(name)
        if not names:
            raise TopologyError(f"{path}: regions[{i}].nodes: every node is spare; at least one must be "
                                f"in the cluster from the start")
        if isinstance(factor, bool) or not isinstance(factor, int) or not 1 <= factor <= len(names):
            raise TopologyError(f"{path}: regions[{i}].replication_factor: must be from 1 to the "
                                f"region's node count without its spares ({len(names)}), got {factor!r}")
        nodes[region] = tuple(names)
        factors[region] = factor
        if spare:
            spares[region] = tuple(spare)
    return nodes, factors, spares


def _region_names(doc, path):
    entries = doc.get("regions")
    if not isinstance(entries, list) or len(entries) < 2:
        raise TopologyError(f"{path}: regions: the simulation needs a list of at least 2 regions")
    names = []
    for i, entry in enumerate(entries):
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name:
            raise TopologyError(f"{path}: regions[{i}].name: required")
        if name in names:
            raise TopologyError(f"{path}: regions[{i}].name: duplicate region name '{name}'")
        names.append(name)
    return names


def _link(link, i, regions, path):
    if not isinstance(link, dict):
        raise TopologyError(f"{path}: links[{i}]: expected a mapping {{a, b, latency_ms}}")
    a, b, ms = link.get("a"), link.get("b"), link.get("latency_ms")
    for key, name in (("a", a), ("b", b)):
        if name not in regions:
            raise TopologyError(f"{path}: links[{i}].{key}: no region named '{name}'")
    if a == b:
        raise TopologyError(f"{path}: links[{i}]: a and b are the same region")
    if not isinstance(ms, int) or isinstance(ms, bool) or not 0 <= ms <= 60000:
        raise TopologyError(f"{path}: links[{i}].latency_ms: must be an integer from 0 to 60000")
    return a, b, ms, link.get("loss") or 0
