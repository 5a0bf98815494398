"""The membership steps of the timeline (scenario.MoveStep), run in a thread of their own the way the
runbook of docs/sharding.md says, and what each took.

  add_node N     N joins its region's members in every config (and the operator's); N is started;
                 every other node that is up, in every region (they replicate with N too), gets
                 SIGHUP; then the region's status (newest file) is watched until it shows no move
                 and no node on another placement, every node answering; then the clients get the
                 new file.
  remove_node N  N is marked `leaving: true` in every config; every node, N included, gets SIGHUP;
                 once N answers on the new placement with no move from it (it handed everything
                 off), the clients get that file, N is removed from every config, the others get
                 SIGHUP, N is stopped (SIGTERM, by the pid this script started); then the region is
                 watched as for an addition and the clients get the final file.

A node that is down (a kill of the timeline) gets no SIGHUP: it reads its rewritten file when it is
restarted. A node the region's status still names on another placement (it was restarting while
its file changed) gets SIGHUP again every RELOAD_AGAIN_S.

Steps run one after the other: a step due while the previous one still moves starts when that one
ends (its start is when it really started). Each wait is bounded by `timeout_s`; past it the step
is recorded failed (the verdict reports it) and the steps after it do not run.

Per step: start (the first config rewrite), end (the first status that showed the region done),
the partitions whose owners changed (every node's `partitions` at the start and at the end), what
each node gained and lost, and the most moves the region's status showed at once.
"""

import json
import threading
import time
from dataclasses import dataclass, field

from sim.cluster import ClusterError

POLL_S = 0.25
RELOAD_AGAIN_S = 2.0


@dataclass
class MoveRecord:
    step: object                      # scenario.MoveStep
    started_s: float | None = None    # run clock
    handed_off_s: float | None = None  # remove_node: when no move from the node was left
    ended_s: float | None = None
    partitions: list = field(default_factory=list)  # partitions whose owners changed
    gained: dict = field(default_factory=dict)      # node -> partitions it owns now and did not
    lost: dict = field(default_factory=dict)        # node -> partitions it owned and does not
    peak_moves: int = 0               # the longest `moves` list the region's status showed
    error: str = ""

    @property
    def duration_s(self):
        if self.started_s is None or self.ended_s is None:
            return None
        return self.ended_s - self.started_s


class MoveFailed(RuntimeError):
    pass


