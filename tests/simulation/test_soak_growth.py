"""The soak's verdict on growth (scripts/sim/growth.py): what counts as a resource growing without
bound, and what is allowed (warm-up, bounded caches, client connections, linear data growth)."""

import unittest

from sim import growth

DURATION_S = 600.0  # warm-up: the first 60 s; halves: [60, 330) and [330, 600]


def series(value_at, every_s=10.0, duration_s=DURATION_S):
    """[(t, value_at(t))] every `every_s` over the write phase."""
    return [(i * every_s, value_at(i * every_s)) for i in range(int(duration_s / every_s) + 1)]


class WarmupAndHalvesTest(unittest.TestCase):
    def test_warm_up_is_a_fifth_of_the_writes_at_most_a_minute(self):
        self.assertEqual(growth.warmup_s(30), 6)
        self.assertEqual(growth.warmup_s(600), 60)

    def test_halves_leave_out_the_warm_up_and_split_the_rest_at_its_middle(self):
        first, second = growth.halves([(0, "w"), (59, "w"), (60, "a"), (329, "a"), (330, "b"), (600, "b"),
                                       (601, "settle")], DURATION_S)
        self.assertEqual((first, second), (["a", "a"], ["b", "b"]))


class RssTest(unittest.TestCase):
    def test_a_plateau_after_the_warm_up_passes(self):
        check = growth.check_rss("r", series(lambda t: 10_000 if t < 60 else 30_000), DURATION_S)
        self.assertTrue(check.passed, check.detail)

    def test_a_cache_filling_up_to_its_bound_in_the_first_half_passes(self):
        check = growth.check_rss("r", series(lambda t: 20_000 + min(t, 200) * 40), DURATION_S)
        self.assertTrue(check.passed, check.detail)

    def test_a_steady_leak_fails(self):
        check = growth.check_rss("r", series(lambda t: 20_000 + t * 20), DURATION_S)  # +12 MB in 10 min
        self.assertFalse(check.passed)
        self.assertIn("second", check.detail)

    def test_small_noise_on_a_small_process_is_within_the_absolute_slack(self):
        check = growth.check_rss("r", series(lambda t: 8_000 if t < 330 else 9_500), DURATION_S)
        self.assertTrue(check.passed, check.detail)  # +19%, but 1.5 MiB < 2 MiB

    def test_too_few_samples_is_a_failure_that_says_so(self):
        check = growth.check_rss("r", series(lambda t: 1000, every_s=100), DURATION_S)
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


if __name__ == "__main__":
    unittest.main()
