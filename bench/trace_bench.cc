// Copyright (c) crdtdb authors.
//
// trace_bench: crdtdb's side of the editing-trace benchmark of issue 19 (bench/peers/ runs
// Yjs, Automerge and Loro on the same traces; bench/report_traces.py pairs the rows).
//
//   text   automerge-paper (../shared/traces, README there) replayed into a text field as one
//          replica applying a user's keystrokes: per edit one splice mutator (text_mutators.h)
//          and its delta joined into the state, as the peers make one update per edit.
//            replay_ms (wall clock, as the peers; *_cpu_ms: this process's CPU time), mem_rss_mb
//            (resident set grown over the replay; a process's first run only), delta_bytes and
//            delta_encode_ms (every edit's delta encoded as it would be shipped: not in
//            replay_ms, as the peers encode no update per edit either), encoded_bytes + encode_ms
//            (EncodeDocument of the final state), load_ms (decoding it and reading the text;
//            decode_cpu_ms: the decoding alone, canonical check included, as for a peer's bytes;
//            first_splice_cpu_ms: one splice into the loaded text after that, which builds the
//            text's index that the read did not need),
//            ship_bytes + ship_apply_ms (the whole state as one compact delta, joined into an
//            empty replica and read back: what a new replica receives).
//          The final text, the loaded one and the shipped one must equal endContent, else the
//          program fails (exit 1). anchors, anchor_runs and deleted_ranges describe the final state.
//
//   concurrent  friendsforever (26,078 transactions by 2 agents): one replica per agent; before a
//          transaction is applied on its agent's replica, that replica receives the deltas of the
//          ancestors it lacks (in trace order); at the end every replica receives what it lacks.
//            replay_ms (all of it; replay_cpu_ms), merge_ms (the final exchange), update_bytes
//            (every transaction's delta, encoded), encoded_bytes. The replicas must end
//            byte-identical, showing endContent (not in --quick).
//
//   array  10,000 objects appended, 3,000 moved, 2,000 removed by 3 replicas concurrently, then
//          merged: trace_array.h (--quick: a tenth of it).
//
// Output: one JSON line per run, {"workload": "text", "lib": "crdtdb", ...}, the keys of
// bench/peers/trace_workload.js. Measure with a Release build.
//
//   trace_bench [--quick] [--reps N] [--traces DIR] [--save FILE] [--only WORKLOAD]
//   --quick: the first 20,000 edits only, checked against a plain replay (the smoke run);
//   --only: one workload (text, concurrent or array) instead of all three;
//   --save: also writes the final encoded state to FILE (to inspect it).

#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_fail.h"
#include "crdt/codec.h"
#include "crdt/document.h"
#include "crdt/list_node.h"
#include "crdt/text_chars.h"
#include "crdt/text_mutators.h"
#include "proc_status.h"
#include "trace_array.h"

namespace crdt = crdtdb::crdt;
using crdtdb::bench::Fail;
using crdtdb::bench::ProcStatusKib;

namespace {

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }
// CPU time beside the wall clock: on a shared machine the wall clock also counts other processes.
double CpuMsSince(std::clock_t start) { return 1000.0 * static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC; }

std::string Gunzip(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) Fail("cannot open " + path);
  std::string out;
  char buffer[1 << 16];
  int n = 0;
  while ((n = gzread(f, buffer, sizeof buffer)) > 0) out.append(buffer, static_cast<size_t>(n));
  const bool failed = n < 0;
  gzclose(f);
  if (failed) Fail("cannot decompress " + path);
  return out;
}

struct Edit {
  size_t position;
  size_t removed;
  std::string inserted;
};

struct Trace {
  std::vector<Edit> edits;
  std::string end_content;
};

