"""A simulation scenario: how long and how hard to write, what mix of writes, and which faults
when. Read from a small YAML (or JSON) file, or built in; checked against the cluster's regions
before anything starts, so that a typo fails in a second, not a minute into a run.

Faults (each a step of the timeline, at `at_s` seconds after the writes start):
  {at_s: 12, partition: ap-south, for_s: 15}     every link of the region cut, both ways
  {at_s: 30, cut: us-east -> eu-west, for_s: 8}  one direction of one link cut
  {at_s: 30, cut: us-east <-> eu-west}           both directions of one link cut
  {at_s: 40, kill: eu-west, for_s: 6}            `kill -9` of the replica; restarted at the heal
  {at_s: 40, kill: us-east-2, for_s: 6}          the same, of one node of a region of several nodes
  {at_s: 50, heal: ap-south}                     ends the active faults named so ('all': every one)
Membership steps (the same timeline; docs/sharding.md, "Runbook"), in regions of several nodes:
  {at_s: 6, add_node: us-east-4}                 a `spare: true` node of the regions file joins
  {at_s: 20, remove_node: us-east-1}             a node leaves (hands everything off), then is removed
`for_s` is a heal step written inline. A fault still active when the writes end is healed then.
`regions: FILE` names the regions file the scenario is written for (relative to the scenario file;
used unless --regions is given), e.g. one with regions of several nodes.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from sim import yaml_subset

OPS = ("put", "patch", "inc", "delete", "list")
FAULT_KINDS = ("partition", "cut", "kill")
MOVE_KINDS = ("add_node", "remove_node")

# What a scenario file may set, with the default of each (faults: none).
DEFAULTS = {
    "name": "custom",
    "description": "",
    "duration_s": 60.0,
    "write_rate_per_region": 8.0,
    "mix": {"put": 0.45, "patch": 0.25, "inc": 0.2, "delete": 0.1},
    "collide": 0.25,
    "shared_docs": 6,
    "counter_docs": 3,
    "list_docs": 2,
    "probe_interval_ms": 50,
    "status_interval_ms": 1000,
    "settle_timeout_s": 60.0,
    "client_threads_per_region": 4,
    "seed": 1,
    "regions": "",
}


class ScenarioError(ValueError):
    pass


@dataclass(frozen=True)
class Fault:
    """One fault of the timeline, from `start_s` to `heal_s` (when its heal step runs)."""
    index: int        # position in the scenario's `faults`
    kind: str         # partition | cut | kill
    target: str       # the text that names it: a region or a node (kill), or "a -> b" / "a <-> b"
    start_s: float
    heal_s: float
    regions: tuple    # the regions it touches
    directions: tuple = ()  # (from, to) pairs it cuts (none for kill)

    @property
    def label(self):
        return f"{self.kind} {self.target}"

    def affects(self, origin, observer):
        """True if this fault can delay what `origin` writes from reaching `observer`."""
        if self.kind == "cut":
            return set(self.regions) == {origin, observer}
        return self.regions[0] in (origin, observer)


@dataclass(frozen=True)
class MoveStep:
    """A node added to or removed from its region while the cluster runs (sim/moves.py)."""
    index: int    # position in the scenario's `faults` (the timeline)
    kind: str     # add_node | remove_node
    node: str
    region: str
    at_s: float

    @property
    def label(self):
        return f"{'add' if self.kind == 'add_node' else 'remove'} {self.node}"


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    duration_s: float
    write_rate_per_region: float
    mix: dict
    collide: float
    shared_docs: int
    counter_docs: int
    list_docs: int
    probe_interval_ms: int
    status_interval_ms: int
    settle_timeout_s: float
    client_threads_per_region: int
    seed: int
    faults: tuple = field(default_factory=tuple)  # Fault, ordered by start
    regions: str = ""  # the regions file the scenario names ('' : none)
    moves: tuple = field(default_factory=tuple)  # MoveStep, ordered by time

    def timeline(self):
        """[(time, text)] of every step, faults and membership, in the order they run."""
        steps = [(t, 0 if what == "heal" else 1, f"{what} {fault.label}") for t, what, fault in self.events()]
        steps += [(m.at_s, 2, m.label) for m in self.moves]
        return [(t, text) for t, _, text in sorted(steps, key=lambda s: (s[0], s[1]))]

    def kills_of(self, node):
        return sum(1 for f in self.faults if f.kind == "kill" and f.target == node)

    def events(self):
        """[(time, "start" | "heal", fault)] in the order they run (heals first at equal times)."""
        steps = [(f.start_s, 1, "start", f) for f in self.faults]
        steps += [(f.heal_s, 0, "heal", f) for f in self.faults]
        return [(t, what, f) for t, _, what, f in sorted(steps, key=lambda s: (s[0], s[1], s[3].index))]


def load_scenario(path, regions, nodes=None, spares=None, factors=None):
    """The scenario of the file at `path` (.json, else YAML), checked against `regions` (and
    `nodes`, {node: region} of the regions of several nodes, which kills may name; `spares`,
    {node: region} of their spare nodes, which add_node names; `factors`, {region: replication
    factor}, which a removal must leave enough nodes for)."""
    return parse_scenario(read_scenario(path), regions, str(path), nodes, spares, factors)


def scenario_regions_file(path):
    """The regions file the scenario at `path` names (a Path relative to it), or None."""
    raw = read_scenario(path)
    name = raw.get("regions") if isinstance(raw, dict) else None
    if name is None or name == "":
        return None
    if not isinstance(name, str):
        raise ScenarioError(f"{path}: regions: expected the path of a regions file")
    return Path(path).parent / name


def read_scenario(path):
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ScenarioError(f"{path}: cannot read: {e.strerror}") from None
    try:
        raw = json.loads(text) if path.suffix == ".json" else yaml_subset.load(text, str(path))
    except (ValueError, yaml_subset.YamlError) as e:
        raise ScenarioError(str(e) if str(path) in str(e) else f"{path}: {e}") from None
    return raw


def builtin_scenario(regions, nodes=None):
    """The default run, for any cluster of at least two regions: 75 s of writes with a partition
    of the last region, a `kill -9` of the second (its first node if it has several), and a
    one-way cut between the first two."""
    first, second, last = regions[0], regions[1], regions[-1]
    victim = next((n for n, r in (nodes or {}).items() if r == second), second)
    return parse_scenario({
        "name": "default",
        "description": f"75 s of writes in every region; {last} partitioned at 12 s for 15 s, "
                       f"{victim} killed with SIGKILL at 35 s and restarted 6 s later, "
                       f"{first} -> {second} cut one way at 52 s for 8 s",
        "duration_s": 75,
        "faults": [
            {"at_s": 12, "partition": last, "for_s": 15},
            {"at_s": 35, "kill": victim, "for_s": 6},
            {"at_s": 52, "cut": f"{first} -> {second}", "for_s": 8},
        ],
    }, regions, "built-in scenario", nodes)


def parse_scenario(raw, regions, source, nodes=None, spares=None, factors=None):
    if not isinstance(raw, dict):
        raise ScenarioError(f"{source}: expected a mapping at the top level")
    unknown = sorted(set(raw) - set(DEFAULTS) - {"faults"})
    if unknown:
        raise ScenarioError(f"{source}: unknown key '{unknown[0]}' (expected one of: "
                            f"{', '.join(list(DEFAULTS) + ['faults'])})")
    values = {key: _checked(key, raw.get(key, default), default, source)
              for key, default in DEFAULTS.items()}
    steps = raw.get("faults") or []
    if not isinstance(steps, list):
        raise ScenarioError(f"{source}: faults: expected a list of steps")
    nodes, spares = dict(nodes or {}), dict(spares or {})
    values["moves"] = _membership(steps, nodes, spares, dict(factors or {}), values["duration_s"], source)
    # Spares are named so that a kill of one gets the error below, not "no region named".
    values["faults"] = _timeline(steps, list(regions), values["duration_s"], source, {**nodes, **spares})
    moved = {m.node for m in values["moves"]} | set(spares)
    for fault in values["faults"]:
        if fault.kind == "kill" and fault.target in moved:
            raise ScenarioError(f"{source}: faults[{fault.index}].kill: {fault.target} is a spare node or "
                                f"one that a step adds or removes; kill only nodes that stay in the cluster")
    return Scenario(**values)


def _checked(key, value, default, source):
    where = f"{source}: {key}"
    if key == "mix":
        return _mix(value, where)
    if isinstance(default, str):
        if not isinstance(value, str):
            raise ScenarioError(f"{where}: expected a string")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(f"{where}: expected a number, got {value!r}")
    if isinstance(default, int) and value != int(value):
        raise ScenarioError(f"{where}: expected a whole number, got {value}")
    low, high = _RANGES[key]
    if not low <= value <= high:
        raise ScenarioError(f"{where}: must be from {low} to {high}, got {value}")
    return type(default)(value)


_RANGES = {
    "duration_s": (1, 3600), "write_rate_per_region": (0.1, 200), "collide": (0, 1),
    "shared_docs": (1, 1000), "counter_docs": (1, 1000), "list_docs": (1, 1000),
    "probe_interval_ms": (10, 10000),
    "status_interval_ms": (100, 60000), "settle_timeout_s": (1, 3600),
    "client_threads_per_region": (1, 64), "seed": (0, 2**63 - 1),
}


def _mix(value, where):
    if not isinstance(value, dict) or not value:
        raise ScenarioError(f"{where}: expected a mapping of operation to weight, e.g. "
                            f"{{put: 0.5, patch: 0.3, inc: 0.1, delete: 0.1}}")
    for op, weight in value.items():
        if op not in OPS:
            raise ScenarioError(f"{where}.{op}: unknown operation (expected one of: {', '.join(OPS)})")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 0:
            raise ScenarioError(f"{where}.{op}: expected a weight >= 0, got {weight!r}")
    total = sum(value.values())
    if total <= 0:
        raise ScenarioError(f"{where}: the weights add up to 0")
    return {op: value.get(op, 0) / total for op in OPS}


def _timeline(steps, regions, duration_s, source, nodes):
    """The faults of `steps`, each with the time of its heal, after checking the whole timeline.
    `nodes`: {node: region} of the nodes of regions of several nodes."""
    parsed = {i: _step(step, regions, duration_s, f"{source}: faults[{i}]", nodes)
              for i, step in enumerate(steps) if not _is_membership(step)}
    events = []  # (time, heals before starts, step index, what)
    for i, step in parsed.items():
        if step["kind"] == "heal":
            events.append((step["at_s"], 0, i, "heal"))
            continue
        events.append((step["at_s"], 1, i, "start"))
        if step["for_s"] is not None:
            events.append((min(step["at_s"] + step["for_s"], duration_s), 0, i, "end"))
    active, faults = {}, []
    for t, _, i, what in sorted(events):
        step, where = parsed[i], f"{source}: faults[{i}]"
        if what == "start":
            if step["kind"] == "kill" and any(f["kind"] == "kill" and f["target"] == step["target"]
                                              for f in active.values()):
                raise ScenarioError(f"{where}: {step['target']} is already killed at {t:g} s")
            active[i] = step
        elif what == "end":
            if i in active:  # unless a heal step ended it earlier
                faults.append(_fault(i, active.pop(i), t, regions, nodes))
        else:
            healed = [j for j, f in active.items() if step["target"] in ("all", f["target"])]
            if not healed:
                raise ScenarioError(f"{where}: heal '{step['target']}' at {t:g} s: no fault named so "
                                    f"is active then")
            faults += [_fault(j, active.pop(j), t, regions, nodes) for j in healed]
    faults += [_fault(j, f, duration_s, regions, nodes) for j, f in active.items()]
    return tuple(sorted(faults, key=lambda f: (f.start_s, f.index)))


def _is_membership(step):
    return isinstance(step, dict) and any(k in step for k in MOVE_KINDS)


def _membership(steps, nodes, spares, factors, duration_s, source):
    """The add_node and remove_node steps of `steps`, checked in time order against the members of
    each region at that time: an addition names a spare node not added yet, a removal a member,
    and leaves at least the region's replication factor of nodes."""
    members = {}  # region -> its nodes in the cluster, as the steps go
    for node, region in nodes.items():
        members.setdefault(region, set()).add(node)
    found = []
    for i, step in enumerate(steps):
        if not _is_membership(step):
            continue
        where = f"{source}: faults[{i}]"
        kinds = [k for k in MOVE_KINDS if k in step]
        unknown = sorted(set(step) - {"at_s", *MOVE_KINDS})
        if unknown or len(kinds) != 1:
            raise ScenarioError(f"{where}: a membership step has 'at_s' and exactly one of add_node, "
                                f"remove_node" + (f" (unexpected key '{unknown[0]}')" if unknown else ""))
        kind, node, at_s = kinds[0], step[kinds[0]], step.get("at_s")
        if isinstance(at_s, bool) or not isinstance(at_s, (int, float)) or not 0 <= at_s < duration_s:
            raise ScenarioError(f"{where}.at_s: must be a time from 0 to below duration_s ({duration_s:g}), "
                                f"got {at_s!r}")
        if not isinstance(node, str) or not node.strip():
            raise ScenarioError(f"{where}.{kind}: expected a node name, got {node!r}")
        found.append((float(at_s), i, kind, node.strip()))
    moves = []
    for at_s, i, kind, node in sorted(found):
        where = f"{source}: faults[{i}].{kind}"
        if kind == "add_node":
            region = spares.get(node)
            if region is None:
                known = ", ".join(sorted(spares)) or "none"
                raise ScenarioError(f"{where}: '{node}' is not a spare node of the regions file (a node "
                                    f"entry with `spare: true`; spare nodes: {known})")
            if node in members[region]:
                raise ScenarioError(f"{where}: {node} is already in the cluster at {at_s:g} s")
            if any(m.node == node for m in moves):
                raise ScenarioError(f"{where}: {node} was added and removed before; a node joins once")
            members[region].add(node)
        else:
            region = next((r for r, names in members.items() if node in names), None)
            if region is None:
                raise ScenarioError(f"{where}: '{node}' is not a node of a region of several nodes in the "
                                    f"cluster at {at_s:g} s (members then: "
                                    f"{', '.join(sorted(n for names in members.values() for n in names)) or 'none'})")
            staying = len(members[region]) - 1
            if staying < factors.get(region, 1):
                raise ScenarioError(f"{where}: removing {node} leaves {region} {staying} node(s), fewer "
                                    f"than its replication factor {factors.get(region, 1)}")
            members[region].discard(node)
        moves.append(MoveStep(i, kind, node, region, at_s))
    return tuple(moves)


