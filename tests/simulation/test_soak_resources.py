"""What the soak reads of a replica (scripts/sim/resources.py) and the directly connected layout
it runs the replicas with (scripts/sim/direct_layout.py)."""

import os
import tempfile
import unittest
from pathlib import Path

from sim.direct_layout import DirectLayout
from sim.resources import fd_kind, parse_proc_status, read_directory, read_process
from sim.topology import Topology


class FdKindTest(unittest.TestCase):
    def test_descriptors_are_told_apart_by_their_link(self):
        self.assertEqual(fd_kind("/run/data/us-east/000012.ldb"), "table")
        self.assertEqual(fd_kind("/run/data/us-east/000012.sst"), "table")
        self.assertEqual(fd_kind("/run/data/us-east/000012.ldb (deleted)"), "deleted")
        self.assertEqual(fd_kind("socket:[123456]"), "socket")
        self.assertEqual(fd_kind("anon_inode:[eventfd]"), "other")
        self.assertEqual(fd_kind("/run/data/us-east/000011.log"), "other")
        self.assertEqual(fd_kind("pipe:[99]"), "other")


class ProcTest(unittest.TestCase):
    def test_numeric_fields_of_proc_status_in_kib(self):
        fields = parse_proc_status("Name:\tcrdtdb\nVmHWM:\t   12000 kB\nVmRSS:\t   10240 kB\n"
                                   "RssAnon:\t    6000 kB\nRssFile:\t    4240 kB\nThreads:\t7\n")
        self.assertEqual((fields["VmRSS"], fields["VmHWM"], fields["RssAnon"], fields["RssFile"], fields["Threads"]),
                         (10240, 12000, 6000, 4240, 7))
        self.assertNotIn("Name", fields)

    def test_this_process_can_be_read_and_a_missing_one_is_none(self):
        me = read_process(os.getpid())
        self.assertGreater(me.rss_kib, 0)
        self.assertGreater(me.rss_anon_kib, 0)
        self.assertLessEqual(me.rss_anon_kib + me.rss_file_kib, me.rss_kib)
        self.assertGreaterEqual(me.fds_total, 3)
        self.assertEqual(me.fds_not_table, me.fds_total)
        self.assertIsNone(read_process(2**22 + 1))  # above the kernel's pid_max


class DirectoryTest(unittest.TestCase):
    def test_sizes_of_tables_write_ahead_log_and_the_rest(self):
        with tempfile.TemporaryDirectory() as d:
            for name, size in (("000005.ldb", 300), ("000007.ldb", 200), ("000008.log", 50), ("MANIFEST-000002", 10)):
                (Path(d) / name).write_bytes(b"x" * size)
            usage = read_directory(d)
        self.assertEqual((usage.bytes, usage.table_files, usage.table_bytes, usage.leveldb_log_bytes),
                         (560, 2, 500, 50))

    def test_a_missing_directory_is_empty(self):
        self.assertEqual(read_directory("/nonexistent/soak").bytes, 0)


class DirectLayoutTest(unittest.TestCase):
    def test_every_replica_gets_the_other_regions_real_endpoints(self):
        layout = DirectLayout.assign(("a", "b"), range(7000, 7000 + DirectLayout.ports_needed(2)))
        text = layout.region_config(Topology("c", ("a", "b"), None), "a", "../data/a")
        self.assertEqual(layout.relays, ())
        self.assertIn("publish: tcp://127.0.0.1:7003", text)  # b's own publish port
        self.assertIn("sync: tcp://127.0.0.1:7004", text)
        self.assertIn("data_dir: ../data/a", text)
        self.assertTrue(text.startswith("# written by scripts/soak.py"))
        self.assertNotIn("WAN emulator:", text)


if __name__ == "__main__":
    unittest.main()
