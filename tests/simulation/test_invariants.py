"""The end-of-run checks (scripts/sim/invariants.py): each rule passes on a state that obeys it
and reports a state that breaks it."""

import unittest

from sim.history import ACKED, AMBIGUOUS, REJECTED, Write
from sim.invariants import (check_all, check_convergence, check_counters, check_ledger, check_lists,
                            check_shared)

LEDGER = "ledger-us-east"


class Writes:
    """Builds a history: op ids in the order the writes are made."""

    def __init__(self):
        self.writes = []

    def add(self, kind, key, body, outcome=ACKED, region="us-east"):
        collection, doc_id = key.split("/")
        self.writes.append(Write(op_id=len(self.writes) + 1, region=region, kind=kind,
                                 collection=collection, doc_id=doc_id, body=body, outcome=outcome,
                                 started_s=float(len(self.writes)), ended_s=len(self.writes) + 0.5))
        return self


def ledger_dump(doc):
    return {LEDGER: {} if doc is None else {"000001": doc}}


class LedgerTest(unittest.TestCase):
    def setUp(self):
        self.history = Writes().add("put", f"{LEDGER}/000001", {"origin": "us-east", "a": "us-east#1"})

    def test_the_state_the_acknowledged_writes_left_passes(self):
        self.history.add("patch", f"{LEDGER}/000001", {"b": "us-east#2"})
        self.history.add("patch", f"{LEDGER}/000001", {"a": None})
        dump = ledger_dump({"origin": "us-east", "b": "us-east#2"})
        self.assertEqual(check_ledger(self.history.writes, dump, "eu-west"), [])

    def test_a_lost_acknowledged_field_is_reported_with_the_write_that_set_it(self):
        self.history.add("patch", f"{LEDGER}/000001", {"b": "us-east#2"})
        (violation,) = check_ledger(self.history.writes, ledger_dump({"origin": "us-east", "a": "us-east#1"}),
                                    "eu-west")
        self.assertEqual((violation.check, violation.region, violation.key),
                         ("ledger", "eu-west", f"{LEDGER}/000001"))
        self.assertIn("field b is <absent>", violation.message)
        self.assertIn("acked patch #2 from us-east", violation.message)
        self.assertIn("an acknowledged write was lost", violation.message)

    def test_a_missing_document_loses_every_field(self):
        violations = check_ledger(self.history.writes, ledger_dump(None), "ap-south")
        self.assertEqual(sorted(v.message.split(" is ")[0] for v in violations), ["field a", "field origin"])

    def test_an_older_value_where_a_newer_one_was_acknowledged_is_reported(self):
        self.history.add("patch", f"{LEDGER}/000001", {"a": "us-east#2"})
        (violation,) = check_ledger(self.history.writes, ledger_dump({"origin": "us-east", "a": "us-east#1"}),
                                    "eu-west")
        self.assertIn('field a is "us-east#1", expected "us-east#2"', violation.message)

    def test_a_put_removes_the_fields_it_does_not_name(self):
        self.history.add("patch", f"{LEDGER}/000001", {"b": "us-east#2"})
        self.history.add("put", f"{LEDGER}/000001", {"c": "us-east#3"})
        self.assertEqual(check_ledger(self.history.writes, ledger_dump({"c": "us-east#3"}), "r"), [])
        (violation,) = check_ledger(self.history.writes, ledger_dump({"b": "us-east#2", "c": "us-east#3"}), "r")
        self.assertIn("field b is", violation.message)

    def test_an_ambiguous_write_may_or_may_not_have_happened(self):
        self.history.add("patch", f"{LEDGER}/000001", {"a": "us-east#2"}, outcome=AMBIGUOUS)
        for a in ("us-east#1", "us-east#2"):
            with self.subTest(a=a):
                self.assertEqual(check_ledger(self.history.writes, ledger_dump({"origin": "us-east", "a": a}),
                                              "r"), [])
        self.assertEqual(len(check_ledger(self.history.writes, ledger_dump({"origin": "us-east"}), "r")), 1)

    def test_a_rejected_write_must_have_changed_nothing(self):
        self.history.add("patch", f"{LEDGER}/000001", {"a": "us-east#2"}, outcome=REJECTED)
        (violation,) = check_ledger(self.history.writes, ledger_dump({"origin": "us-east", "a": "us-east#2"}),
                                    "r")
        self.assertIn('field a is "us-east#2", expected "us-east#1"', violation.message)

    def test_a_field_nobody_wrote_is_reported(self):
        (violation,) = check_ledger(self.history.writes,
                                    ledger_dump({"origin": "us-east", "a": "us-east#1", "z": 1}), "r")
        self.assertIn("field z is 1, expected <absent>", violation.message)