def _step(step, regions, duration_s, where, nodes):
    if not isinstance(step, dict):
        raise ScenarioError(f"{where}: expected a mapping such as {{at_s: 10, partition: REGION, for_s: 5}}")
    kinds = [k for k in (*FAULT_KINDS, "heal") if k in step]
    unknown = sorted(set(step) - {"at_s", "for_s", *FAULT_KINDS, "heal"})
    if unknown or len(kinds) != 1:
        raise ScenarioError(f"{where}: a step has 'at_s', exactly one of partition, cut, kill, heal "
                            f"(optionally with 'for_s'), add_node, remove_node" + (f" (unknown key '{unknown[0]}')" if unknown else ""))
    kind, target = kinds[0], step[kinds[0]]
    at_s, for_s = step.get("at_s"), step.get("for_s")
    if isinstance(at_s, bool) or not isinstance(at_s, (int, float)) or not 0 <= at_s < duration_s:
        raise ScenarioError(f"{where}.at_s: must be a time from 0 to below duration_s ({duration_s:g}), "
                            f"got {at_s!r}")
    if for_s is not None and (kind == "heal" or isinstance(for_s, bool) or
                              not isinstance(for_s, (int, float)) or for_s <= 0):
        raise ScenarioError(f"{where}.for_s: must be a positive number of seconds on a fault step")
    if not isinstance(target, str):
        raise ScenarioError(f"{where}.{kind}: expected a region name, got {target!r}")
    target = _normalised_target(kind, target.strip(), regions, f"{where}.{kind}", nodes)
    return {"kind": kind, "target": target, "at_s": float(at_s),
            "for_s": None if for_s is None else float(for_s)}


