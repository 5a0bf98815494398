"""Live node additions and removals in the simulation: spare nodes of the regions file
(topology.py), add_node and remove_node steps (scenario.py), `leaving` in the configs (layout.py),
the moves in the report (report.py, report_html.py, console.py) and, with a built crdtdb,
scenarios/moves.yaml end to end (the ctest simulation_moves_scenario sets CRDTDB_BINARY)."""

import json
import os
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

from sim import console, report_html
from sim.layout import Layout
from sim.moves import MoveRecord, _done, _handed_off
from sim.report import move_row
from sim.scenario import MoveStep, ScenarioError, load_scenario, parse_scenario, scenario_regions_file
from sim.topology import Topology, TopologyError, load_topology

REPO = Path(__file__).resolve().parents[2]
MOVES_SCENARIO = REPO / "scenarios" / "moves.yaml"

REGIONS_TEXT = """cluster: t
partitions: 16
regions:
  - name: a
    replication_factor: 2
    nodes:
      - { name: a-1, data_dir: d1, publish: "tcp://127.0.0.1:1", sync: "tcp://127.0.0.1:2", client: "tcp://127.0.0.1:3" }
      - { name: a-2, data_dir: d2, publish: "tcp://127.0.0.1:4", sync: "tcp://127.0.0.1:5", client: "tcp://127.0.0.1:6" }
      - { name: a-3, spare: true, data_dir: d3, publish: "tcp://127.0.0.1:7", sync: "tcp://127.0.0.1:8", client: "tcp://127.0.0.1:9" }
  - name: b
    data_dir: db
    publish: tcp://127.0.0.1:11
    sync: tcp://127.0.0.1:12
    client: tcp://127.0.0.1:13
"""

NODES = {"a-1": "a", "a-2": "a"}
SPARES = {"a-3": "a"}


def parse(steps, duration_s=30):
    return parse_scenario({"duration_s": duration_s, "faults": steps}, ("a", "b"), "test", NODES, SPARES, {"a": 2})


class SpareNodesTest(unittest.TestCase):
    def load(self, text):
        path = Path(self.enterContext(tempfile.TemporaryDirectory())) / "regions.yaml"
        path.write_text(text)
        return load_topology(path)

    def test_a_spare_node_is_not_a_member_at_first(self):
        topology = self.load(REGIONS_TEXT)
        self.assertEqual(topology.nodes_of("a"), ("a-1", "a-2"))
        self.assertEqual(topology.spares_of("a"), ("a-3",))
        self.assertEqual(topology.spares_of("b"), ())

    def test_bad_spares_are_refused(self):
        with self.assertRaisesRegex(TopologyError, "spare: expected true or false"):
            self.load(REGIONS_TEXT.replace("spare: true", "spare: yes please"))
        with self.assertRaisesRegex(TopologyError, "every node is spare"):
            self.load(REGIONS_TEXT.replace("name: a-1,", "name: a-1, spare: true,")
                      .replace("name: a-2,", "name: a-2, spare: true,"))
        with self.assertRaisesRegex(TopologyError, "without its spares \\(1\\)"):  # factor 2, one member
            self.load(REGIONS_TEXT.replace("name: a-2,", "name: a-2, spare: true,"))