Trace ReadSequentialTrace(const std::string& path, size_t limit) {
  const nlohmann::json json = nlohmann::json::parse(Gunzip(path));
  Trace trace;
  for (const auto& txn : json.at("txns")) {
    for (const auto& patch : txn.at("patches")) {
      if (trace.edits.size() == limit) break;
      trace.edits.push_back(Edit{patch.at(0).get<size_t>(), patch.at(1).get<size_t>(), patch.at(2).get<std::string>()});
    }
  }
  if (limit == SIZE_MAX) {
    trace.end_content = json.at("endContent").get<std::string>();
  } else {
    // The text after the first `limit` edits, by a plain replay on code points.
    std::u32string text;
    for (const Edit& e : trace.edits) {
      const std::vector<char32_t> ins = crdt::CodePoints(e.inserted);
      text.replace(e.position, e.removed, std::u32string(ins.begin(), ins.end()));
    }
    for (char32_t c : text) crdt::AppendUtf8(c, &trace.end_content);
  }
  return trace;
}

const crdt::FieldPath kField{"text"};

std::string TextOf(const crdt::Document& doc) {
  crdtdb::Result<std::string> text = crdt::TextContent(doc, kField);
  if (!text.ok()) Fail(text.status().ToString());
  return *text;
}

nlohmann::json RunText(const Trace& trace, const std::string& save, bool measure_memory) {
  nlohmann::json r{{"workload", "text"}, {"lib", "crdtdb"}, {"edits", trace.edits.size()}};
  const crdt::WriteStamp stamp{0x5eed'0001'0000'0001ull, 1};
  const double rss_before = ProcStatusKib("VmRSS");
  crdt::Document doc;
  std::vector<crdt::Document> deltas;
  deltas.reserve(trace.edits.size());
  auto t = Clock::now();
  const std::clock_t cpu = std::clock();
  for (const Edit& e : trace.edits) {
    crdtdb::Result<crdt::Document> delta = crdt::TextSpliceDelta(doc, kField, e.position, e.removed, e.inserted, stamp);
    if (!delta.ok()) Fail(delta.status().ToString());
    doc.ApplyDelta(*delta);
    deltas.push_back(std::move(delta).value());
  }
  r["replay_ms"] = MsSince(t);
  r["replay_cpu_ms"] = CpuMsSince(cpu);
  if (TextOf(doc) != trace.end_content) Fail("the replayed text is not endContent");
  // Only in a process's first run: later runs reuse the pages the allocator kept.
  if (measure_memory) r["mem_rss_mb"] = (ProcStatusKib("VmRSS") - rss_before) / 1024.0;
  // The shape of the state: anchors (characters ever typed), runs (encoded anchor records) and
  // ranges of deleted ids.
  const crdt::ListNode& text = *doc.root().fields.at("text").text;
  size_t runs = 0;
  for (size_t i = 0, first = 0; i < text.anchors.size(); ++i) {
    if (i > 0 && crdt::ExtendsRun(text.anchors[first], text.anchors[i - 1], text.anchors[i])) continue;
    first = i;
    ++runs;
  }
  r["anchors"] = text.anchors.size();
  r["anchor_runs"] = runs;
  r["deleted_ranges"] = text.deleted.range_count();
  size_t delta_bytes = 0;
  t = Clock::now();
  for (const crdt::Document& d : deltas) delta_bytes += crdt::EncodeDelta(d).size();
  r["delta_encode_ms"] = MsSince(t);
  r["delta_bytes"] = delta_bytes;
  deltas.clear();

  t = Clock::now();
  const std::string encoded = crdt::EncodeDocument(doc);
  r["encode_ms"] = MsSince(t);
  r["encoded_bytes"] = encoded.size();
  if (!save.empty() && !(std::ofstream(save, std::ios::binary) << encoded)) Fail("cannot write " + save);
  t = Clock::now();
  std::clock_t cpu_start = std::clock();
  crdtdb::Result<crdt::Document> loaded = crdt::DecodeDocument(encoded);
  if (!loaded.ok()) Fail(loaded.status().ToString());
  r["decode_cpu_ms"] = CpuMsSince(cpu_start);
  const std::string loaded_text = TextOf(*loaded);
  r["load_ms"] = MsSince(t);
  r["load_cpu_ms"] = CpuMsSince(cpu_start);
  if (loaded_text != trace.end_content) Fail("the loaded text is not endContent");
  // What a read leaves to the first splice: building the text's index (position_index.h).
  cpu_start = std::clock();
  crdtdb::Result<crdt::Document> first = crdt::TextSpliceDelta(*loaded, kField, 0, 0, "x", stamp);
  if (!first.ok()) Fail(first.status().ToString());
  loaded->ApplyDelta(*first);
  r["first_splice_cpu_ms"] = CpuMsSince(cpu_start);

  const std::string history = crdt::EncodeDelta(doc);
  r["ship_bytes"] = history.size();
  t = Clock::now();
  cpu_start = std::clock();
  crdtdb::Result<crdt::Document> shipped = crdt::DecodeDelta(history);
  if (!shipped.ok()) Fail(shipped.status().ToString());
  crdt::Document fresh;
  fresh.Join(*shipped);
  const std::string shipped_text = TextOf(fresh);
  r["ship_apply_ms"] = MsSince(t);
  r["ship_apply_cpu_ms"] = CpuMsSince(cpu_start);
  if (shipped_text != trace.end_content) Fail("the shipped replica's text is not endContent");
  return r;
}

// ---- concurrent: friendsforever, one replica per agent --------------------------------------

struct ConcurrentTxn {
  size_t agent;
  std::vector<size_t> parents;
  std::vector<Edit> patches;
};

struct ConcurrentTrace {
  std::vector<ConcurrentTxn> txns;
  size_t agents = 0;
  std::string end_content;
};

ConcurrentTrace ReadConcurrentTrace(const std::string& path) {
  const nlohmann::json json = nlohmann::json::parse(Gunzip(path));
  ConcurrentTrace trace;
  trace.agents = json.at("numAgents").get<size_t>();
  trace.end_content = json.at("endContent").get<std::string>();
  for (const auto& txn : json.at("txns")) {
    ConcurrentTxn t{txn.at("agent").get<size_t>(), txn.at("parents").get<std::vector<size_t>>(), {}};
    if (t.agent >= trace.agents) Fail("a transaction's agent is out of range");
    for (size_t p : t.parents) {
      if (p >= trace.txns.size()) Fail("a transaction's parent is not an earlier one");
    }
    for (const auto& patch : txn.at("patches")) {
      t.patches.push_back(Edit{patch.at(0).get<size_t>(), patch.at(1).get<size_t>(), patch.at(2).get<std::string>()});
    }
    trace.txns.push_back(std::move(t));
  }
  return trace;
}

// As bench/peers/trace_workload.js: before a transaction is applied on its agent's replica, that
// replica receives the deltas of the ancestors it lacks, in trace order; the transaction's delta
// (its patches merged) is kept; at the end every replica receives everything it lacks. All
// replicas must end byte-identical, showing endContent.
nlohmann::json RunConcurrent(const ConcurrentTrace& trace) {
  const size_t n = trace.txns.size();
  nlohmann::json r{{"workload", "concurrent"}, {"lib", "crdtdb"}, {"txns", n}, {"agents", trace.agents}};
  std::vector<crdt::Document> replicas(trace.agents);
  std::vector<std::vector<bool>> seen(trace.agents, std::vector<bool>(n, false));
  std::vector<crdt::Document> deltas(n);
  size_t update_bytes = 0;
  auto receive = [&](size_t agent, size_t txn) {
    replicas[agent].ApplyDelta(deltas[txn]);
    seen[agent][txn] = true;
  };
  auto t = Clock::now();
  const std::clock_t cpu = std::clock();
  for (size_t i = 0; i < n; ++i) {
    const ConcurrentTxn& txn = trace.txns[i];
    std::vector<size_t> missing, stack(txn.parents.begin(), txn.parents.end());
    std::vector<bool> queued(i, false);
    while (!stack.empty()) {
      const size_t k = stack.back();
      stack.pop_back();
      if (seen[txn.agent][k] || queued[k]) continue;
      queued[k] = true;
      missing.push_back(k);
      stack.insert(stack.end(), trace.txns[k].parents.begin(), trace.txns[k].parents.end());
    }
    std::sort(missing.begin(), missing.end());
    for (size_t k : missing) receive(txn.agent, k);
    const crdt::WriteStamp stamp{0x5eed'0002'0000'0001ull + txn.agent, 1};
    for (const Edit& e : txn.patches) {
      crdtdb::Result<crdt::Document> delta =
          crdt::TextSpliceDelta(replicas[txn.agent], kField, e.position, e.removed, e.inserted, stamp);
      if (!delta.ok()) Fail("transaction " + std::to_string(i) + ": " + delta.status().ToString());
      replicas[txn.agent].ApplyDelta(*delta);
      deltas[i].MergeDelta(*delta);
    }
    update_bytes += crdt::EncodeDelta(deltas[i]).size();
    seen[txn.agent][i] = true;
  }
  const auto merge = Clock::now();
  for (size_t a = 0; a < trace.agents; ++a) {
    for (size_t k = 0; k < n; ++k) {
      if (!seen[a][k]) receive(a, k);
    }
  }
  r["merge_ms"] = MsSince(merge);
  r["replay_ms"] = MsSince(t);
  r["replay_cpu_ms"] = CpuMsSince(cpu);
  r["update_bytes"] = update_bytes;
  const std::string encoded = crdt::EncodeDocument(replicas[0]);
  r["encoded_bytes"] = encoded.size();
  for (const crdt::Document& replica : replicas) {
    if (crdt::EncodeDocument(replica) != encoded) Fail("the replicas did not converge");
    if (TextOf(replica) != trace.end_content) Fail("a replica's text is not endContent");
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  int reps = 1;
  std::string traces = CRDTDB_TRACES_DIR;
  std::string save;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") {
      quick = true;
    } else if (arg == "--reps" && i + 1 < argc) {
      reps = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--traces" && i + 1 < argc) {
      traces = argv[++i];
    } else if (arg == "--save" && i + 1 < argc) {
      save = argv[++i];
    } else if (arg == "--only" && i + 1 < argc && (std::string_view(argv[i + 1]) == "text" ||
                                                    std::string_view(argv[i + 1]) == "concurrent" ||
                                                    std::string_view(argv[i + 1]) == "array")) {
      only = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: trace_bench [--quick] [--reps N] [--traces DIR] [--save FILE] [--only text|concurrent|array]\n");
      return 2;
    }
  }
  auto runs = [&](const char* workload) { return only.empty() || only == workload; };
  if (runs("text")) {
    const Trace trace = ReadSequentialTrace(traces + "/automerge-paper.json.gz", quick ? 20000 : SIZE_MAX);
    for (int rep = 0; rep < reps; ++rep) std::printf("%s\n", RunText(trace, save, rep == 0).dump().c_str());
  }
  if (!quick && runs("concurrent")) {
    const ConcurrentTrace concurrent = ReadConcurrentTrace(traces + "/friendsforever.json.gz");
    for (int rep = 0; rep < reps; ++rep) std::printf("%s\n", RunConcurrent(concurrent).dump().c_str());
  }
  // The array workload at the peers' size; --quick: a tenth of it, checked the same way.
  const size_t scale = quick ? 10 : 1;
  for (int rep = 0; rep < reps && runs("array"); ++rep) {
    std::printf("%s\n", crdtdb::bench::RunArrayWorkload(42, 10000 / scale, 3000 / scale, 2000 / scale).dump().c_str());
  }
  return 0;
}
