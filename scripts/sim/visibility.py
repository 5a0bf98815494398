"""When does a write become visible in the other regions? Measured on every probe (the put that
creates a ledger document, history.py), in every other region, by polling.

Each region has an observer thread. Every `probe_interval_ms` it asks its region, for each other
origin, `list /ledger-ORIGIN --start-after CURSOR`, where CURSOR is just below the oldest probe of
that origin it has not seen yet: one cheap call per origin returns every probe that became visible
since, whatever order they arrive in.

A probe first seen in a poll became visible between the previous poll of that (observer, origin)
pair, which did not show it, and this one (each poll's time is the end of its CLI run, when the
region answered; most of a CLI run is process start-up). It
cannot have been visible before it was acknowledged either (with a WAN latency between the two
regions it arrives after the origin's answer): so its visibility time is taken as the middle of
[max(previous poll, acknowledgement), this poll]. The error is at most half a poll interval. The lag of a probe is that time minus the moment its put was acknowledged at the
origin (the CLI exited 0). Ambiguous probes are not waited for (their commit time is unknown)
and not counted.
"""

import threading
from dataclasses import dataclass, field

from sim.history import ACKED, AMBIGUOUS, REJECTED, ledger_collection, ledger_id

PAGE_MAX = 1000


@dataclass
class Probe:
    write: object                             # the history.Write of the put
    seen: dict = field(default_factory=dict)  # observer -> (last poll without it, first poll with it)

    def visible_s(self, observer):
        """When it became visible at `observer` (estimated, see above), or None if never seen."""
        if observer not in self.seen:
            return None
        before, after = self.seen[observer]
        acknowledged = self.write.ended_s if self.write.outcome == ACKED else self.write.started_s
        lower = max(before, acknowledged)
        return after if lower >= after else (lower + after) / 2

    def lag_s(self, observer):
        """Seconds from acknowledgement to visibility at `observer`, or None (not acked, not seen)."""
        if self.write.outcome != ACKED or observer not in self.seen:
            return None
        return max(0.0, self.visible_s(observer) - self.write.ended_s)


class VisibilityTracker:
    def __init__(self, regions, cli, endpoints, clock, is_up, interval_s):
        self.regions, self.cli, self.endpoints, self.clock = regions, cli, endpoints, clock
        self.is_up, self.interval_s = is_up, interval_s
        self.lock = threading.Lock()
        self.probes = {r: {} for r in regions}  # origin -> n -> Probe
        self.last_poll_s = {}                    # (observer, origin) -> time of the last poll
        self.stop_event = threading.Event()
        self.threads = []

    def probe_started(self, write):
        with self.lock:
            self.probes[write.region][int(write.doc_id)] = Probe(write)

    def all_probes(self):
        with self.lock:
            return [p for by_n in self.probes.values() for p in by_n.values()]

    def unseen_count(self):
        """(observer, probe) pairs of acknowledged probes not seen yet: 0 once everything is
        everywhere."""
        with self.lock:
            return sum(1 for origin, by_n in self.probes.items() for p in by_n.values()
                       if p.write.outcome == ACKED
                       for observer in self.regions if observer != origin and observer not in p.seen)

    def start(self):
        for observer in self.regions:
            thread = threading.Thread(target=self._observe, args=(observer,),
                                      name=f"observe-{observer}", daemon=True)
            thread.start()
            self.threads.append(thread)

    def stop(self, timeout_s):
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout_s)

    def _observe(self, observer):
        next_poll = self.clock.now()
        while self.clock.sleep_until(next_poll, self.stop_event):
            next_poll += self.interval_s
            if self.is_up(observer):
                for origin in self.regions:
                    if origin != observer:
                        self._poll(observer, origin)
            next_poll = max(next_poll, self.clock.now())  # never try to catch up a backlog

    def _poll(self, observer, origin):
        oldest = self._oldest_awaited(observer, origin)
        if oldest is None:
            return
        result, rows = self.cli.list_collection(
            self.endpoints[observer], ledger_collection(origin),
            start_after=ledger_id(oldest - 1) if oldest > 1 else None, limit=PAGE_MAX)
        if rows is None:
            return  # the region did not answer (being killed?): nothing learnt
        now = result.ended_s  # the region reads at the end of a CLI run: process start-up comes first
        with self.lock:
            previous = self.last_poll_s.get((observer, origin), result.started_s)
            self.last_poll_s[(observer, origin)] = now
            for doc_id, _ in rows:
                probe = self.probes[origin].get(int(doc_id)) if doc_id.isdigit() else None
                if probe is not None and observer not in probe.seen:
                    probe.seen[observer] = (previous, now)

    def _oldest_awaited(self, observer, origin):
        """The lowest n of `origin`'s probes that `observer` should see and has not seen."""
        with self.lock:
            awaited = [n for n, p in self.probes[origin].items()
                       if observer not in p.seen and p.write.outcome not in (REJECTED, AMBIGUOUS)]
            return min(awaited, default=None)
