"""Runs the scenario's fault timeline against the WAN emulator and the cluster, in its own thread,
and records when each fault really started and healed (the report shades those windows).

Times in the scenario count from the start of the writes (`origin_s` on the run's clock). A kill
waits, at most KILL_ALIGN_S, for a moment when its region has a write in flight, so that the
SIGKILL lands mid-request: the case that tests what an acknowledgement promises. A kill names a
node (a one-node region's node is named after the region).
"""

import threading
from dataclasses import dataclass

from sim.cluster import ClusterError
from sim.wan import WanError

KILL_ALIGN_S = 1.0


@dataclass
class FaultWindow:
    fault: object              # scenario.Fault
    started_s: float | None = None
    healed_s: float | None = None
    error: str = ""            # why a step failed (a restart that did not come up)


class FaultInjector:
    def __init__(self, scenario, wan, cluster, clock, origin_s, log, wait_for_write_in_flight):
        self.scenario, self.wan, self.cluster, self.clock = scenario, wan, cluster, clock
        self.origin_s, self.log = origin_s, log
        self.wait_for_write_in_flight = wait_for_write_in_flight  # (region, timeout_s) -> bool
        self.windows = [FaultWindow(f) for f in scenario.faults]
        self.stop_event = threading.Event()
        self.thread = None

    def start(self):
        self.thread = threading.Thread(target=self._run, name="faults", daemon=True)
        self.thread.start()

    def join(self, timeout_s):
        self.thread.join(timeout_s)
        return not self.thread.is_alive()

    def active(self, now_s):
        """The windows in force at `now_s`."""
        return [w for w in self.windows if w.started_s is not None and w.started_s <= now_s
                and (w.healed_s is None or now_s < w.healed_s)]

    def _run(self):
        by_fault = {w.fault.index: w for w in self.windows}
        for at_s, what, fault in self.scenario.events():
            if not self.clock.sleep_until(self.origin_s + at_s, self.stop_event):
                return
            window = by_fault[fault.index]
            if what == "start" and fault.kind == "kill":
                self.wait_for_write_in_flight(fault.regions[0], KILL_ALIGN_S)  # the node's region
            self.log(f"{what} {fault.label}")
            try:
                if what == "start":
                    window.started_s = self.clock.now()
                    self._inject(fault)
                else:
                    window.healed_s = self.clock.now()  # a restart's start-up time counts as recovery
                    self._heal(fault)
            except (ClusterError, WanError, OSError) as e:  # the verdict reports it; the run goes on
                window.error = f"{what} {fault.label}: {e}"
                window.healed_s = window.healed_s or self.clock.now()
                self.log(f"FAILED: {window.error}")

    def _inject(self, fault):
        if fault.kind == "kill":
            self.cluster.kill(fault.target)
        else:
            self.wan.cut(f"fault-{fault.index}", fault.directions)

    def _heal(self, fault):
        if fault.kind == "kill":
            self.cluster.start(fault.target)
        else:
            self.wan.heal(f"fault-{fault.index}")
