"""Samples every region's `status` at a fixed interval, for the traffic and repair figures.

A replica's counters start again at 0 when it restarts (docs/protocol.md, "Restart"), so totals
add up the last sample of each incarnation (each start of the region's replica): what a killed
replica counted after its last sample is lost to the figures (at most one interval's worth).

A region of several nodes answers with the region's view (docs/sharding.md, "Status"): its
`nodes` hold each reachable node's own status, so totals add up per node and per node's start,
and each node's load (documents, commits) is followed too. Regions are asked with the newest
configuration (cluster.operator_endpoint), so that a node added while the run goes on is followed
from its start.
"""

import threading

COUNTERS = ("deltas_sent", "deltas_received", "bytes_sent", "bytes_received",
            "anti_entropy_rounds", "docs_repaired", "rejected_messages", "apply_failures",
            "futile_repairs")


class StatusSampler:
    def __init__(self, cluster, cli, clock, interval_s):
        self.regions, self.cluster, self.cli, self.clock = cluster.regions, cluster, cli, clock
        self.interval_s = interval_s
        self.lock = threading.Lock()
        self.samples = {r: [] for r in self.regions}  # region -> [(time, incarnation, status)]
        self.stop_event = threading.Event()
        self.thread = None

    def start(self):
        self.thread = threading.Thread(target=self._run, name="status", daemon=True)
        self.thread.start()

    def stop(self, timeout_s):
        self.stop_event.set()
        if self.thread:
            self.thread.join(timeout_s)

    def sample_now(self):
        """One status of every region that is up, recorded and returned ({region: status})."""
        statuses = {}
        for region in self.regions:
            if not self.cluster.is_up(region):
                continue
            incarnations = self.cluster.node_incarnations(region)
            status = self.cli.status(self.cluster.operator_endpoint(region))
            if incarnations != self.cluster.node_incarnations(region):
                continue  # asked a killed node, answered by the restarted one: whose is it?
            if status is not None:
                statuses[region] = status
                with self.lock:
                    self.samples[region].append((self.clock.now(), incarnations, status))
        return statuses

    def totals(self, region):
        """Each counter summed over the region's nodes and their incarnations."""
        with self.lock:
            samples = list(self.samples[region])
        return totals_of(region, samples)

    def series(self, region, name):
        """[(time, value)] of one field of the region's status."""
        with self.lock:
            return [(t, s[name]) for t, _, s in self.samples[region] if name in s]

    def node_series(self, region, name):
        """{node: [(time, value)]} of one field of each node's own status."""
        with self.lock:
            samples = list(self.samples[region])
        series = {}
        for t, _, status in samples:
            for node, own in node_statuses(region, status).items():
                if name in own:
                    series.setdefault(node, []).append((t, own[name]))
        return series

    def last_node_statuses(self, region):
        """{node: its own status in the last sample where it answered}."""
        with self.lock:
            samples = list(self.samples[region])
        last = {}
        for _, _, status in samples:
            last.update(node_statuses(region, status))
        return last

    def _run(self):
        next_sample = self.clock.now()
        while self.clock.sleep_until(next_sample, self.stop_event):
            self.sample_now()
            next_sample = max(next_sample + self.interval_s, self.clock.now())


def node_statuses(region, status):
    """{node: own status} of the reachable nodes in `status`: the region view's `nodes`, or the
    status itself for a one-node region (its node is named after the region)."""
    if isinstance(status.get("nodes"), list):
        return {n["name"]: n for n in status["nodes"] if n.get("reachable") and "name" in n}
    return {region: status}


def totals_of(region, samples):
    """Each counter summed over nodes and their incarnations, from `samples` ([(time,
    {node: incarnation} or one incarnation, status)]): the last sample of each (node, incarnation)."""
    last = {}
    for _, incarnations, status in samples:
        for node, own in node_statuses(region, status).items():
            incarnation = incarnations.get(node) if isinstance(incarnations, dict) else incarnations
            last[(node, incarnation)] = own
    return {name: sum(s.get(name, 0) for s in last.values()) for name in COUNTERS}
