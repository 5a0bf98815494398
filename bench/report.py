#!/usr/bin/env python3
"""Report of one `bench/run`: every bench row, the comparisons with the peers (Yjs, Automerge;
PouchDB: report_docs.py; the trace peers: report_traces.py), and the targets of issues 8, 18 and 22,
as JSON lines and then as Markdown.

    bench/report.py DIR [--write-doc FILE] [--command TEXT]

DIR holds what bench/run collected: `<program>.jsonl` (the stdout of each bench program: one JSON
object per line, {"bench", "value", "unit", "baseline", "baseline_value", "ratio"}), `peers.jsonl`
(the stdout of ../shared/peers/run: one JSON object per (lib, mode) with the median of every
figure), `peers-pouchdb.jsonl` (../shared/peers/pouchdb/run: one line per N), `peers-pouchdb-find.jsonl`
(bench/peers/pouchdb-find/run: one line per N; report_index.py), `peers-traces.jsonl`
(bench/peers/run: one line per (workload, lib)), and optionally `runs.tsv` (program, exit status, seconds, load average before) and
`meta.tsv` (key, value) written by bench/run.

Stdout: (a) every bench row, unchanged; (b) one row per comparison with a peer; (c) Markdown: the
targets table, then one table per bench program, the comparisons and the peers' raw figures.
--write-doc also writes the Markdown, headed by the machine and the command, to FILE.

Comparison contract with bench/map_bench.cc: it emits rows `map_<mode>_<key>` (mode perop or
batch) where <key> is a key of the peers' JSON in the same unit (PEER_KEYS); each is compared with
every peer of the same mode as `map_<mode>_<key>_vs_<lib>`, ratio = ours / theirs. doc_bytes is
also compared with Yjs's doc_bytes_v2 (`..._vs_yjs_v2`), and delta bytes per operation
(fill_delta_bytes / fill_deltas) is derived on both sides (`map_<mode>_delta_bytes_per_op_vs_<lib>`).
Rows `b31_ms` and `b31_doc_bytes` (any `map_` / `map_<mode>_` prefix) are set beside the peers'
published B3.1 figures (REFERENCES), which are not run here.

Standard library only, so that CI runs its unit tests (tests/bench/test_report.py) without a
Release build.
"""

import argparse
import datetime
import json
import math
import os
import platform
import re
import subprocess
import sys

PROGRAM_ORDER = ["crdt_bench", "map_bench", "store_bench", "sync_bench", "net_bench", "ae_net_bench", "zipf_bench",
                 "scale_bench", "move_bench", "doc_bench", "http_bench", "trace_bench"]

PEER_KEYS = [
    "fill_ms", "fill_delta_bytes", "fill_deltas", "encode_ms", "doc_bytes", "load_ms",
    "concurrent_updates_ms", "merge_ms", "merge_delta_bytes_a_to_b", "merge_delta_bytes_b_to_a",
    "merged_doc_bytes", "rss_mb",
]
PEER_LIBS = ["yjs", "automerge"]
MODES = ["perop", "batch"]

# The peers' B3.1 figures (published, not run by bench/run): (lib, key, value, unit).
REFERENCES = [
    ("yjs", "b31_ms", 75, "ms"),
    ("yjs", "b31_doc_bytes", 32_000, "bytes"),
    ("automerge", "b31_ms", 1632, "ms"),
    ("automerge", "b31_doc_bytes", 86_000, "bytes"),
]

MB = 1_000_000
MIB = 1 << 20


# ---------------------------------------------------------------------------------------------
# Reading


def json_objects(path, *keys):
    """The JSON objects of a file that have every one of `keys`, as (raw line, dict), in order;
    other lines (logs, tables, anything that is not such an object) are skipped."""
    objects = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict) and all(key in obj for key in keys):
                objects.append((line, obj))
    return objects


def read_rows(path):
    """The JSON bench rows of a file, as (raw line, dict); other lines (logs, tables) are skipped."""
    return json_objects(path, "bench", "value")


