"""bench/report.py's part for issue 19: the trace peers' figures (bench/peers/run: Yjs, Automerge and
Loro on the editing traces and the array-of-objects workload), labelled as the peers' side only.

crdtdb's side of these workloads needs the list and text CRDT (issue 19), which this build does not
have: the report says so in a plain sentence and shows no crdtdb figure until a bench program emits
rows for them.
"""

import os

import report

WORKLOADS = [
    ("text", "automerge-paper replayed, one update per edit (259,778 edits)"),
    ("concurrent", "friendsforever replayed, a replica per agent, then merged"),
    ("array", "10,000 objects appended, 30% moved, 20% removed by 3 replicas concurrently, then merged"),
]
LIBS = ["yjs", "automerge", "loro"]
OURS_MISSING = "crdtdb: not built yet (issue 19). These are the peers' figures only; no crdtdb figure is shown."
# The state of the art the issue asks to name beside the replay: published, not run here.
REFERENCE = ("Reference (published, not run here): diamond-types, native Rust, replays automerge-paper in "
             "15.6 ms on an Apple M2 Max (Loro's documentation).")


def read_traces(path):
    """The trace peers' median lines: {(workload, lib): dict}."""
    if not os.path.exists(path):
        return {}
    return {(row["workload"], row["lib"]): row for _, row in report.json_objects(path, "workload", "lib")}


def markdown(traces):
    """The peers' tables, one per workload; [] when the trace peers did not run."""
    if not traces:
        return []
    out = ["", "## Trace peers (issue 19): the peers' side only", "", OURS_MISSING, "",
           "Medians of bench/peers/run (each library in a fresh node process per run); every run checked "
           "its final text or list (see docs/benchmarks.md).", "", REFERENCE]
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
    return out
