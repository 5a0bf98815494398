"""Regions of several nodes in the simulation: the regions file's nodes (scripts/sim/topology.py),
node kills in scenarios (scenario.py), the per-node layout and configs (layout.py), counters summed
per node (status_sampler.py), the owners' partition roots (invariants.py) and the per-node report
(report.py, report_html.py, console.py)."""

import tempfile
import unittest
from pathlib import Path

from sim import console, report, report_html
from sim.invariants import check_owner_roots
from sim.layout import Layout
from sim.scenario import ScenarioError, builtin_scenario, load_scenario, parse_scenario, scenario_regions_file
from sim.status_sampler import node_statuses, totals_of
from sim.topology import Topology, TopologyError, load_topology

REPO = Path(__file__).resolve().parents[2]
NODES_SCENARIO = REPO / "scenarios" / "nodes.yaml"

REGIONS_TEXT = """cluster: t
partitions: 16
regions:
  - name: a
    replication_factor: 2
    nodes:
      - { name: a-1, data_dir: d1, publish: "tcp://127.0.0.1:1", sync: "tcp://127.0.0.1:2", client: "tcp://127.0.0.1:3" }
      - { name: a-2, data_dir: d2, publish: "tcp://127.0.0.1:4", sync: "tcp://127.0.0.1:5", client: "tcp://127.0.0.1:6" }
      - { name: a-3, data_dir: d3, publish: "tcp://127.0.0.1:7", sync: "tcp://127.0.0.1:8", client: "tcp://127.0.0.1:9" }
  - name: b
    data_dir: db
    publish: tcp://127.0.0.1:11
    sync: tcp://127.0.0.1:12
    client: tcp://127.0.0.1:13
links:
  - { a: a, b: b, latency_ms: 30 }
"""


class TopologyNodesTest(unittest.TestCase):
    def load(self, text):
        path = Path(self.enterContext(tempfile.TemporaryDirectory())) / "regions.yaml"
        path.write_text(text)
        return load_topology(path)

    def test_a_region_with_nodes_lists_them_and_its_factor(self):
        topology = self.load(REGIONS_TEXT)
        self.assertEqual(topology.nodes_of("a"), ("a-1", "a-2", "a-3"))
        self.assertEqual(topology.nodes_of("b"), ("b",))
        self.assertEqual(topology.replication_factor, {"a": 2})
        self.assertEqual(topology.partitions, 16)
        self.assertEqual(topology.all_nodes(), ("a-1", "a-2", "a-3", "b"))
        self.assertEqual(topology.region_of("a-2"), "a")
        self.assertTrue(topology.has_nodes and topology.is_multi_node("a") and not topology.is_multi_node("b"))

    def test_a_regions_file_without_nodes_is_as_before(self):
        topology = load_topology(REPO / "regions.example.yaml")
        self.assertFalse(topology.has_nodes)
        self.assertEqual(topology.all_nodes(), topology.regions)

    def test_bad_nodes_are_refused_with_the_key(self):
        cases = {
            "replication_factor: 2": "replication_factor: 4",   # more than the nodes
            "name: a-2,": "name: a-1,",                           # duplicate node
            "partitions: 16": "partitions: 12",                   # not a power of two
        }
        for old, new in cases.items():
            with self.subTest(new=new), self.assertRaises(TopologyError):
                self.load(REGIONS_TEXT.replace(old, new))
        with self.assertRaisesRegex(TopologyError, "one-node region"):
            self.load(REGIONS_TEXT.replace("  - name: b\n", "  - name: b\n    replication_factor: 2\n"))


