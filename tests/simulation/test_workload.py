"""What the workload writes (scripts/sim/workload.py): the shapes the invariants rely on."""

import json
import random
import unittest

from sim.cli import CliResult
from sim.history import ACKED, AMBIGUOUS, REJECTED, History
from sim.scenario import parse_scenario
from sim.workload import RegionWriter, cli_arguments, outcome_of

REGIONS = ("us-east", "eu-west")


def writer(**fields):
    scenario = parse_scenario({"duration_s": 10, **fields}, REGIONS, "test")
    return RegionWriter("us-east", scenario, random.Random(3)), History()


def finish(write_, writer_, outcome=ACKED):
    write_.outcome = outcome
    writer_.finished(write_)


class RegionWriterTest(unittest.TestCase):
    def test_puts_that_do_not_collide_create_numbered_ledger_documents_that_are_probes(self):
        w, history = writer(mix={"put": 1}, collide=0)
        writes = [w.next_write(history.new_write) for _ in range(3)]
        self.assertEqual([x.key for x in writes], ["ledger-us-east/000001", "ledger-us-east/000002",
                                                  "ledger-us-east/000003"])
        self.assertTrue(all(x.probe and x.kind == "put" for x in writes))
        self.assertEqual(writes[1].body, {"origin": "us-east", "n": 2, "a": f"us-east#{writes[1].op_id}"})

    def test_ledger_patches_go_only_to_created_documents_one_write_at_a_time(self):
        w, history = writer(mix={"put": 1, "patch": 1}, collide=0)
        first = w.next_write(history.new_write)
        self.assertEqual(first.kind, "put")  # nothing to patch yet
        finish(first, w)
        patches = []
        for _ in range(40):
            x = w.next_write(history.new_write)
            if x.kind == "patch":
                patches.append(x)
                break  # not finished: the document is busy
            finish(x, w)
        self.assertTrue(patches)
        busy = patches[0].doc_id
        for _ in range(40):
            x = w.next_write(history.new_write)
            self.assertFalse(x.kind == "patch" and x.doc_id == busy, "a busy document was written again")
            finish(x, w)

    def test_a_ledger_document_whose_write_was_ambiguous_is_never_written_again(self):
        w, history = writer(mix={"put": 1, "patch": 3}, collide=0)
        put = w.next_write(history.new_write)
        finish(put, w, AMBIGUOUS)
        later = [w.next_write(history.new_write) for _ in range(20)]
        self.assertNotIn(put.doc_id, [x.doc_id for x in later])

    def test_colliding_writes_and_deletes_go_to_the_shared_documents_and_counters(self):
        w, history = writer(mix={"patch": 1, "inc": 1, "delete": 1}, collide=1, shared_docs=2, counter_docs=1)
        for _ in range(60):
            x = w.next_write(history.new_write)
            if x.kind == "inc":
                self.assertEqual(x.key, "counters/c0")
                ((name, amount),) = x.body.items()
                self.assertEqual(name, "total")
                self.assertTrue(1 <= amount <= 5)
            else:
                self.assertIn(x.key, ("shared/s0", "shared/s1"))

    def test_increments_that_do_not_collide_use_the_region_s_own_field(self):
        w, history = writer(mix={"inc": 1}, collide=0)
        self.assertEqual(list(w.next_write(history.new_write).body), ["us-east"])


    def test_list_writes_insert_unique_values_into_lists_that_one_region_creates_once(self):
        scenario = parse_scenario({"duration_s": 10, "mix": {"list": 1}, "list_docs": 2}, REGIONS, "test")
        creator = RegionWriter("us-east", scenario, random.Random(3), creates_lists=True)
        other = RegionWriter("eu-west", scenario, random.Random(3))
        history = History()
        made = [creator.next_write(history.new_write) for _ in range(30)]
        puts = [x for x in made if x.kind == "put"]
        self.assertEqual(sorted(x.doc_id for x in puts), ["l0", "l1"])  # each list made once
        self.assertTrue(all(x.body == {"items": []} and x.collection == "lists" for x in puts))
        inserts = [x for x in made if x.kind == "list"] + [other.next_write(history.new_write) for _ in range(30)]
        self.assertTrue(all(x.kind == "list" for x in inserts[-30:]))  # only the creator puts
        values = [op["value"] for x in inserts for op in x.body]
        self.assertEqual(len(values), len(set(values)))
        self.assertEqual({op["path"] for x in inserts for op in x.body}, {"/items/-", "/items/0"})
        self.assertEqual(cli_arguments(inserts[0])[:2], ["patch", inserts[0].path])
        self.assertEqual(json.loads(cli_arguments(inserts[0])[2]), inserts[0].body)

class CliMappingTest(unittest.TestCase):
    def test_writes_become_cli_arguments(self):
        w, history = writer()
        inc = history.new_write(region="us-east", kind="inc", collection="counters", doc_id="c1",
                                body={"total": 4})
        patch = history.new_write(region="us-east", kind="patch", collection="shared", doc_id="s0",
                                  body={"title": None})
        delete = history.new_write(region="us-east", kind="delete", collection="shared", doc_id="s0", body=None)
        self.assertEqual(cli_arguments(inc), ["inc", "/counters/c1", "total", "4"])
        self.assertEqual(cli_arguments(patch), ["patch", "/shared/s0", '{"title":null}'])
        self.assertEqual(cli_arguments(delete), ["delete", "/shared/s0"])

    def test_exit_codes_become_outcomes(self):
        for code, outcome in ((0, ACKED), (2, REJECTED), (3, REJECTED), (1, AMBIGUOUS), (None, AMBIGUOUS),
                              (-9, AMBIGUOUS)):
            with self.subTest(code=code):
                self.assertEqual(outcome_of(CliResult(code, "", "", 0.0, 0.0)), outcome)


if __name__ == "__main__":
    unittest.main()
