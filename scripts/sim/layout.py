"""Where everything of a run listens, and the region config each replica is started with.

Every region's replica binds its own three endpoints on loopback. Each replica gets a config of
its own in which the *other* regions' `publish` and `sync` endpoints are relay ports of the WAN
emulator: replica X reaches region Y's delta stream and sync endpoint through the relay
(X -> Y, channel), which forwards to Y's real endpoint after the link's latency. The `client`
endpoints are real: clients talk to their own region directly, as they would in a data centre.
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


@dataclass(frozen=True)
class Layout:
    regions: tuple
    endpoints: dict  # region -> {"publish": port, "sync": port, "client": port}
    relays: tuple    # Relay, one per (client, server, channel) with client != server

    @staticmethod
    def assign(regions, ports):
        """Lays out `regions` on `ports` (an iterable of free ports, enough for all)."""
        ports = iter(ports)
        endpoints = {r: {name: next(ports) for name in ("publish", "sync", "client")}
                     for r in regions}
        relays = tuple(Relay(c, s, ch, next(ports), endpoints[s][ch])
                       for c in regions for s in regions if c != s for ch in CHANNELS)
        return Layout(tuple(regions), endpoints, relays)

    @staticmethod
    def ports_needed(region_count):
        return 3 * region_count + region_count * (region_count - 1) * len(CHANNELS)

    def client_endpoint(self, region):
        return _tcp(self.endpoints[region]["client"])

    def relay_port(self, client, server, channel):
        for relay in self.relays:
            if (relay.client, relay.server, relay.channel) == (client, server, channel):
                return relay.port
        raise KeyError((client, server, channel))

    def region_config(self, topology, region, data_dir):
        """The text of `region`'s config: its own endpoints, the others' through the relays."""
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


def _tcp(port):
    return f"tcp://127.0.0.1:{port}"
