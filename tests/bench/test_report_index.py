"""bench/report_index.py: index_bench's rows paired with PouchDB's (pouchdb-find) figures of the same
N, and issue 20's index targets on index_bench's own rows."""

import contextlib
import io
import json
import os
import tempfile
import unittest

import report
import report_index

FIND_100K = {"lib": "pouchdb-find", "version": "9.0.0", "find_version": "9.0.0", "n": 100000,
             "eq_scan_ms": 900.0, "eq_index_ms": 8.0, "range_index_ms": 10.0, "put_none_us": 200.0,
             "put_one_us": 400.0, "put_one_deferred_us": 210.0, "eq_index": "k", "runs": 3}


def row(n, key, value, unit, baseline_key="", baseline_value=0):
    r = report.make_row(f"index_{n}_{key}", value, unit, f"index_{n}_{baseline_key}" if baseline_key else "",
                        baseline_value)
    return r


def ours(n):
    return [row(n, "eq_scan_ms", 300.0, "ms"),
            row(n, "eq_index_ms", 2.0, "ms", "eq_scan_ms", 300.0),
            row(n, "range_index_ms", 5.0, "ms", "range_scan_ms", 240.0),
            row(n, "eq_index_docs_read", 100, "docs", "eq_scan_docs_read", n),
            row(n, "range_index_docs_read", 100, "docs", "range_scan_docs_read", n),
            row(n, "find_all_ns", 4000.0, "ns/doc", "raw_iteration_ns", 800.0),
            row(n, "put_none_us", 40.0, "us"),
            row(n, "put_one_us", 60.0, "us", "put_none_us", 40.0)]


class PairTest(unittest.TestCase):
    def test_pairs_same_n_and_known_keys_only(self):
        rows = ours(100000) + ours(10000)
        pairs = {r["bench"]: r for r in report_index.pouchdb_find_rows(rows, {100000: FIND_100K})}
        # docs_read and find_all_ns have no PouchDB counterpart; N=10,000 has no PouchDB line
        self.assertEqual(sorted(pairs), ["index_100000_eq_index_ms_vs_pouchdb_find",
                                         "index_100000_eq_scan_ms_vs_pouchdb_find",
                                         "index_100000_put_none_us_vs_pouchdb_find",
                                         "index_100000_put_one_us_vs_pouchdb_find",
                                         "index_100000_range_index_ms_vs_pouchdb_find"])
        eq = pairs["index_100000_eq_index_ms_vs_pouchdb_find"]
        self.assertEqual((eq["value"], eq["baseline_value"], eq["ratio"]), (2, 8, 0.25))
        self.assertEqual(eq["baseline"], "pouchdb-find 9.0.0 eq_index_ms")
        self.assertEqual(pairs["index_100000_put_one_us_vs_pouchdb_find"]["ratio"], 0.15)


class TargetTest(unittest.TestCase):
    def targets(self, rows):
        found = report.evaluate_targets(rows, report_index.TARGETS)
        return {name: (status, measured, note) for name, status, measured, note in found}

    def test_ratios_at_the_largest_n(self):
        rows = ours(100000) + [row(2000, "eq_index_ms", 10.0, "ms", "eq_scan_ms", 20.0)]
        t = self.targets(rows)
        status, measured, note = t["equality query, 0.1%, with an index: >= 50x faster than the scan"]
        # 150x at N=100,000 (not 2x at N=2,000), short of the 1,000,000 documents
        self.assertEqual(status, "PASS*")
        self.assertIn("150x faster", measured)
        self.assertIn("1,000,000", note)
        # 48x: just short
        self.assertEqual(t["range query, 0.1%, with an index: >= 50x faster than the scan"][0], "MISS*")
        self.assertIn("1,000x fewer", t["equality query, 0.1%, with an index: >= 100x fewer documents read "
                                        "than the scan"][1])
        self.assertEqual(t["find scan (every document rendered) >= 0.1x raw LevelDB iteration"][0], "PASS*")
        # 1.5x: over 1.3x, at any size
        self.assertEqual(t["put with one index <= 1.3x the put without"][:1], ("MISS",))

    def test_not_measured_without_rows(self):
        t = self.targets([])
        self.assertTrue(all(status == "not measured" for status, _, _ in t.values()))


class FolderTest(unittest.TestCase):
    def test_side_by_side_from_a_folder(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "index_bench.jsonl"), "w", encoding="utf-8") as f:
                f.write("\n".join(json.dumps(r) for r in ours(100000)) + "\n")
            with open(os.path.join(d, "peers-pouchdb-find.jsonl"), "w", encoding="utf-8") as f:
                f.write("npm noise\n" + json.dumps(FIND_100K) + "\n")
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                self.assertEqual(report.main([d]), 0)
            text = out.getvalue()
            self.assertIn("## index_bench against PouchDB with pouchdb-find (issue 20)", text)
            self.assertIn("| eq_index_ms | 2 | 8 | ms | 0.25 | 4x |", text)
            self.assertIn("| put_one_deferred_us: put with 1 index, the index left behind "
                          "(updated at the next query) | | 210 | us | | |", text)
            self.assertNotIn("## map_bench against the peers", text)  # index_ pairs are not map pairs
            self.assertIn("| put with one index <= 1.3x the put without | **MISS** |", text)

    def test_pouchdb_alone(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "peers-pouchdb-find.jsonl"), "w", encoding="utf-8") as f:
                f.write(json.dumps(FIND_100K) + "\n")
            self.assertEqual(report_index.read_pouchdb_find(os.path.join(d, "absent")), {})
            lines = report_index.markdown([], report_index.read_pouchdb_find(os.path.join(d, "peers-pouchdb-find.jsonl")))
            self.assertIn("| eq_index_ms | 8 |", lines)


if __name__ == "__main__":
    unittest.main()
