"""bench/report.py's part for issue 20's indexes: index_bench's figures beside PouchDB's with
pouchdb-find (bench/peers/pouchdb-find/run), and the issue's targets on index_bench's own rows.

Contract with bench/index_bench.cc: it emits rows `index_<N>_<key>`, where <key> is a key of
bench/peers/pouchdb-find/find_workload.js's JSON line for the same N, in the same unit (INDEX_KEYS:
all times, lower is better). Each pair becomes a row `index_<N>_<key>_vs_pouchdb_find` with
ratio = ours / theirs; `faster` = theirs / ours.
"""

import os
import re

import report
import report_docs

# The figures compared, in find_workload.js's order.
INDEX_KEYS = ["load_put_us", "eq_scan_ms", "range_scan_ms", "build_k_ms", "build_n_ms", "eq_index_ms",
              "range_index_ms", "put_none_us", "put_one_us", "put_three_us"]
INDEX_ROW = re.compile(r"^index_(\d+)_(.+)$")
PAIR_ROW = re.compile(r"^index_(\d+)_(.+)_vs_pouchdb_find$")
# PouchDB's figures with no crdtdb counterpart, shown beside the pairs: (key, what it is).
POUCHDB_ONLY = [("put_one_deferred_us", "put with 1 index, the index left behind (updated at the next query)"),
                ("put_three_deferred_us", "put with 3 indexes, the indexes left behind")]


def read_pouchdb_find(path):
    """PouchDB's median lines: {n: dict}."""
    if not os.path.exists(path):
        return {}
    return {int(row["n"]): row for _, row in report.json_objects(path, "lib", "n") if row["lib"] == "pouchdb-find"}


def pouchdb_find_rows(rows, pouchdb):
    """The comparison rows of index_bench's rows with PouchDB's figures of the same N."""
    return report_docs.pair_rows(rows, pouchdb, INDEX_ROW, INDEX_KEYS, "pouchdb-find")


def largest(index, key):
    """index_bench's row of `key` at the largest N: (n, row) or None."""
    return report.largest_n(list(index.values()), rf"index_(\d+)_{re.escape(key)}")


def ratio_check(key, passes, describe, target_n=1_000_000):
    """A target on the ratio (to its baseline of the same run) of index_bench's row `key`."""
    def check(index, _rows):
        found = largest(index, key)
        if found is None:
            return None
        n, row = found
        r = row["ratio"]
        measured = (f"{describe(r)} ({report.fmt(row['value'])} vs {report.fmt(row['baseline_value'])} {row['unit']}) "
                    f"at {n:,} documents")
        return passes(r), measured, report.scale_note(n, target_n)
    return check


def fewer_reads(key, factor):
    return ratio_check(key, lambda r: r > 0 and 1 / r >= factor, lambda r: f"{report.fmt(1 / r if r else 0)}x fewer")


def faster(key, factor):
    return ratio_check(key, lambda r: r > 0 and 1 / r >= factor,
                       lambda r: f"{report.fmt(1 / r if r else 0)}x faster")


def of_raw(key, minimum):
    """A scan's speed per document as a fraction of raw LevelDB iteration (ratio = ours / raw)."""
    return ratio_check(key, lambda r: r > 0 and 1 / r >= minimum, lambda r: f"{report.fmt(1 / r if r else 0)}x raw")


def at_most(key, maximum):
    return ratio_check(key, lambda r: r <= maximum, lambda r: f"{report.fmt(r)}x", target_n=0)


TARGETS = [
    ("equality query, 0.1%, with an index: >= 100x fewer documents read than the scan",
     fewer_reads("eq_index_docs_read", 100)),
    ("range query, 0.1%, with an index: >= 100x fewer documents read than the scan",
     fewer_reads("range_index_docs_read", 100)),
    ("equality query, 0.1%, with an index: >= 50x faster than the scan", faster("eq_index_ms", 50)),
    ("range query, 0.1%, with an index: >= 50x faster than the scan", faster("range_index_ms", 50)),
    ("find scan (every document rendered) >= 0.1x raw LevelDB iteration", of_raw("find_all_ns", 0.1)),
    ("put with one index <= 1.3x the put without", at_most("put_one_us", 1.3)),
    ("put with three indexes <= 1.8x the put without", at_most("put_three_us", 1.8)),
]


def markdown(comparisons, pouchdb):
    """The side-by-side tables, one per N; [] when there is nothing to show."""
    pairs = report_docs.pairs_by_n(comparisons, PAIR_ROW)
    if not pairs:
        if not pouchdb:
            return []
        return report_docs.peer_alone("PouchDB with pouchdb-find (bench/peers/pouchdb-find/run, medians)",
                                      "index_bench", pouchdb, INDEX_KEYS + [k for k, _ in POUCHDB_ONLY])
    out = ["", "## index_bench against PouchDB with pouchdb-find (issue 20)", "",
           "Both sides' figures from this one bench/run (PouchDB's: medians of its runs). ratio = crdtdb / "
           "PouchDB; faster = PouchDB / crdtdb. PouchDB updates an index at its next query, so its put "
           "with indexes is the put plus that catch-up.", ""]
    for n in sorted(pairs, reverse=True):
        line = pouchdb.get(n, {})
        out += [f"N = {n:,} (PouchDB {line.get('version', '?')}, pouchdb-find {line.get('find_version', '?')}, "
                f"{line.get('runs', '?')} runs)", "",
                "| figure | crdtdb | PouchDB | unit | ratio | faster |", "|---|---:|---:|---|---:|---:|"]
        for key, row in sorted(pairs[n], key=lambda kr: INDEX_KEYS.index(kr[0])):
            times = 1 / row["ratio"] if row["ratio"] else float("inf")
            out.append(f"| {key} | {report.fmt(row['value'])} | {report.fmt(row['baseline_value'])} | {row['unit']} | "
                       f"{report.fmt(row['ratio'])} | {report.fmt(times)}x |")
        for key, what in POUCHDB_ONLY:
            if isinstance(line.get(key), (int, float)):
                out.append(f"| {key}: {what} | | {report.fmt(line[key])} | us | | |")
        out.append("")
    return out[:-1]
