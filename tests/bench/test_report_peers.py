"""bench/report_docs.py and bench/report_traces.py: doc_bench's rows paired with PouchDB's figures of
the same N, issue 22's targets, and the trace peers' section that shows no crdtdb figure."""

import contextlib
import io
import json
import os
import tempfile
import unittest

import report
import report_docs
import report_traces

POUCH_100K = {"lib": "pouchdb", "version": "9.0.0", "n": 100000, "put_ops_s": 7000, "bulk_put_ops_s": 24000,
              "get_ops_s": 7400, "update_ops_s": 2400, "replicate_ms": 34000, "resync0_ms": 2.0,
              "resync100_ms": 30.0, "resync_nocheckpoint_ms": 14000, "disk_a_bytes": 48_000_000, "runs": 3}
POUCH_10K = dict(POUCH_100K, n=10000, put_ops_s=8000, resync0_ms=1.0)


def row(bench, value, unit):
    return {"bench": bench, "value": value, "unit": unit, "baseline": "pouchdb (bench/report.py)",
            "baseline_value": 0, "ratio": 0}


def ours(n, **figures):
    units = {"put_ops_s": "ops/s", "bulk_put_ops_s": "ops/s", "get_ops_s": "ops/s", "update_ops_s": "ops/s",
             "disk_a_bytes": "bytes"}
    return [row(f"docs_{n}_{k}", v, units.get(k, "ms")) for k, v in figures.items()]


def by_name(rows):
    return {r["bench"]: r for r in rows}


class PairTest(unittest.TestCase):
    def test_pairs_same_n_and_key_only(self):
        rows = ours(100000, put_ops_s=70000, resync0_ms=1.0, total_ms=5.0) + ours(10000, put_ops_s=80000) + \
            ours(1000, put_ops_s=1.0) + [row("docs_100000_not_a_key", 1, "ms")]
        pairs = by_name(report_docs.pouchdb_rows(rows, {100000: POUCH_100K, 10000: POUCH_10K}))
        # total_ms is a key, but this PouchDB line lacks it; N=1000 has no PouchDB line
        self.assertEqual(sorted(pairs), ["docs_100000_put_ops_s_vs_pouchdb", "docs_100000_resync0_ms_vs_pouchdb",
                                         "docs_10000_put_ops_s_vs_pouchdb"])
        put = pairs["docs_100000_put_ops_s_vs_pouchdb"]
        self.assertEqual((put["value"], put["baseline_value"], put["ratio"]), (70000, 7000, 10))
        self.assertEqual(put["baseline"], "pouchdb 9.0.0 put_ops_s")
        self.assertEqual(pairs["docs_100000_resync0_ms_vs_pouchdb"]["ratio"], 0.5)

    def test_speedup_by_kind(self):
        self.assertEqual(report_docs.speedup("rate", 12), 12)
        self.assertEqual(report_docs.speedup("time", 0.25), 4)
        self.assertIsNone(report_docs.speedup("size", 0.5))


class TargetTest(unittest.TestCase):
    def targets(self, rows, pouchdb):
        pairs = report_docs.pouchdb_rows(rows, pouchdb)
        found = report.evaluate_targets(rows + pairs, report_docs.TARGETS)
        return {name: (status, measured) for name, status, measured, _ in found}

    def test_rates_times_and_the_largest_n(self):
        rows = ours(100000, put_ops_s=69000, get_ops_s=74000, replicate_ms=6000, resync0_ms=2.0,
                    resync_nocheckpoint_ms=100) + ours(10000, put_ops_s=90000, resync0_ms=1.5)
        t = self.targets(rows, {100000: POUCH_100K, 10000: POUCH_10K})
        # at N=100,000 (the largest), not N=10,000 where 90,000 would be 11x
        self.assertEqual(t["puts one by one >= 10x PouchDB"][0], "MISS")
        self.assertIn("9.857x faster", t["puts one by one >= 10x PouchDB"][1])
        self.assertEqual(t["random gets >= 10x PouchDB"][0], "PASS")
        self.assertEqual(t["full replication to an empty replica >= 5x faster than PouchDB"][0], "PASS")
        self.assertEqual(t["resync, nothing changed: no slower than PouchDB's checkpointed one"][0], "PASS")
        self.assertEqual(t["resync without per-peer state >= 100x faster than PouchDB's"][0], "PASS")
        self.assertEqual(t["resync, nothing changed: flat in the database's size"][0], "PASS")
        self.assertEqual(t["puts in batches of 100 >= 10x PouchDB"][0], "not measured")
        self.assertEqual(t["resync, 100 changed: flat in the database's size"][0], "not measured")

    def test_a_resync_that_grows_with_n_is_not_flat(self):
        rows = ours(100000, resync100_ms=25.0) + ours(10000, resync100_ms=5.0)
        t = self.targets(rows, {100000: POUCH_100K, 10000: POUCH_10K})
        status, measured = t["resync, 100 changed: flat in the database's size"]
        self.assertEqual(status, "MISS")
        self.assertIn("(5x; bound 2x)", measured)
        self.assertEqual(t["resync, 100 changed: no slower than PouchDB's checkpointed one"][0], "PASS")


