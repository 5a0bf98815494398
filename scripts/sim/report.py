"""The report of a run as one JSON-ready dict: the single source of the summary table, the HTML
report and report.json, so that the three always show the same figures.

Times are seconds from the start of the writes (t = 0), not the run's clock.
"""

import json
from collections import Counter

from sim import metrics
from sim.history import ACKED, AMBIGUOUS, LEDGER_PREFIX, LISTS, REJECTED

WAN_DESCRIPTION = ("userspace TCP relays (scripts/sim/wan_relay.py), one per directed region link and "
                   "channel: every byte delayed by the link's one-way latency; a cut black-holes bytes "
                   "and connections that lost bytes are reset at the heal. No loss, jitter or bandwidth "
                   "limit; network namespaces and nftables not used.")


def build(run, final, violations):
    """`run` is the finished sim.run.Run; `final` the settle.FinalState; `violations` the checks'."""
    origin = run.writes_start_s
    writes = run.history.snapshot()
    probes = run.tracker.all_probes()
    windows = run.injector.windows
    samples = metrics.lag_samples(probes, windows, run.topology.regions)
    return {
        "verdict": _verdict(run, final, violations),
        "run": _run_facts(run),
        "scenario": _scenario(run.scenario, origin),
        "writes": _writes(writes, run.history.counts()),
        "lag": {
            "pairs": metrics.pair_summaries(samples, probes, run.topology),
            "samples": [[s.origin, s.observer, round(s.acked_s - origin, 3), round(s.lag_ms, 1),
                         s.during_fault] for s in samples],
        },
        "faults": [_shifted(row, origin) for row in
                   metrics.convergence_after_heals(probes, windows, run.topology.regions)],
        "moves": [move_row(m, origin) for m in run.mover.records],
        "regions": _regions(run, final),
        "nodes": node_rows(run.topology, run.sampler, run.cluster, run.scenario, run.mover.records, origin),
        "documents_over_time": {r: [[round(t - origin, 2), n] for t, n in run.sampler.series(r, "documents")]
                                for r in run.topology.regions},
        "node_documents_over_time": {n: [[round(t - origin, 2), v] for t, v in pts]
                                     for r in run.topology.regions if run.topology.is_multi_node(r)
                                     for n, pts in sorted(run.sampler.node_series(r, "documents").items())},
        "wan": run.wan_stats,
    }


def write_json(report, path):
    path.write_text(json.dumps(report, indent=1) + "\n")


def _verdict(run, final, violations):
    return {
        "passed": not violations and final.converged_after_s is not None,
        "converged_after_s": final.converged_after_s,
        "violations": [vars(v) for v in violations],
        "checked": {
            "regions": len(final.dumps),
            "collections": len(run.collections),
            "ledger_documents": sum(len(d) for c, d in next(iter(final.dumps.values()), {}).items()
                                    if c.startswith(LEDGER_PREFIX)),
            "counter_fields": len({(w.key, f) for w in run.history.snapshot() if w.kind == "inc"
                                   for f in w.body}),
            "list_items": sum(len(doc["items"]) for doc in next(iter(final.dumps.values()), {}).get(LISTS, {}).values()
                              if isinstance(doc.get("items"), list)),
            "owner_partition_roots": sum(len(p) for by_node in final.owner_roots.values()
                                         for p in by_node.values()),
        },
    }


def _run_facts(run):
    return {
        "started_at": run.started_at, "run_dir": str(run.run_dir), "binary": str(run.binary),
        "regions_file": str(run.regions_file), "cluster": run.topology.cluster,
        "regions": list(run.topology.regions),
        "nodes": {r: list(run.topology.nodes_of(r)) for r in run.topology.regions},
        "spare_nodes": {r: list(run.topology.spares_of(r)) for r in run.topology.regions
                        if run.topology.spares_of(r)},
        "partitions": run.topology.partitions,
        "latency_ms": [[a, b, ms] for (a, b), ms in sorted(run.topology.latency_ms.items())],
        "writes_duration_s": run.scenario.duration_s,
        "wall_time_s": round(run.clock.now(), 1),
        "wan": WAN_DESCRIPTION, "warnings": list(run.topology.warnings),
    }


