"""The end-of-run checks: what must hold of the final state of every region, given the history of
writes (history.py). Pure functions: no I/O, so each rule is unit-tested on its own.

A dump is what `list` showed of one region: {collection: {id: document}}.
"""

import json
from collections import defaultdict
from dataclasses import dataclass

from sim.history import ACKED, AMBIGUOUS, COUNTERS, LEDGER_PREFIX, LISTS, SHARED

_ABSENT = "<absent>"  # a field's value when the field is not there (canonical JSON never is this)


@dataclass(frozen=True)
class Violation:
    check: str   # convergence | owners | ledger | counter | shared | list | stop | fault | apply | repair
    region: str  # where it was seen ('*' for the cluster as a whole)
    key: str     # the document, collection/id
    message: str

    def __str__(self):
        return f"[{self.check}] {self.region} {self.key}: {self.message}"


def check_all(writes, dumps, roots):
    """Every violation: convergence of `roots` ({region: merkle_root}) and `dumps` ({region: dump}),
    then the workload's invariants on each region's dump."""
    violations = check_convergence(roots, dumps)
    for region, dump in dumps.items():
        violations += check_ledger(writes, dump, region)
        violations += check_counters(writes, dump, region)
        violations += check_shared(writes, dump, region)
        violations += check_lists(writes, dump, region)
    return violations


def check_convergence(roots, dumps, shown_max=5):
    violations = []
    if len(set(roots.values())) > 1:
        violations.append(Violation("convergence", "*", "merkle_root", "the regions' roots differ: " +
                                    ", ".join(f"{r} {root}" for r, root in sorted(roots.items()))))
    regions = sorted(dumps)
    for region in regions[1:]:
        reference, dump = dumps[regions[0]], dumps[region]
        differing = [f"{c}/{i}" for c in sorted(set(reference) | set(dump))
                     for i in sorted(set(reference.get(c, {})) | set(dump.get(c, {})))
                     if reference.get(c, {}).get(i) != dump.get(c, {}).get(i)]
        if differing:
            shown = ", ".join(differing[:shown_max]) + (" ..." if len(differing) > shown_max else "")
            violations.append(Violation("convergence", region, "*", f"{len(differing)} documents differ "
                                        f"from {regions[0]}'s: {shown}"))
    return violations


def check_owner_roots(owner_roots, shown_max=5):
    """Inside each region of several nodes, every owner of a partition holds the same partition
    root. `owner_roots`: {region: {node: {partition: root}}} (a node lists the partitions it owns)."""
    violations = []
    for region, by_node in sorted(owner_roots.items()):
        roots = {}  # partition -> {root: [nodes]}
        for node, partitions in sorted(by_node.items()):
            for partition, root in partitions.items():
                roots.setdefault(partition, {}).setdefault(root, []).append(node)
        apart = sorted((p for p, found in roots.items() if len(found) > 1), key=int)
        if apart:
            shown = "; ".join(f"partition {p}: " + ", ".join(f"{'/'.join(nodes)} {root[:12]}"
                                                              for root, nodes in sorted(roots[p].items()))
                              for p in apart[:shown_max])
            violations.append(Violation("owners", region, "*", f"{len(apart)} partition(s) whose owners "
                                        f"hold different roots: {shown}" + (" ..." if len(apart) > shown_max
                                                                             else "")))
    return violations


def check_ledger(writes, dump, region):
    """No acknowledged field lost: each field of each ledger document holds what the last
    acknowledged write to it left (or what a later ambiguous write may have left instead)."""
    violations = []
    for key, doc_writes in _by_key(w for w in writes if w.collection.startswith(LEDGER_PREFIX)).items():
        allowed, decisive = _possible_fields(doc_writes)
        collection, doc_id = key.split("/", 1)
        doc = dump.get(collection, {}).get(doc_id)
        for name in sorted(set(allowed) | set(doc or {})):
            got = _canonical(doc[name]) if doc is not None and name in doc else _ABSENT
            if got not in allowed.get(name, {_ABSENT}):
                violations.append(Violation("ledger", region, key, _ledger_message(
                    name, got, allowed.get(name, {_ABSENT}), decisive.get(name))))
    return violations