class MoveRunner:
    def __init__(self, scenario, cluster, cli, clock, origin_s, log, timeout_s):
        self.cluster, self.cli, self.clock = cluster, cli, clock
        self.origin_s, self.log, self.timeout_s = origin_s, log, timeout_s
        self.records = [MoveRecord(m) for m in scenario.moves]
        self.stop_event = threading.Event()
        self.thread = None

    def start(self):
        self.thread = threading.Thread(target=self._run, name="moves", daemon=True)
        self.thread.start()

    def join(self, timeout_s):
        if self.thread:
            self.thread.join(timeout_s)
        return not (self.thread and self.thread.is_alive())

    def active(self):
        """The records of the steps started and not ended."""
        return [r for r in self.records if r.started_s is not None and r.ended_s is None and not r.error]

    def _run(self):
        for record in self.records:
            if not self.clock.sleep_until(self.origin_s + record.step.at_s, self.stop_event):
                return
            self.log(f"{record.step.label} (region {record.step.region})")
            try:
                if record.step.kind == "add_node":
                    self._add(record)
                else:
                    self._remove(record)
            except (ClusterError, MoveFailed, OSError) as e:  # the verdict reports it
                record.error = f"{record.step.label}: {e}"
                self.log(f"FAILED: {record.error}")
                return
            self.log(f"{record.step.label}: done in {record.duration_s:.1f} s, "
                     f"{len(record.partitions)} partition(s) changed owners")

    def _add(self, record):
        node, region = record.step.node, record.step.region
        before = self._owned(region)
        record.started_s = self.clock.now()
        members = self.cluster.nodes[region] + (node,)
        self.cluster.reconfigure(region, members, self.cluster.leaving)
        self.cluster.start(node)
        self.cluster.reload([n for n in self.cluster.all_nodes() if n != node])
        self._finish(record, region, before)

    def _remove(self, record):
        node, region = record.step.node, record.step.region
        before = self._owned(region)
        record.started_s = self.clock.now()
        members = self.cluster.nodes[region]
        self.cluster.reconfigure(region, members, self.cluster.leaving | {node})
        self.cluster.reload(self.cluster.all_nodes())
        self._wait(record, region, lambda s: _handed_off(s, node), f"{node} to hand everything off")
        record.handed_off_s = self.clock.now()
        self.cluster.publish_client_config()  # clients stop routing to the leaving node first
        self.cluster.reconfigure(region, tuple(n for n in members if n != node), self.cluster.leaving - {node})
        self.cluster.reload(self.cluster.all_nodes())
        self.cluster.stop(node)
        self._finish(record, region, before)

    def _finish(self, record, region, before):
        status = self._wait(record, region, _done, "the region to finish moving")
        record.ended_s = self.clock.now()
        after = _owned_in(status)
        record.gained = {n: sorted(p - before.get(n, set())) for n, p in sorted(after.items())
                         if p - before.get(n, set())}
        record.lost = {n: sorted(p - after.get(n, set())) for n, p in sorted(before.items())
                       if p - after.get(n, set())}
        record.partitions = sorted({p for parts in (*record.gained.values(), *record.lost.values()) for p in parts})
        self.cluster.publish_client_config()

    def _wait(self, record, region, is_done, what):
        """Polls the region's status (newest file) until is_done(status); returns that status."""
        deadline = time.monotonic() + self.timeout_s
        last_reload = time.monotonic()
        while not self.stop_event.is_set():
            status = self._status(region)
            if status is not None:
                record.peak_moves = max(record.peak_moves, len(status.get("moves") or []))
                if is_done(status):
                    return status
                stale = status.get("nodes_on_another_placement") or []
                if stale and time.monotonic() - last_reload >= RELOAD_AGAIN_S:
                    self.cluster.reload(stale)
                    last_reload = time.monotonic()
            if time.monotonic() >= deadline:
                moves = len(status.get("moves") or []) if status else "?"
                raise MoveFailed(f"waited {self.timeout_s:.0f} s for {what}; the region's status last "
                                 f"showed {moves} move(s) and on another placement: "
                                 f"{', '.join((status or {}).get('nodes_on_another_placement') or []) or 'none'}")
            time.sleep(POLL_S)
        raise MoveFailed("the run stopped first")

    def _owned(self, region):
        """{node: partitions it owns} of the region's nodes that answer now."""
        status = self._status(region)
        return _owned_in(status) if status else {}

    def _status(self, region):
        # A region missing a partition's owners exits 1 and still prints its view.
        result = self.cli.run(self.cluster.operator_endpoint(region), "status")
        try:
            status = json.loads(result.out)
        except ValueError:
            return None
        return status if isinstance(status, dict) else None


def _done(status):
    """The region moved: every node answers, none holds a partition it does not own, and all run by
    the placement of the file (docs/sharding.md, "Status")."""
    nodes = status.get("nodes") or []
    return (bool(nodes) and all(n.get("reachable") for n in nodes) and not status.get("moves")
            and not status.get("nodes_on_another_placement"))


def _handed_off(status, node):
    """`node` answers, runs by the file's placement and holds nothing it does not own."""
    own = next((n for n in status.get("nodes") or [] if n.get("name") == node), None)
    return (own is not None and own.get("reachable")
            and node not in (status.get("nodes_on_another_placement") or [])
            and not any(m.get("from") == node for m in status.get("moves") or []))


def _owned_in(status):
    return {n["name"]: set(n.get("partitions") or []) for n in status.get("nodes") or []
            if n.get("reachable") and "name" in n}
