"""Did a resource of a replica grow without bound during a soak? Pure functions over the samples
(scripts/soak.py takes them; docs/reliability.md states the criterion), so each rule is unit-tested
on its own.

A soak writes at a steady rate for its whole duration. Its samples are judged after a warm-up
(WARMUP_FRACTION of the write phase, at most WARMUP_MAX_S: caches, memtables and connections fill
first), in two halves of equal time:

  memory         the anonymous resident memory (RssAnon: heap and stacks, what a leak grows; not
                 the mapped pages of the binary and of LevelDB's table files, which follow the data
                 and which the kernel can drop): its median over the second half is at most
                 RSS_GROWTH_MAX above the median of the first half (or RSS_SLACK_KIB, whichever is
                 larger: allocator noise on a small process). Bounded caches (LevelDB's 8 MiB block
                 cache, 4 MiB memtables) fill early; a leak of a fixed size per write keeps going.
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

WARMUP_FRACTION = 0.2
WARMUP_MAX_S = 60.0
RSS_GROWTH_MAX = 0.10
RSS_SLACK_KIB = 2048
FD_TOLERANCE = 2
DISK_SLACK_BYTES = 8 << 20
SAMPLES_MIN = 4  # per half, to judge memory at all


@dataclass(frozen=True)
class Check:
    name: str     # rss | fds | disk
    region: str
    passed: bool
    detail: str   # one line: the figures and the rule they were held to
    figures: dict = field(default_factory=dict)


def warmup_s(duration_s):
    return min(WARMUP_MAX_S, WARMUP_FRACTION * duration_s)


def halves(series, duration_s):
    """([values], [values]) of the samples of `series` [(t, value)] taken after the warm-up and
    before the end of the writes, split at the middle of that time."""
    start = warmup_s(duration_s)
    middle = (start + duration_s) / 2
    first = [v for t, v in series if start <= t < middle]
    second = [v for t, v in series if middle <= t <= duration_s]
    return first, second


def check_rss(region, series_kib, duration_s):
    """`series_kib` [(t, anonymous RSS in KiB)] of the write phase, t from the start of the writes."""
    first, second = halves(series_kib, duration_s)
    if len(first) < SAMPLES_MIN or len(second) < SAMPLES_MIN:
        return Check("rss", region, False, f"too few samples after the warm-up to judge "
                     f"({len(first)} + {len(second)}; at least {SAMPLES_MIN} per half): sample more often")
    before, after = statistics.median(first), statistics.median(second)
    allowed = max(RSS_GROWTH_MAX * before, RSS_SLACK_KIB)
    growth = after - before
    figures = {"first_half_median_kib": before, "second_half_median_kib": after,
               "growth_fraction": round(growth / before, 4) if before else None,
               "allowed_growth_kib": allowed}
    detail = (f"median RssAnon {before / 1024:.1f} MiB in the first half, {after / 1024:.1f} MiB in the "
              f"second ({_signed_percent(growth, before)}; allowed +{allowed / 1024:.1f} MiB)")
    return Check("rss", region, growth <= allowed, detail, figures)


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


def bytes_per_thousand_writes(start_bytes, end_bytes, writes):
    """Growth of a data directory per 1,000 writes (None without writes)."""
    if writes <= 0:
        return None
    return (end_bytes - start_bytes) * 1000.0 / writes


def _signed_percent(change, base):
    return f"{100.0 * change / base:+.1f}%" if base else "n/a"
