"""The replicas of a run: one `crdtdb serve` per region, each with its own derived config (see
layout.py), data directory and log, started, killed with SIGKILL, restarted and stopped on demand.

A region counts as up from the moment it answers `status` until it is killed; the workload and the
observers leave a region alone while it is down, as its clients would.
"""

import threading
import time

READY_POLL_S = 0.1


class ClusterError(RuntimeError):
    pass


class Cluster:
    def __init__(self, topology, layout, run_dir, binary, registry, cli, ready_timeout_s):
        self.topology, self.layout, self.run_dir = topology, layout, run_dir
        self.binary, self.registry, self.cli = str(binary), registry, cli
        self.ready_timeout_s = ready_timeout_s
        self.lock = threading.Lock()
        self.up = set()
        self.starts = dict.fromkeys(topology.regions, 0)  # region -> how many times it was started
        self.exit_codes = {}  # region -> exit status of its last clean stop

    @property
    def regions(self):
        return self.topology.regions

    def endpoint(self, region):
        return self.layout.client_endpoint(region)

    def is_up(self, region):
        with self.lock:
            return region in self.up

    def incarnation(self, region):
        with self.lock:
            return self.starts[region]

    def write_configs(self):
        for sub in ("config", "data", "logs"):
            (self.run_dir / sub).mkdir(parents=True, exist_ok=True)
        for region in self.regions:
            text = self.layout.region_config(self.topology, region, f"../data/{region}")
            self._config_path(region).write_text(text)

    def start(self, region):
        """Starts `region`'s replica and waits until it answers; ClusterError if it does not."""
        with self.lock:
            self.starts[region] += 1
        log = open(self.run_dir / "logs" / f"{region}.log", "ab")
        argv = [self.binary, "serve", "--config", str(self._config_path(region)), "--region", region]
        process = self.registry.spawn(region, argv, stdin=None, stdout=log, stderr=log)
        log.close()  # the child holds its own descriptor
        deadline = time.monotonic() + self.ready_timeout_s
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ClusterError(f"{region}: crdtdb serve exited with status {process.returncode} at "
                                   f"start (see {self.run_dir / 'logs' / (region + '.log')})")
            if self.cli.status(self.endpoint(region)) is not None:
                with self.lock:
                    self.up.add(region)
                return
            time.sleep(READY_POLL_S)
        raise ClusterError(f"{region}: no answer to `status` within {self.ready_timeout_s:.0f} s of "
                           f"starting (see {self.run_dir / 'logs' / (region + '.log')})")

    def wait_connected(self, timeout_s):
        """Waits until every region reports every peer connected; False if not within timeout_s."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            statuses = [self.cli.status(self.endpoint(r)) for r in self.regions]
            if all(s is not None and s.get("peers") and all(p.get("connected") for p in s["peers"])
                   for s in statuses):
                return True
            time.sleep(READY_POLL_S)
        return False

    def kill(self, region):
        with self.lock:
            self.up.discard(region)
        self.registry.kill(region)

    def stop_all(self):
        """SIGTERM to every replica; records each exit status (0 is a clean stop)."""
        for region in self.regions:
            with self.lock:
                self.up.discard(region)
            status = self.registry.stop(region)
            if status is not None:
                self.exit_codes[region] = status

    def _config_path(self, region):
        return self.run_dir / "config" / f"{region}.yaml"