class FolderTest(unittest.TestCase):
    def write(self, directory, name, lines):
        with open(os.path.join(directory, name), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")

    def report(self, directory):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            self.assertEqual(report.main([directory]), 0)
        return out.getvalue()

    def test_docs_and_traces_from_a_folder(self):
        with tempfile.TemporaryDirectory() as d:
            self.write(d, "doc_bench.jsonl", [json.dumps(r) for r in ours(100000, put_ops_s=70000, replicate_ms=3400)])
            self.write(d, "peers-pouchdb.jsonl", ["npm noise", json.dumps(POUCH_100K), json.dumps(POUCH_10K)])
            traces = {"workload": "text", "lib": "loro", "version": "1.17.1", "replay_ms": 1190.0,
                      "encoded_bytes": 231000, "runs": 3}
            self.write(d, "peers-traces.jsonl", [json.dumps(traces)])
            text = self.report(d)
            lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
            # the peers' files are not programs: only doc_bench's rows, then the two pairs
            self.assertEqual([r["bench"] for r in lines],
                             ["docs_100000_put_ops_s", "docs_100000_replicate_ms",
                              "docs_100000_put_ops_s_vs_pouchdb", "docs_100000_replicate_ms_vs_pouchdb"])
            self.assertNotIn("## peers-pouchdb", text)
            self.assertIn("## doc_bench against PouchDB (issue 22)", text)
            self.assertIn("| put_ops_s | 70,000 | 7,000 | ops/s | 10 | 10x |", text)
            self.assertIn("| replicate_ms | 3,400 | 34,000 | ms | 0.1 | 10x |", text)
            self.assertIn("| full replication to an empty replica >= 5x faster than PouchDB | **PASS** |", text)
            self.assertNotIn("## map_bench against the peers", text)
            self.assertNotIn("No peer figures", text)  # the map peers were not asked for
            # traces: the peers' figures under a label saying they are the peers' side only
            self.assertIn("## Lists and text against the trace peers (issue 19)", text)
            self.assertIn(report_traces.OURS_MISSING, text)
            self.assertIn("| replay_ms | 1,190 |", text)
            self.assertIn("diamond-types", text)

    def test_pouchdb_alone_is_shown_without_pairs(self):
        with tempfile.TemporaryDirectory() as d:
            self.write(d, "peers-pouchdb.jsonl", [json.dumps(POUCH_100K)])
            text = self.report(d)
            self.assertIn("## PouchDB (../shared/peers/pouchdb/run, medians)", text)
            self.assertIn("| put_ops_s | 7,000 |", text)
            self.assertNotIn("Trace peers", text)

    def test_readers_skip_other_lines_and_missing_files(self):
        with tempfile.TemporaryDirectory() as d:
            self.write(d, "p.jsonl", ["{broken", json.dumps({"lib": "yjs", "n": 5}), json.dumps(POUCH_10K)])
            self.assertEqual(report_docs.read_pouchdb(os.path.join(d, "p.jsonl")), {10000: POUCH_10K})
            self.assertEqual(report_docs.read_pouchdb(os.path.join(d, "absent")), {})
            self.assertEqual(report_traces.read_traces(os.path.join(d, "absent")), {})


if __name__ == "__main__":
    unittest.main()
