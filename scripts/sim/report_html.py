"""The report as one self-contained HTML page (inline CSS and SVG: it opens from a file, offline).
It renders report.json's dict and nothing else, so the page and the JSON never disagree.
"""

from html import escape

from sim import svg

CSS = """
body { font-family: sans-serif; margin: 24px; color: #222; max-width: 1100px; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 12px; margin: 8px 0; }
th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.pass { color: #1a7f37; font-weight: bold; } .fail { color: #c62828; font-weight: bold; }
.grid { display: flex; flex-wrap: wrap; gap: 8px; } .note { color: #555; font-size: 12px; }
"""


def render(report):
    verdict = report["verdict"]
    status = ('<span class="pass">PASSED</span>' if verdict["passed"] else '<span class="fail">FAILED</span>')
    sections = [
        f"<h1>crdtdb multi-region simulation: {escape(report['scenario']['name'])} {status}</h1>",
        _facts(report),
        _checks(report),
        "<h2>Visibility lag over time, per region pair</h2>",
        '<p class="note">Each dot is one write (the put that creates a ledger document), at the time it '
        "was acknowledged in its origin region, and how long after that it became visible in the "
        "observer region. Blue: no fault touched the pair meanwhile; orange: a fault did, or the catch-up "
        "after its heal. Shaded: the faults that touch the pair. Dashed: the imposed one-way latency.</p>",
        _lag_timelines(report),
        "<h2>Lag distribution (fault-free writes)</h2>",
        svg.cdf("Cumulative distribution of the visibility lag",
                [(f"{p['origin']} -> {p['observer']} ({p['imposed_ms']} ms)", _steady_lags(report, p))
                 for p in report["lag"]["pairs"]]),
        _lag_table(report),
        "<h2>Convergence after each heal</h2>",
        '<p class="note">Seconds from the heal (for a kill: the restart, start-up included) until every '
        "write acknowledged before it was visible in every region.</p>",
        svg.horizontal_bars("Time to converge after the heal",
                            [(f["fault"], f["convergence_s"]) for f in report["faults"]], "s")
        if report["faults"] else "<p>No faults in this scenario.</p>",
        _fault_table(report),
        "<h2>Regions</h2>",
        svg.lines("Live documents per region", [(r, pts) for r, pts in report["documents_over_time"].items()],
                  _windows(report, None), report["run"]["writes_duration_s"], "documents"),
        _region_table(report),
        *_node_sections(report),
        *_move_sections(report),
        "<h2>WAN traffic per link and channel</h2>",
        _wan_table(report),
        "<h2>Writes</h2>",
        _writes_table(report),
    ]
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>crdtdb simulation "
            f"{escape(report['scenario']['name'])}</title><style>{CSS}</style></head><body>"
            + "\n".join(sections) + "</body></html>\n")


def _facts(report):
    run, scenario = report["run"], report["scenario"]
    latency = ", ".join(f"{a} -> {b} {ms} ms" for a, b, ms in run["latency_ms"] if a < b)
    rows = [("scenario", f"{scenario['name']}: {scenario['description']}"),
            ("regions", f"{', '.join(_region_label(run, r) for r in run['regions'])} (cluster "
                        f"{run['cluster']}, from {run['regions_file']})"),
            ("one-way latency", latency),
            ("writes", f"{scenario['duration_s']:g} s at {scenario['write_rate_per_region']:g}/s per region; "
                       f"mix {_mix(scenario['mix'])}; {scenario['collide']:.0%} colliding; seed {scenario['seed']}"),
            ("network", run["wan"]),
            ("run", f"started {run['started_at']}, {run['wall_time_s']:g} s in all; folder {run['run_dir']}; "
                    f"binary {run['binary']}")]
    rows += [("warning", w) for w in run["warnings"]]
    return _table(("", ""), rows, header=False)


def _region_label(run, region):
    nodes = run.get("nodes", {}).get(region, [region])
    return region if nodes == [region] else f"{region} ({len(nodes)} nodes: {', '.join(nodes)})"


