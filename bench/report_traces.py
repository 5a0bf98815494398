"""bench/report.py's part for issue 19: the trace peers' figures (bench/peers/run: Yjs, Automerge and
Loro on the editing traces and the array-of-objects workload) beside crdtdb's (bench/trace_bench,
the same keys with lib "crdtdb"), and the issue's targets for the automerge-paper replay.

A workload crdtdb's side did not run (trace_bench --quick runs the array workload at a tenth of
its size, as "array-small", which is not paired) shows the peers only, and the report says so in a
plain sentence; no crdtdb figure is ever invented.
"""

import os
import statistics

import report

WORKLOADS = [
    ("text", "automerge-paper replayed, one update per edit (259,778 edits)"),
    ("concurrent", "friendsforever replayed, a replica per agent, then merged"),
    ("array", "10,000 objects appended, 30% moved, 20% removed by 3 replicas concurrently, then merged"),
]
LIBS = ["crdtdb", "yjs", "automerge", "loro"]
OURS_MISSING = "crdtdb: not built yet (issue 19). These are the peers' figures only; no crdtdb figure is shown."
OURS_PARTIAL = "crdtdb: bench/trace_bench does not run {missing} yet; there the peers' figures only are shown."
# Issue 19's targets for the text replay: (label, our key, peer, peer key, wanted ratio of peer / ours).
TARGETS = [
    ("replay >= 5x faster than Yjs", "replay_ms", "yjs", "replay_ms", 5.0),
    ("replay >= 2.5x faster than Loro", "replay_ms", "loro", "replay_ms", 2.5),
    ("encoded size <= Loro's", "encoded_bytes", "loro", "encoded_bytes", 1.0),
    ("load >= 5x faster than Loro", "load_ms", "loro", "load_ms", 5.0),
]
# The state of the art the issue asks to name beside the replay: published, not run here.
REFERENCE = ("Reference (published, not run here): diamond-types, native Rust, replays automerge-paper in "
             "15.6 ms on an Apple M2 Max (Loro's documentation).")


def read_traces(path, ours_path=None):
    """The trace peers' median lines and crdtdb's medians over its runs: {(workload, lib): dict}."""
    traces = {}
    if os.path.exists(path):
        traces = {(row["workload"], row["lib"]): row for _, row in report.json_objects(path, "workload", "lib")}
    if ours_path and os.path.exists(ours_path):
        runs = {}
        for _, row in report.json_objects(ours_path, "workload", "lib"):
            runs.setdefault((row["workload"], row["lib"]), []).append(row)
        for key, rows in runs.items():
            median = dict(rows[0])
            for k, v in rows[0].items():
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    median[k] = statistics.median(r[k] for r in rows if k in r)
            median["runs"] = len(rows)
            traces[key] = median
    return traces


def target_lines(traces):
    """The issue's targets for the text replay, as Markdown table rows; [] without both sides."""
    ours = traces.get(("text", "crdtdb"))
    if ours is None:
        return []
    out = ["", "Issue 19's targets for the text replay (ratio = peer / crdtdb; met when >= the wanted ratio):", "",
           "| target | crdtdb | peer | ratio | met |", "|---|---:|---:|---:|---|"]
    for label, key, lib, peer_key, wanted in TARGETS:
        peer = traces.get(("text", lib), {}).get(peer_key)
        mine = ours.get(key)
        if peer is None or not mine:
            out.append(f"| {label} | {report.fmt(mine)} | (not run) | | |")
            continue
        ratio = peer / mine
        out.append(f"| {label} | {report.fmt(mine)} | {report.fmt(peer)} | {ratio:.2f} | "
                   f"{'yes' if ratio >= wanted else 'no'} |")
    return out


def markdown(traces):
    """The peers' tables, one per workload; [] when the trace peers did not run."""
    if not traces:
        return []
    ours = {workload for workload, lib in traces if lib == "crdtdb"}
    missing = [workload for workload, _ in WORKLOADS if workload not in ours]
    note = OURS_MISSING if not ours else OURS_PARTIAL.format(missing=", ".join(missing)) if missing else ""
    out = ["", "## Lists and text against the trace peers (issue 19)", "", note, "",
           "Medians of bench/peers/run (each library in a fresh node process per run) and of bench/trace_bench's "
           "runs; every run checked its final text or list (see docs/benchmarks.md).", "", REFERENCE]
    for workload, title in WORKLOADS:
        columns = [lib for lib in LIBS if (workload, lib) in traces]
        if not columns:
            continue
        keys = []
        for lib in columns:
            for k, v in traces[(workload, lib)].items():
                if k not in keys and k not in ("workload", "lib", "version") and isinstance(v, (int, float)) \
                        and not isinstance(v, bool):
                    keys.append(k)
        header = " | ".join(f"{lib} {traces[(workload, lib)].get('version', '')}" for lib in columns)
        out += ["", f"### {workload}: {title}", "", f"| figure | {header} |", "|---|" + "---:|" * len(columns)]
        out += [f"| {k} | " + " | ".join(report.fmt(traces[(workload, lib)].get(k)) for lib in columns) + " |"
                for k in keys]
        if workload == "text":
            out += target_lines(traces)
    return out
