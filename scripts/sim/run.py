"""One simulation run, start to end: replicas and WAN up, writes and faults on the timeline,
quiescence, checks, report. Every process it starts is stopped before it returns, also when it
fails or is interrupted (processes.py).

The phases, on the run's clock:
  set-up          pick ports, write the configs, start the WAN emulator and every replica;
  writes (t = 0)  the workload, the observers, the status sampler, the fault timeline and the
                  membership steps (moves.py) run for scenario.duration_s; faults still active
                  at the end are healed then; a move still going on is waited for;
  settle          writes stopped: wait until every region has the same merkle_root, the same
                  dumps and every probe (bounded by settle_timeout_s x timeout_scale);
  verdict         stop the replicas (each must exit 0 on SIGTERM), run the checks, write reports.
"""

import datetime
import time

from sim import invariants, report, report_html
from sim.cli import Cli
from sim.clock import Clock
from sim.cluster import Cluster
from sim.faults import FaultInjector
from sim.history import History, written_collections
from sim.layout import Layout
from sim.moves import MoveRunner
from sim.ports import pick_free_ports
from sim.processes import ProcessRegistry
from sim.settle import FinalState, wait_until_converged
from sim.status_sampler import StatusSampler
from sim.visibility import VisibilityTracker
from sim.wan import WanEmulator
from sim.workload import Workload

CLI_TIMEOUT_S = 30.0     # one CLI run; beyond it the run is a hang, recorded as a failure
READY_TIMEOUT_S = 30.0   # a replica started -> answers `status`
PROGRESS_EVERY_S = 0.5