def _scenario(scenario, origin):
    return {
        "name": scenario.name, "description": scenario.description, "seed": scenario.seed,
        "duration_s": scenario.duration_s, "write_rate_per_region": scenario.write_rate_per_region,
        "mix": {op: round(share, 3) for op, share in scenario.mix.items()},
        "collide": scenario.collide, "shared_docs": scenario.shared_docs,
        "counter_docs": scenario.counter_docs, "probe_interval_ms": scenario.probe_interval_ms,
        "faults": [{"fault": f.label, "at_s": f.start_s, "heal_s": f.heal_s} for f in scenario.faults],
        "moves": [{"step": m.label, "at_s": m.at_s} for m in scenario.moves],
    }


def _writes(writes, counts):
    by_kind = Counter((w.kind, w.outcome) for w in writes)
    return {
        "total": len(writes), **{k: counts[k] for k in (ACKED, AMBIGUOUS, REJECTED)},
        "skipped": counts["skipped"], "probes": sum(1 for w in writes if w.probe),
        "by_kind": {kind: {outcome: by_kind[(kind, outcome)] for outcome in (ACKED, AMBIGUOUS, REJECTED)}
                    for kind in ("put", "patch", "inc", "delete", "list")},
        "ambiguous_writes": [{"op": w.op_id, "region": w.region, "kind": w.kind, "key": w.key, "error": w.error}
                      for w in writes if w.outcome == AMBIGUOUS],
    }


def _regions(run, final):
    rows = []
    for region in run.topology.regions:
        status = final.statuses.get(region, {})
        rows.append({"region": region, "documents": status.get("documents"),
                     "merkle_root": status.get("merkle_root"), **run.sampler.totals(region),
                     "starts": run.cluster.incarnation(region),
                     "stop_status": run.cluster.region_exit_code(region),
                     "nodes": len(run.topology.nodes_of(region)),
                     "replication_factor": run.topology.replication_factor.get(region, 1)})
    return rows


def move_row(record, origin):
    """One membership step (moves.MoveRecord) as the report has it; times from the writes' start."""
    def shifted(t):
        return None if t is None else round(t - origin, 3)
    duration = record.duration_s
    return {"step": record.step.label, "kind": record.step.kind, "node": record.step.node,
            "region": record.step.region, "at_s": record.step.at_s,
            "started_s": shifted(record.started_s), "handed_off_s": shifted(record.handed_off_s),
            "ended_s": shifted(record.ended_s), "duration_s": None if duration is None else round(duration, 3),
            "partitions_moved": len(record.partitions), "partitions": record.partitions,
            "gained": record.gained, "lost": record.lost, "peak_moves": record.peak_moves,
            "error": record.error}


def node_rows(topology, sampler, cluster, scenario, moves=(), origin=0.0):
    """Per node of the regions of several nodes (none if every region is one node), spare nodes
    once added: its load at its last answer (documents held; writes: its own delta sequence, the
    writes its clients made there; commits: every write to its store, its clients' and its
    peers'), partitions owned, starts, kills, stop status, and when a step added or removed it
    (`moves`: moves.MoveRecord)."""
    added = {m.step.node: m.started_s - origin for m in moves
             if m.step.kind == "add_node" and m.started_s is not None}
    removed = {m.step.node: m.ended_s - origin for m in moves
               if m.step.kind == "remove_node" and m.ended_s is not None}
    rows = []
    for region in topology.regions:
        if not topology.is_multi_node(region):
            continue
        last = sampler.last_node_statuses(region)
        for node in topology.nodes_of(region) + tuple(n for n in topology.spares_of(region) if n in added):
            status = last.get(node, {})
            partitions = status.get("partitions")
            rows.append({"node": node, "region": region, "documents": status.get("documents"),
                         "writes": status.get("last_sequence"), "commits": status.get("commits"),
                         "partitions": len(partitions) if isinstance(partitions, list) else partitions,
                         "deltas_sent": status.get("deltas_sent"),
                         "deltas_received": status.get("deltas_received"),
                         "merkle_root": status.get("merkle_root"),
                         "starts": cluster.starts.get(node), "kills": cluster.kills.get(node, 0),
                         "kills_scheduled": scenario.kills_of(node),
                         "stop_status": cluster.exit_codes.get(node),
                         "added_s": round(added[node], 3) if node in added else None,
                         "removed_s": round(removed[node], 3) if node in removed else None})
    return rows


def _shifted(row, origin):
    return {**row, **{k: None if row[k] is None else round(row[k] - origin, 3)
                      for k in ("started_s", "healed_s")}}

