"""The figures of a soak run (soak_run.py) as one JSON-ready dict, and what is rendered from it: the
summary printed at the end, a self-contained HTML page and one SVG of the resource charts (inline
SVG from svg.py; no script, no network). All three show the dict and nothing else.

Times are seconds from the start of the writes (t = 0); the quiet sample before them is at t < 0.
"""

import json
import os
import platform
from html import escape

from sim import growth, report_html, svg
from sim.history import ACKED

CRITERION = (
    f"Passed only if the regions converged (equal merkle_root and equal dumps), the simulation's "
    f"invariants hold (no acknowledged write lost, counters equal their sums), every replica exited 0 "
    f"on SIGTERM, and no resource grew without bound: the anonymous resident memory (RssAnon) never "
    f"more than {growth.HEAP_BUDGET_KIB >> 10} MiB above its quiet value before the writes (LevelDB's "
    f"8 MiB block cache and two 4 MiB memtables, and half as much again), and over the last third of "
    f"the writes its median grew at most {growth.LATE_GROWTH_MAX:.0%} (or {growth.LATE_SLACK_KIB >> 10} "
    f"MiB) from the first half of that third to the second; descriptors other than LevelDB table files "
    f"equal within ±{growth.FD_TOLERANCE} quiet before the writes and quiet after convergence, never "
    f"above the quiet count + the clients that may be connected at once + {growth.FD_TOLERANCE} while "
    f"writing, and no deleted file held once quiet; the data directory at the end at most twice its "
    f"size at the middle of the writes + {growth.DISK_SLACK_BYTES >> 20} MiB (growth at most linear).")

CHART_WIDTH, CHART_HEIGHT = 520, 220
CAPTION_HEIGHT = 22


def build(run, final, violations, checks):
    counts = run.history.counts()
    passed = (not violations and final.converged_after_s is not None and bool(checks)
              and all(c.passed for c in checks))
    return {
        "verdict": {
            "passed": passed,
            "converged_after_s": final.converged_after_s,
            "violations": [vars(v) for v in violations],
            "growth_checks": [vars(c) for c in checks],
            "criterion": CRITERION,
        },
        "run": _run_facts(run),
        "writes": dict(counts, by_kind=_writes_by_kind(run.history.snapshot())),
        "regions": [_region(run, r, counts[ACKED]) for r in run.regions],
        "samples": {r: list(run.samples[r]) for r in run.regions},
    }


def rejudge(report):
    """`report` (a soak.json) with its growth checks made again by today's growth.py, and its
    verdict with them; convergence and the invariants are as the run found them."""
    run, verdict = report["run"], report["verdict"]
    checks = growth.judge(report["samples"], run["writes_duration_s"],
                          growth.clients_max(run["client_threads_per_region"]))
    passed = (not verdict["violations"] and verdict["converged_after_s"] is not None and bool(checks)
              and all(c.passed for c in checks))
    return dict(report, verdict=dict(verdict, passed=passed, growth_checks=[vars(c) for c in checks],
                                     criterion=CRITERION))


def write_all(report, run_dir):
    """soak.json, soak.html and soak.svg in `run_dir`."""
    (run_dir / "soak.json").write_text(json.dumps(report, indent=1) + "\n")
    (run_dir / "soak.html").write_text(render_html(report))
    (run_dir / "soak.svg").write_text(render_svg(report) + "\n")


