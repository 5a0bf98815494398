"""Did a resource of a replica grow without bound during a soak? Pure functions over the samples
(scripts/soak.py takes them; docs/reliability.md states the criterion and the runs that shaped it),
so each rule is unit-tested on its own, and a saved run can be judged again (`soak.py --judge`).

A soak writes at a steady rate for its whole duration. No finite run proves a bound; these rules
fail a run whose resources exceed what the replica is configured to hold, or are still growing at
its end:

  memory         the anonymous resident memory (RssAnon: heap and stacks, what a leak grows; not
                 the mapped pages of the binary and of LevelDB's table files, which follow the data
                 and which the kernel can drop). Two rules:
                 - ceiling: never more than HEAP_BUDGET_KIB above its quiet value before the
                   writes. LevelDB's configured memory is an 8 MiB block cache and two 4 MiB
                   memtables (the one being written and the one being flushed), 16 MiB; half as
                   much again covers allocator overhead, ZeroMQ queues and the replica's buffers.
                 - plateau: over the last third of the writes, the median of its second half is
                   at most LATE_GROWTH_MAX above the median of its first half (or LATE_SLACK_KIB,
                   whichever is larger). The caches fill at the data's pace (at 20 writes/s per
                   region the block cache takes about 20 minutes), so earlier parts of the run
                   may grow; the end of a run must not, by more than a step.
  descriptors    quiet before the writes and quiet after the convergence (no client connected),
                 the descriptors other than LevelDB's table files are equal within FD_TOLERANCE;
                 while the writes run they never exceed the quiet count plus one per client that
                 may be connected at once, plus FD_TOLERANCE; and no descriptor of a deleted file
                 is left once quiet. Table files are counted apart: their number follows the data,
                 LevelDB's table cache bounds them (max_open_files), and on POSIX LevelDB maps up
                 to 1,000 of them and closes their descriptors.
  disk           grows at most linearly with the writes: the data directory at the end is at
                 most twice its size at the middle of the write phase plus DISK_SLACK_BYTES (one
                 LevelDB write-ahead log and memtable flush, which make the size saw-toothed).
                 The workload keeps creating documents, so the store grows; it must not grow
                 faster than the writes.
"""

import statistics
from dataclasses import dataclass, field

HEAP_BUDGET_KIB = 24 << 10  # (8 MiB block cache + 2 x 4 MiB memtables) x 1.5
LATE_FRACTION = 1 / 3
LATE_GROWTH_MAX = 0.10
LATE_SLACK_KIB = 2048
FD_TOLERANCE = 2
DISK_SLACK_BYTES = 8 << 20
SAMPLES_MIN = 3  # per half of the last third, to judge the plateau at all


@dataclass(frozen=True)
class Check:
    name: str     # rss | fds | disk
    region: str
    passed: bool
    detail: str   # one line: the figures and the rule they were held to
    figures: dict = field(default_factory=dict)


def late_halves(series, duration_s):
    """([values], [values]) of the samples of `series` [(t, value)] in the last third of the
    writes, split at the middle of that third."""
    start = duration_s - duration_s * LATE_FRACTION
    middle = duration_s - duration_s * LATE_FRACTION / 2
    first = [v for t, v in series if start <= t < middle]
    second = [v for t, v in series if middle <= t <= duration_s]
    return first, second


def check_rss(region, series_kib, duration_s, start_kib, end_kib):
    """`series_kib` [(t, anonymous RSS in KiB)] of the write phase, t from the start of the writes;
    `start_kib` and `end_kib` the quiet values before the writes and after convergence."""
    ceiling = start_kib + HEAP_BUDGET_KIB
    highest = max([v for _, v in series_kib] + [end_kib])
    first, second = late_halves(series_kib, duration_s)
    problems = []
    if highest > ceiling:
        problems.append(f"RssAnon reached {highest / 1024:.1f} MiB, above the ceiling of {ceiling / 1024:.1f} MiB "
                        f"(quiet start + {HEAP_BUDGET_KIB >> 10} MiB)")
    figures = {"start_kib": start_kib, "highest_kib": highest, "ceiling_kib": ceiling}
    if len(first) < SAMPLES_MIN or len(second) < SAMPLES_MIN:
        problems.append(f"too few samples in the last third of the writes to judge the plateau "
                        f"({len(first)} + {len(second)}; at least {SAMPLES_MIN} per half): sample more often")
        return Check("rss", region, False, "; ".join(problems), figures)
    before, after = statistics.median(first), statistics.median(second)
    allowed = max(LATE_GROWTH_MAX * before, LATE_SLACK_KIB)
    growth = after - before
    figures.update(late_first_median_kib=before, late_second_median_kib=after, late_allowed_growth_kib=allowed)
    if growth > allowed:
        problems.append(f"still growing at the end: median RssAnon {before / 1024:.1f} -> {after / 1024:.1f} MiB "
                        f"over the last third of the writes (allowed +{allowed / 1024:.1f} MiB)")
    detail = "; ".join(problems) or (
        f"RssAnon at most {highest / 1024:.1f} MiB (ceiling {ceiling / 1024:.1f}); last third of the writes "
        f"{before / 1024:.1f} -> {after / 1024:.1f} MiB (allowed +{allowed / 1024:.1f})")
    return Check("rss", region, not problems, detail, figures)


