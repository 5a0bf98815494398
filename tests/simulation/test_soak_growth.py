"""The soak's verdict on growth (scripts/sim/growth.py): what counts as a resource growing without
bound, and what is allowed (caches filling up to their bound, client connections, linear data growth)."""

import unittest

from sim import growth

DURATION_S = 600.0  # last third: [400, 600], its halves [400, 500) and [500, 600]


def series(value_at, every_s=10.0, duration_s=DURATION_S):
    """[(t, value_at(t))] every `every_s` over the write phase."""
    return [(i * every_s, value_at(i * every_s)) for i in range(int(duration_s / every_s) + 1)]


class LateHalvesTest(unittest.TestCase):
    def test_the_last_third_of_the_writes_split_at_its_middle(self):
        first, second = growth.late_halves([(0, "x"), (399, "x"), (400, "a"), (499, "a"), (500, "b"), (600, "b"),
                                            (601, "settle")], DURATION_S)
        self.assertEqual((first, second), (["a", "a"], ["b", "b"]))


def rss(value_at, start_kib=2_000, end_kib=None, every_s=10.0):
    samples = series(value_at, every_s)
    return growth.check_rss("r", samples, DURATION_S, start_kib, samples[-1][1] if end_kib is None else end_kib)


class RssTest(unittest.TestCase):
    def test_caches_that_fill_for_most_of_the_run_then_level_off_pass(self):
        check = rss(lambda t: 2_000 + min(t, 380) * 40)  # +15 MB until 380 s, then flat
        self.assertTrue(check.passed, check.detail)

    def test_steps_of_a_mebibyte_at_the_end_pass(self):
        check = rss(lambda t: 8_000 + int(t // 170) * 1_000)
        self.assertTrue(check.passed, check.detail)

    def test_a_steady_leak_still_growing_at_the_end_fails(self):
        check = rss(lambda t: 2_000 + int(t * 30))  # 30 KiB/s: +3 MiB between the halves of the last third
        self.assertFalse(check.passed)
        self.assertIn("still growing at the end", check.detail)

    def test_more_than_the_configured_caches_allow_fails_even_when_flat(self):
        check = rss(lambda t: 2_000 + min(t, 100) * 300)  # +30 MB, flat from 100 s on
        self.assertFalse(check.passed)
        self.assertIn("above the ceiling", check.detail)
        self.assertEqual(check.figures["ceiling_kib"], 2_000 + growth.HEAP_BUDGET_KIB)

    def test_the_quiet_sample_after_the_writes_counts_for_the_ceiling(self):
        check = rss(lambda t: 4_000, end_kib=2_000 + growth.HEAP_BUDGET_KIB + 1)
        self.assertFalse(check.passed)

    def test_too_few_samples_is_a_failure_that_says_so(self):
        check = rss(lambda t: 1000, every_s=100)
        self.assertFalse(check.passed)
        self.assertIn("too few samples", check.detail)


class DescriptorTest(unittest.TestCase):
    def test_constant_quiet_count_and_clients_within_the_ceiling_pass(self):
        check = growth.check_fds("r", 38, 39, [(10, 38), (20, 44), (30, 38)], clients_max=6, deleted_at_end=0)
        self.assertTrue(check.passed, check.detail)
        self.assertEqual(check.figures["ceiling_while_writing"], 46)

    def test_a_quiet_count_that_grew_is_a_leak(self):
        check = growth.check_fds("r", 38, 41, [], clients_max=6, deleted_at_end=0)
        self.assertFalse(check.passed)
        self.assertIn("from 38 to 41", check.detail)

    def test_more_descriptors_than_clients_while_writing_fails(self):
        check = growth.check_fds("r", 38, 38, [(10, 47)], clients_max=6, deleted_at_end=0)
        self.assertFalse(check.passed)
        self.assertIn("47 while writing", check.detail)

    def test_a_deleted_file_still_held_once_quiet_fails(self):
        check = growth.check_fds("r", 38, 38, [], clients_max=6, deleted_at_end=1)
        self.assertFalse(check.passed)
        self.assertIn("deleted", check.detail)


class DiskTest(unittest.TestCase):
    def test_linear_growth_with_a_saw_tooth_passes(self):
        sawtooth = series(lambda t: int(t * 10_000 + (t % 70) * 50_000))
        check = growth.check_disk("r", sawtooth, sawtooth[-1][1], DURATION_S)
        self.assertTrue(check.passed, check.detail)

    def test_quadratic_growth_fails(self):
        quadratic = series(lambda t: int(t * t * 1_000))
        check = growth.check_disk("r", quadratic, quadratic[-1][1], DURATION_S)
        self.assertFalse(check.passed)

    def test_no_samples_fails(self):
        self.assertFalse(growth.check_disk("r", [], 0, DURATION_S).passed)

    def test_bytes_per_thousand_writes(self):
        self.assertEqual(growth.bytes_per_thousand_writes(1000, 301_000, 3000), 100_000)
        self.assertIsNone(growth.bytes_per_thousand_writes(0, 10, 0))


class JudgeTest(unittest.TestCase):
    """judge() reads samples as soak.json holds them."""

    @staticmethod
    def sample(t, phase, anon_kib=4_000, fds=38, data=1 << 20, deleted=0):
        return {"t": t, "phase": phase, "rss_anon_kib": anon_kib, "fds_steady": fds,
                "fds": {"table": 0, "deleted": deleted, "socket": 11, "other": fds - 11}, "data_bytes": data}

    def samples(self, **end):
        writes = [self.sample(t, "writes", data=t * 1000) for t in range(0, 601, 10)]
        return {"r": [self.sample(-1, "quiet start", data=0), *writes, self.sample(603, "quiet end", **end)]}

    def test_a_healthy_run_passes_every_check_of_every_region(self):
        checks = growth.judge(self.samples(), DURATION_S, growth.clients_max(4))
        self.assertEqual([(c.name, c.passed) for c in checks], [("rss", True), ("fds", True), ("disk", True)])

    def test_a_descriptor_leak_shows_in_the_quiet_sample_at_the_end(self):
        checks = growth.judge(self.samples(fds=45), DURATION_S, growth.clients_max(4))
        self.assertFalse(next(c for c in checks if c.name == "fds").passed)

    def test_a_run_without_its_quiet_end_is_not_judged(self):
        samples = self.samples()
        samples["r"].pop()
        self.assertEqual(growth.judge(samples, DURATION_S, 6), [])


if __name__ == "__main__":
    unittest.main()
