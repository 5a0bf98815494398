"""The WAN emulator (scripts/sim/wan_relay.py, driven through scripts/sim/wan.py), against a local
echo server: each direction is delayed by its own latency, a cut black-holes bytes and holds new
connections, a heal resets the connections that lost bytes."""

import socket
import socketserver
import tempfile
import threading
import time
import unittest
from pathlib import Path

from sim.layout import Layout, Relay
from sim.ports import pick_free_ports
from sim.processes import ProcessRegistry
from sim.topology import Topology
from sim.wan import WanEmulator

A_TO_B_S, B_TO_A_S = 0.12, 0.06
SLACK_S = 0.1  # scheduling noise allowed on top of a latency


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        self.server.accepted += 1
        while data := self.request.recv(4096):
            self.request.sendall(data)


class WanRelayTest(unittest.TestCase):
    def setUp(self):
        self.echo = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Echo)
        self.echo.daemon_threads = True
        self.echo.accepted = 0
        threading.Thread(target=self.echo.serve_forever, daemon=True).start()
        self.addCleanup(self.echo.server_close)
        self.addCleanup(self.echo.shutdown)
        relay_port, = pick_free_ports(1)
        self.relay_port = relay_port
        layout = Layout(("a", "b"), {}, (Relay("a", "b", "sync", relay_port, self.echo.server_address[1]),))
        topology = Topology("t", ("a", "b"), None, {("a", "b"): int(A_TO_B_S * 1000),
                                                    ("b", "a"): int(B_TO_A_S * 1000)})
        run_dir = Path(self.enterContext(tempfile.TemporaryDirectory()))
        (run_dir / "logs").mkdir()
        self.registry = ProcessRegistry()
        self.wan = WanEmulator(layout, topology, run_dir, self.registry)
        self.wan.start()
        self.addCleanup(self.registry.stop_all)

    def connect(self):
        s = socket.create_connection(("127.0.0.1", self.relay_port), timeout=5)
        self.addCleanup(s.close)
        return s

    def direction_stats(self, source, destination):
        (stats,) = [s for s in self.wan.stats() if (s["from"], s["to"]) == (source, destination)]
        self.assertEqual(stats["channel"], "sync")
        return stats

    def round_trip_s(self, s, payload=b"ping"):
        started = time.monotonic()
        s.sendall(payload)
        received = b""
        while len(received) < len(payload):
            chunk = s.recv(4096)
            if not chunk:
                raise ConnectionError("closed")
            received += chunk
        self.assertEqual(received, payload)
        return time.monotonic() - started

    def test_each_direction_is_delayed_by_its_own_latency(self):
        s = self.connect()
        for _ in range(3):
            elapsed = self.round_trip_s(s)
            self.assertGreaterEqual(elapsed, A_TO_B_S + B_TO_A_S)
            self.assertLess(elapsed, A_TO_B_S + B_TO_A_S + SLACK_S)

    def test_a_cut_black_holes_bytes_and_the_heal_resets_the_connection(self):
        s = self.connect()
        self.round_trip_s(s)
        self.wan.cut("f", [("a", "b")])
        s.sendall(b"lost")
        s.settimeout(2 * (A_TO_B_S + B_TO_A_S + SLACK_S))
        with self.assertRaises(socket.timeout):
            s.recv(4096)  # nothing comes back, and nothing is refused either
        self.wan.heal("f")
        s.settimeout(5)
        self.assertEqual(s.recv(4096), b"")  # reset: a stream that lost bytes cannot go on
        self.round_trip_s(self.connect())    # a new connection flows at once
        a_to_b = self.direction_stats("a", "b")
        self.assertEqual((a_to_b["dropped_bytes"], a_to_b["resets"], a_to_b["connections"]), (4, 1, 2))

    def test_a_connection_opened_during_a_cut_is_held_away_from_the_server(self):
        self.wan.cut("f", [("a", "b")])
        s = self.connect()
        s.sendall(b"hello")
        time.sleep(A_TO_B_S + SLACK_S)
        self.assertEqual(self.echo.accepted, 0)
        self.wan.heal("f")
        s.settimeout(5)
        self.assertEqual(s.recv(4096), b"")

    def test_overlapping_cuts_keep_a_direction_cut_until_the_last_heals(self):
        self.wan.cut("one", [("a", "b")])
        self.wan.cut("two", [("a", "b"), ("b", "a")])
        self.wan.heal("one")
        s = self.connect()
        s.sendall(b"x")
        time.sleep(A_TO_B_S + SLACK_S)
        self.assertEqual(self.echo.accepted, 0)
        self.wan.heal("two")
        self.round_trip_s(self.connect())

    def test_a_one_way_cut_lets_the_other_direction_through(self):
        s = self.connect()
        self.round_trip_s(s)
        self.wan.cut("f", [("b", "a")])
        s.sendall(b"one way")
        time.sleep(A_TO_B_S + B_TO_A_S + SLACK_S)
        self.assertEqual(self.direction_stats("a", "b")["dropped_bytes"], 0)
        self.assertEqual(self.direction_stats("b", "a")["dropped_bytes"], len(b"one way"))  # the echo


if __name__ == "__main__":
    unittest.main()
