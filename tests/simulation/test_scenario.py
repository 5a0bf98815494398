"""Scenario files and the fault timeline (scripts/sim/scenario.py), and the YAML subset they are
written in (scripts/sim/yaml_subset.py)."""

import json
import tempfile
import unittest
from pathlib import Path

from sim import yaml_subset
from sim.scenario import ScenarioError, builtin_scenario, load_scenario, parse_scenario
from sim.topology import load_topology

REPO = Path(__file__).resolve().parents[2]
REGIONS = ("us-east", "eu-west", "ap-south")


def parse(**fields):
    return parse_scenario({"duration_s": 60, **fields}, REGIONS, "test")


class ScenarioFileTest(unittest.TestCase):
    def write(self, name, text):
        path = Path(self.enterContext(tempfile.TemporaryDirectory())) / name
        path.write_text(text)
        return path

    def test_a_yaml_file_sets_what_it_names_and_defaults_the_rest(self):
        path = self.write("s.yaml", "name: quick  # a comment\nduration_s: 20\nmix: {put: 3, inc: 1}\n"
                                    "faults:\n  - { at_s: 5, partition: ap-south, for_s: 4 }\n")
        scenario = load_scenario(path, REGIONS)
        self.assertEqual((scenario.name, scenario.duration_s), ("quick", 20.0))
        self.assertEqual(scenario.mix, {"put": 0.75, "patch": 0.0, "inc": 0.25, "delete": 0.0, "list": 0.0})
        self.assertEqual(scenario.write_rate_per_region, 8.0)
        (fault,) = scenario.faults
        self.assertEqual((fault.kind, fault.target, fault.start_s, fault.heal_s), ("partition", "ap-south", 5, 9))

    def test_a_json_file_reads_the_same(self):
        path = self.write("s.json", json.dumps({"name": "j", "duration_s": 30,
                                                "faults": [{"at_s": 1, "kill": "eu-west", "for_s": 2}]}))
        self.assertEqual(load_scenario(path, REGIONS).faults[0].label, "kill eu-west")

    def test_the_ci_scenario_loads_against_the_example_regions(self):
        topology = load_topology(REPO / "regions.example.yaml")
        scenario = load_scenario(REPO / "scenarios" / "ci.yaml", topology.regions)
        self.assertLessEqual(scenario.duration_s, 20)
        self.assertEqual({f.kind for f in scenario.faults}, {"partition", "kill"})

    def test_errors_name_the_file_and_the_key(self):
        path = self.write("bad.yaml", "duration_s: 10\nwrite_rate: 5\n")
        with self.assertRaisesRegex(ScenarioError, r"bad.yaml: unknown key 'write_rate'"):
            load_scenario(path, REGIONS)
        with self.assertRaisesRegex(ScenarioError, r"missing.yaml: cannot read"):
            load_scenario(path.with_name("missing.yaml"), REGIONS)

    def test_a_syntax_error_names_the_line(self):
        path = self.write("bad.yaml", "name: x\nfaults:\n\t- {at_s: 1}\n")
        with self.assertRaisesRegex(ScenarioError, r"bad.yaml:3: tabs"):
            load_scenario(path, REGIONS)


class ScenarioValuesTest(unittest.TestCase):
    def test_values_out_of_range_or_of_the_wrong_type_are_refused(self):
        for fields, message in [({"duration_s": 0}, "duration_s: must be from 1"),
                                ({"collide": 1.5}, "collide: must be from 0 to 1"),
                                ({"shared_docs": 2.5}, "shared_docs: expected a whole number"),
                                ({"seed": True}, "seed: expected a number"),
                                ({"name": 7}, "name: expected a string"),
                                ({"mix": {"put": 1, "merge": 1}}, "mix.merge: unknown operation"),
                                ({"mix": {"put": 0}}, "mix: the weights add up to 0"),
                                ({"mix": {"put": -1}}, "mix.put: expected a weight >= 0")]:
            with self.subTest(fields=fields), self.assertRaisesRegex(ScenarioError, message):
                parse(**fields)


