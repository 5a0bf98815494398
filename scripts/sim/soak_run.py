"""One soak run (scripts/soak.py): real replicas, steady writes for a long time, the resources of
every replica sampled all along, then quiescence, convergence and the growth checks (growth.py).
Every process it starts is stopped before it returns, also when it fails or is interrupted
(processes.py).

The phases, on the run's clock (t = 0 when the writes start):
  set-up        free loopback ports, configs, one `crdtdb serve` per region (directly connected,
                or behind the WAN emulator with --wan), until every region sees every peer;
  quiet start   one sample with no client connected: the baseline of the descriptor check;
  writes        the simulation's workload (workload.py) at a steady rate for duration_s, and a
                sample of every replica every sample_s (resources.py, and its `status`);
  settle        writes stopped: wait until equal merkle_root and equal dumps (settle.py), bounded;
  quiet end     observers stopped, one more sample with no client connected;
  verdict       stop the replicas (each must exit 0 on SIGTERM), the simulation's invariants
                (invariants.py) and the growth checks.
"""

import datetime
import os
import threading
import time

from sim import growth, invariants
from sim.cli import Cli
from sim.clock import Clock
from sim.cluster import Cluster
from sim.direct_layout import DirectLayout
from sim.history import History, written_collections
from sim.layout import Layout
from sim.ports import pick_free_ports
from sim.processes import ProcessRegistry
from sim.resources import read_directory, read_process
from sim.settle import FinalState, wait_until_converged
from sim.status_sampler import COUNTERS, StatusSampler
from sim.visibility import VisibilityTracker
from sim.wan import WanEmulator
from sim.workload import Workload

CLI_TIMEOUT_S = 30.0
READY_TIMEOUT_S = 30.0
QUIET_WAIT_S = 2.0        # after the last client exits, before a quiet sample
PROGRESS_EVERY_S = 30.0
STATUS_FIELDS = ("documents", "last_sequence", "healthy") + COUNTERS