def _run_facts(run):
    return {
        "started_at": run.started_at,
        "binary": getattr(run.options, "binary_source", str(run.options.binary)),
        "binary_built_at": getattr(run.options, "binary_built_at", None),
        "regions_file": str(run.options.regions),
        "regions": list(run.regions),
        "network": "WAN emulator (regions file latencies)" if run.wan else "direct, loopback",
        "writes_duration_s": run.scenario.duration_s,
        "write_rate_per_region": run.scenario.write_rate_per_region,
        "client_threads_per_region": run.scenario.client_threads_per_region,
        "sample_s": run.sample_s,
        "seed": run.scenario.seed,
        "machine": {
            "cpus": os.cpu_count(),
            "memory_mib": _memory_mib(),
            "system": platform.platform(),
            "load_average_at_start": [round(x, 2) for x in run.load_at_start],
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
    }


def _region(run, region, acked):
    samples = run.samples[region]
    start = run.quiet.get("start", {}).get(region, {})
    end = run.quiet.get("end", {}).get(region, {})
    writing = [s for s in samples if s["phase"] == "writes"]

    def highest(name, among=samples):
        return max((s[name] for s in among if s.get(name) is not None), default=None)

    return {
        "region": region,
        "rss_kib": {"start": start.get("rss_kib"), "end": end.get("rss_kib"), "max_sampled": highest("rss_kib"),
                    "peak": end.get("rss_peak_kib")},
        "rss_anon_kib": {"start": start.get("rss_anon_kib"), "end": end.get("rss_anon_kib"),
                         "max_sampled": highest("rss_anon_kib")},
        "fds": {"start": start.get("fds_total"), "end": end.get("fds_total"), "max": highest("fds_total"),
                "steady_start": start.get("fds_steady"), "steady_end": end.get("fds_steady"),
                "steady_max_writing": highest("fds_steady", writing), "kinds_end": end.get("fds"),
                "table_max": max((s["fds"]["table"] for s in samples if "fds" in s), default=None)},
        "disk_bytes": {"start": start.get("data_bytes"), "end": end.get("data_bytes"), "max": highest("data_bytes"),
                       "per_1000_writes": growth.bytes_per_thousand_writes(start.get("data_bytes", 0),
                                                                           end.get("data_bytes", 0), acked),
                       "table_files_end": end.get("table_files"),
                       "leveldb_log_bytes_end": end.get("leveldb_log_bytes")},
        "last_sequence": end.get("last_sequence"),
        "documents": end.get("documents"),
        "threads": end.get("threads"),
        "counters": run.status.totals(region),
        "stop_status": run.cluster.exit_codes.get(region),
    }


def _writes_by_kind(writes):
    kinds = {}
    for w in writes:
        kinds.setdefault(w.kind, {}).setdefault(w.outcome, 0)
        kinds[w.kind][w.outcome] += 1
    return kinds


def _memory_mib():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return None


# --- the summary --------------------------------------------------------------------------------

def summary(report):
    run, writes, verdict = report["run"], report["writes"], report["verdict"]
    lines = ["", f"Soak: {len(run['regions'])} regions ({run['network']}), {run['writes_duration_s']:g} s of "
             f"writes offered at {run['write_rate_per_region']:g}/s per region: {writes['acked']} acknowledged, "
             f"{writes['ambiguous']} ambiguous, {writes['rejected']} rejected, {writes['skipped']} skipped; "
             f"sampled every {run['sample_s']:g} s"]
    rows = [("region", "RSS start/end/max MiB", "RssAnon start/end/max", "fds start/end/max", "steady fds",
             "disk start/end MiB", "disk per 1k writes", "last_sequence", "documents", "stop")]
    for r in report["regions"]:
        rss, anon, fds, disk = r["rss_kib"], r["rss_anon_kib"], r["fds"], r["disk_bytes"]
        rows.append((r["region"], "/".join(_mib(rss[k], 1024) for k in ("start", "end", "max_sampled")),
                     "/".join(_mib(anon[k], 1024) for k in ("start", "end", "max_sampled")),
                     "/".join(_v(fds[k]) for k in ("start", "end", "max")),
                     "/".join(_v(fds[k]) for k in ("steady_start", "steady_end", "steady_max_writing")),
                     "/".join(_mib(disk[k]) for k in ("start", "end")),
                     "-" if disk["per_1000_writes"] is None else f"{disk['per_1000_writes'] / 1024:.0f} KiB",
                     _v(r["last_sequence"]), _v(r["documents"]),
                     {0: "ok", None: "-"}.get(r["stop_status"], f"status {r['stop_status']}")))
    lines += ["Regions (start/end: quiet, no client connected; steady fds: all but LevelDB table files)",
              _table(rows), "Checks"]
    if verdict["converged_after_s"] is not None:
        lines.append(f"  ok    converged {verdict['converged_after_s']:.2f} s after the writes stopped "
                     f"(equal merkle_root, equal dumps)")
    kinds = {v["check"] for v in verdict["violations"]}
    lines.append(f"  {'FAIL' if kinds & {'ledger', 'counter', 'shared'} else 'ok  '}  no acknowledged write lost, "
                 f"counters equal their sums, every shared value was written")
    lines.append(f"  {'FAIL' if 'stop' in kinds else 'ok  '}  every replica stopped cleanly on SIGTERM")
    lines += [f"  {'ok  ' if c['passed'] else 'FAIL'}  [{c['name']}] {c['region']}: {c['detail']}"
              for c in verdict["growth_checks"]]
    shown = verdict["violations"][:12]
    lines += [f"  FAIL  [{v['check']}] {v['region']} {v['key']}: {v['message']}" for v in shown]
    if len(verdict["violations"]) > len(shown):
        lines.append(f"  ... {len(verdict['violations']) - len(shown)} more in soak.json")
    lines.append("PASSED" if verdict["passed"] else "FAILED")
    return "\n".join(lines) + "\n"


def _table(rows):
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  " + "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                                      for i, (c, w) in enumerate(zip(row, widths))) for row in rows)


def _mib(value, unit=2**20):
    return "-" if value is None else f"{value / unit:.1f}"


def _v(value):
    return "-" if value is None else str(value)


# --- the charts ---------------------------------------------------------------------------------