class MembershipStepsTest(unittest.TestCase):
    def test_an_addition_then_a_removal_in_time_order(self):
        scenario = parse([{"at_s": 9, "remove_node": "a-1"}, {"at_s": 3, "add_node": "a-3"}])
        self.assertEqual(scenario.moves, (MoveStep(1, "add_node", "a-3", "a", 3.0),
                                          MoveStep(0, "remove_node", "a-1", "a", 9.0)))
        self.assertEqual(scenario.faults, ())
        self.assertEqual([text for _, text in scenario.timeline()], ["add a-3", "remove a-1"])

    def test_steps_mix_with_faults_on_one_timeline(self):
        scenario = parse([{"at_s": 2, "partition": "b", "for_s": 3}, {"at_s": 4, "add_node": "a-3"}])
        self.assertEqual([f.label for f in scenario.faults], ["partition b"])
        self.assertEqual(scenario.faults[0].index, 0)
        self.assertEqual([text for _, text in scenario.timeline()], ["start partition b", "add a-3", "heal partition b"])

    def test_bad_steps_are_refused_with_the_step(self):
        cases = [
            ([{"at_s": 3, "add_node": "a-1"}], "faults\\[0\\].add_node: 'a-1' is not a spare node"),
            ([{"at_s": 3, "add_node": "zz"}], "not a spare node of the regions file .*spare nodes: a-3"),
            ([{"at_s": 3, "add_node": "a-3"}, {"at_s": 5, "add_node": "a-3"}], "already in the cluster at 5 s"),
            ([{"at_s": 3, "remove_node": "a-1"}], "leaves a 1 node\\(s\\), fewer than its replication factor 2"),
            ([{"at_s": 3, "remove_node": "b"}], "'b' is not a node of a region of several nodes"),
            ([{"at_s": 3, "remove_node": "a-3"}], "'a-3' is not a node .* at 3 s"),
            ([{"at_s": 3, "add_node": "a-3"}, {"at_s": 5, "remove_node": "a-3"}, {"at_s": 7, "add_node": "a-3"}],
             "a node joins once"),
            ([{"at_s": 3, "add_node": "a-3", "for_s": 2}], "unexpected key 'for_s'"),
            ([{"at_s": 3, "add_node": "a-3", "kill": "a-1"}], "exactly one of add_node, remove_node"),
            ([{"at_s": 40, "add_node": "a-3"}], "at_s: must be a time from 0 to below duration_s"),
            ([{"at_s": 3, "add_node": ["a-3"]}], "expected a node name"),
            ([{"at_s": 3, "add_node": "a-3"}, {"at_s": 5, "kill": "a-3", "for_s": 2}],
             "faults\\[1\\].kill: a-3 is a spare node or one that a step adds or removes"),
        ]
        for steps, message in cases:
            with self.subTest(steps=steps), self.assertRaisesRegex(ScenarioError, message):
                parse(steps)

    def test_a_removal_after_an_addition_keeps_the_factor(self):
        scenario = parse([{"at_s": 3, "add_node": "a-3"}, {"at_s": 5, "remove_node": "a-1"}])
        self.assertEqual([m.label for m in scenario.moves], ["add a-3", "remove a-1"])

    def test_the_moves_scenario_names_its_regions_file_and_parses_against_it(self):
        topology = load_topology(scenario_regions_file(MOVES_SCENARIO))
        nodes = {n: r for r in topology.regions if topology.is_multi_node(r) for n in topology.nodes_of(r)}
        spares = {n: r for r in topology.regions for n in topology.spares_of(r)}
        scenario = load_scenario(MOVES_SCENARIO, topology.regions, nodes, spares, topology.replication_factor)
        self.assertEqual([m.kind for m in scenario.moves], ["add_node", "remove_node"])
        self.assertLessEqual(scenario.duration_s, 30)


class LeavingConfigTest(unittest.TestCase):
    def test_a_config_lists_the_members_and_marks_the_leaving(self):
        topology = Topology("t", ("a", "b"), 1000, {("a", "b"): 30, ("b", "a"): 30},
                            nodes={"a": ("a-1", "a-2")}, replication_factor={"a": 2}, partitions=16,
                            spares={"a": ("a-3",)})
        nodes = {"a": ("a-1", "a-2", "a-3"), "b": ("b",)}
        layout = Layout.assign(topology.regions, range(20000, 20000 + Layout.ports_needed(2, nodes)), nodes)
        self.assertEqual(len(layout.relays), 12)  # the spare's relays exist from the start
        first = layout.node_config(topology, "a-1", "../data/a-1")
        self.assertNotIn("a-3", first)
        later = layout.node_config(topology, "a-3", "../data/a-3",
                                   members={"a": [("a-1", True), ("a-2", False), ("a-3", False)]})
        self.assertIn("      - name: a-1\n", later)
        self.assertIn("        leaving: true\n      - name: a-2\n", later)
        self.assertEqual(later.count("leaving: true"), 1)
        self.assertIn("        data_dir: ../data/a-3\n", later)


def region_status(moves=(), stale=(), unreachable=()):
    return {"nodes": [{"name": n, "reachable": n not in unreachable, "partitions": [0, 1]} for n in ("a-1", "a-2")],
            "moves": list(moves), "nodes_on_another_placement": list(stale)}


class MoveWatchTest(unittest.TestCase):
    def test_a_region_is_done_when_no_move_no_other_placement_and_every_node_answers(self):
        self.assertTrue(_done(region_status()))
        self.assertFalse(_done(region_status(moves=[{"from": "a-1", "partition": 3}])))
        self.assertFalse(_done(region_status(stale=["a-2"])))
        self.assertFalse(_done(region_status(unreachable=["a-2"])))
        self.assertFalse(_done({"nodes": []}))

    def test_a_leaving_node_has_handed_off_when_no_move_is_from_it(self):
        self.assertTrue(_handed_off(region_status(moves=[{"from": "a-2", "partition": 3}]), "a-1"))
        self.assertFalse(_handed_off(region_status(moves=[{"from": "a-1", "partition": 3}]), "a-1"))
        self.assertFalse(_handed_off(region_status(stale=["a-1"]), "a-1"))  # has not reloaded yet
        self.assertFalse(_handed_off(region_status(unreachable=["a-1"]), "a-1"))