class SoakRun:
    def __init__(self, options, topology, scenario, console):
        self.options, self.topology, self.scenario, self.console = options, topology, scenario, console
        self.regions = topology.regions
        self.scale = options.timeout_scale
        self.sample_s = options.sample_s
        self.run_dir = options.run_dir
        self.started_at = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
        self.load_at_start = os.getloadavg()  # the machine is shared: the report says how busy it was
        self.clock = Clock()
        self.registry = ProcessRegistry()
        self.cli = Cli(options.binary, self.clock, CLI_TIMEOUT_S * self.scale)
        layout_type = Layout if options.wan else DirectLayout
        self.layout = layout_type.assign(self.regions, pick_free_ports(layout_type.ports_needed(len(self.regions))))
        self.cluster = Cluster(topology, self.layout, self.run_dir, options.binary, self.registry, self.cli,
                               READY_TIMEOUT_S * self.scale)
        self.wan = WanEmulator(self.layout, topology, self.run_dir, self.registry) if options.wan else None
        self.collections = written_collections(self.regions)
        self.history = History()
        endpoints = {r: self.layout.client_endpoint(r) for r in self.regions}
        self.tracker = VisibilityTracker(self.regions, self.cli, endpoints, self.clock, self.cluster.is_up,
                                         scenario.probe_interval_ms / 1000.0)
        self.status = StatusSampler(self.cluster, self.cli, self.clock, self.sample_s)  # sampled by hand
        self.workload = Workload(scenario, self.regions, self.cli, endpoints, self.history, self.clock,
                                 self.cluster.is_up, self.tracker)
        self.samples = {r: [] for r in self.regions}  # region -> [sample dict], in time order
        self.samples_lock = threading.Lock()
        self.stop_sampling = threading.Event()
        self.sampler_thread = None
        self.writes_start_s = None
        self.quiet = {}  # "start" | "end" -> {region: sample}

    @property
    def clients_max(self):
        return growth.clients_max(self.scenario.client_threads_per_region)

    def execute(self):
        """Runs the soak; returns (final state, violations, growth checks)."""
        final = FinalState(None)
        try:
            self._set_up()
            self.quiet["start"] = self._sample("quiet start")
            self._write_phase()
            final = self._settle()
            self.tracker.stop(timeout_s=self.cli.timeout_s)
            time.sleep(QUIET_WAIT_S)
            self.quiet["end"] = self._sample("quiet end")
        finally:
            self._tear_down()
        violations = invariants.check_all(self.history.snapshot(), final.dumps, final.roots)
        violations += self._run_violations(final)
        return final, violations, self._growth_checks()

    def series(self, region, name, phases=("writes",)):
        """[(t, value)] of one field of `region`'s samples taken in `phases`."""
        with self.samples_lock:
            return [(s["t"], s[name]) for s in self.samples[region]
                    if s["phase"] in phases and s.get(name) is not None]

    def _set_up(self):
        self.console.event(f"run folder {self.run_dir}")
        self.cluster.write_configs()
        if self.wan:
            self.wan.start()
        for region in self.regions:
            self.cluster.start(region)
        if not self.cluster.wait_connected(READY_TIMEOUT_S * self.scale):
            self.console.event("warning: not every region reports every peer connected; starting anyway")
        network = "behind the WAN emulator" if self.wan else "connected directly on loopback"
        self.console.event(f"{len(self.regions)} replicas up, {network}")
        time.sleep(QUIET_WAIT_S)

    def _write_phase(self):
        self.writes_start_s = self.clock.now()
        for sample in self.quiet["start"].values():  # taken before t = 0 existed
            sample["t"] = round(sample.pop("clock_s") - self.writes_start_s, 2)
        end_s = self.writes_start_s + self.scenario.duration_s
        self.sampler_thread = threading.Thread(target=self._sample_periodically, name="soak-sampler", daemon=True)
        self.sampler_thread.start()
        self.tracker.start()
        self.workload.start(until_s=end_s)
        next_progress = self.writes_start_s + PROGRESS_EVERY_S
        while self.clock.now() < end_s:
            if self.clock.now() >= next_progress:
                self.console.event(self._progress_line())
                next_progress += PROGRESS_EVERY_S
            time.sleep(min(0.5, max(0.0, end_s - self.clock.now())))
        self.workload.stop(timeout_s=self.cli.timeout_s)
        self.console.event(self._progress_line())

    def _settle(self):
        timeout_s = self.scenario.settle_timeout_s * self.scale
        self.console.event(f"writes stopped; waiting for convergence (at most {timeout_s:.0f} s)")
        final = wait_until_converged(self.cluster, self.cli, self.status, self.tracker, self.collections,
                                     self.writes_start_s + self.scenario.duration_s, self.clock, timeout_s)
        self.stop_sampling.set()
        if self.sampler_thread:
            self.sampler_thread.join(self.cli.timeout_s * len(self.regions))
        if final.converged_after_s is not None:
            self.console.event(f"converged {final.converged_after_s:.2f} s after the writes stopped")
        else:
            self.console.event(f"NOT converged within {timeout_s:.0f} s")
        return final

    def _tear_down(self):
        self.stop_sampling.set()
        self.workload.stop_event.set()
        self.tracker.stop(timeout_s=self.cli.timeout_s)
        self.cli.close()
        self.cluster.stop_all()
        if self.wan:
            self.wan.stop()
        self.registry.stop_all()

    def _sample_periodically(self):
        next_sample = self.clock.now()
        while self.clock.sleep_until(next_sample, self.stop_sampling):
            t = self.clock.now() - self.writes_start_s
            self._sample("writes" if t <= self.scenario.duration_s else "settle")
            next_sample = max(next_sample + self.sample_s, self.clock.now())

    def _sample(self, phase):
        """One sample of every region: /proc and the data directory first (no client of ours is
        connected then), then its `status`. Returns {region: sample}."""
        now = self.clock.now()
        before_writes = self.writes_start_s is None
        taken = {}
        for region in self.regions:
            sample = {"t": None, "clock_s": now} if before_writes else {"t": round(now - self.writes_start_s, 2)}
            sample["phase"] = phase
            pid = self._pid(region)
            resources = read_process(pid) if pid else None
            if resources is not None:
                sample.update(rss_kib=resources.rss_kib, rss_peak_kib=resources.rss_peak_kib,
                              rss_anon_kib=resources.rss_anon_kib, rss_file_kib=resources.rss_file_kib,
                              threads=resources.threads, fds=dict(resources.fds), fds_total=resources.fds_total,
                              fds_steady=resources.fds["socket"] + resources.fds["other"])
            usage = read_directory(self.run_dir / "data" / region)
            sample.update(data_bytes=usage.bytes, table_files=usage.table_files, table_bytes=usage.table_bytes,
                          leveldb_log_bytes=usage.leveldb_log_bytes)
            taken[region] = sample
        statuses = self.status.sample_now()
        for region, sample in taken.items():
            status = statuses.get(region) or {}
            sample.update({name: status.get(name) for name in STATUS_FIELDS})
            sample["peers_connected"] = sum(1 for p in status.get("peers", []) if p.get("connected"))
            with self.samples_lock:
                self.samples[region].append(sample)
        return taken

    def _pid(self, region):
        with self.registry.lock:
            process = self.registry.children.get(region)
            return process.pid if process is not None and process.poll() is None else None

    def _run_violations(self, final):
        found = [invariants.Violation("stop", r, "-", f"crdtdb serve exited with status {code} on SIGTERM "
                                      f"(see logs/{r}.log)")
                 for r, code in sorted(self.cluster.exit_codes.items()) if code != 0]
        found += [invariants.Violation("convergence", r, "-", "did not answer status or list at the end")
                  for r in final.missing]
        if final.converged_after_s is None and not final.missing:
            found.append(invariants.Violation("convergence", "*", "-", "not converged within the settle timeout"))
        return found

    def _growth_checks(self):
        with self.samples_lock:
            samples = {r: list(ss) for r, ss in self.samples.items()}
        return growth.judge(samples, self.scenario.duration_s, self.clients_max)

    def _progress_line(self):
        t = self.clock.now() - self.writes_start_s
        counts = self.history.counts()
        with self.samples_lock:
            last = {r: s[-1] for r, s in self.samples.items() if s}
        figures = "  ".join(f"{r}: {s.get('rss_kib', 0) / 1024:.0f} MiB, {s.get('fds_total', '-')} fds, "
                            f"{s['data_bytes'] / 2**20:.1f} MiB disk" for r, s in last.items())
        return (f"t={min(t, self.scenario.duration_s):6.0f}/{self.scenario.duration_s:g}s  "
                f"{counts['acked']} writes acked, {counts['ambiguous']} ambiguous, {counts['skipped']} skipped  "
                f"{figures}")