class CounterTest(unittest.TestCase):
    def history(self):
        return (Writes().add("inc", "counters/c0", {"total": 2})
                .add("inc", "counters/c0", {"total": 3}, region="eu-west")
                .add("inc", "counters/c0", {"us-east": 1})
                .add("inc", "counters/c0", {"total": 7}, outcome=REJECTED)).writes

    def test_counters_equal_to_their_acknowledged_sums_pass(self):
        dump = {"counters": {"c0": {"total": 5, "us-east": 1}}}
        self.assertEqual(check_counters(self.history(), dump, "r"), [])

    def test_a_counter_off_its_sum_is_reported(self):
        for total in (4, 6, 12):
            with self.subTest(total=total):
                (violation,) = check_counters(self.history(), {"counters": {"c0": {"total": total, "us-east": 1}}},
                                              "r")
                self.assertEqual(violation.message,
                                 f"total = {total}, expected 5 (acknowledged increments add up to 5)")

    def test_ambiguous_increments_widen_the_range(self):
        writes = self.history() + Writes().add("inc", "counters/c0", {"total": 4}, outcome=AMBIGUOUS).writes
        for total, ok in ((5, True), (7, True), (9, True), (10, False), (4, False)):
            with self.subTest(total=total):
                violations = check_counters(writes, {"counters": {"c0": {"total": total, "us-east": 1}}}, "r")
                self.assertEqual(violations == [], ok)
        (violation,) = check_counters(writes, {"counters": {"c0": {"total": 10, "us-east": 1}}}, "r")
        self.assertIn("expected from 5 to 9", violation.message)

    def test_a_missing_counter_or_one_nobody_incremented_is_reported(self):
        violations = check_counters(self.history(), {"counters": {"c0": {"us-east": 1}, "c1": {"total": 1}}}, "r")
        self.assertEqual(sorted(v.message for v in violations),
                         ["field total = 1 was never incremented",
                          "total = 0, expected 5 (acknowledged increments add up to 5)"])


class SharedTest(unittest.TestCase):
    def history(self):
        return (Writes().add("put", "shared/s0", {"title": "us-east#1", "tags": {"t0": "us-east#1"}})
                .add("patch", "shared/s0", {"title": "eu-west#2", "color": None}, region="eu-west")
                .add("patch", "shared/s0", {"size": "ap-south#3"}, region="ap-south", outcome=AMBIGUOUS)
                .add("patch", "shared/s0", {"owner": "us-east#4"}, outcome=REJECTED)).writes

    def test_values_written_there_by_some_write_pass(self):
        dump = {"shared": {"s0": {"title": "us-east#1", "tags": {"t0": "us-east#1"}, "size": "ap-south#3"}}}
        self.assertEqual(check_shared(self.history(), dump, "r"), [])

    def test_a_value_written_elsewhere_or_only_by_a_rejected_write_is_reported(self):
        dump = {"shared": {"s0": {"title": "us-east#1", "tags": {"t0": "eu-west#2"}, "owner": "us-east#4"},
                           "s9": {"title": "us-east#1"}}}
        messages = sorted(f"{v.key} {v.message}" for v in check_shared(self.history(), dump, "r"))
        self.assertEqual(messages, ['shared/s0 /owner = "us-east#4" was never written there',
                                    'shared/s0 /tags/t0 = "eu-west#2" was never written there',
                                    'shared/s9 /title = "us-east#1" was never written there'])


