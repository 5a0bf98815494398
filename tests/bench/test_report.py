"""bench/report.py: pairing map_bench's rows with the peers' figures, ratios, the targets of issues 8 and 18,
missing rows, and a whole report from a results folder."""

import contextlib
import io
import json
import os
import tempfile
import unittest

import report

YJS_PEROP = {"lib": "yjs", "version": "13.6.33", "mode": "perop", "fill_ms": 1600.0, "fill_deltas": 100000,
             "fill_delta_bytes": 3_700_000, "doc_bytes": 1_087_399, "doc_bytes_v2": 173_947, "merge_ms": 1600.0,
             "converged": True}
AM_PEROP = {"lib": "automerge", "version": "3.5.0", "mode": "perop", "fill_ms": 6600.0, "fill_deltas": 100000,
            "fill_delta_bytes": 11_000_000, "doc_bytes": 255_882, "merge_ms": 3800.0}
YJS_BATCH = {"lib": "yjs", "version": "13.6.33", "mode": "batch", "fill_ms": 640.0, "fill_deltas": 1,
             "fill_delta_bytes": 1_087_399, "doc_bytes": 1_087_399, "doc_bytes_v2": 173_947, "merge_ms": 1100.0}
PEERS = {("yjs", "perop"): YJS_PEROP, ("automerge", "perop"): AM_PEROP, ("yjs", "batch"): YJS_BATCH}


def row(bench, value, unit="ms", baseline="b", baseline_value=1.0):
    return {"bench": bench, "value": value, "unit": unit, "baseline": baseline, "baseline_value": baseline_value,
            "ratio": value / baseline_value if baseline_value else 0}


def by_name(rows):
    return {r["bench"]: r for r in rows}


def targets_by_name(rows):
    return {name: (status, measured, note) for name, status, measured, note in report.evaluate_targets(rows)}


class PairingTest(unittest.TestCase):
    def test_each_map_row_is_compared_with_each_peer_of_its_mode(self):
        got = by_name(report.peer_rows([row("map_perop_fill_ms", 80.0), row("map_batch_fill_ms", 64.0)], PEERS))
        self.assertEqual(set(got), {"map_perop_fill_ms_vs_yjs", "map_perop_fill_ms_vs_automerge",
                                    "map_batch_fill_ms_vs_yjs"})
        r = got["map_perop_fill_ms_vs_yjs"]
        self.assertEqual(r["value"], 80)
        self.assertEqual(r["unit"], "ms")
        self.assertEqual(r["baseline"], "yjs 13.6.33 perop fill_ms")
        self.assertEqual(r["baseline_value"], 1600)
        self.assertEqual(r["ratio"], 0.05)
        self.assertEqual(got["map_batch_fill_ms_vs_yjs"]["ratio"], 0.1)

    def test_rows_keep_the_bench_format(self):
        for r in report.peer_rows([row("map_perop_fill_ms", 80.0)], PEERS):
            self.assertEqual(list(r), ["bench", "value", "unit", "baseline", "baseline_value", "ratio"])

    def test_doc_bytes_is_also_compared_with_yjs_v2(self):
        got = by_name(report.peer_rows([row("map_perop_doc_bytes", 150_000, "bytes")], PEERS))
        self.assertIn("map_perop_doc_bytes_vs_yjs", got)
        self.assertIn("map_perop_doc_bytes_vs_automerge", got)
        v2 = got["map_perop_doc_bytes_vs_yjs_v2"]
        self.assertEqual(v2["baseline"], "yjs 13.6.33 perop doc_bytes_v2")
        self.assertEqual(v2["baseline_value"], 173_947)
        self.assertEqual(v2["ratio"], report.round4(150_000 / 173_947))

    def test_delta_bytes_per_op_is_derived_on_both_sides(self):
        rows = [row("map_perop_fill_delta_bytes", 3_000_000, "bytes"), row("map_perop_fill_deltas", 100_000, "deltas")]
        got = by_name(report.peer_rows(rows, PEERS))
        r = got["map_perop_delta_bytes_per_op_vs_yjs"]
        self.assertEqual(r["value"], 30)
        self.assertEqual(r["baseline_value"], 37)
        self.assertEqual(r["unit"], "bytes")
        self.assertEqual(got["map_perop_delta_bytes_per_op_vs_automerge"]["baseline_value"], 110)

    def test_unknown_keys_missing_peers_and_zero_figures_are_not_compared(self):
        peers = {("yjs", "perop"): dict(YJS_PEROP, merge_ms=0)}
        rows = [row("map_perop_b31_samekey_ms", 1.0), row("map_perop_merge_ms", 5.0), row("map_batch_fill_ms", 5.0),
                row("store_put", 1.0)]
        self.assertEqual(report.peer_rows(rows, peers), [])

    def test_b31_rows_are_set_beside_the_published_references(self):
        got = by_name(report.peer_rows([row("b31_ms", 15.0), row("b31_doc_bytes", 8000, "bytes"),
                                        row("b31_samekey_doc_bytes", 1, "bytes")], {}))
        self.assertEqual(set(got), {"b31_ms_vs_yjs_reference", "b31_ms_vs_automerge_reference",
                                    "b31_doc_bytes_vs_yjs_reference", "b31_doc_bytes_vs_automerge_reference"})
        self.assertEqual(got["b31_ms_vs_yjs_reference"]["ratio"], 0.2)
        self.assertEqual(got["b31_ms_vs_automerge_reference"]["baseline_value"], 1632)
        self.assertIn("not run here", got["b31_doc_bytes_vs_yjs_reference"]["baseline"])


