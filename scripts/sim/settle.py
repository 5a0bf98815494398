"""The end of a run: with the writes stopped and every fault healed, wait (bounded) until the
cluster is quiescent and converged, then take what the verdict is judged on.

Converged means both: every region reports the same `merkle_root` (equal roots mean equal states,
by the status contract), and the full dumps (`list` of every collection the run wrote) are equal.
Both are checked because the second does not trust the first. Every acknowledged probe must also
have been seen everywhere, so that the lag figures are complete. In a region of several nodes the
region's `merkle_root` takes each partition's root from one owner, so every owner of each partition
must also hold the same partition root (`status --node N` of every node).
"""

import json
import time
from dataclasses import dataclass, field

from sim.invariants import check_owner_roots

POLL_S = 0.25


@dataclass
class FinalState:
    converged_after_s: float | None  # from the end of the writes; None if never within the bound
    statuses: dict = field(default_factory=dict)  # region -> last status
    dumps: dict = field(default_factory=dict)     # region -> {collection: {id: doc}}
    missing: list = field(default_factory=list)   # regions that did not answer at the end
    owner_roots: dict = field(default_factory=dict)  # region -> node -> partition -> root (several nodes)

    @property
    def roots(self):
        return {r: s.get("merkle_root") for r, s in self.statuses.items()}


def wait_until_converged(cluster, cli, sampler, tracker, collections, writes_end_s, clock, timeout_s):
    deadline = time.monotonic() + timeout_s
    while True:
        statuses = sampler.sample_now()
        roots = {s.get("merkle_root") for s in statuses.values()}
        if len(statuses) == len(cluster.regions) and len(roots) == 1 and tracker.unseen_count() == 0:
            dumps = dump_all(cluster, cli, collections)
            if _all_equal(dumps) and len(dumps) == len(cluster.regions):
                owners = owner_roots(cluster, cli)
                if not check_owner_roots(owners):
                    return FinalState(round(clock.now() - writes_end_s, 3), statuses, dumps, [], owners)
        if time.monotonic() >= deadline:
            dumps = dump_all(cluster, cli, collections)
            missing = [r for r in cluster.regions if r not in statuses or r not in dumps]
            return FinalState(None, statuses, dumps, missing, owner_roots(cluster, cli))
        time.sleep(POLL_S)


def owner_roots(cluster, cli):
    """{region: {node: {partition: root}}} of every region of several nodes (nodes that answer)."""
    found = {}
    for region in cluster.regions:
        if not cluster.is_multi_node(region):
            continue
        for node in cluster.nodes[region]:  # the members at the end: added nodes in, removed ones out
            result = cli.run(cluster.operator_endpoint(region), "status", "--node", node)
            status = _json_or_none(result.out) if result.ok else None
            if isinstance(status, dict) and isinstance(status.get("partition_roots"), dict):
                found.setdefault(region, {})[node] = status["partition_roots"]
    return found


def dump_all(cluster, cli, collections):
    """{region: {collection: {id: doc}}} of every region that answered every `list`."""
    dumps = {}
    for region in cluster.regions:
        dump = {}
        for collection in collections:
            _, rows = cli.list_collection(cluster.endpoint(region), collection)
            if rows is None:
                break
            dump[collection] = dict(rows)
        else:
            dumps[region] = dump
    return dumps


def _all_equal(dumps):
    values = list(dumps.values())
    return all(v == values[0] for v in values[1:])


def _json_or_none(text):
    try:
        return json.loads(text)
    except ValueError:
        return None
