"""What a regions file asks of the simulation: the cluster's regions and the one-way latency of
every directed link between them.

Only the parts the simulation uses are read: `cluster`, `anti_entropy_interval_ms`, the region
names and `links`. The endpoints and data directories of the file are not used (the simulation
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

    def pairs(self):
        """Every ordered pair (origin, observer) of distinct regions, in file order."""
        return [(a, b) for a in self.regions for b in self.regions if a != b]


def load_topology(path, default_latency_ms=0):
    """The topology of the regions file at `path`; pairs without a link get `default_latency_ms`."""
    doc = yaml_subset.load_file(path)
    if not isinstance(doc, dict):
        raise TopologyError(f"{path}: expected a mapping at the top level")
    regions = _region_names(doc, path)
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
                    interval if isinstance(interval, int) else None, latency, tuple(warnings))


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