class NumbersTest(unittest.TestCase):
    def test_round4_keeps_whole_numbers_and_four_digits(self):
        self.assertEqual(report.round4(1_087_399), 1_087_399)
        self.assertEqual(report.round4(0.123456), 0.1235)
        self.assertEqual(report.round4(12345.6), 12350)
        self.assertEqual(report.round4(0), 0)

    def test_zero_baseline_gives_ratio_zero(self):
        self.assertEqual(report.make_row("x", 5, "ms", "none", 0)["ratio"], 0)


class TargetsTest(unittest.TestCase):
    def test_every_target_is_not_measured_without_rows(self):
        statuses = {status for status, _, _ in targets_by_name([]).values()}
        self.assertEqual(statuses, {"not measured"})
        self.assertEqual(len(targets_by_name([])), len(report.TARGETS))

    def test_ratio_targets(self):
        got = targets_by_name([row("put_buffered", 70, "ops/s", "leveldb_put", 100),
                               row("get_random", 79, "ops/s", "leveldb_get_random", 100),
                               row("put_sync_8threads", 90, "docs/s", "leveldb_sync_batch8", 100)])
        self.assertEqual(got["put >= 0.7x raw LevelDB random fill"][0], "PASS")
        self.assertEqual(got["get >= 0.8x raw LevelDB random read"][0], "MISS")
        self.assertEqual(got["fsync'd put with group commit >= 0.7x LevelDB sync batches of the same size"][0], "PASS")

    def test_group_commit_target_names_both_group_sizes(self):
        got = targets_by_name([row("put_sync_8threads", 60, "docs/s", "leveldb_sync_batch8", 100),
                               row("put_sync_8threads_docs_per_commit", 7.8, "docs", "writer_threads", 8)])
        status, measured = got["fsync'd put with group commit >= 0.7x LevelDB sync batches of the same size"][:2]
        self.assertEqual(status, "MISS")
        self.assertIn("0.6x", measured)
        self.assertIn("7.8 documents per commit, LevelDB batches of 8", measured)

    def test_speedup_and_size_targets_from_peer_rows(self):
        rows = [row("map_perop_fill_ms", 100.0), row("map_perop_doc_bytes", 180_000, "bytes"),
                row("map_perop_merge_ms", 170.0), row("map_perop_fill_delta_bytes", 3_000_000, "bytes"),
                row("map_perop_fill_deltas", 100_000, "deltas")]
        got = targets_by_name(rows + report.peer_rows(rows, PEERS))
        self.assertEqual(got["W1 fill (perop) >= 10x faster than Yjs"][0], "PASS")  # 16x
        self.assertIn("16x faster", got["W1 fill (perop) >= 10x faster than Yjs"][1])
        self.assertEqual(got["W1 fill (perop) >= 30x faster than Automerge"][0], "PASS")  # 66x
        self.assertEqual(got["W2 encoded state (perop) <= Yjs v2 encoding"][0], "MISS")  # 180,000 > 173,947
        self.assertEqual(got["W4 merge (perop) >= 10x faster than Yjs"][0], "MISS")  # 1600 / 170 = 9.4x
        self.assertEqual(got["delta bytes per op <= Yjs's"][0], "PASS")
        self.assertEqual(got["W4 merge (batch) >= 10x faster than Yjs"][0], "not measured")

    def test_anti_entropy_targets_use_the_largest_run(self):
        rows = [row("ae_20000_repair_bytes_total", 10_000_000, "bytes", "divergent_states_both_sides", 11_040),
                row("ae_1000000_repair_bytes_total", 700_000, "bytes", "divergent_states_both_sides", 552_000),
                row("ae_1000000_insync_messages", 2, "msgs", "one_round_trip", 2),
                row("ae_1000000_repair_wall", 77.8, "ms", "copy_states_to_b", 24700)]
        got = targets_by_name(rows)
        # 700,000 <= 1.2 * 552,000 + 65,536 = 727,936
        self.assertEqual(got["anti-entropy bytes <= 1.2x divergent documents' encoded states + 64 KB"][:1], ("PASS",))
        self.assertEqual(got["anti-entropy bytes <= 1.2x divergent documents' encoded states + 64 KB"][2], "")
        self.assertEqual(got["in-sync check: O(1) messages"][0], "PASS")
        self.assertEqual(got["reconcile 1,000 divergent of 1M documents in < 1 s (in memory)"][0], "PASS")
        rows[1] = row("ae_1000000_repair_bytes_total", 730_000, "bytes", "divergent_states_both_sides", 552_000)
        self.assertEqual(targets_by_name(rows)["anti-entropy bytes <= 1.2x divergent documents' encoded states + 64 KB"][0],
                         "MISS")

    def test_smaller_scale_is_marked(self):
        rows = [row("ae_200000_repair_wall", 2.5, "s", "copy_states_to_b", 5),
                row("scale_1000000_rss_after_10k_gets", 150, "MiB", "leveldb_rss_after_10k_gets", 100)]
        got = targets_by_name(rows)
        status, measured, note = got["reconcile 1,000 divergent of 1M documents in < 1 s (in memory)"]
        self.assertEqual(status, "MISS*")  # 2.5 s
        self.assertIn("2,500 ms", measured)
        self.assertIn("200,000", note)
        status, measured, note = got["RSS <= 200 MB at 10M documents"]
        self.assertEqual(status, "PASS*")
        self.assertIn("10,000,000", note)

    def test_loopback_reconcile_target_uses_ae_net_bench_beside_the_in_memory_one(self):
        rows = [row("ae_net_20000_reconcile_ms", 3.0, "ms", "in_memory_sync_with_ms", 1.2),
                row("ae_net_1000000_reconcile_ms", 850.0, "ms", "in_memory_sync_with_ms", 400.0),
                row("ae_1000000_repair_wall", 77.8, "ms", "copy_states_to_b", 24700)]
        got = targets_by_name(rows)
        status, measured, note = got["reconcile 1,000 divergent of 1M in < 1 s on loopback"]
        self.assertEqual((status, note), ("PASS", ""))
        self.assertIn("850 ms for 1,000 divergent of 1,000,000", measured)
        self.assertIn("loopback", measured)
        self.assertIn("in memory 400 ms", measured)
        in_memory = got["reconcile 1,000 divergent of 1M documents in < 1 s (in memory)"]
        self.assertEqual(in_memory[0], "PASS")
        self.assertIn("77.8 ms", in_memory[1])
        rows[1] = row("ae_net_1000000_reconcile_ms", 1.2, "s", "in_memory_sync_with_ms", 0.4)
        self.assertEqual(targets_by_name(rows)["reconcile 1,000 divergent of 1M in < 1 s on loopback"][0], "MISS")

    def test_loopback_reconcile_at_a_smaller_scale_is_marked(self):
        got = targets_by_name([row("ae_net_20000_reconcile_ms", 3.0, "ms", "in_memory_sync_with_ms", 1.2)])
        status, measured, note = got["reconcile 1,000 divergent of 1M in < 1 s on loopback"]
        self.assertEqual(status, "PASS*")
        self.assertIn("20 divergent of 20,000", measured)
        self.assertIn("20,000", note)
        self.assertEqual(got["reconcile 1,000 divergent of 1M documents in < 1 s (in memory)"][0], "not measured")

    def test_rss_limit_is_200_megabytes(self):
        over = [row("scale_10000000_rss_after_10k_gets", 195, "MiB", "leveldb", 100)]  # 204 MB
        under = [row("scale_10000000_rss_after_10k_gets", 190, "MiB", "leveldb", 100)]
        self.assertEqual(targets_by_name(over)["RSS <= 200 MB at 10M documents"][0], "MISS")
        status, _, note = targets_by_name(under)["RSS <= 200 MB at 10M documents"]
        self.assertEqual((status, note), ("PASS", ""))

    def test_rss_after_a_full_scan_counts_too(self):
        rows = [row("scale_10000000_rss_after_10k_gets", 90, "MiB", "leveldb", 600),
                row("scale_10000000_rss_at_end", 192, "MiB", "leveldb", 1400)]  # 201 MB
        status, measured, _ = targets_by_name(rows)["RSS <= 200 MB at 10M documents"]
        self.assertEqual(status, "MISS")
        self.assertIn("192 MiB after a full scan", measured)
        rows[1] = row("scale_10000000_rss_at_end", 160, "MiB", "leveldb", 1400)
        self.assertEqual(targets_by_name(rows)["RSS <= 200 MB at 10M documents"][0], "PASS")

    def test_balance_targets_use_the_largest_run_of_factor_1(self):
        rows = [row("balance_100000_rf1_docs_max_dev_pct", 12.0, "%", "issue_18_bound_pct", 10),
                row("balance_1000000_rf1_docs_max_dev_pct", 0.4, "%", "issue_18_bound_pct", 10),
                row("balance_1000000_rf2_docs_max_dev_pct", 30.0, "%", "issue_18_bound_pct", 10),
                row("balance_1000000_rf1_zipf_writes_max_dev_pct", 31.0, "%", "issue_18_bound_pct", 10)]
        got = targets_by_name(rows)
        status, measured, note = got["documents per node within 10% of the mean (1M documents, 4 nodes)"]
        self.assertEqual((status, note), ("PASS", ""))
        self.assertIn("0.4% at 1,000,000 keys", measured)
        self.assertEqual(got["Zipf(0.99) writes per node within 10% of the mean (4 nodes)"][0], "MISS")
        self.assertEqual(got["uniform writes per node within 10% of the mean (4 nodes)"][0], "not measured")
        status, _, note = targets_by_name(rows[:1])["documents per node within 10% of the mean (1M documents, 4 nodes)"]
        self.assertEqual(status, "MISS*")
        self.assertIn("1,000,000", note)

    def test_scale_targets_bound_the_ratios_against_one_node(self):
        rows = [row("scale_2nodes_cpu_s_max_node", 0.5, "s", "one_node_cpu_s", 1.0),
                row("scale_4nodes_cpu_s_max_node", 0.31, "s", "one_node_cpu_s", 1.0),
                row("scale_2nodes_docs_max_node", 10_100, "docs", "one_node_docs", 20_000),
                row("scale_4nodes_cpu_us_per_write", 58, "us", "one_node_cpu_us_per_write", 50)]
        got = targets_by_name(rows)
        self.assertEqual(got["CPU per node at 2 nodes <= 0.55x one node's (same writes)"][0], "PASS")
        self.assertEqual(got["CPU per node at 4 nodes <= 0.3x one node's"][0], "MISS")
        self.assertEqual(got["documents per node at 2 nodes <= 0.55x one node's"][0], "PASS")
        self.assertIn("0.505x (10,100 vs 20,000 docs)", got["documents per node at 2 nodes <= 0.55x one node's"][1])
        self.assertEqual(got["CPU per write summed over 4 nodes <= 1.15x one node's"][0], "MISS")  # 1.16x
        self.assertEqual(got["CPU per write summed over 2 nodes <= 1.15x one node's"][0], "not measured")


