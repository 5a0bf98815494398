"""Free loopback TCP ports for the replicas and the relays.

Ports are picked below the kernel's ephemeral range when it leaves room: while a region is down
(killed, or between stop and restart) its peers keep reconnecting to its ports, and every attempt
takes an ephemeral port for its own end. A port reserved for a region from the ephemeral range
could be taken by such an attempt before the region (re)binds it. Every port is checked by binding
it, and all are held until the last is found, so none repeats.
"""

import random
import socket

_LOWEST_PORT = 10000


def pick_free_ports(count, rng=None):
    rng = rng or random.SystemRandom()
    low, _ = _ephemeral_range()
    held, ports = [], []
    try:
        if low - 1 > _LOWEST_PORT + 1000:
            for _ in range(100 * count + 1000):
                if len(ports) == count:
                    break
                port = rng.randint(_LOWEST_PORT, low - 1)
                if port not in ports:
                    _try_hold(port, held, ports)
        while len(ports) < count:  # no room below the ephemeral range: let the kernel choose
            _try_hold(0, held, ports)
        return ports
    finally:
        for s in held:
            s.close()


def _try_hold(port, held, ports):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        s.close()
        if port == 0:
            raise
        return
    held.append(s)
    ports.append(s.getsockname()[1])


def _ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low, high = (int(x) for x in f.read().split())
            return low, high
    except (OSError, ValueError):
        return 32768, 60999