def move_report():
    done = MoveRecord(MoveStep(0, "add_node", "a-3", "a", 3.0), started_s=13.0, ended_s=14.5,
                      partitions=[0, 4], gained={"a-3": [0, 4]}, lost={"a-1": [4], "a-2": [0]}, peak_moves=2)
    failed = MoveRecord(MoveStep(1, "remove_node", "a-1", "a", 9.0), started_s=19.0,
                        error="remove a-1: waited 30 s for a-1 to hand everything off")
    return {"moves": [move_row(done, 10.0), move_row(failed, 10.0)], "run": {"writes_duration_s": 30}}


class MoveReportTest(unittest.TestCase):
    def test_a_move_row_has_its_times_from_the_writes_start_and_its_duration(self):
        done, failed = move_report()["moves"]
        self.assertEqual((done["started_s"], done["ended_s"], done["duration_s"]), (3.0, 4.5, 1.5))
        self.assertEqual((done["partitions_moved"], done["gained"], done["peak_moves"]), (2, {"a-3": [0, 4]}, 2))
        self.assertEqual((failed["ended_s"], failed["duration_s"]), (None, None))

    def test_the_page_and_the_summary_show_the_moves_only_when_there_are_some(self):
        html = "".join(report_html._move_sections(move_report()))
        self.assertIn("<h2>Moves (nodes added and removed)</h2>", html)
        self.assertIn("<td>add a-3</td><td>a</td><td>3.0</td><td>-</td><td>4.5</td><td>1.5</td><td>2</td>"
                      "<td>0, 4</td><td>a-3 2</td><td>a-1 1; a-2 1</td>", html)
        self.assertIn("<td>never</td>", html)
        self.assertEqual(report_html._move_sections({"moves": []}), [])
        text = console._move_table(move_report())
        self.assertIn("1.50 s", text)
        self.assertIn("remove a-1: waited 30 s", text)
        self.assertIsNone(console._move_table({"moves": []}))


@unittest.skipUnless(os.environ.get("CRDTDB_BINARY"), "needs a built crdtdb: set CRDTDB_BINARY "
                     "(the ctest simulation_moves_scenario does)")
class MovesScenarioEndToEndTest(unittest.TestCase):
    """scenarios/moves.yaml with real `crdtdb serve` processes: a node added and one removed while
    both regions write; the report must have both moves with their durations, and the run pass."""

    def test_the_moves_scenario_passes_and_reports_each_move(self):
        out = Path(os.environ.get("CRDTDB_SIM_OUT") or self.enterContext(tempfile.TemporaryDirectory()))
        started = time.monotonic()
        result = subprocess.run([sys.executable, str(REPO / "scripts" / "simulate.py"),
                                 "--scenario", str(MOVES_SCENARIO), "--binary", os.environ["CRDTDB_BINARY"],
                                 "--out", str(out),
                                 "--timeout-scale", os.environ.get("CRDTDB_SIM_TIMEOUT_SCALE", "1")],
                                capture_output=True, text=True, timeout=300)
        print(f"\nscenarios/moves.yaml ran in {time.monotonic() - started:.1f} s", file=sys.stderr)
        self.assertEqual(result.returncode, 0, result.stdout[-4000:] + result.stderr[-2000:])
        run_dir = Path(next(line for line in result.stdout.splitlines() if line.startswith("run folder "))
                       .split(" ", 2)[2])
        report = json.loads((run_dir / "report.json").read_text())
        self.assertTrue(report["verdict"]["passed"])
        self.assertEqual(report["verdict"]["violations"], [])  # no acknowledged write lost, among the rest
        self.assertGreater(report["writes"]["acked"], 0)
        self.assertGreater(report["verdict"]["checked"]["ledger_documents"], 0)
        moves = {m["step"]: m for m in report["moves"]}
        self.assertEqual(set(moves), {"add us-east-3", "remove us-east-1"})
        for move in moves.values():
            self.assertEqual(move["error"], "")
            self.assertIsNotNone(move["duration_s"])
            self.assertGreaterEqual(move["ended_s"], move["started_s"])
            self.assertGreater(move["partitions_moved"], 0)
        self.assertIn("us-east-3", moves["add us-east-3"]["gained"])
        self.assertIsNotNone(moves["remove us-east-1"]["handed_off_s"])
        nodes = {n["node"]: n for n in report["nodes"]}
        self.assertIsNotNone(nodes["us-east-3"]["added_s"])
        self.assertIsNotNone(nodes["us-east-1"]["removed_s"])
        self.assertEqual(nodes["us-east-1"]["stop_status"], 0)  # stopped by SIGTERM after its removal
        self.assertIn("Moves (nodes added and removed)", (run_dir / "report.html").read_text())


if __name__ == "__main__":
    unittest.main()