class ConvergenceTest(unittest.TestCase):
    def test_equal_roots_and_dumps_pass(self):
        dump = {"shared": {"s0": {"a": 1}}}
        self.assertEqual(check_convergence({"x": "r1", "y": "r1"}, {"x": dump, "y": dict(dump)}), [])

    def test_different_roots_are_reported_once(self):
        (violation,) = check_convergence({"x": "r1", "y": "r2"}, {})
        self.assertEqual(violation.message, "the regions' roots differ: x r1, y r2")

    def test_different_dumps_name_the_documents(self):
        dumps = {"x": {"shared": {"s0": {"a": 1}, "s1": {}}},
                 "y": {"shared": {"s0": {"a": 2}}, "counters": {"c0": {"total": 1}}}}
        (violation,) = check_convergence({"x": "r", "y": "r"}, dumps)
        self.assertEqual((violation.region, violation.message),
                         ("y", "3 documents differ from x's: counters/c0, shared/s0, shared/s1"))

    def test_check_all_checks_every_region(self):
        writes = Writes().add("inc", "counters/c0", {"total": 1}).writes
        dumps = {"x": {"counters": {"c0": {"total": 1}}}, "y": {"counters": {"c0": {"total": 1}}}}
        self.assertEqual(check_all(writes, dumps, {"x": "r", "y": "r"}), [])
        dumps["y"]["counters"]["c0"]["total"] = 0
        self.assertEqual(sorted((v.check, v.region) for v in check_all(writes, dumps, {"x": "r", "y": "r"})),
                         [("convergence", "y"), ("counter", "y")])


def insert(value, at="/items/-"):
    return [{"op": "add", "path": at, "value": value}]


class ListTest(unittest.TestCase):
    def setUp(self):
        self.history = (Writes().add("put", "lists/l0", {"items": []})
                        .add("list", "lists/l0", insert("us-east#2"))
                        .add("list", "lists/l0", insert("eu-west#3", "/items/0"), region="eu-west")
                        .add("list", "lists/l0", insert("eu-west#4"), outcome=AMBIGUOUS, region="eu-west")
                        .add("list", "lists/l0", insert("us-east#5"), outcome=REJECTED))

    def check(self, items):
        return check_lists(self.history.writes, {"lists": {"l0": {"items": items}}}, "eu-west")

    def test_every_acknowledged_insert_once_in_any_order_with_or_without_ambiguous_ones_passes(self):
        self.assertEqual(self.check(["eu-west#3", "us-east#2"]), [])
        self.assertEqual(self.check(["us-east#2", "eu-west#4", "eu-west#3"]), [])

    def test_a_lost_a_duplicated_and_an_unknown_item_are_reported(self):
        (lost,) = self.check(["eu-west#3"])
        self.assertEqual((lost.check, lost.key), ("list", "lists/l0"))
        self.assertIn('1 acknowledged insert(s) lost: "us-east#2"', lost.message)
        (twice,) = self.check(["eu-west#3", "us-east#2", "us-east#2"])
        self.assertIn("twice", twice.message)
        (rejected,) = self.check(["eu-west#3", "us-east#2", "us-east#5"])
        self.assertIn('"us-east#5" was never inserted there', rejected.message)

    def test_a_missing_list_loses_its_acknowledged_inserts_and_check_all_runs_the_rule(self):
        (lost,) = check_lists(self.history.writes, {"lists": {}}, "us-east")
        self.assertIn("2 acknowledged insert(s) lost", lost.message)
        dumps = {"us-east": {"lists": {"l0": {"items": "x"}}}}
        self.assertEqual([v.check for v in check_all(self.history.writes, dumps, {"us-east": "r"})], ["list"])

if __name__ == "__main__":
    unittest.main()