def read_peers(path):
    """The peers' figures: {(lib, mode): dict}."""
    if not os.path.exists(path):
        return {}
    return {(row["lib"], row["mode"]): row for _, row in json_objects(path, "lib", "mode")}


def read_tsv(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def program_order(name):
    return (PROGRAM_ORDER.index(name), name) if name in PROGRAM_ORDER else (len(PROGRAM_ORDER), name)


def read_results(directory):
    """{program: [(raw line, row)]} from DIR/<program>.jsonl, in PROGRAM_ORDER (the peers' files,
    peers*.jsonl, are not programs)."""
    programs = {}
    for entry in sorted(os.listdir(directory)):
        if entry.endswith(".jsonl") and not entry.startswith("peers"):
            programs[entry[: -len(".jsonl")]] = read_rows(os.path.join(directory, entry))
    return dict(sorted(programs.items(), key=lambda kv: program_order(kv[0])))


# ---------------------------------------------------------------------------------------------
# Numbers


def round4(x):
    """Four significant digits, as bench_harness.h's Round4; whole numbers stay exact."""
    if x is None or isinstance(x, bool):
        return x
    x = float(x)
    if not math.isfinite(x) or x == 0:
        return x
    if x == math.trunc(x) and abs(x) < 9e15:
        return int(x)
    digits = 3 - int(math.floor(math.log10(abs(x))))
    r = round(x, digits)
    return int(r) if r == math.trunc(r) and abs(r) < 9e15 else r


def make_row(bench, value, unit, baseline, baseline_value):
    ratio = value / baseline_value if baseline_value else 0
    return {"bench": bench, "value": round4(value), "unit": unit, "baseline": baseline,
            "baseline_value": round4(baseline_value), "ratio": round4(ratio)}


def fmt(x):
    if x is None:
        return ""
    if isinstance(x, float) and x == math.trunc(x) and abs(x) < 9e15:
        x = int(x)
    if isinstance(x, int):
        return f"{x:,}"
    return f"{round4(x):,}" if abs(x) >= 1000 else str(round4(x))


# ---------------------------------------------------------------------------------------------
# Comparisons with the peers

MAP_ROW = re.compile(r"^map_(perop|batch)_(.+)$")


def map_rows(rows):
    """{(mode, key): row} of the map_bench rows that follow the contract."""
    out = {}
    for row in rows:
        m = MAP_ROW.match(row["bench"])
        if m:
            out[(m.group(1), m.group(2))] = row
    return out


def peer_rows(rows, peers):
    """The comparison rows of map_bench's rows with the peers' figures of the same mode."""
    ours = map_rows(rows)
    out = []
    for mode in MODES:
        for key in PEER_KEYS:
            row = ours.get((mode, key))
            if row is None:
                continue
            for lib in PEER_LIBS:
                peer = peers.get((lib, mode))
                if peer is None:
                    continue
                version = peer.get("version", "?")
                theirs = peer.get(key)
                if isinstance(theirs, (int, float)) and theirs:
                    out.append(make_row(f"map_{mode}_{key}_vs_{lib}", row["value"], row["unit"],
                                        f"{lib} {version} {mode} {key}", theirs))
                if key == "doc_bytes" and lib == "yjs":
                    theirs_v2 = peer.get("doc_bytes_v2")
                    if isinstance(theirs_v2, (int, float)) and theirs_v2:
                        out.append(make_row(f"map_{mode}_doc_bytes_vs_yjs_v2", row["value"], row["unit"],
                                            f"yjs {version} {mode} doc_bytes_v2", theirs_v2))
        # Delta bytes per operation, derived on both sides.
        fdb, fd = ours.get((mode, "fill_delta_bytes")), ours.get((mode, "fill_deltas"))
        if fdb is not None and fd is not None and fd["value"]:
            per_op = fdb["value"] / fd["value"]
            for lib in PEER_LIBS:
                peer = peers.get((lib, mode))
                if peer is None or not peer.get("fill_deltas") or not peer.get("fill_delta_bytes"):
                    continue
                theirs = peer["fill_delta_bytes"] / peer["fill_deltas"]
                out.append(make_row(f"map_{mode}_delta_bytes_per_op_vs_{lib}", per_op, "bytes",
                                    f"{lib} {peer.get('version', '?')} {mode} fill_delta_bytes/fill_deltas",
                                    theirs))
    # B3.1: the peers' published figures, not run here.
    for row in rows:
        for lib, key, value, unit in REFERENCES:
            if re.fullmatch(rf"(map_((perop|batch)_)?)?{key}", row["bench"]):
                out.append(make_row(f"{row['bench']}_vs_{lib}_reference", row["value"], row["unit"] or unit,
                                    f"{lib} B3.1 {key[4:]} (published reference, not run here)", value))
    return out


# ---------------------------------------------------------------------------------------------
# Targets of issues 8 and 18


def largest_n(rows, pattern):
    """The row matching `pattern` (a regex with one group, the document count) of the largest count."""
    best = None
    for row in rows:
        m = re.fullmatch(pattern, row["bench"])
        if m and (best is None or int(m.group(1)) > best[0]):
            best = (int(m.group(1)), row)
    return best


def ratio_target(name, passes, describe):
    """The target on the ratio of row `name`: passes(ratio) says whether it is met, describe(ratio)
    what was measured (the row's value and baseline follow in parentheses)."""
    def find(index, _rows):
        row = index.get(name)
        if row is None:
            return None
        r = row["ratio"]
        return passes(r), f"{describe(r)} ({fmt(row['value'])} vs {fmt(row['baseline_value'])} {row['unit']})", ""
    return find


def ratio_at_least(name, minimum):
    return ratio_target(name, lambda r: r >= minimum, lambda r: f"{fmt(r)}x")


def ratio_at_most(name, maximum):
    return ratio_target(name, lambda r: r <= maximum, lambda r: f"{fmt(r)}x")


def group_commit(index, rows):
    """The fsync'd put: ratio_at_least, plus the group size crdtdb reached and the baseline's."""
    found = ratio_at_least("put_sync_8threads", 0.7)(index, rows)
    group = index.get("put_sync_8threads_docs_per_commit")
    if found is None or group is None:
        return found
    passes, measured, note = found
    batch = index["put_sync_8threads"]["baseline"].removeprefix("leveldb_sync_batch")
    return passes, f"{measured}; {fmt(group['value'])} documents per commit, LevelDB batches of {batch}", note


def faster_by(name, factor):
    """Ours / theirs of a time must be <= 1 / factor."""
    def speedup(r):
        return 1 / r if r else math.inf
    return ratio_target(name, lambda r: r > 0 and speedup(r) >= factor, lambda r: f"{fmt(speedup(r))}x faster")


def no_larger(name):
    return ratio_target(name, lambda r: r <= 1, lambda r: f"{fmt(r)}x")


def in_ms(row):
    """A time row's value in milliseconds."""
    return row["value"] * {"ms": 1, "s": 1000, "us": 1e-3}.get(row["unit"], 1)


def scale_note(n, target_n):
    return "" if n >= target_n else f"measured at {n:,} documents, target is at {target_n:,}"


def anti_entropy_bytes(_index, rows):
    found = largest_n(rows, r"ae_(\d+)_repair_bytes_total")
    if found is None:
        return None
    n, row = found
    bound = 1.2 * row["baseline_value"] + 64 * 1024
    return (row["value"] <= bound,
            f"{fmt(row['value'])} B vs bound {fmt(round(bound))} B ({fmt(row['value'] / bound)}x of it)",
            scale_note(n, 1_000_000))


def move_bytes(_index, rows):
    """move_bench: the bytes of a move against 1.2x the moved documents' encoded states + 64 KB
    (the constant of the anti-entropy target: messages that carry no document)."""
    row = next((r for r in rows if re.fullmatch(r"move_\d+docs_\d+of\d+p_bytes", r["bench"])), None)
    if row is None:
        return None
    bound = 1.2 * row["baseline_value"] + 64 * 1024
    return (row["value"] <= bound,
            f"{fmt(row['value'])} B vs bound {fmt(round(bound))} B ({fmt(row['value'] / bound)}x of it; "
            f"{fmt(row['ratio'])}x the encoded states)", "")


def in_sync_messages(_index, rows):
    found = largest_n(rows, r"ae_(\d+)_insync_messages")
    if found is None:
        return None
    n, row = found
    # O(1): one round trip (a request and its answer), whatever the number of documents.
    return row["value"] <= 2, f"{fmt(row['value'])} messages at {n:,} documents", ""


def reconcile_time(_index, rows):
    found = largest_n(rows, r"ae_(\d+)_repair_wall")
    if found is None:
        return None
    n, row = found
    ms = in_ms(row)
    divergent = n // 1000
    return (ms < 1000, f"{fmt(ms)} ms for {divergent:,} divergent of {n:,} (in memory, no network)",
            scale_note(n, 1_000_000))


def reconcile_time_loopback(_index, rows):
    """ae_net_bench: C.sync_with(a region served on loopback), the whole session, beside the same session
    over an in-memory transport (its baseline)."""
    found = largest_n(rows, r"ae_net_(\d+)_reconcile_ms")
    if found is None:
        return None
    n, row = found
    ms = in_ms(row)
    divergent = max(2, n // 1000)
    measured = f"{fmt(ms)} ms for {divergent:,} divergent of {n:,} (ZeroMQ on loopback, whole sync_with session"
    if row.get("baseline_value"):
        measured += f"; in memory {fmt(row['baseline_value'])} {row['unit']}"
    return ms < 1000, measured + ")", scale_note(n, 1_000_000)


def rss_at_scale(_index, rows):
    """The larger of VmRSS after open + 10k gets and VmRSS at the end (after a full scan)."""
    found = largest_n(rows, r"scale_(\d+)_rss_after_10k_gets")
    if found is None:
        return None
    n, row = found

    def in_mib(r):
        return r["value"] * {"MiB": 1, "KiB": 1 / 1024, "MB": MB / MIB}.get(r["unit"], 1)

    limit_mib = 200 * MB / MIB
    mib = in_mib(row)
    measured = f"{fmt(mib)} MiB VmRSS after open + 10k gets"
    end = next((r for r in rows if r["bench"] == f"scale_{n}_rss_at_end"), None)
    if end is not None:
        measured += f", {fmt(in_mib(end))} MiB after a full scan"
        mib = max(mib, in_mib(end))
    measured += f" (limit 200 MB = {fmt(limit_mib)} MiB"
    anon = next((r for r in rows if r["bench"] == f"scale_{n}_rss_anon_after_10k_gets"), None)
    if anon is not None:
        measured += f"; RssAnon {fmt(anon['value'])} {anon['unit']}"
    measured += f"; raw LevelDB {fmt(row['baseline_value'])} {row['unit']})"
    return mib <= limit_mib, measured, scale_note(n, 10_000_000)


def balance(figure, bound_pct=10):
    """scale_bench: the largest deviation from the mean of `figure` per node (docs,
    uniform_writes, zipf_writes) over the 4 nodes of a region with replication factor 1."""
    def find(_index, rows):
        found = largest_n(rows, rf"balance_(\d+)_rf1_{figure}_max_dev_pct")
        if found is None:
            return None
        n, row = found
        return row["value"] <= bound_pct, f"{fmt(row['value'])}% at {n:,} keys", scale_note(n, 1_000_000)
    return find


TARGETS = [
    ("put >= 0.7x raw LevelDB random fill", ratio_at_least("put_buffered", 0.7)),
    ("get >= 0.8x raw LevelDB random read", ratio_at_least("get_random", 0.8)),
    ("fsync'd put with group commit >= 0.7x LevelDB sync batches of the same size",
     group_commit),
    ("W1 fill (perop) >= 10x faster than Yjs", faster_by("map_perop_fill_ms_vs_yjs", 10)),
    ("W1 fill (perop) >= 30x faster than Automerge", faster_by("map_perop_fill_ms_vs_automerge", 30)),
    ("W2 encoded state (perop) <= Yjs v2 encoding", no_larger("map_perop_doc_bytes_vs_yjs_v2")),
    ("W2 encoded state (batch) <= Yjs v2 encoding", no_larger("map_batch_doc_bytes_vs_yjs_v2")),
    ("W4 merge (perop) >= 10x faster than Yjs", faster_by("map_perop_merge_ms_vs_yjs", 10)),
    ("W4 merge (batch) >= 10x faster than Yjs", faster_by("map_batch_merge_ms_vs_yjs", 10)),
    ("delta bytes per op <= Yjs's", no_larger("map_perop_delta_bytes_per_op_vs_yjs")),
    ("anti-entropy bytes <= 1.2x divergent documents' encoded states + 64 KB", anti_entropy_bytes),
    ("in-sync check: O(1) messages", in_sync_messages),
    ("reconcile 1,000 divergent of 1M in < 1 s on loopback", reconcile_time_loopback),
    ("reconcile 1,000 divergent of 1M documents in < 1 s (in memory)", reconcile_time),
    ("RSS <= 200 MB at 10M documents", rss_at_scale),
    # Issue 18 (scale_bench, move_bench).
    ("documents per node within 10% of the mean (1M documents, 4 nodes)", balance("docs")),
    ("uniform writes per node within 10% of the mean (4 nodes)", balance("uniform_writes")),
    ("Zipf(0.99) writes per node within 10% of the mean (4 nodes)", balance("zipf_writes")),
    ("CPU per node at 2 nodes <= 0.55x one node's (same writes)", ratio_at_most("scale_2nodes_cpu_s_max_node", 0.55)),
    ("CPU per node at 4 nodes <= 0.3x one node's", ratio_at_most("scale_4nodes_cpu_s_max_node", 0.3)),
    ("documents per node at 2 nodes <= 0.55x one node's", ratio_at_most("scale_2nodes_docs_max_node", 0.55)),
    ("documents per node at 4 nodes <= 0.3x one node's", ratio_at_most("scale_4nodes_docs_max_node", 0.3)),
    ("CPU per write summed over 2 nodes <= 1.15x one node's", ratio_at_most("scale_2nodes_cpu_us_per_write", 1.15)),
    ("CPU per write summed over 4 nodes <= 1.15x one node's", ratio_at_most("scale_4nodes_cpu_us_per_write", 1.15)),
    ("bytes of a move <= 1.2x the moved partitions' encoded states + 64 KB", move_bytes),
    # Issue 21 (http_bench): HTTP/1.1 keep-alive beside the ZeroMQ client path.
    ("HTTP GET, 1 connection >= 0.5x ZeroMQ requests/s", ratio_at_least("http_get_c1", 0.5)),
    ("HTTP PUT, 1 connection >= 0.5x ZeroMQ requests/s", ratio_at_least("http_put_c1", 0.5)),
    ("HTTP GET, 64 connections >= 0.5x ZeroMQ requests/s", ratio_at_least("http_get_c64", 0.5)),
    ("HTTP PUT, 64 connections >= 0.5x ZeroMQ requests/s", ratio_at_least("http_put_c64", 0.5)),
    ("PUT throughput with /metrics scraped every second >= 0.98x without", ratio_at_least("http_put_c32_scraped", 0.98)),
]


def evaluate_targets(rows, targets=None):
    """[(target, status, measured, note)] of `targets` (default TARGETS): status PASS, MISS or "not
    measured"; PASS* and MISS* when measured at a smaller scale than the target names (the note says
    which)."""
    index = {row["bench"]: row for row in rows}
    out = []
    for name, check in TARGETS if targets is None else targets:
        result = check(index, rows)
        if result is None:
            out.append((name, "not measured", "", ""))
        else:
            ok, measured, note = result
            status = "PASS" if ok else "MISS"
            if note.startswith("measured at"):  # a smaller scale than the target names
                status += "*"
            out.append((name, status, measured, note))
    return out


# ---------------------------------------------------------------------------------------------
# Markdown


def table(rows):
    lines = ["| bench | value | unit | baseline | baseline value | ratio |", "|---|---:|---|---|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['bench']} | {fmt(r['value'])} | {r.get('unit', '')} | {r.get('baseline', '')} | "
                     f"{fmt(r.get('baseline_value'))} | {fmt(r.get('ratio'))} |")
    return lines


def targets_table(targets):
    lines = ["| target | status | measured | note |", "|---|---|---|---|"]
    for name, status, measured, note in targets:
        shown = f"**{status}**" if status != "not measured" else status
        lines.append(f"| {name} | {shown} | {measured} | {note} |")
    return lines


def peers_table(peers):
    if not peers:
        return []
    columns = [(lib, mode) for mode in MODES for lib in PEER_LIBS if (lib, mode) in peers]
    keys = []
    for col in columns:
        for k, v in peers[col].items():
            if k not in keys and k not in ("lib", "mode", "version") and not isinstance(v, bool):
                keys.append(k)
    header = " | ".join(f"{lib} {peers[(lib, mode)].get('version', '')} {mode}" for lib, mode in columns)
    lines = [f"| figure | {header} |", "|---|" + "---:|" * len(columns)]
    for k in keys:
        lines.append(f"| {k} | " + " | ".join(fmt(peers[c].get(k)) for c in columns) + " |")
    return lines


def markdown(programs, comparisons, peers, targets, runs, notes, sections=()):
    """`sections`: more Markdown lines (the PouchDB and trace peers' parts), after the peers'."""
    out = ["## Targets (issues 8, 18 and 22)", ""]
    out += ["Ratios are from this one run. PASS* / MISS*: measured at a smaller scale than the target "
            "names (the note says which).", ""]
    out += targets_table(targets)
    if runs:
        out += ["", "## Programs", "", "| program | status | seconds | load average before |", "|---|---|---:|---|"]
        for r in runs:
            r = (r + ["", "", "", ""])[:4]
            out.append(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} |")
    for program, rows in programs.items():
        out += ["", f"## {program}", ""]
        out += table([row for _, row in rows]) if rows else ["(no rows)"]
    map_comparisons = [row for row in comparisons if not row["bench"].startswith(("docs_", "index_"))]
    if map_comparisons:
        out += ["", "## map_bench against the peers", "",
                "ratio = ours / theirs: for times and sizes lower is better. Rows ending in `_reference` "
                "set ours beside the peers' published B3.1 figures, which bench/run does not run.", ""]
        out += table(map_comparisons)
    if peers:
        out += ["", "## Peers (../shared/peers/run, medians)", ""]
        out += peers_table(peers)
    out += list(sections)
    for note in notes:
        out += ["", note]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# The machine


def run_text(args, cwd=None):
    try:
        return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine(meta, repo):
    cpu_model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu_model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    kib = int(line.split()[1])
                    mem = f"{kib / (1 << 20):.1f} GiB (MemTotal {kib:,} kB)"
                    break
    except OSError:
        pass
    compiler = meta.get("compiler", "")
    if compiler:
        version = run_text([compiler, "--version"]).splitlines()
        compiler = f"{compiler}: {version[0]}" if version else compiler
    commit = meta.get("commit") or run_text(["git", "rev-parse", "--short=12", "HEAD"], cwd=repo)
    dirty = meta.get("dirty")
    if dirty is None:
        dirty = "yes" if run_text(["git", "status", "--porcelain", "--untracked-files=no"], cwd=repo) else "no"
    return [
        ("CPUs (`nproc`)", str(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count())),
        ("CPU model (/proc/cpuinfo)", cpu_model),
        ("memory", mem),
        ("kernel", f"{platform.system()} {platform.release()}"),
        ("compiler", compiler),
        ("build", meta.get("build", "")),
        ("date", meta.get("date", datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"))),
        ("git commit", f"{commit} (uncommitted changes: {dirty})"),
        ("command", f"`{meta.get('command', '')}`"),
        ("duration", meta.get("duration", "")),
    ]


def document(body, meta, repo):
    lines = ["# Benchmark results", "",
             "Written by `bench/run --write-doc docs/benchmark-results.md` (bench/report.py); do not edit by "
             "hand, run it again. What each figure means: [benchmarks.md](benchmarks.md). Every figure "
             "stands beside its baseline, measured in the same run on the same machine; ratio = value / "
             "baseline value.", "", "## Machine and command", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in machine(meta, repo)]
    lines += ["", "To reproduce: `bench/run` from the repository root (add `--quick` for a smoke run, "
              "`--docs N` for the scale groups, `--10m` for 10M documents in store_bench's scale group).", ""]
    return "\n".join(lines) + "\n" + body


# ---------------------------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", help="the results folder of one bench/run")
    parser.add_argument("--write-doc", metavar="FILE", help="also write the Markdown, with the machine, to FILE")
    parser.add_argument("--command", default=None, help="the command that produced DIR (default: from meta.tsv)")
    args = parser.parse_args(argv)

    import report_docs  # pylint: disable=import-outside-toplevel (they import this module)
    import report_index  # pylint: disable=import-outside-toplevel
    import report_traces  # pylint: disable=import-outside-toplevel

    programs = read_results(args.dir)
    peers = read_peers(os.path.join(args.dir, "peers.jsonl"))
    pouchdb = report_docs.read_pouchdb(os.path.join(args.dir, "peers-pouchdb.jsonl"))
    pouchdb_find = report_index.read_pouchdb_find(os.path.join(args.dir, "peers-pouchdb-find.jsonl"))
    traces = report_traces.read_traces(os.path.join(args.dir, "peers-traces.jsonl"),
                                       os.path.join(args.dir, "trace_bench.jsonl"))
    meta = {r[0]: r[1] for r in read_tsv(os.path.join(args.dir, "meta.tsv")) if len(r) >= 2}
    if args.command:
        meta["command"] = args.command
    runs = read_tsv(os.path.join(args.dir, "runs.tsv"))

    all_rows = [row for rows in programs.values() for _, row in rows]
    comparisons = (peer_rows(all_rows, peers) + report_docs.pouchdb_rows(all_rows, pouchdb) +
                   report_index.pouchdb_find_rows(all_rows, pouchdb_find))
    targets = evaluate_targets(all_rows + comparisons, TARGETS + report_docs.TARGETS + report_index.TARGETS)

    for rows in programs.values():
        for raw, _ in rows:
            print(raw)
    for row in comparisons:
        print(json.dumps(row))
    notes = []
    if not peers and "map_bench" in programs:
        notes.append("No peer figures in this run (node/npm missing, or --no-peers): no comparison with Yjs "
                     "and Automerge.")
    sections = (report_docs.markdown(comparisons, pouchdb) + report_index.markdown(comparisons, pouchdb_find) +
                report_traces.markdown(traces))
    body = markdown(programs, comparisons, peers, targets, runs, notes, sections)
    print()
    print(body, end="")
    if args.write_doc:
        repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        with open(args.write_doc, "w", encoding="utf-8") as f:
            f.write(document(body, meta, repo))
    return 0


if __name__ == "__main__":
    sys.exit(main())