class FaultTimelineTest(unittest.TestCase):
    def test_each_kind_of_fault_cuts_what_it_says(self):
        partition, cut, both, kill = parse(faults=[
            {"at_s": 1, "partition": "ap-south", "for_s": 1},
            {"at_s": 2, "cut": "us-east -> eu-west", "for_s": 1},
            {"at_s": 3, "cut": "us-east<->eu-west", "for_s": 1},
            {"at_s": 4, "kill": "eu-west", "for_s": 1}]).faults
        self.assertEqual(set(partition.directions), {("ap-south", "us-east"), ("us-east", "ap-south"),
                                                     ("ap-south", "eu-west"), ("eu-west", "ap-south")})
        self.assertEqual(cut.directions, (("us-east", "eu-west"),))
        self.assertEqual(set(both.directions), {("us-east", "eu-west"), ("eu-west", "us-east")})
        self.assertEqual(both.target, "us-east <-> eu-west")
        self.assertEqual(kill.directions, ())

    def test_a_heal_step_ends_the_faults_it_names(self):
        faults = parse(faults=[{"at_s": 5, "partition": "ap-south"},
                               {"at_s": 6, "cut": "us-east -> eu-west"},
                               {"at_s": 9, "heal": "ap-south"},
                               {"at_s": 12, "heal": "all"}]).faults
        self.assertEqual([(f.label, f.heal_s) for f in faults],
                         [("partition ap-south", 9), ("cut us-east -> eu-west", 12)])

    def test_a_fault_never_healed_ends_with_the_writes_and_for_s_is_clipped_to_them(self):
        faults = parse(faults=[{"at_s": 50, "kill": "us-east", "for_s": 30},
                               {"at_s": 55, "partition": "eu-west"}]).faults
        self.assertEqual([f.heal_s for f in faults], [60, 60])

    def test_events_run_in_time_order_with_heals_before_starts_at_the_same_time(self):
        scenario = parse(faults=[{"at_s": 10, "kill": "eu-west", "for_s": 5},
                                 {"at_s": 15, "kill": "eu-west", "for_s": 5}])
        self.assertEqual([(t, what) for t, what, _ in scenario.events()],
                         [(10, "start"), (15, "heal"), (15, "start"), (20, "heal")])

    def test_timeline_mistakes_are_refused_before_anything_runs(self):
        for step, message in [
                ({"at_s": 60, "kill": "eu-west"}, r"faults\[0\].at_s: must be a time from 0 to below"),
                ({"at_s": 1, "kill": "eu-wst"}, r"faults\[0\].kill: no region named 'eu-wst'"),
                ({"at_s": 1, "cut": "us-east"}, r"expected 'FROM -> TO'"),
                ({"at_s": 1, "cut": "us-east -> us-east"}, r"two different regions"),
                ({"at_s": 1, "heal": "ap-south"}, r"heal 'ap-south' at 1 s: no fault named so"),
                ({"at_s": 1, "kill": "eu-west", "partition": "eu-west"}, r"exactly one of"),
                ({"at_s": 1, "kill": "eu-west", "for_s": 0}, r"for_s: must be a positive"),
                ({"at_s": 1, "kill": "eu-west", "every_s": 3}, r"unknown key 'every_s'")]:
            with self.subTest(step=step), self.assertRaisesRegex(ScenarioError, message):
                parse(faults=[step])

    def test_a_region_cannot_be_killed_twice_at_once(self):
        with self.assertRaisesRegex(ScenarioError, r"faults\[1\]: eu-west is already killed at 12 s"):
            parse(faults=[{"at_s": 10, "kill": "eu-west", "for_s": 5},
                          {"at_s": 12, "kill": "eu-west", "for_s": 5}])

    def test_a_fault_affects_the_pairs_it_separates(self):
        partition, cut = parse(faults=[{"at_s": 1, "partition": "ap-south", "for_s": 1},
                                       {"at_s": 2, "cut": "us-east -> eu-west", "for_s": 1}]).faults
        self.assertTrue(partition.affects("us-east", "ap-south"))
        self.assertTrue(partition.affects("ap-south", "eu-west"))
        self.assertFalse(partition.affects("us-east", "eu-west"))
        # A one-way cut stalls both directions of the pair once heartbeats time out.
        self.assertTrue(cut.affects("eu-west", "us-east"))
        self.assertFalse(cut.affects("us-east", "ap-south"))

    def test_the_builtin_scenario_fits_any_cluster_of_two_or_more(self):
        for regions in (("a", "b"), REGIONS):
            scenario = builtin_scenario(regions)
            self.assertEqual(len(scenario.faults), 3)
            self.assertTrue(all(f.heal_s <= scenario.duration_s for f in scenario.faults))


class YamlSubsetTest(unittest.TestCase):
    def test_the_example_regions_file_reads_as_yaml_would(self):
        doc = yaml_subset.load_file(REPO / "regions.example.yaml")
        self.assertEqual(doc["cluster"], "demo")
        self.assertEqual([r["name"] for r in doc["regions"]], list(REGIONS))
        self.assertEqual(doc["links"][0], {"a": "us-east", "b": "eu-west", "latency_ms": 40})
        self.assertEqual(doc["security"], {"curve": False})

    def test_scalars(self):
        doc = yaml_subset.load("a: 1\nb: -2.5\nc: true\nd: ~\ne: 'it''s'\nf: \"x#y\"\ng: plain text # c\n"
                               "h: [1, two]\n")
        self.assertEqual(doc, {"a": 1, "b": -2.5, "c": True, "d": None, "e": "it's", "f": "x#y",
                               "g": "plain text", "h": [1, "two"]})

    def test_sequences_at_the_key_indentation_and_nested_mappings(self):
        doc = yaml_subset.load("top:\n- name: a\n  sub:\n    k: v\n- b\nnext: 1\n")
        self.assertEqual(doc, {"top": [{"name": "a", "sub": {"k": "v"}}, "b"], "next": 1})

    def test_what_it_does_not_support_is_an_error_with_the_line(self):
        for text, message in [("a: 1\na: 2\n", r"<string>:2: duplicate key 'a'"),
                              ("a: {b: {c: 1}}\n", r":1: nested flow collections"),
                              ("a: &x 1\n", r":1: '&' .* not supported"),
                              ("a: 1\n  b: 2\n", r":2: unexpected indentation"),
                              ("a: [1, 2\n", r":1: a flow collection must end")]:
            with self.subTest(text=text), self.assertRaisesRegex(yaml_subset.YamlError, message):
                yaml_subset.load(text)


if __name__ == "__main__":
    unittest.main()