def check_counters(writes, dump, region):
    """Each counter equals the sum of its acknowledged increments (plus, at most, the ambiguous
    ones); a counter nobody incremented does not exist."""
    sums = defaultdict(lambda: [0, 0])  # (key, field) -> [acknowledged sum, ambiguous sum]
    for w in writes:
        if w.kind == "inc" and w.outcome in (ACKED, AMBIGUOUS):
            for name, amount in w.body.items():
                sums[(w.key, name)][0 if w.outcome == ACKED else 1] += amount
    violations = []
    for doc_id, doc in dump.get(COUNTERS, {}).items():
        for name in doc:
            if (f"{COUNTERS}/{doc_id}", name) not in sums:
                violations.append(Violation("counter", region, f"{COUNTERS}/{doc_id}",
                                            f"field {name} = {doc[name]!r} was never incremented"))
    for (key, name), (acked, ambiguous) in sorted(sums.items()):
        doc = dump.get(COUNTERS, {}).get(key.split("/", 1)[1]) or {}
        value = doc.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int) or not acked <= value <= acked + ambiguous:
            expected = f"{acked}" if not ambiguous else f"from {acked} to {acked + ambiguous}"
            violations.append(Violation("counter", region, key, f"{name} = {value!r}, expected {expected} "
                                        f"(acknowledged increments add up to {acked}"
                                        + (f", ambiguous ones to {ambiguous})" if ambiguous else ")")))
    return violations


def check_shared(writes, dump, region):
    """Concurrent writers leave no single expected state, but every value a shared document holds
    must have been written to that field of that document by some write that may have happened."""
    written = defaultdict(set)  # (key, JSON pointer) -> canonical values
    for w in writes:
        if w.collection == SHARED and w.kind in ("put", "patch") and w.outcome in (ACKED, AMBIGUOUS):
            for pointer, value in _leaves(w.body):
                written[(w.key, pointer)].add(_canonical(value))
    violations = []
    for doc_id, doc in sorted(dump.get(SHARED, {}).items()):
        key = f"{SHARED}/{doc_id}"
        for pointer, value in _leaves(doc):
            if _canonical(value) not in written[(key, pointer)]:
                violations.append(Violation("shared", region, key, f"{pointer} = {_canonical(value)} "
                                            f"was never written there"))
    return violations


def check_lists(writes, dump, region):
    """Each list holds every acknowledged insert, once, and nothing that no insert may have put
    there (an ambiguous insert may or may not be there): no insert is lost or duplicated by
    concurrent inserts into one array from several regions. The order is not checked."""
    inserted = defaultdict(dict)  # key -> {canonical value: outcome}
    for w in writes:
        if w.kind == "list" and w.outcome in (ACKED, AMBIGUOUS):
            for op in w.body:
                inserted[w.key][_canonical(op["value"])] = w.outcome
    violations = []
    for key in sorted(set(inserted) | {f"{LISTS}/{doc_id}" for doc_id in dump.get(LISTS, {})}):
        doc = dump.get(LISTS, {}).get(key.split("/", 1)[1]) or {}
        items = doc.get("items", [])
        if not isinstance(items, list):
            violations.append(Violation("list", region, key, f"items is {_canonical(items)}, not an array"))
            continue
        seen = set()
        for item in map(_canonical, items):
            if item in seen:
                violations.append(Violation("list", region, key, f"{item} is in the list twice"))
            elif item not in inserted[key]:
                violations.append(Violation("list", region, key, f"{item} was never inserted there"))
            seen.add(item)
        lost = sorted(v for v, outcome in inserted[key].items() if outcome == ACKED and v not in seen)
        if lost:
            violations.append(Violation("list", region, key, f"{len(lost)} acknowledged insert(s) lost: "
                                        + ", ".join(lost[:5]) + (" ..." if len(lost) > 5 else "")))
    return violations


def _by_key(writes):
    grouped = defaultdict(list)
    for w in writes:
        grouped[w.key].append(w)
    for doc_writes in grouped.values():
        doc_writes.sort(key=lambda w: w.op_id)
    return grouped


def _possible_fields(doc_writes):
    """({field: set of canonical values it may hold}, {field: the acknowledged write that set it
    last}) after `doc_writes`, which ran one after another."""
    allowed, decisive = {}, {}
    for w in doc_writes:
        if w.outcome not in (ACKED, AMBIGUOUS) or w.kind not in ("put", "patch"):
            continue
        effect = {name: _ABSENT if v is None else _canonical(v) for name, v in w.body.items()}
        if w.kind == "put":  # a put removes every field it does not name
            effect.update({name: _ABSENT for name in allowed if name not in w.body})
        for name, value in effect.items():
            if w.outcome == ACKED:
                allowed[name], decisive[name] = {value}, w
            else:
                allowed.setdefault(name, {_ABSENT}).add(value)
    return allowed, decisive


def _ledger_message(name, got, allowed, decisive):
    expected = " or ".join(sorted(allowed))
    cause = f" ({decisive.describe()} left it so)" if decisive else ""
    lost = " - an acknowledged write was lost" if got == _ABSENT else ""
    return f"field {name} is {got}, expected {expected}{cause}{lost}"


def _leaves(value, pointer=""):
    """(JSON pointer, value) of every non-object value under `value`; null leaves are skipped
    (in a merge patch they remove, they are never stored)."""
    if isinstance(value, dict):
        for name, child in value.items():
            yield from _leaves(child, f"{pointer}/{name}")
    elif value is not None:
        yield pointer, value


def _canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
