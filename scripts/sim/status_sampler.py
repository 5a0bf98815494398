"""Samples every region's `status` at a fixed interval, for the traffic and repair figures.

A replica's counters start again at 0 when it restarts (docs/protocol.md, "Restart"), so totals
add up the last sample of each incarnation (each start of the region's replica): what a killed
replica counted after its last sample is lost to the figures (at most one interval's worth).
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
            incarnation = self.cluster.incarnation(region)
            status = self.cli.status(self.cluster.endpoint(region))
            if incarnation != self.cluster.incarnation(region):
                continue  # asked the killed replica, answered by the restarted one: whose is it?
            if status is not None:
                statuses[region] = status
                with self.lock:
                    self.samples[region].append((self.clock.now(), incarnation, status))
        return statuses

    def totals(self, region):
        """Each counter summed over the region's incarnations."""
        with self.lock:
            last_of_incarnation = {incarnation: status for _, incarnation, status in self.samples[region]}
        return {name: sum(s.get(name, 0) for s in last_of_incarnation.values()) for name in COUNTERS}

    def series(self, region, name):
        """[(time, value)] of one field of the region's status."""
        with self.lock:
            return [(t, s[name]) for t, _, s in self.samples[region] if name in s]

    def _run(self):
        next_sample = self.clock.now()
        while self.clock.sleep_until(next_sample, self.stop_event):
            self.sample_now()
            next_sample = max(next_sample + self.interval_s, self.clock.now())
