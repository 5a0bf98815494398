"""A layout without the WAN emulator: every replica reaches the other regions' publish and sync
endpoints directly on loopback. For runs that measure the replicas themselves (scripts/soak.py),
where the emulator's delay adds nothing and its CPU would be taken from them.

Same interface as layout.Layout (cluster.Cluster writes the configs from it); there are no relays.
"""

from dataclasses import dataclass

from sim.layout import Layout


@dataclass(frozen=True)
class DirectLayout(Layout):
    @staticmethod
    def assign(regions, ports):
        ports = iter(ports)
        endpoints = {r: {name: next(ports) for name in ("publish", "sync", "client")} for r in regions}
        return DirectLayout(tuple(regions), endpoints, ())

    @staticmethod
    def ports_needed(region_count):
        return 3 * region_count

    def relay_port(self, client, server, channel):
        return self.endpoints[server][channel]  # no relay: the region's own endpoint

    def region_config(self, topology, region, data_dir):
        text = super().region_config(topology, region, data_dir)
        _, body = text.split("\ncluster:", 1)
        return (f"# written by scripts/soak.py for the replica of {region}: every endpoint is the\n"
                f"# region's own, on loopback (no WAN emulator)\ncluster:{body}")
