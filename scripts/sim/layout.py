"""Where everything of a run listens, and the region config each replica is started with.

Every region's replica binds its own three endpoints on loopback. Each replica gets a config of
its own in which the *other* regions' `publish` and `sync` endpoints are relay ports of the WAN
emulator: replica X reaches region Y's delta stream and sync endpoint through the relay
(X -> Y, channel), which forwards to Y's real endpoint after the link's latency. The `client`
endpoints are real: clients talk to their own region directly, as they would in a data centre.

Regions of several nodes (docs/sharding.md): every node is laid out as a replica is, keyed by its
name (a one-node region's node is named after the region). A relay carries the connections of one
node to one node of another region; the nodes of one region reach each other directly on loopback.
Each relay also names the two regions, whose link's latency and cuts it follows.

Spare nodes (added while the cluster runs, sim/moves.py) are laid out from the start, relays
included, since the WAN emulator's relays are fixed when it starts; a config lists only the nodes
that are members at the time it is written (`members`), each leaving one marked `leaving: true`.
"""

from dataclasses import dataclass

CHANNELS = ("publish", "sync")  # the replication endpoints that cross the WAN


@dataclass(frozen=True)
class Relay:
    """One listening port of the WAN emulator: connections from `client` to `server`'s `channel`."""
    client: str
    server: str
    channel: str
    port: int
    target_port: int
    client_region: str = ""  # the regions of the two nodes ("" : the node names are the regions)
    server_region: str = ""


@dataclass(frozen=True)
class Layout:
    regions: tuple
    endpoints: dict  # region -> {"publish": port, "sync": port, "client": port}
    relays: tuple    # Relay, one per (client, server, channel) of nodes of different regions
    nodes: dict = None  # region -> node names (None: each region is one node named after it)

    @staticmethod
    def assign(regions, ports, nodes=None):
        """Lays out `regions` on `ports` (an iterable of free ports, enough for all); `nodes`
        ({region: node names}) for regions of several nodes."""
        ports = iter(ports)
        by_region = {r: tuple((nodes or {}).get(r, (r,))) for r in regions}
        placed = [(r, n) for r in regions for n in by_region[r]]
        endpoints = {n: {name: next(ports) for name in ("publish", "sync", "client")} for _, n in placed}
        relays = tuple(Relay(c, s, ch, next(ports), endpoints[s][ch], cr, sr)
                       for cr, c in placed for sr, s in placed if cr != sr for ch in CHANNELS)
        return Layout(tuple(regions), endpoints, relays, by_region if nodes else None)

    @staticmethod
    def ports_needed(region_count, nodes=None):
        """Ports for `region_count` one-node regions, or for the regions of `nodes` ({region:
        node names}, every region listed)."""
        counts = [len(n) for n in nodes.values()] if nodes else [1] * region_count
        total = sum(counts)
        return 3 * total + (total * total - sum(c * c for c in counts)) * len(CHANNELS)

    def nodes_of(self, region):
        return tuple((self.nodes or {}).get(region, (region,)))

    def region_of(self, node):
        return next(r for r in self.regions if node in self.nodes_of(r))

    def client_endpoint(self, region):
        return _tcp(self.endpoints[region]["client"])

    def relay_port(self, client, server, channel):
        for relay in self.relays:
            if (relay.client, relay.server, relay.channel) == (client, server, channel):
                return relay.port
        raise KeyError((client, server, channel))

    def region_config(self, topology, region, data_dir):
        """The text of `region`'s config: its own endpoints, the others' through the relays.
        With regions of several nodes, `region` is a node (see node_config)."""
        if topology.has_nodes:
            return self.node_config(topology, region, data_dir)
        lines = [f"# written by scripts/simulate.py for the replica of {region}: the other regions'",
                 "# publish and sync endpoints are relays of the WAN emulator",
                 f"cluster: {topology.cluster}"]
        if topology.anti_entropy_interval_ms is not None:
            lines.append(f"anti_entropy_interval_ms: {topology.anti_entropy_interval_ms}")
        lines.append("regions:")
        for other in self.regions:
            own = other == region
            publish = self.endpoints[other]["publish"] if own else self.relay_port(region, other, "publish")
            sync = self.endpoints[other]["sync"] if own else self.relay_port(region, other, "sync")
            lines += [f"  - name: {other}",  # another region's data_dir is never opened here
                      f"    data_dir: {data_dir if own else 'unused-' + other}",
                      f"    publish: {_tcp(publish)}",
                      f"    sync: {_tcp(sync)}",
                      f"    client: {_tcp(self.endpoints[other]['client'])}"]
        return "\n".join(lines) + "\n"

    def node_config(self, topology, node, data_dir, relayed=True, members=None):
        """The config `node` is started with, in a cluster with regions of several nodes: the nodes
        of its own region on their own endpoints, those of other regions through the relays (none
        with relayed=False: the config the clients route with, every endpoint real). `members`:
        {region: [(node, leaving)]} of the regions of several nodes (default: the regions file's
        nodes without its spares, none leaving)."""
        own_region = self.region_of(node) if relayed else None
        who = f"node {node}" if relayed else "the clients (--config/--region)"
        lines = [f"# written by scripts/simulate.py for {who}: other regions' publish and sync",
                 "# endpoints are relays of the WAN emulator" if relayed else "# endpoints are real",
                 f"cluster: {topology.cluster}"]
        if topology.partitions is not None:
            lines.append(f"partitions: {topology.partitions}")
        if topology.anti_entropy_interval_ms is not None:
            lines.append(f"anti_entropy_interval_ms: {topology.anti_entropy_interval_ms}")
        lines.append("regions:")
        for region in self.regions:
            direct = not relayed or region == own_region
            lines.append(f"  - name: {region}")
            listed = (members or {}).get(region) or [(n, False) for n in topology.nodes_of(region)]
            entries = []
            for other, _ in listed:
                publish = self.endpoints[other]["publish"] if direct else self.relay_port(node, other, "publish")
                sync = self.endpoints[other]["sync"] if direct else self.relay_port(node, other, "sync")
                entries.append([f"data_dir: {data_dir if other == node else 'unused-' + other}",
                                f"publish: {_tcp(publish)}", f"sync: {_tcp(sync)}",
                                f"client: {_tcp(self.endpoints[other]['client'])}"])
            if not topology.is_multi_node(region):
                lines += [f"    {e}" for e in entries[0]]
                continue
            lines += [f"    replication_factor: {topology.replication_factor[region]}", "    nodes:"]
            for (other, leaving), entry in zip(listed, entries):
                lines.append(f"      - name: {other}")
                lines += [f"        {e}" for e in entry]
                if leaving:
                    lines.append("        leaving: true")
        return "\n".join(lines) + "\n"


def _tcp(port):
    return f"tcp://127.0.0.1:{port}"