def _checks(report):
    verdict = report["verdict"]
    items = []
    if verdict["converged_after_s"] is not None:
        items.append(f"converged {verdict['converged_after_s']:.2f} s after the writes stopped: equal "
                     f"merkle_root and equal dumps on {verdict['checked']['regions']} regions")
    items += [f"<span class='fail'>[{escape(v['check'])}]</span> {escape(v['region'])} "
              f"{escape(v['key'])}: {escape(v['message'])}" for v in verdict["violations"][:200]]
    if not verdict["violations"]:
        items.append(f"no acknowledged field lost ({verdict['checked']['ledger_documents']} ledger documents); "
                     f"counters equal their acknowledged sums ({verdict['checked']['counter_fields']} fields); "
                     "every shared value was written there; every list holds each acknowledged insert once "
                     f"({verdict['checked'].get('list_items', 0)} items); every replica stopped cleanly")
    return "<h2>Verdict</h2><ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def _lag_timelines(report):
    duration = report["run"]["writes_duration_s"]
    y_max = max([s[3] for s in report["lag"]["samples"]] + [1000]) * 1.2
    charts = []
    for p in report["lag"]["pairs"]:
        points = [(s[2], s[3], s[4]) for s in report["lag"]["samples"]
                  if (s[0], s[1]) == (p["origin"], p["observer"])]
        charts.append(svg.lag_timeline(f"{p['origin']} -> {p['observer']} (latency {p['imposed_ms']} ms)",
                                       points, _windows(report, (p["origin"], p["observer"])),
                                       p["imposed_ms"], duration, y_max))
    return '<div class="grid">' + "".join(charts) + "</div>"


def _windows(report, pair):
    """(start, end, label) of the faults touching `pair` (all faults if None)."""
    windows = []
    for f in report["faults"]:
        if f["started_s"] is None:
            continue
        if pair is None or _touches(f, pair):
            end = f["healed_s"] if f["healed_s"] is not None else report["run"]["writes_duration_s"]
            windows.append((f["started_s"], end, f["fault"]))
    return windows


def _touches(fault, pair):
    """As scenario.Fault.affects, on a fault row of the report."""
    if fault["kind"] == "cut":
        return set(fault["regions"]) == set(pair)
    return fault["regions"][0] in pair


def _steady_lags(report, pair):
    return [s[3] for s in report["lag"]["samples"]
            if (s[0], s[1]) == (pair["origin"], pair["observer"]) and not s[4]]


def _lag_table(report):
    rows = [(f"{p['origin']} -> {p['observer']}", p["imposed_ms"], f"{p['seen']}/{p['probes']}",
             p["steady_samples"], _v(p["p50_ms"]), _v(p["p95_ms"]), _v(p["p99_ms"]),
             _v(p["all_p99_ms"]), _v(p["max_ms"])) for p in report["lag"]["pairs"]]
    return _table(("pair", "latency ms", "seen", "fault-free", "p50 ms", "p95 ms", "p99 ms",
                   "p99 all ms", "max all ms"), rows)


def _fault_table(report):
    rows = [(f["fault"], _v(f["started_s"]), _v(f["healed_s"]), _v(f["convergence_s"], "never"),
             f["error"] or "") for f in report["faults"]]
    return _table(("fault", "start s", "heal s", "converged after s", "error"), rows) if rows else ""


def _region_table(report):
    rows = [(r["region"], _v(r["documents"]), r["deltas_sent"], r["deltas_received"], r["bytes_sent"],
             r["bytes_received"], r["anti_entropy_rounds"], r["docs_repaired"], r["rejected_messages"],
             r["apply_failures"], r["futile_repairs"], r["starts"], _v(r["stop_status"]),
             (r["merkle_root"] or "-")[:12])
            for r in report["regions"]]
    return _table(("region", "documents", "deltas sent", "deltas received", "bytes sent", "bytes received",
                   "AE rounds", "docs repaired", "rejected", "apply failures", "futile repairs", "starts",
                   "stop status", "merkle root"), rows)


def _node_sections(report):
    """Per-node load of the regions of several nodes (nothing when every region is one node)."""
    if not report.get("nodes"):
        return []
    rows = [(n["node"], n["region"], _v(n["partitions"]), _v(n["documents"]), _v(n["writes"]),
             _v(n["commits"]), _v(n["deltas_sent"]), _v(n["deltas_received"]), n["starts"], n["kills"],
             _v(n["stop_status"]), (n["merkle_root"] or "-")[:12], _membership(n)) for n in report["nodes"]]
    note = ('<p class="note">Each node at its last answer to the sampler: partitions it owns, documents it '
            "holds, writes (its own delta sequence: the writes its clients made there), commits (every write to its "
            "store, its clients' and its peers'), deltas out and in; starts and kill -9s; the root "
            "of the partitions it owns. The region's convergence is checked on the region's merkle_root "
            "(one owner per partition) and every owner of a partition must hold the same partition root.</p>")
    checked = report["verdict"]["checked"].get("owner_partition_roots", 0)
    note += (f'<p class="note">{checked} partition roots of owners compared at the end.</p>' if checked else "")
    return ["<h2>Nodes</h2>",
            svg.lines("Documents per node", list(report.get("node_documents_over_time", {}).items()),
                      _windows(report, None) + _move_windows(report), report["run"]["writes_duration_s"],
                      "documents"),
            note + _table(("node", "region", "partitions", "documents", "writes", "commits",
                           "deltas sent", "deltas received", "starts", "kills", "stop status",
                           "merkle root", "member"), rows)]