class ReadingTest(unittest.TestCase):
    def test_rows_and_peers_keep_only_their_json_objects(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "mixed.jsonl")
            with open(path, "w", encoding="utf-8") as f:
                f.write("a log line\n{not json\n[1, 2]\n")
                f.write(json.dumps(row("x_ms", 2.0)) + "\n")
                f.write(json.dumps({"bench": "no_value"}) + "\n")
                f.write(json.dumps(dict(YJS_PEROP, fill_ms=1.0)) + "\n")
                f.write(json.dumps(YJS_PEROP) + "\n")
            self.assertEqual([r["bench"] for _, r in report.read_rows(path)], ["x_ms"])
            self.assertEqual(report.read_peers(path), {("yjs", "perop"): YJS_PEROP})  # the last wins
            self.assertEqual(report.read_peers(os.path.join(d, "absent.jsonl")), {})


class ReportTest(unittest.TestCase):
    def write(self, directory, name, lines):
        with open(os.path.join(directory, name), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")

    def test_whole_report_from_a_folder(self):
        with tempfile.TemporaryDirectory() as d:
            store_line = json.dumps(row("put_buffered", 20, "ops/s", "leveldb_put", 100), separators=(",", ":"))
            self.write(d, "store_bench.jsonl", [store_line, "not json", "{broken"])
            self.write(d, "map_bench.jsonl", [json.dumps(row("map_perop_fill_ms", 80.0))])
            self.write(d, "peers.jsonl", [json.dumps(YJS_PEROP), json.dumps(AM_PEROP)])
            self.write(d, "runs.tsv", ["store_bench\tok (1 rows)\t3\t0.5 0.4 0.3", "zipf_bench\tnot built\t\t"])
            self.write(d, "meta.tsv", ["command\tbench/run --quick", "date\t2026-01-01 00:00 UTC"])
            doc = os.path.join(d, "results.md")
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                self.assertEqual(report.main([d, "--write-doc", doc]), 0)
            text = out.getvalue()
            lines = text.splitlines()
            # (a) rows unchanged, programs in their fixed order (map_bench before store_bench)
            self.assertEqual(json.loads(lines[0])["bench"], "map_perop_fill_ms")
            self.assertEqual(lines[1], store_line)
            # (b) comparisons
            self.assertEqual(json.loads(lines[2])["bench"], "map_perop_fill_ms_vs_yjs")
            self.assertEqual(json.loads(lines[3])["bench"], "map_perop_fill_ms_vs_automerge")
            # (c) Markdown
            self.assertIn("| put >= 0.7x raw LevelDB random fill | **MISS** |", text)
            self.assertIn("| W1 fill (perop) >= 10x faster than Yjs | **PASS** | 20x faster", text)
            self.assertIn("| RSS <= 200 MB at 10M documents | not measured |", text)
            self.assertIn("## store_bench", text)
            self.assertIn("| zipf_bench | not built |", text)
            with open(doc, encoding="utf-8") as f:
                written = f.read()
            self.assertIn("`bench/run --quick`", written)
            self.assertIn("CPUs (`nproc`)", written)
            self.assertIn("## Targets (issues 8, 18 and 22)", written)

    def test_without_peers_says_so(self):
        with tempfile.TemporaryDirectory() as d:
            self.write(d, "map_bench.jsonl", [json.dumps(row("map_perop_fill_ms", 80.0))])
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                report.main([d])
            self.assertIn("No peer figures", out.getvalue())
            self.assertNotIn("_vs_yjs", out.getvalue())


if __name__ == "__main__":
    unittest.main()