class ScenarioNodesTest(unittest.TestCase):
    NODES = {"a-1": "a", "a-2": "a", "a-3": "a"}

    def test_a_kill_names_a_node_and_touches_its_region(self):
        scenario = parse_scenario({"duration_s": 30, "faults": [{"at_s": 5, "kill": "a-2", "for_s": 3}]},
                                  ("a", "b"), "test", self.NODES)
        (fault,) = scenario.faults
        self.assertEqual((fault.target, fault.regions, fault.heal_s), ("a-2", ("a",), 8.0))
        self.assertTrue(fault.affects("a", "b") and fault.affects("b", "a"))
        self.assertEqual(scenario.kills_of("a-2"), 1)

    def test_a_kill_of_a_region_of_several_nodes_asks_for_a_node(self):
        with self.assertRaisesRegex(ScenarioError, "kill one of its nodes \\(a-1, a-2, a-3\\)"):
            parse_scenario({"faults": [{"at_s": 5, "kill": "a"}]}, ("a", "b"), "test", self.NODES)

    def test_a_node_is_not_killed_twice_at_once_but_two_nodes_may_be(self):
        with self.assertRaisesRegex(ScenarioError, "already killed"):
            parse_scenario({"faults": [{"at_s": 5, "kill": "a-1", "for_s": 9},
                                       {"at_s": 6, "kill": "a-1"}]}, ("a", "b"), "test", self.NODES)
        scenario = parse_scenario({"faults": [{"at_s": 5, "kill": "a-1", "for_s": 9},
                                              {"at_s": 6, "kill": "a-2"}, {"at_s": 8, "heal": "a-2"}]},
                                  ("a", "b"), "test", self.NODES)
        self.assertEqual([f.heal_s for f in scenario.faults], [14.0, 8.0])

    def test_a_node_name_is_refused_without_nodes(self):
        with self.assertRaises(ScenarioError):
            parse_scenario({"faults": [{"at_s": 5, "kill": "a-1"}]}, ("a", "b"), "test")

    def test_the_builtin_scenario_kills_the_first_node_of_the_second_region(self):
        scenario = builtin_scenario(("b", "a"), self.NODES)
        self.assertIn("kill a-1", [f.label for f in scenario.faults])

    def test_the_nodes_scenario_names_its_regions_file_and_parses_against_it(self):
        regions_file = scenario_regions_file(NODES_SCENARIO)
        self.assertEqual(regions_file.resolve(), (REPO / "scenarios" / "nodes.regions.yaml").resolve())
        topology = load_topology(regions_file)
        self.assertEqual([len(topology.nodes_of(r)) for r in topology.regions], [3, 3, 1])
        self.assertEqual(set(topology.replication_factor.values()), {2})
        nodes = {n: r for r in topology.regions if topology.is_multi_node(r) for n in topology.nodes_of(r)}
        scenario = load_scenario(NODES_SCENARIO, topology.regions, nodes)
        self.assertTrue(any(f.kind == "kill" and f.target in nodes for f in scenario.faults))
        self.assertLessEqual(scenario.duration_s, 45)

    def test_a_scenario_without_a_regions_file_names_none(self):
        self.assertIsNone(scenario_regions_file(REPO / "scenarios" / "ci.yaml"))


def topology_of_nodes():
    return Topology("t", ("a", "b"), 1000, {("a", "b"): 30, ("b", "a"): 30},
                    nodes={"a": ("a-1", "a-2", "a-3")}, replication_factor={"a": 2}, partitions=16)


class LayoutNodesTest(unittest.TestCase):
    def setUp(self):
        self.topology = topology_of_nodes()
        nodes = {r: self.topology.nodes_of(r) for r in self.topology.regions}
        count = Layout.ports_needed(2, nodes)
        self.layout = Layout.assign(self.topology.regions, range(20000, 20000 + count), nodes)

    def test_every_node_has_endpoints_and_relays_join_only_nodes_of_different_regions(self):
        self.assertEqual(Layout.ports_needed(2, {"a": (1, 2, 3), "b": (1,)}), 3 * 4 + 6 * 2)
        self.assertEqual(set(self.layout.endpoints), {"a-1", "a-2", "a-3", "b"})
        self.assertEqual(len(self.layout.relays), 12)  # 3 x 1 node pairs, both ways, 2 channels
        for relay in self.layout.relays:
            self.assertNotEqual(relay.client_region, relay.server_region)
            self.assertEqual(self.layout.region_of(relay.client), relay.client_region)
        ports = [p for e in self.layout.endpoints.values() for p in e.values()] + [r.port for r in self.layout.relays]
        self.assertEqual(len(ports), len(set(ports)))

    def test_a_node_config_reaches_its_region_directly_and_the_others_through_relays(self):
        text = self.layout.node_config(self.topology, "a-2", "../data/a-2")
        self.assertIn("partitions: 16\n", text)
        self.assertIn("    replication_factor: 2\n    nodes:\n      - name: a-1\n", text)
        self.assertIn("        data_dir: ../data/a-2\n", text)
        self.assertIn("        data_dir: unused-a-1\n", text)
        a1 = self.layout.endpoints["a-1"]
        self.assertIn(f"publish: tcp://127.0.0.1:{a1['publish']}\n", text)  # same region: direct
        relay = self.layout.relay_port("a-2", "b", "publish")
        self.assertIn(f"    publish: tcp://127.0.0.1:{relay}\n", text)          # other region: relayed
        self.assertEqual(text, self.layout.region_config(self.topology, "a-2", "../data/a-2"))

    def test_the_clients_config_has_every_real_endpoint(self):
        text = self.layout.node_config(self.topology, "client", "", relayed=False)
        for node, endpoints in self.layout.endpoints.items():
            for port in endpoints.values():
                self.assertIn(f"tcp://127.0.0.1:{port}\n", text)
        self.assertFalse(any(f":{r.port}\n" in text for r in self.layout.relays))

    def test_one_node_regions_lay_out_as_before(self):
        topology = Topology("c", ("a", "b"), None)
        layout = Layout.assign(("a", "b"), range(30000, 30000 + Layout.ports_needed(2)))
        self.assertEqual(Layout.ports_needed(2), 10)
        self.assertNotIn("partitions", layout.region_config(topology, "a", "../data/a"))
        self.assertEqual(layout.nodes_of("a"), ("a",))
        self.assertEqual({(r.client_region, r.server_region) for r in layout.relays}, {("a", "b"), ("b", "a")})


def node_status(name, documents, sent, **more):
    return {"name": name, "reachable": True, "documents": documents, "deltas_sent": sent, **more}