def _membership(node):
    """When the node was in the cluster: from the start, or since / until a membership step."""
    parts = [] if node.get("added_s") is None else [f"added at {node['added_s']:.1f} s"]
    parts += [] if node.get("removed_s") is None else [f"removed at {node['removed_s']:.1f} s"]
    return ", ".join(parts) or "from the start"


def _move_windows(report):
    return [(m["started_s"], m["ended_s"] if m["ended_s"] is not None else report["run"]["writes_duration_s"],
             m["step"]) for m in report.get("moves", []) if m["started_s"] is not None]


def _move_sections(report):
    """Nodes added and removed while the cluster ran (nothing when the scenario has no such step)."""
    if not report.get("moves"):
        return []
    rows = [(m["step"], m["region"], _v(m["started_s"]), _v(m["handed_off_s"]), _v(m["ended_s"]),
             _v(m["duration_s"], "never"), m["partitions_moved"], _partitions_text(m["partitions"]),
             _by_node(m["gained"]), _by_node(m["lost"]), m["peak_moves"], m["error"])
            for m in report["moves"]]
    note = ('<p class="note">Each step as the runbook of docs/sharding.md runs it, while the writes go on. '
            "Start: the configuration rewritten (the new node then started; every node sent SIGHUP). "
            "Handed off (a removal): the node answered on the new placement with no move from it, and "
            "was then removed from the file and stopped. End: the first status of the region, with the "
            "newest file, where every node answered, <code>moves</code> was empty and "
            "<code>nodes_on_another_placement</code> too. Partitions: those whose owners changed "
            "(every node's owned partitions at the start and at the end); peak moves: the most partitions "
            "the region's status showed still held by a node that does not own them.</p>")
    return ["<h2>Moves (nodes added and removed)</h2>", note,
            _table(("step", "region", "start s", "handed off s", "end s", "duration s", "partitions",
                    "which", "gained", "lost", "peak moves", "error"), rows)]


def _partitions_text(partitions, shown=16):
    text = ", ".join(str(p) for p in partitions[:shown])
    return text + (f" ... ({len(partitions)})" if len(partitions) > shown else "")


def _by_node(partitions_by_node):
    return "; ".join(f"{n} {len(p)}" for n, p in partitions_by_node.items()) or "-"


def _wan_table(report):
    rows = [(f"{l['from']} -> {l['to']}", l["channel"], l["delivered_bytes"], l["dropped_bytes"],
             l["connections"], l["resets"]) for l in report["wan"]]
    note = ('<p class="note">Bytes as relayed between regions. Channel publish carries the delta stream '
            "(deltas, heartbeats) from the publishing region, and subscriptions the other way; channel sync "
            "carries gap-repair and anti-entropy requests and their answers. Connections are counted on the "
            "link from the connecting region.</p>")
    return note + _table(("link", "channel", "bytes delivered", "bytes dropped (cut)", "connections",
                          "resets at heal"), rows)


def _writes_table(report):
    w = report["writes"]
    rows = [(kind, c["acked"], c["ambiguous"], c["rejected"]) for kind, c in w["by_kind"].items()]
    rows.append(("all", w["acked"], w["ambiguous"], w["rejected"]))
    note = (f'<p class="note">{w["skipped"]} writes skipped (region down, or all its clients busy); '
            f'{w["probes"]} lag probes. Ambiguous: the client got no answer (its region was killed '
            "mid-request); such a write may or may not have happened, and the checks allow both.</p>")
    return _table(("operation", "acknowledged", "ambiguous", "rejected"), rows) + note


def _table(columns, rows, header=True):
    head = "<tr>" + "".join(f"<th>{escape(str(c))}</th>" for c in columns) + "</tr>" if header else ""
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table>{head}{body}</table>"


def _mix(mix):
    return ", ".join(f"{op} {share:.0%}" for op, share in mix.items() if share)


def _v(value, none="-"):
    return none if value is None else value
