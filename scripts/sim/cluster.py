"""The replicas of a run: one `crdtdb serve` per node (a one-node region's node is named after the
region), each with its own derived config (see layout.py), data directory and log, started, killed
with SIGKILL, restarted and stopped on demand.

A node counts as up from the moment it answers `status` until it is killed; a region counts as up
while any of its nodes is (with replication_factor >= 2 a region of several nodes serves through
one node's loss: docs/sharding.md). The workload and the observers leave a region alone while it
is down, as its clients would.

Clients address a one-node region by its client endpoint (`--endpoint`), as before, and a region
of several nodes by `--config config/client.yaml --region R`: the CLI routes each request to the
owners of its document's partition (docs/sharding.md, "Routing").

Membership changes while the run goes on (sim/moves.py, docs/sharding.md "Runbook"): the nodes of a
region are its members at the time; `reconfigure` rewrites every member's config and
`config/operator.yaml`, the file the operator watches the region's status with (the sampler and the
move watcher use it); the clients' `config/client.yaml` gets the new file only once the move is done
(`publish_client_config`), as the runbook says. Files are replaced whole (rename), so that a node
reloading or a CLI starting never reads half a file.
"""

import os
import signal
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
        self.up = set()  # nodes
        self.nodes = {r: topology.nodes_of(r) for r in topology.regions}  # the members, as they change
        self.leaving = set()  # members marked `leaving: true`
        self.region_of_node = {n: r for r in topology.regions for n in layout.nodes_of(r)}  # spares too
        self.starts = dict.fromkeys(self.region_of_node, 0)  # node -> how many times it was started
        self.kills = dict.fromkeys(self.region_of_node, 0)   # node -> how many times it was killed
        self.exit_codes = {}  # node -> exit status of its last clean stop

    @property
    def regions(self):
        return self.topology.regions

    def all_nodes(self):
        """The members of every region."""
        with self.lock:
            return tuple(n for r in self.regions for n in self.nodes[r])

    def is_multi_node(self, region):
        return self.topology.is_multi_node(region)

    def endpoint(self, region):
        """How a client addresses `region`: its client endpoint, or the routing arguments."""
        if self.is_multi_node(region):
            return ["--config", str(self._config_path("client")), "--region", region]
        return self.layout.client_endpoint(region)

    def operator_endpoint(self, region):
        """As endpoint(), with the newest configuration: what an operator watches a move with."""
        if self.is_multi_node(region):
            return ["--config", str(self._config_path("operator")), "--region", region]
        return self.layout.client_endpoint(region)

    def node_endpoint(self, node):
        return self.layout.client_endpoint(node)

    def is_up(self, region):
        """True while any node of `region` is up (a one-node region: its replica)."""
        with self.lock:
            return any(n in self.up for n in self.nodes.get(region, (region,)))

    def node_is_up(self, node):
        with self.lock:
            return node in self.up

    def incarnation(self, region):
        """Changes whenever a node of `region` starts (for one node: how many times it started)."""
        with self.lock:
            return sum(self.starts[n] for n in self.nodes[region])

    def node_incarnations(self, region):
        with self.lock:
            return {n: self.starts[n] for n in self.nodes[region]}

    def write_configs(self):
        for sub in ("config", "data", "logs"):
            (self.run_dir / sub).mkdir(parents=True, exist_ok=True)
        self._write_member_configs()
        if any(self.is_multi_node(r) for r in self.regions):
            self.publish_client_config()

    def reconfigure(self, region, nodes, leaving):
        """Makes `nodes` the members of `region`, `leaving` those of them marked leaving, and
        rewrites every member's config and the operator's (not the clients': publish_client_config)."""
        with self.lock:
            self.nodes[region] = tuple(nodes)
            self.leaving = {n for n in self.leaving if self.region_of_node[n] != region} | set(leaving)
        self._write_member_configs()

    def publish_client_config(self):
        """Gives the clients the newest configuration (the runbook's last step of a move)."""
        self._write(self._config_path("client"), self._config_path("operator").read_text())

    def reload(self, nodes):
        """SIGHUP to each of `nodes` that is up (a killed node reads its file when restarted)."""
        for node in nodes:
            if self.node_is_up(node):
                self.registry.signal(node, signal.SIGHUP)

    def stop(self, node):
        """SIGTERM to `node` (by the pid this script started); records its exit status."""
        with self.lock:
            self.up.discard(node)
        status = self.registry.stop(node)
        if status is not None:
            self.exit_codes[node] = status

    def _write_member_configs(self):
        with self.lock:
            members = {r: [(n, n in self.leaving) for n in self.nodes[r]] for r in self.regions
                       if self.is_multi_node(r)}
            nodes = [n for r in self.regions for n in self.nodes[r]]
        for node in nodes:
            self._write(self._config_path(node), self.layout.region_config(self.topology, node, f"../data/{node}")
                        if not members else
                        self.layout.node_config(self.topology, node, f"../data/{node}", members=members))
        if members:
            self._write(self._config_path("operator"),
                        self.layout.node_config(self.topology, "client", "", relayed=False, members=members))

    @staticmethod
    def _write(path, text):
        partial = path.with_name(path.name + ".new")
        partial.write_text(text)
        os.replace(partial, path)

    def start(self, node):
        """Starts `node` (a one-node region: the region's replica) and waits until it answers;
        ClusterError if it does not."""
        region = self.region_of_node[node]
        with self.lock:
            self.starts[node] += 1
        log = open(self.run_dir / "logs" / f"{node}.log", "ab")
        argv = [self.binary, "serve", "--config", str(self._config_path(node)), "--region", region]
        if self.is_multi_node(region):
            argv += ["--node", node]
        process = self.registry.spawn(node, argv, stdin=None, stdout=log, stderr=log)
        log.close()  # the child holds its own descriptor
        deadline = time.monotonic() + self.ready_timeout_s
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ClusterError(f"{node}: crdtdb serve exited with status {process.returncode} at "
                                   f"start (see {self.run_dir / 'logs' / (node + '.log')})")
            if self.cli.status(self.node_endpoint(node)) is not None:
                with self.lock:
                    self.up.add(node)
                return
            time.sleep(READY_POLL_S)
        raise ClusterError(f"{node}: no answer to `status` within {self.ready_timeout_s:.0f} s of "
                           f"starting (see {self.run_dir / 'logs' / (node + '.log')})")

    def wait_connected(self, timeout_s):
        """Waits until every node reports every peer connected; False if not within timeout_s."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            statuses = [self.cli.status(self.node_endpoint(n)) for n in self.all_nodes()]
            if all(s is not None and s.get("peers") and all(p.get("connected") for p in s["peers"])
                   for s in statuses):
                return True
            time.sleep(READY_POLL_S)
        return False

    def kill(self, node):
        with self.lock:
            self.up.discard(node)
            self.kills[node] += 1
        self.registry.kill(node)

    def stop_all(self):
        """SIGTERM to every node; records each exit status (0 is a clean stop)."""
        for node in self.all_nodes():
            self.stop(node)

    def region_exit_code(self, region):
        """The worst exit status of the region's nodes (0 if all stopped cleanly; None if none did)."""
        codes = [self.exit_codes[n] for n in self.nodes[region] if n in self.exit_codes]
        return next((c for c in codes if c != 0), codes[0] if codes else None)

    def _config_path(self, node):
        return self.run_dir / "config" / f"{node}.yaml"
