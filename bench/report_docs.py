"""bench/report.py's part for issue 22: doc_bench's figures beside PouchDB's, and the issue's targets.

Contract with bench/doc_bench.cc: it emits rows `docs_<N>_<key>`, where <key> is a key of
../shared/peers/pouchdb/doc_workload.js's JSON line for the same N, in the same unit (DOC_KEYS).
Each pair becomes a row `docs_<N>_<key>_vs_pouchdb` with ratio = ours / theirs (so for a rate
higher is better, for a time or a size lower is better); `speedup` says how many times faster ours
is, whichever the kind (rate: ours / theirs; time: theirs / ours).
"""

import os
import re

import report

# The figures compared, in the README's order: (key, kind) with kind "rate", "time" or "size".
DOC_KEYS = [
    ("put_ops_s", "rate"), ("bulk_put_ops_s", "rate"), ("get_ops_s", "rate"), ("update_ops_s", "rate"),
    ("replicate_ms", "time"), ("replicate_docs_s", "rate"), ("resync0_ms", "time"), ("resync100_ms", "time"),
    ("resync_nocheckpoint_ms", "time"), ("disk_a_bytes", "size"), ("disk_b_bytes", "size"),
    ("disk_bulk_bytes", "size"), ("rss_peak_mb", "size"), ("cpu_ms", "time"), ("total_ms", "time"),
    ("doc_json_bytes_avg", "size"),
]
KINDS = dict(DOC_KEYS)
DOC_ROW = re.compile(r"^docs_(\d+)_(.+)$")
PAIR_ROW = re.compile(r"^docs_(\d+)_(.+)_vs_pouchdb$")


def read_pouchdb(path):
    """PouchDB's median lines: {n: dict}."""
    if not os.path.exists(path):
        return {}
    return {int(row["n"]): row for _, row in report.json_objects(path, "lib", "n") if row["lib"] == "pouchdb"}


def speedup(kind, ratio):
    """How many times faster ours is, from ratio = ours / theirs; None for sizes."""
    if kind == "rate":
        return ratio
    if kind == "time":
        return 1 / ratio if ratio else float("inf")
    return None


def pair_rows(rows, peer, pattern, keys, lib):
    """The comparison rows of our rows named `pattern` (a regex: the N, then the key) whose key is
    one of `keys`, with the peer's figure of the same N and key (`peer`: {n: dict}), named
    `<our row>_vs_<lib, '-' as '_'>`, ratio = ours / theirs."""
    out = []
    for row in rows:
        m = pattern.match(row["bench"])
        if not m or m.group(2) not in keys:
            continue
        n, key = int(m.group(1)), m.group(2)
        theirs = peer.get(n, {}).get(key)
        if isinstance(theirs, (int, float)) and not isinstance(theirs, bool) and theirs:
            version = peer[n].get("version", "?")
            out.append(report.make_row(f"{row['bench']}_vs_{lib.replace('-', '_')}", row["value"], row["unit"],
                                       f"{lib} {version} {key}", theirs))
    return out


def pouchdb_rows(rows, pouchdb):
    """The comparison rows of doc_bench's rows with PouchDB's figures of the same N."""
    return pair_rows(rows, pouchdb, DOC_ROW, KINDS, "pouchdb")


def pair(index, key):
    """The comparison row of `key` at the largest N that has one: (n, row) or None."""
    found = None
    for name, row in index.items():
        m = PAIR_ROW.match(name)
        if m and m.group(2) == key and (found is None or int(m.group(1)) > found[0]):
            found = (int(m.group(1)), row)
    return found


def faster_than_pouchdb(key, factor):
    """Ours at least `factor` times faster than PouchDB on `key` (factor 1: no slower)."""
    def check(index, _rows):
        found = pair(index, key)
        if found is None:
            return None
        n, row = found
        times = speedup(KINDS[key], row["ratio"])
        measured = (f"{report.fmt(times)}x faster ({report.fmt(row['value'])} vs "
                    f"{report.fmt(row['baseline_value'])} {row['unit']}) at {n:,} documents")
        return times >= factor, measured, ""
    return check


