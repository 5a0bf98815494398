"""The figures of a run (scripts/sim/metrics.py) and the visibility estimate of a probe
(scripts/sim/visibility.py)."""

import unittest

from sim.faults import FaultWindow
from sim.history import ACKED, AMBIGUOUS, Write
from sim.metrics import convergence_after_heals, lag_samples, pair_summaries, percentile
from sim.scenario import parse_scenario
from sim.topology import Topology
from sim.visibility import Probe

REGIONS = ("a", "b", "c")


def probe(origin, acked_s, seen, outcome=ACKED, n=1):
    """A probe acknowledged at `acked_s` (sent 10 ms before), seen as {observer: (before, after)}."""
    write = Write(op_id=n, region=origin, kind="put", collection=f"ledger-{origin}", doc_id=f"{n:06d}",
                  body={}, probe=True, started_s=acked_s - 0.01, ended_s=acked_s, outcome=outcome)
    return Probe(write, dict(seen))


def partition(region, start_s, heal_s):
    scenario = parse_scenario({"duration_s": 100, "faults": [{"at_s": start_s, "partition": region,
                                                             "for_s": heal_s - start_s}]}, REGIONS, "t")
    return FaultWindow(scenario.faults[0], start_s, heal_s)


class PercentileTest(unittest.TestCase):
    def test_nearest_rank(self):
        values = list(range(1, 101))
        self.assertEqual([percentile(values, q) for q in (50, 95, 99, 100)], [50, 95, 99, 100])
        self.assertEqual(percentile([7], 99), 7)
        self.assertEqual(percentile([3, 1, 2], 50), 2)
        self.assertIsNone(percentile([], 50))


class VisibilityEstimateTest(unittest.TestCase):
    def test_visible_in_the_middle_of_the_polls_that_bracket_it_and_not_before_the_ack(self):
        p = probe("a", acked_s=10.0, seen={"b": (9.9, 10.2), "c": (10.1, 10.3)})
        self.assertAlmostEqual(p.visible_s("b"), 10.1)   # between the ack (10.0) and 10.2
        self.assertAlmostEqual(p.lag_s("b"), 0.1)
        self.assertAlmostEqual(p.visible_s("c"), 10.2)   # between the two polls
        self.assertAlmostEqual(p.lag_s("c"), 0.2)

    def test_no_lag_for_an_unseen_or_unacknowledged_probe(self):
        self.assertIsNone(probe("a", 10.0, {}).lag_s("b"))
        self.assertIsNone(probe("a", 10.0, {"b": (10.0, 10.1)}, outcome=AMBIGUOUS).lag_s("b"))

    def test_seen_before_the_answer_reached_the_client_is_lag_zero(self):
        self.assertEqual(probe("a", 10.0, {"b": (9.0, 9.99)}).lag_s("b"), 0.0)


class LagTest(unittest.TestCase):
    def test_samples_touched_by_a_fault_of_their_pair_or_its_recovery_are_marked(self):
        probes = [probe("a", 1.0, {"b": (1.0, 1.1), "c": (1.0, 1.1)}, n=1),
                  probe("a", 5.0, {"b": (5.0, 5.1), "c": (9.0, 9.2)}, n=2),    # c caught up at 9.1
                  probe("a", 9.05, {"b": (9.1, 9.1), "c": (9.3, 9.4)}, n=3),   # acked while recovering
                  probe("a", 10.0, {"b": (10.0, 10.1), "c": (10.0, 10.1)}, n=4)]
        samples = lag_samples(probes, [partition("c", 4.0, 9.0)], REGIONS)
        self.assertEqual([(s.acked_s, s.observer, s.during_fault) for s in samples],
                         [(1.0, "b", False), (1.0, "c", False), (5.0, "b", False), (5.0, "c", True),
                          (9.05, "b", False), (9.05, "c", True), (10.0, "b", False), (10.0, "c", False)])

    def test_pair_summaries_separate_fault_free_and_all_writes(self):
        topology = Topology("t", ("a", "b"), None, {("a", "b"): 40, ("b", "a"): 40})
        probes = [probe("a", float(i), {"b": (i, i + 0.05)}, n=i) for i in range(1, 11)]
        probes.append(probe("a", 20.0, {"b": (25.0, 25.0)}, n=11))  # seen after a partition of b
        probes.append(probe("a", 30.0, {}, n=12))                    # never seen
        samples = lag_samples(probes, [partition("b", 19.0, 24.0)], ("a", "b"))
        row = next(r for r in pair_summaries(samples, probes, topology) if r["origin"] == "a")
        self.assertEqual((row["imposed_ms"], row["probes"], row["seen"], row["steady_samples"]), (40, 12, 11, 10))
        self.assertEqual((row["p50_ms"], row["p99_ms"]), (25.0, 25.0))  # the middle of ack and poll
        self.assertEqual((row["all_p99_ms"], row["max_ms"]), (5000.0, 5000.0))


class ConvergenceAfterHealTest(unittest.TestCase):
    def test_the_last_write_from_before_the_heal_to_arrive_everywhere_sets_the_time(self):
        probes = [probe("a", 1.0, {"b": (1.0, 1.1), "c": (11.0, 11.5)}, n=1),
                  probe("c", 6.0, {"a": (12.0, 12.4), "b": (10.0, 10.4)}, n=2),
                  probe("a", 12.0, {"b": (13.0, 13.0)}, n=3)]  # after the heal: not counted
        (row,) = convergence_after_heals(probes, [partition("c", 5.0, 10.0)], REGIONS)
        self.assertEqual((row["fault"], row["convergence_s"]), ("partition c", 2.2))

    def test_a_write_never_seen_means_never(self):
        probes = [probe("a", 1.0, {"b": (1.0, 1.1)})]
        (row,) = convergence_after_heals(probes, [partition("c", 5.0, 10.0)], REGIONS)
        self.assertIsNone(row["convergence_s"])


if __name__ == "__main__":
    unittest.main()