def check_fds(region, quiet_start, quiet_end, during, clients_max, deleted_at_end):
    """Descriptors other than table files: `quiet_start` and `quiet_end` counts with no client
    connected, `during` [(t, count)] while the writes ran; `clients_max` the most client
    connections that may be open at once; `deleted_at_end` descriptors of deleted files when quiet."""
    ceiling = quiet_start + clients_max + FD_TOLERANCE
    highest = max((v for _, v in during), default=quiet_start)
    problems = []
    if abs(quiet_end - quiet_start) > FD_TOLERANCE:
        problems.append(f"quiet count changed from {quiet_start} to {quiet_end} (more than ±{FD_TOLERANCE})")
    if highest > ceiling:
        problems.append(f"{highest} while writing, above {ceiling} (quiet {quiet_start} + {clients_max} "
                        f"clients + {FD_TOLERANCE})")
    if deleted_at_end:
        problems.append(f"{deleted_at_end} descriptors of deleted files still open when quiet")
    figures = {"quiet_start": quiet_start, "quiet_end": quiet_end, "max_while_writing": highest,
               "ceiling_while_writing": ceiling, "deleted_at_end": deleted_at_end}
    detail = "; ".join(problems) or (f"quiet {quiet_start} -> {quiet_end}, at most {highest} while "
                                     f"writing (ceiling {ceiling}), no deleted file held")
    return Check("fds", region, not problems, detail, figures)


def check_disk(region, series_bytes, end_bytes, duration_s):
    """`series_bytes` [(t, data directory bytes)] of the write phase; `end_bytes` once quiet."""
    middle_t = duration_s / 2
    if not series_bytes:
        return Check("disk", region, False, "no sample of the data directory")
    _, middle = min(series_bytes, key=lambda s: abs(s[0] - middle_t))
    allowed = 2 * middle + DISK_SLACK_BYTES
    figures = {"middle_bytes": middle, "end_bytes": end_bytes, "allowed_end_bytes": allowed}
    detail = (f"{end_bytes / 2**20:.1f} MiB at the end, {middle / 2**20:.1f} MiB at the middle "
              f"(allowed at the end: {allowed / 2**20:.1f} MiB)")
    return Check("disk", region, end_bytes <= allowed, detail, figures)


def clients_max(client_threads_per_region):
    """Client connections a region may have open at once in a soak: its writers, one observer
    poll and one status or list of the run itself."""
    return client_threads_per_region + 2


def judge(samples, duration_s, clients_max):
    """Every check of every region, from `samples` {region: [sample]} as soak.json holds them
    (phases "quiet start", "writes", "settle", "quiet end"); [] if a quiet sample is missing."""
    checks = []
    for region, region_samples in samples.items():
        quiet = {s["phase"]: s for s in region_samples if s["phase"] in ("quiet start", "quiet end")}
        start, end = quiet.get("quiet start"), quiet.get("quiet end")
        if start is None or end is None:
            return []  # the run stopped before its end: nothing to judge
        if "rss_anon_kib" not in start or "rss_anon_kib" not in end:
            checks.append(Check("rss", region, False, "the replica could not be read in /proc"))
            continue

        def series(name, phases=("writes",)):
            return [(s["t"], s[name]) for s in region_samples if s["phase"] in phases and s.get(name) is not None]

        checks.append(check_rss(region, series("rss_anon_kib"), duration_s, start["rss_anon_kib"],
                                end["rss_anon_kib"]))
        checks.append(check_fds(region, start["fds_steady"], end["fds_steady"],
                                series("fds_steady", ("writes", "settle")), clients_max, end["fds"]["deleted"]))
        checks.append(check_disk(region, series("data_bytes"), end["data_bytes"], duration_s))
    return checks


def bytes_per_thousand_writes(start_bytes, end_bytes, writes):
    """Growth of a data directory per 1,000 writes (None without writes)."""
    if writes <= 0:
        return None
    return (end_bytes - start_bytes) * 1000.0 / writes