class Run:
    def __init__(self, options, topology, scenario, console):
        self.options, self.topology, self.scenario, self.console = options, topology, scenario, console
        self.binary, self.regions_file = options.binary, options.regions
        self.scale = options.timeout_scale
        self.started_at = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
        self.run_dir = options.run_dir
        self.clock = Clock()
        self.registry = ProcessRegistry()
        self.cli = Cli(self.binary, self.clock, CLI_TIMEOUT_S * self.scale)
        # Spare nodes are laid out from the start: the WAN emulator's relays are fixed when it starts.
        nodes = ({r: topology.nodes_of(r) + topology.spares_of(r) for r in topology.regions}
                 if topology.has_nodes else None)
        self.layout = Layout.assign(topology.regions,
                                    pick_free_ports(Layout.ports_needed(len(topology.regions), nodes)), nodes)
        self.cluster = Cluster(topology, self.layout, self.run_dir, self.binary, self.registry,
                               self.cli, READY_TIMEOUT_S * self.scale)
        self.collections = written_collections(topology.regions)
        self.history = History()
        endpoints = {r: self.cluster.endpoint(r) for r in topology.regions}  # or routing arguments
        self.tracker = VisibilityTracker(topology.regions, self.cli, endpoints, self.clock,
                                         self.cluster.is_up, scenario.probe_interval_ms / 1000.0)
        self.sampler = StatusSampler(self.cluster, self.cli, self.clock, scenario.status_interval_ms / 1000.0)
        self.workload = Workload(scenario, topology.regions, self.cli, endpoints, self.history,
                                 self.clock, self.cluster.is_up, self.tracker)
        self.wan = WanEmulator(self.layout, topology, self.run_dir, self.registry)
        self.injector = None
        self.mover = None
        self.writes_start_s = None
        self.wan_stats = []

    def execute(self):
        """Runs everything and returns the report (a dict, see report.py); the reports are
        written into the run folder."""
        final = FinalState(None)
        try:
            self._set_up()
            self._write_phase()
            final = self._settle()
        finally:
            self._tear_down()
        violations = invariants.check_all(self.history.snapshot(), final.dumps, final.roots)
        violations += self._run_violations(final)
        result = report.build(self, final, violations)
        report.write_json(result, self.run_dir / "report.json")
        (self.run_dir / "report.html").write_text(report_html.render(result))
        return result

    def _set_up(self):
        self.console.event(f"run folder {self.run_dir}")
        self.cluster.write_configs()
        self.wan.start()
        for node in self.cluster.all_nodes():
            self.cluster.start(node)
        # Writes start once every stream is flowing, so that the first lags measure the network,
        # not ZeroMQ's connection set-up.
        if not self.cluster.wait_connected(READY_TIMEOUT_S * self.scale):
            self.console.event("warning: not every region reports every peer connected; starting anyway")
        nodes = len(self.cluster.all_nodes())
        what = (f"{nodes} nodes in {len(self.topology.regions)} regions" if self.topology.has_nodes
                else f"{len(self.topology.regions)} replicas")
        self.console.event(f"{what} up and connected behind the WAN emulator ({len(self.layout.relays)} relays)")

    def _write_phase(self):
        self.writes_start_s = self.clock.now()
        end_s = self.writes_start_s + self.scenario.duration_s
        self.injector = FaultInjector(self.scenario, self.wan, self.cluster, self.clock,
                                      self.writes_start_s, self._timed_event,
                                      self.workload.wait_for_write_in_flight)
        self.mover = MoveRunner(self.scenario, self.cluster, self.cli, self.clock, self.writes_start_s,
                                self._timed_event, self._move_timeout_s())
        self.sampler.start()
        self.tracker.start()
        self.injector.start()
        self.mover.start()
        self.workload.start(until_s=end_s)
        while self.clock.now() < end_s:
            self.console.progress(self._progress_line())
            time.sleep(min(PROGRESS_EVERY_S, max(0.0, end_s - self.clock.now())))
        self.workload.stop(timeout_s=self.cli.timeout_s)
        if not self.injector.join(timeout_s=self.cluster.ready_timeout_s + 10):
            self.console.event("the fault timeline did not finish (a restart hanging?)")
        self.console.progress(self._progress_line(), final=True)
        if self.mover.active():
            self.console.event("writes stopped during a move; waiting for it to end")
        # Each of a step's waits is bounded (two for a removal), and so is a start-up.
        bound = len(self.scenario.moves) * (2 * self._move_timeout_s() + self.cluster.ready_timeout_s)
        if not self.mover.join(timeout_s=bound + 10):
            self.console.event("the membership steps did not finish")

    def _settle(self):
        timeout_s = self.scenario.settle_timeout_s * self.scale
        self.console.event(f"writes stopped; waiting for convergence (at most {timeout_s:.0f} s)")
        final = wait_until_converged(self.cluster, self.cli, self.sampler, self.tracker, self.collections,
                                     self.writes_start_s + self.scenario.duration_s, self.clock, timeout_s)
        if final.converged_after_s is not None:
            self.console.event(f"converged {final.converged_after_s:.2f} s after the writes stopped")
        else:
            self.console.event(f"NOT converged within {timeout_s:.0f} s")
        self.wan_stats = self.wan.stats()
        return final

    def _tear_down(self):
        self.workload.stop_event.set()
        self.tracker.stop(timeout_s=self.cli.timeout_s)
        self.sampler.stop(timeout_s=self.cli.timeout_s)
        if self.injector:
            self.injector.stop_event.set()
        if self.mover:
            self.mover.stop_event.set()
        self.cli.close()
        self.cluster.stop_all()
        self.wan.stop()
        self.registry.stop_all()

    def _run_violations(self, final):
        found = [invariants.Violation("stop", r, "-", f"crdtdb serve exited with status {code} on "
                                      f"SIGTERM (see logs/{r}.log)")
                 for r, code in sorted(self.cluster.exit_codes.items()) if code != 0]
        found += [invariants.Violation("fault", "*", "-", w.error) for w in self.injector.windows if w.error]
        found += [invariants.Violation("move", m.step.region, m.step.node, m.error or "did not run (a step "
                                       "before it failed)") for m in self.mover.records if m.ended_s is None]
        found += invariants.check_owner_roots(final.owner_roots)
        # No silent stall: an update a region could not apply, or a document anti-entropy found apart
        # with nothing to change on either side (a repair that changes nothing), keeps a document
        # apart from its peers.
        for region in self.topology.regions:
            totals = self.sampler.totals(region)
            if totals["apply_failures"]:
                found.append(invariants.Violation("apply", region, "-", f"{totals['apply_failures']} update(s) "
                                                  f"could not be applied (status apply_failures; see "
                                                  f"logs/{region}.log)"))
            if totals["futile_repairs"]:
                found.append(invariants.Violation("repair", region, "-", f"{totals['futile_repairs']} repair(s) "
                                                  f"changed nothing while the documents differ (status "
                                                  f"futile_repairs; see logs/{region}.log)"))
        found += [invariants.Violation("convergence", r, "-", "did not answer status or list at the end")
                  for r in final.missing]
        if final.converged_after_s is None and not final.missing:
            found.append(invariants.Violation("convergence", "*", "-", "not converged within the settle "
                                              f"timeout; {self.tracker.unseen_count()} probe sightings "
                                              f"still missing"))
        return found

    def _move_timeout_s(self):
        """How long one wait of a membership step may take: the settle bound."""
        return self.scenario.settle_timeout_s * self.scale

    def _timed_event(self, message):
        self.console.event(f"t={self.clock.now() - self.writes_start_s:5.1f}s  {message}")

    def _progress_line(self):
        now = self.clock.now() - self.writes_start_s
        counts = self.history.counts()
        active = [w.fault.label for w in self.injector.active(self.clock.now())]
        active += [m.step.label for m in self.mover.active()]
        return (f"t={min(now, self.scenario.duration_s):5.1f}/{self.scenario.duration_s:g}s  "
                f"writes {counts['acked']} acked, {counts['ambiguous']} ambiguous, "
                f"{counts['skipped']} skipped  unseen {self.tracker.unseen_count()}  "
                f"faults: {', '.join(active) or 'none'}")