class SamplerNodesTest(unittest.TestCase):
    def test_the_region_view_is_read_per_reachable_node(self):
        view = {"documents": 9, "nodes": [node_status("a-1", 5, 1), {"name": "a-2", "reachable": False}]}
        self.assertEqual(list(node_statuses("a", view)), ["a-1"])
        self.assertEqual(node_statuses("b", {"documents": 3}), {"b": {"documents": 3}})

    def test_totals_add_each_node_and_each_start_of_a_node(self):
        def view(*nodes):
            return {"nodes": list(nodes)}
        samples = [
            (1.0, {"a-1": 1, "a-2": 1}, view(node_status("a-1", 1, 10), node_status("a-2", 1, 20))),
            (2.0, {"a-1": 1, "a-2": 1}, view(node_status("a-1", 1, 15), node_status("a-2", 1, 25))),
            (3.0, {"a-1": 1, "a-2": 2}, view(node_status("a-1", 1, 16))),  # a-2 killed
            (4.0, {"a-1": 1, "a-2": 2}, view(node_status("a-1", 1, 17), node_status("a-2", 1, 4))),  # restarted
        ]
        self.assertEqual(totals_of("a", samples)["deltas_sent"], 17 + 25 + 4)

    def test_one_node_regions_add_their_starts_as_before(self):
        samples = [(1.0, {"b": 1}, {"deltas_sent": 7}), (2.0, {"b": 2}, {"deltas_sent": 2})]
        self.assertEqual(totals_of("b", samples)["deltas_sent"], 9)


class OwnerRootsTest(unittest.TestCase):
    def test_owners_holding_the_same_roots_pass(self):
        self.assertEqual(check_owner_roots({"a": {"a-1": {"0": "r0", "1": "r1"}, "a-2": {"1": "r1", "2": "r2"},
                                                  "a-3": {"0": "r0", "2": "r2"}}}), [])
        self.assertEqual(check_owner_roots({}), [])

    def test_owners_apart_are_named_with_the_partition(self):
        (violation,) = check_owner_roots({"a": {"a-1": {"0": "aaaa", "1": "r1"}, "a-2": {"0": "bbbb"}}})
        self.assertEqual((violation.check, violation.region), ("owners", "a"))
        self.assertIn("1 partition(s)", violation.message)
        self.assertIn("partition 0: a-1 aaaa, a-2 bbbb", violation.message)


class FakeSampler:
    def __init__(self, last):
        self.last = last

    def last_node_statuses(self, region):
        return self.last.get(region, {})


class FakeCluster:
    starts = {"a-1": 1, "a-2": 2, "a-3": 1, "b": 1}
    kills = {"a-1": 0, "a-2": 1, "a-3": 0, "b": 0}
    exit_codes = {"a-1": 0, "a-2": 0, "b": 0}


class NodeReportTest(unittest.TestCase):
    def rows(self):
        sampler = FakeSampler({"a": {"a-1": node_status("a-1", 40, 3, last_sequence=3, commits=50,
                                                         partitions=list(range(11)), merkle_root="f" * 32),
                                     "a-2": node_status("a-2", 38, 2, last_sequence=2, commits=44,
                                                         partitions=list(range(10)), merkle_root="e" * 32)}})
        scenario = parse_scenario({"faults": [{"at_s": 5, "kill": "a-2", "for_s": 3}]}, ("a", "b"), "t",
                                  {"a-1": "a", "a-2": "a", "a-3": "a"})
        return report.node_rows(topology_of_nodes(), sampler, FakeCluster(), scenario)

    def test_a_row_per_node_of_the_regions_of_several_nodes(self):
        rows = self.rows()
        self.assertEqual([r["node"] for r in rows], ["a-1", "a-2", "a-3"])  # b is a one-node region
        a1, a2, a3 = rows
        self.assertEqual((a1["documents"], a1["writes"], a1["commits"], a1["partitions"]), (40, 3, 50, 11))
        self.assertEqual((a2["starts"], a2["kills"], a2["kills_scheduled"]), (2, 1, 1))
        self.assertEqual((a3["documents"], a3["stop_status"]), (None, None))  # never answered, never stopped

    def test_the_page_and_the_summary_show_the_nodes_only_when_there_are_some(self):
        page_report = {"nodes": self.rows(), "node_documents_over_time": {"a-1": [[0, 1], [1, 40]]},
                       "faults": [], "run": {"writes_duration_s": 30},
                       "verdict": {"checked": {"owner_partition_roots": 21}}}
        html = "".join(report_html._node_sections(page_report))
        self.assertIn("<h2>Nodes</h2>", html)
        self.assertIn("<td>a-2</td><td>a</td><td>10</td><td>38</td><td>2</td><td>44</td>", html)
        self.assertIn("21 partition roots of owners compared", html)
        self.assertEqual(report_html._node_sections({"nodes": []}), [])
        text = console._node_table(page_report)
        self.assertIn("a-2", text)
        self.assertIn("21 owner partition roots", text)
        self.assertIsNone(console._node_table({"nodes": []}))


if __name__ == "__main__":
    unittest.main()
