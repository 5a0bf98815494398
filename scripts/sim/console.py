"""What the simulation prints while it runs and at the end.

On a terminal the progress is one line rewritten in place; otherwise (CI logs, a pipe) it is a
plain line every PLAIN_PROGRESS_EVERY_S. Events (faults, phases) are always lines of their own.
The summary fits one screen: lag per pair, convergence after each heal, regions, checks, verdict.
"""

import sys
import threading
import time

PLAIN_PROGRESS_EVERY_S = 5.0


class Console:
    def __init__(self, stream=sys.stdout):
        self.stream = stream
        self.live = stream.isatty()
        self.lock = threading.Lock()
        self.line_open = False
        self.last_plain_s = 0.0

    def event(self, message):
        with self.lock:
            self._close_line()
            print(message, file=self.stream, flush=True)

    def progress(self, line, final=False):
        with self.lock:
            if self.live:
                width = 140
                self.stream.write("\r" + line[:width].ljust(width if self.line_open else 0))
                self.stream.flush()
                self.line_open = True
                if final:
                    self._close_line()
            elif final or time.monotonic() - self.last_plain_s >= PLAIN_PROGRESS_EVERY_S:
                self.last_plain_s = time.monotonic()
                print(line, file=self.stream, flush=True)

    def _close_line(self):
        if self.line_open:
            self.stream.write("\n")
            self.line_open = False


def summary(report):
    """The end-of-run table as text."""
    out = ["", _lag_table(report), _fault_table(report), _region_table(report), _node_table(report),
           _move_table(report), _writes_line(report), _checks(report)]
    return "\n".join(part for part in out if part is not None) + "\n"


def _lag_table(report):
    rows = [("origin -> observer", "latency", "seen", "p50", "p95", "p99", "max*")]
    for p in report["lag"]["pairs"]:
        rows.append((f"{p['origin']} -> {p['observer']}", p["imposed_ms"], f"{p['seen']}/{p['probes']}",
                     _ms(p["p50_ms"]), _ms(p["p95_ms"]), _ms(p["p99_ms"]), _ms(p["max_ms"])))
    return ("Visibility lag, ms (latency: imposed one way; p50-p99: fault-free writes; max*: all writes)\n"
            + _table(rows))


def _fault_table(report):
    if not report["faults"]:
        return "Faults: none"
    rows = [("fault", "start s", "heal s", "converged after")]
    for f in report["faults"]:
        after = "never" if f["convergence_s"] is None else f"{f['convergence_s']:.2f} s"
        rows.append((f["fault"], _s(f["started_s"]), _s(f["healed_s"]), f["error"] or after))
    return "Faults (converged after: until every write acknowledged before the heal is everywhere)\n" + _table(rows)


def _region_table(report):
    rows = [("region", "docs", "deltas out/in", "bytes out/in", "AE rounds", "repaired", "rejected",
             "apply failed", "futile", "starts", "stop")]
    for r in report["regions"]:
        stop = {0: "ok", None: "-"}.get(r["stop_status"], f"status {r['stop_status']}")
        rows.append((r["region"], _v(r["documents"]), f"{r['deltas_sent']}/{r['deltas_received']}",
                     f"{_bytes(r['bytes_sent'])}/{_bytes(r['bytes_received'])}", r["anti_entropy_rounds"],
                     r["docs_repaired"], r["rejected_messages"], r["apply_failures"], r["futile_repairs"],
                     r["starts"], stop))
    return "Regions (counters summed over restarts)\n" + _table(rows)


def _node_table(report):
    """Per-node load of the regions of several nodes; None when every region is one node."""
    if not report.get("nodes"):
        return None
    rows = [("node", "region", "partitions", "docs", "writes", "commits", "starts", "kills", "stop", "member")]
    for n in report["nodes"]:
        stop = {0: "ok", None: "-"}.get(n["stop_status"], f"status {n['stop_status']}")
        member = ", ".join(f"{what} {n[key]:.1f}s" for what, key in (("added", "added_s"), ("removed", "removed_s"))
                           if n.get(key) is not None) or "-"
        rows.append((n["node"], n["region"], _v(n["partitions"]), _v(n["documents"]), _v(n["writes"]),
                     _v(n["commits"]), n["starts"], n["kills"], stop, member))
    owners = report["verdict"]["checked"].get("owner_partition_roots", 0)
    return (f"Nodes (at their last answer; writes: made by its clients there; commits: all, peers' too; "
            f"{owners} owner partition roots compared at the end)\n" + _table(rows))


def _move_table(report):
    """Nodes added and removed while the cluster ran; None when the scenario has no such step."""
    if not report.get("moves"):
        return None
    rows = [("step", "region", "start s", "end s", "duration", "partitions", "peak moves")]
    for m in report["moves"]:
        duration = m["error"] or ("never" if m["duration_s"] is None else f"{m['duration_s']:.2f} s")
        rows.append((m["step"], m["region"], _s(m["started_s"]), _s(m["ended_s"]), duration,
                     m["partitions_moved"], m["peak_moves"]))
    return ("Moves (end: the region's status shows no move and no node on another placement)\n"
            + _table(rows))


def _writes_line(report):
    w = report["writes"]
    return (f"Writes: {w['acked']} acknowledged, {w['ambiguous']} ambiguous (no answer), {w['rejected']} "
            f"rejected (exit 2 or 3: deletes of missing documents, list inserts before the list arrived), {w['skipped']} skipped (region down "
            f"or its clients busy); {w['probes']} lag probes")


def _checks(report):
    verdict = report["verdict"]
    lines = []
    if verdict["converged_after_s"] is not None:
        lines.append(f"  ok    converged {verdict['converged_after_s']:.2f} s after the writes stopped: "
                     f"equal merkle_root and equal dumps on {verdict['checked']['regions']} regions")
    kinds = {v["check"] for v in verdict["violations"]}
    descriptions = {
        "ledger": f"no acknowledged field lost ({verdict['checked']['ledger_documents']} ledger documents)",
        "counter": f"counters equal their acknowledged sums ({verdict['checked']['counter_fields']} fields)",
        "shared": "every value of a shared document was written there by some write",
        "list": (f"every list holds each acknowledged insert once, nothing else "
                 f"({verdict['checked'].get('list_items', 0)} items)"),
        "stop": "every replica stopped cleanly on SIGTERM",
    }
    if report.get("nodes"):
        descriptions["owners"] = ("in each region of several nodes, every owner of a partition holds the "
                                  "same partition root")
    if report.get("moves"):
        descriptions["move"] = "every node added or removed, with the region done moving"
    for kind, text in descriptions.items():
        lines.append(f"  {'FAIL' if kind in kinds else 'ok  '}  {text}")
    shown = verdict["violations"][:12]
    lines += [f"  FAIL  [{v['check']}] {v['region']} {v['key']}: {v['message']}" for v in shown]
    if len(verdict["violations"]) > len(shown):
        lines.append(f"  ... {len(verdict['violations']) - len(shown)} more in report.json")
    lines.append("PASSED" if verdict["passed"] else "FAILED")
    return "Checks\n" + "\n".join(lines)


def _table(rows):
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  " + "  ".join(cells))
    return "\n".join(lines)


def _ms(value):
    return "-" if value is None else f"{value:.0f}"


def _s(value):
    return "-" if value is None else f"{value:.1f}"


def _v(value):
    return "-" if value is None else value


def _bytes(n):
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f}{unit}" if unit == "B" else f"{n:.1f}{unit}"
        n /= 1000.0