def charts(report):
    """The resource charts, one SVG string each: RSS, its anonymous part, descriptors, disk,
    delta-log head. Shaded at the right: after the writes stopped."""
    run = report["run"]
    x_max = max([s["t"] for ss in report["samples"].values() for s in ss] + [run["writes_duration_s"]])
    writes_end = run["writes_duration_s"]
    windows = [(writes_end, x_max, "")] if x_max > writes_end else []  # shaded: writes stopped

    def series(name, scale=1.0):
        return [(r, [(s["t"], s[name] / scale) for s in ss if s["t"] >= 0 and s.get(name) is not None])
                for r, ss in report["samples"].items()]

    return [
        svg.lines("Resident memory (VmRSS) per replica", series("rss_kib", 1024), windows, x_max, "MiB",
                  CHART_WIDTH, CHART_HEIGHT),
        svg.lines("Anonymous resident memory (RssAnon: heap) per replica", series("rss_anon_kib", 1024), windows,
                  x_max, "MiB", CHART_WIDTH, CHART_HEIGHT),
        svg.lines("Open file descriptors per replica", series("fds_total"), windows, x_max, "descriptors",
                  CHART_WIDTH, CHART_HEIGHT),
        svg.lines("LevelDB data directory per replica", series("data_bytes", 2**20), windows, x_max, "MiB",
                  CHART_WIDTH, CHART_HEIGHT),
        svg.lines("last_sequence (own deltas logged) per replica", series("last_sequence"), windows, x_max,
                  "sequence", CHART_WIDTH, CHART_HEIGHT),
    ]


def render_svg(report, columns=2):
    """The charts in a grid, under a caption saying what ran: one standalone SVG file."""
    parts = charts(report)
    rows = (len(parts) + columns - 1) // columns
    width, height = columns * CHART_WIDTH, CAPTION_HEIGHT + rows * CHART_HEIGHT
    run = report["run"]
    caption = (f"crdtdb soak {run['started_at'][:10]}: {len(run['regions'])} regions, "
               f"{run['write_rate_per_region']:g} writes/s offered per region for {run['writes_duration_s']:g} s, "
               f"{report['writes']['acked']} acknowledged (shaded: after the writes); {run['machine']['cpus']} CPUs, "
               f"{'PASSED' if report['verdict']['passed'] else 'FAILED'}")
    placed = []
    for i, chart in enumerate(parts):
        x, y = (i % columns) * CHART_WIDTH, CAPTION_HEIGHT + (i // columns) * CHART_HEIGHT
        placed.append(chart.replace("<svg ", f'<svg x="{x}" y="{y}" ', 1))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="sans-serif">'
            f'<rect width="{width}" height="{height}" fill="#fff"/>'
            f'<text x="8" y="15" font-size="12">{escape(caption)}</text>' + "".join(placed) + "</svg>")


# --- the page -----------------------------------------------------------------------------------

CSS = report_html.CSS  # the simulation report's look


def render_html(report):
    verdict, run = report["verdict"], report["run"]
    status = '<span class="pass">PASSED</span>' if verdict["passed"] else '<span class="fail">FAILED</span>'
    machine = run["machine"]
    facts = (f"<p>Started {escape(run['started_at'])}; regions {escape(', '.join(run['regions']))} "
             f"({escape(run['network'])}); {run['writes_duration_s']:g} s of writes offered at "
             f"{run['write_rate_per_region']:g}/s per region, seed {run['seed']}; sampled every "
             f"{run['sample_s']:g} s. Machine: {machine['cpus']} CPUs, {machine['memory_mib']} MiB, "
             f"{escape(machine['system'])}, load average {machine['load_average_at_start'][0]} at the start, "
             f"{machine['load_average_at_end'][0]} at the end. Binary {escape(run['binary'])} "
             f"(built {escape(str(run['binary_built_at']))}), run from a copy in the run folder.</p>")
    checks = "".join(f"<li class=\"{'pass' if c['passed'] else 'fail'}\">[{escape(c['name'])}] "
                     f"{escape(c['region'])}: {escape(c['detail'])}</li>" for c in verdict["growth_checks"])
    checks += "".join(f"<li class=\"fail\">[{escape(v['check'])}] {escape(v['region'])} {escape(v['key'])}: "
                      f"{escape(v['message'])}</li>" for v in verdict["violations"])
    converged = ("never" if verdict["converged_after_s"] is None
                 else f"{verdict['converged_after_s']:.2f} s after the writes stopped")
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>crdtdb soak</title>"
            f"<style>{CSS}</style></head><body><h1>crdtdb soak {status}</h1>{facts}"
            f"<h2>Verdict</h2><p>Converged: {converged}.</p><ul>{checks}</ul>"
            f"<p class=\"note\">{escape(verdict['criterion'])}</p>"
            f"<h2>Resources over time</h2><div class=\"grid\">{''.join(charts(report))}</div>"
            f"<h2>Regions</h2><pre>{escape(summary(report))}</pre></body></html>\n")
