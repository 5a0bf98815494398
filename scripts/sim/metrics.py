"""The figures of a run, computed from the probes (visibility.py) and the fault windows (faults.py):
visibility lag per region pair, and the time to converge after each heal. Pure functions.

All times here are on the run's clock (seconds); lags are reported in milliseconds.
"""

import math
from dataclasses import dataclass

from sim.history import ACKED

QUANTILES = (50, 95, 99)


def percentile(values, q):
    """The nearest-rank q-th percentile of `values` (None if empty): the smallest value that at
    least q% of the values do not exceed."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100.0 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class LagSample:
    origin: str
    observer: str
    acked_s: float
    lag_ms: float
    during_fault: bool  # a fault touching this pair, or the recovery from it, overlapped the lag


def lag_samples(probes, windows, regions):
    """One sample per probe and region that saw it. A fault touches a sample if it affects the pair
    and overlaps [acknowledgement, visibility], counting the fault as lasting until the cluster
    converged after its heal: writes made while links reconnect and catch up are part of it."""
    recovered_s = {id(w): _recovered_s(probes, w, regions) for w in windows}
    samples = []
    for probe in probes:
        write = probe.write
        for observer in probe.seen:
            lag_s = probe.lag_s(observer)
            if lag_s is None or observer == write.region:
                continue
            seen_s = write.ended_s + lag_s
            faulted = any(w.fault.affects(write.region, observer) and
                          _overlaps(w.started_s, recovered_s[id(w)], write.ended_s, seen_s)
                          for w in windows)
            samples.append(LagSample(write.region, observer, write.ended_s, lag_s * 1000.0, faulted))
    return sorted(samples, key=lambda s: s.acked_s)


def pair_summaries(samples, probes, topology):
    """Per (origin, observer): the imposed one-way latency, how many acknowledged probes there were
    and how many were seen, and the lag percentiles: fault-free ("steady") and overall."""
    rows = []
    for origin, observer in topology.pairs():
        pair = [s for s in samples if (s.origin, s.observer) == (origin, observer)]
        steady = [s.lag_ms for s in pair if not s.during_fault]
        everything = [s.lag_ms for s in pair]
        acked = [p for p in probes if p.write.region == origin and p.write.outcome == ACKED]
        row = {"origin": origin, "observer": observer,
               "imposed_ms": topology.latency_ms[(origin, observer)],
               "probes": len(acked), "seen": sum(1 for p in acked if observer in p.seen),
               "steady_samples": len(steady)}
        for q in QUANTILES:
            row[f"p{q}_ms"] = _rounded(percentile(steady, q))
            row[f"all_p{q}_ms"] = _rounded(percentile(everything, q))
        row["max_ms"] = _rounded(max(everything, default=None))
        rows.append(row)
    return rows


def convergence_after_heals(probes, windows, regions):
    """For each healed fault: seconds from the heal until every probe acknowledged before it was
    visible in every region (None if some never was)."""
    rows = []
    for w in windows:
        row = {"fault": w.fault.label, "kind": w.fault.kind, "regions": list(w.fault.regions),
               "started_s": w.started_s,
               "healed_s": w.healed_s, "convergence_s": None, "error": w.error}
        if w.healed_s is not None and not w.error:
            row["convergence_s"] = _time_to_see_all(probes, w.healed_s, regions)
        rows.append(row)
    return rows


def _time_to_see_all(probes, heal_s, regions):
    last_seen = heal_s
    for probe in probes:
        write = probe.write
        if write.outcome != ACKED or write.ended_s >= heal_s:
            continue
        for observer in regions:
            if observer == write.region:
                continue
            if observer not in probe.seen:
                return None
            last_seen = max(last_seen, probe.visible_s(observer))
    return round(last_seen - heal_s, 3)


def _recovered_s(probes, window, regions):
    """When the cluster had caught up after `window`'s heal (infinity if never, or not healed)."""
    if window.healed_s is None or window.error:
        return math.inf
    convergence_s = _time_to_see_all(probes, window.healed_s, regions)
    return math.inf if convergence_s is None else window.healed_s + convergence_s


def _overlaps(start_s, end_s, begin_s, finish_s):
    return start_s is not None and start_s <= finish_s and begin_s <= end_s


def _rounded(value):
    return None if value is None else round(value, 1)