def flat_in_size(key, bound=2.0):
    """Our `key` (a time) at the largest N at most `bound` times ours at the smallest N."""
    def check(index, _rows):
        sizes = sorted(int(m.group(1)) for name in index if (m := DOC_ROW.match(name)) and m.group(2) == key)
        if len(sizes) < 2:
            return None
        small, large = index[f"docs_{sizes[0]}_{key}"], index[f"docs_{sizes[-1]}_{key}"]
        growth = large["value"] / small["value"] if small["value"] else float("inf")
        return (growth <= bound, f"{report.fmt(large['value'])} ms at {sizes[-1]:,} vs "
                f"{report.fmt(small['value'])} ms at {sizes[0]:,} ({report.fmt(growth)}x; bound {bound:g}x)", "")
    return check


TARGETS = [
    ("puts one by one >= 10x PouchDB", faster_than_pouchdb("put_ops_s", 10)),
    ("puts in batches of 100 >= 10x PouchDB", faster_than_pouchdb("bulk_put_ops_s", 10)),
    ("random gets >= 10x PouchDB", faster_than_pouchdb("get_ops_s", 10)),
    ("read-modify-write updates >= 10x PouchDB", faster_than_pouchdb("update_ops_s", 10)),
    ("full replication to an empty replica >= 5x faster than PouchDB", faster_than_pouchdb("replicate_ms", 5)),
    ("resync, nothing changed: no slower than PouchDB's checkpointed one", faster_than_pouchdb("resync0_ms", 1)),
    ("resync, 100 changed: no slower than PouchDB's checkpointed one", faster_than_pouchdb("resync100_ms", 1)),
    ("resync, nothing changed: flat in the database's size", flat_in_size("resync0_ms")),
    ("resync, 100 changed: flat in the database's size", flat_in_size("resync100_ms")),
    ("resync without per-peer state >= 100x faster than PouchDB's", faster_than_pouchdb("resync_nocheckpoint_ms", 100)),
]


def pairs_by_n(comparisons, pattern):
    """{n: [(key, row)]} of the comparison rows named `pattern` (a regex: the N, then the key)."""
    pairs = {}
    for row in comparisons:
        m = pattern.match(row["bench"])
        if m:
            pairs.setdefault(int(m.group(1)), []).append((m.group(2), row))
    return pairs


def peer_alone(title, ours, peer, keys):
    """The peer's figures ({n: dict}) of `keys` when `ours` (a program) has none of the same N."""
    return ["", f"## {title}", "", f"No {ours} figures of the same N in this run: the peer's alone.", "",
            "| figure | " + " | ".join(f"N={n:,}" for n in sorted(peer)) + " |", "|---|" + "---:|" * len(peer)] + [
                f"| {key} | " + " | ".join(report.fmt(peer[n].get(key)) for n in sorted(peer)) + " |" for key in keys]


def markdown(comparisons, pouchdb):
    """The side-by-side tables, one per N; [] when there is nothing to show."""
    pairs = pairs_by_n(comparisons, PAIR_ROW)
    if not pairs:
        if pouchdb:
            return peer_alone("PouchDB (../shared/peers/pouchdb/run, medians)", "doc_bench", pouchdb,
                              [key for key, _ in DOC_KEYS])
        return []
    out = ["", "## doc_bench against PouchDB (issue 22)", "",
           "Both sides' figures are medians of their runs in this one bench/run. ratio = crdtdb / PouchDB; "
           "faster = how many times faster crdtdb is (rates: ratio; times: 1 / ratio).", ""]
    for n in sorted(pairs, reverse=True):
        runs = pouchdb.get(n, {}).get("runs", "?")
        out += [f"N = {n:,} (PouchDB {pouchdb.get(n, {}).get('version', '?')}, {runs} runs)", "",
                "| figure | crdtdb | PouchDB | unit | ratio | faster |", "|---|---:|---:|---|---:|---:|"]
        for key, row in sorted(pairs[n], key=lambda kr: [k for k, _ in DOC_KEYS].index(kr[0])):
            times = speedup(KINDS[key], row["ratio"])
            out.append(f"| {key} | {report.fmt(row['value'])} | {report.fmt(row['baseline_value'])} | {row['unit']} | "
                       f"{report.fmt(row['ratio'])} | {report.fmt(times) + 'x' if times is not None else ''} |")
        out.append("")
    return out[:-1]