def _normalised_target(kind, target, regions, where, nodes):
    if kind == "heal" and target == "all":
        return target
    multi = sorted(set(nodes.values()))
    if kind in ("kill", "heal") and target in nodes:
        return target  # a node of a region of several nodes
    if kind == "kill" and target in multi:
        raise ScenarioError(f"{where}: {target} is a region of several nodes: kill one of its nodes "
                            f"({', '.join(n for n, r in nodes.items() if r == target)})")
    arrow = next((a for a in ("<->", "->") if a in target), None)
    if kind == "cut" or (kind == "heal" and arrow):
        ends = [e.strip() for e in target.split(arrow)] if arrow else []
        if len(ends) != 2 or ends[0] == ends[1] or any(e not in regions for e in ends):
            raise ScenarioError(f"{where}: expected 'FROM -> TO' or 'A <-> B' with two different "
                                f"regions of the cluster ({', '.join(regions)}), got '{target}'")
        return f"{ends[0]} {arrow} {ends[1]}"
    if target not in regions:
        raise ScenarioError(f"{where}: no region named '{target}' (the cluster has: {', '.join(regions)})")
    return target


def _fault(index, step, heal_s, regions, nodes):
    kind, target = step["kind"], step["target"]
    if kind == "partition":
        directions = tuple(d for r in regions if r != target for d in ((target, r), (r, target)))
        touched = (target,)
    elif kind == "cut":
        arrow = "<->" if "<->" in target else "->"
        a, b = (e.strip() for e in target.split(arrow))
        directions = ((a, b), (b, a)) if arrow == "<->" else ((a, b),)
        touched = (a, b)
    else:
        directions, touched = (), (nodes.get(target, target),)  # a node's kill touches its region
    return Fault(index, kind, target, step["at_s"], heal_s, touched, directions)
