// Copyright (c) crdtdb authors.
//
// sync_bench: the replication protocol (src/sync) between two embedded replicas, driven by hand
// with no network, beside baselines measured in the same run. Each replica is a db::DatabaseImpl
// over LevelDB's in-memory Env (memenv), so nothing touches a disk: the figures are the CPU and
// memory cost of the protocol and of the replicas' write paths, not of I/O.
//
//   sync_bench [--quick] [--docs N] [--deltas M] [--only GROUP]
//
// --docs N: documents of the anti_entropy group (default 1,000,000); --deltas M: puts of the deltas
// group (default 100,000). --quick: the smoke run (20,000 documents, 5,000 deltas, one sample);
// its numbers only show that everything runs. --only runs one group (anti_entropy, deltas), e.g.
// under perf. Build with CMAKE_BUILD_TYPE=Release for real numbers.
//
// Output: as the other benches (bench_harness.h): one JSON object per line on stdout, {"bench",
// "value", "unit", "baseline", "baseline_value", "ratio"}, ratio = value / baseline_value; the same
// rows as a Markdown table on stderr at the end, after a breakdown of where the time went.
//
// Documents: "bench/<16 hex digits>" keys, JSON objects of exactly 200 bytes with 5 fields, as in
// store_bench.cc.
//
//   anti_entropy  Setup (one pass, timed and reported as it is): N puts into replica A; A's
//                 states copied into B (ReadState on A, ApplyRemote on B in batches of 1,000,
//                 the way a new replica would be seeded, not an N-document anti-entropy round);
//                 roots checked equal. Then 0.1% of the documents diverge, half rewritten on A and
//                 half on B. One anti-entropy round A->B, every message encoded, decoded and
//                 delivered at once (A's session, B's stateless responder), counting requests,
//                 answers and pushes and the bytes each way; the roots must be equal after. Then a
//                 second round, which must find the replicas in sync. Baselines: the encoded states
//                 of the divergent documents on both sides (what any repair must move), a naive
//                 full-state transfer (every encoded state of A), and the time the setup copy took.
//   deltas        Two SyncEngines; A does M puts, then ticks, and every DeltaBatch A publishes is
//                 handed to B.OnPublished directly. B's apply rate (decode + ApplyRemote of each
//                 batch) against A's local put rate for the same documents; also A's publish rate
//                 (ReadLog + encode) and the bytes on the wire per delta. Each sample measures
//                 both on fresh replicas; medians of 3 samples (1 with --quick).
//
// Every scenario checks its answers (equal roots, round states, delta counts) and aborts if they
// are wrong, so a fast wrong answer is never reported.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include "bench_dir.h"
#include "bench_fail.h"
#include "bench_harness.h"
#include "crdt/codec.h"
#include "db/database_impl.h"
#include "proc_status.h"
#include "store/store.h"
#include "sync/anti_entropy.h"
#include "sync/messages.h"
#include "sync/responder.h"
#include "sync/sync_engine.h"

namespace crdtdb::bench {
namespace {

namespace fs = std::filesystem;

constexpr size_t kJsonBytes = 200;
constexpr size_t kCopyBatch = 1000;         // states per ApplyRemote when seeding replica B
constexpr uint64_t kDivergentPerMille = 1;  // 0.1% of the documents diverge
constexpr uint64_t kInputChunk = 4096;      // inputs made untimed, this many at a time
constexpr uint64_t kDefaultLogEntries = store::StoreOptions{}.delta_log_max_entries;

struct Config {
  Options opts;
  uint64_t ae_docs = 1'000'000;
  uint64_t deltas = 100'000;
  fs::path dir;  // Store::Open creates its (empty) directories here; the data lives in memenv
};

std::string DocKey(uint64_t i) { return "bench/" + Hex(Mix(i), 16); }

uint64_t WallClockMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

// Where the calling thread's wall time went, from /proc/thread-self/schedstat: on a CPU, or
// runnable but waiting for one (other processes, LevelDB's compaction thread); the rest of the
// wall time it was blocked (in this bench: LevelDB write stalls while compaction catches up).
struct ThreadTimes {
  double cpu_s = 0;
  double runqueue_s = 0;

  static ThreadTimes Now() {
    std::ifstream in("/proc/thread-self/schedstat");
    uint64_t cpu_ns = 0, wait_ns = 0;
    if (!(in >> cpu_ns >> wait_ns)) return {};  // no schedstat (not Linux): zeros
    return {static_cast<double>(cpu_ns) * 1e-9, static_cast<double>(wait_ns) * 1e-9};
  }
  ThreadTimes operator-(const ThreadTimes& start) const {
    return {cpu_s - start.cpu_s, runqueue_s - start.runqueue_s};
  }
};

std::string Breakdown(double wall_s, const ThreadTimes& t) {
  char text[160];
  std::snprintf(text, sizeof text,
                "this thread: CPU %.1f s, waiting for a CPU %.1f s, blocked %.1f s", t.cpu_s,
                t.runqueue_s, std::max(0.0, wall_s - t.cpu_s - t.runqueue_s));
  return text;
}

// An embedded replica whose LevelDB files live in memory. The Env outlives the database.
class MemReplica {
 public:
  MemReplica(const fs::path& dir, const std::string& name, uint64_t delta_log_max_entries)
      : env_(leveldb::NewMemEnv(leveldb::Env::Default())) {
    store::StoreOptions options;
    options.path = (dir / name).string();
    options.env = env_.get();
    options.delta_log_max_entries = delta_log_max_entries;
    std::unique_ptr<store::Store> store =
        Must(store::Store::Open(options), "opening replica " + name);
    db_ = std::make_unique<db::DatabaseImpl>(std::move(store), WallClockMs);
  }
  db::DatabaseImpl& db() { return *db_; }

 private:
  std::unique_ptr<leveldb::Env> env_;  // declared first, so destroyed after db_
  std::unique_ptr<db::DatabaseImpl> db_;
};

// Puts documents first..first+n-1 at `version`; seconds spent in put() only (inputs are made
// kInputChunk at a time, untimed).
double PutDocs(db::DatabaseImpl& db, uint64_t first, uint64_t n, uint64_t version) {
  double seconds = 0;
  std::vector<std::pair<std::string, std::string>> inputs;
  for (uint64_t done = 0; done < n;) {
    inputs.clear();
    for (uint64_t i = first + done; i < first + n && inputs.size() < kInputChunk; ++i) {
      inputs.emplace_back(DocKey(i), DocJson(i, version, kJsonBytes));
    }
    Stopwatch watch;
    for (const auto& [key, json] : inputs) MustOk(db.put(key, json).status(), "put " + key);
    seconds += watch.Seconds();
    done += inputs.size();
  }
  return seconds;
}

struct CopyFigures {
  double seconds = 0;
  ThreadTimes thread;        // of the calling thread during `seconds`
  double read_s = 0;         // ReadState + DecodeDocument on the source
  double apply_s = 0;        // ApplyRemote on the destination
  uint64_t state_bytes = 0;  // every encoded state read: a naive full-state transfer
};

// Seeds `to` with the states of documents 0..n-1 of `from`, kCopyBatch per ApplyRemote, in key
// order, as a scan would: consecutive ReadStates then share LevelDB blocks (~25% faster than
// random order at 200,000 documents; ApplyRemote gains nothing, as the Merkle bucket index it
// also writes is in hash order anyway).
CopyFigures CopyStates(db::DatabaseImpl& from, db::DatabaseImpl& to, uint64_t n) {
  CopyFigures f;
  std::vector<sync::RemoteUpdate> batch;
  auto apply = [&] {
    Stopwatch watch;
    MustOk(to.ApplyRemote(std::exchange(batch, {})).status(), "ApplyRemote while seeding");
    f.apply_s += watch.Seconds();
  };
  Stopwatch total;
  const ThreadTimes thread_start = ThreadTimes::Now();
  std::vector<std::string> keys;
  keys.reserve(n);
  for (uint64_t i = 0; i < n; ++i) keys.push_back(DocKey(i));
  std::sort(keys.begin(), keys.end());
  for (std::string& key : keys) {
    Stopwatch watch;
    std::optional<std::string> state = Must(from.ReadState(key), "ReadState " + key);
    if (!state) Fail("seeding: " + key + " is missing on the source");
    f.state_bytes += state->size();
    crdt::Document doc = Must(crdt::DecodeDocument(*state), "decoding " + key);
    f.read_s += watch.Seconds();
    batch.push_back(sync::RemoteUpdate{std::move(key), std::move(doc), /*is_state=*/true});
    if (batch.size() == kCopyBatch) apply();
  }
  if (!batch.empty()) apply();
  f.seconds = total.Seconds();
  f.thread = ThreadTimes::Now() - thread_start;
  return f;
}

uint64_t StateBytes(db::DatabaseImpl& db, const std::string& key) {
  std::optional<std::string> state = Must(db.ReadState(key), "ReadState " + key);
  if (!state) Fail(key + " is missing");
  return state->size();
}

// `count` distinct document indexes below n, in a fixed pseudo-random order.
std::vector<uint64_t> PickDocs(uint64_t n, uint64_t count) {
  std::set<uint64_t> seen;
  std::vector<uint64_t> picked;
  for (uint64_t j = 0; picked.size() < count; ++j) {
    const uint64_t i = Mix(j ^ 0xD1CEull) % n;
    if (seen.insert(i).second) picked.push_back(i);
  }
  return picked;
}

struct RoundFigures {
  uint64_t requests = 0;  // A->B messages that expect an answer
  uint64_t answers = 0;   // B->A
  uint64_t pushes = 0;    // A->B documents sent unasked
  uint64_t bytes_a_to_b = 0;
  uint64_t bytes_b_to_a = 0;
  double seconds = 0;
  // A's AntiEntropySession (Start, OnResponse: tree walk, ReadLeaf, ReadState, ApplyRemote).
  double session_s = 0;
  double responder_s = 0;  // B's AnswerRequest (ReadLeaf, ReadState, ApplyRemote of pushes)
  double codec_s = 0;      // Encode and Decode on both sides
  sync::AntiEntropySession::State state = sync::AntiEntropySession::State::kRunning;
  sync::AntiEntropyStats stats;
  std::map<std::string, std::pair<uint64_t, uint64_t>> by_type;  // message type -> (count, bytes)

  uint64_t messages() const { return requests + answers + pushes; }
  uint64_t bytes() const { return bytes_a_to_b + bytes_b_to_a; }
};

void Count(std::map<std::string, std::pair<uint64_t, uint64_t>>* by_type, const std::string& type,
           size_t bytes) {
  auto& [count, total] = (*by_type)[type];
  ++count;
  total += bytes;
}

// One anti-entropy round of `a` against `b`, every message encoded and decoded as on a network
// and delivered at once, in order. Aborts unless the round ends in sync or repaired.
RoundFigures RunRound(db::DatabaseImpl& a, db::DatabaseImpl& b, uint64_t session_id) {
  RoundFigures f;
  Stopwatch total;
  sync::AntiEntropySession session(a, session_id);
  std::deque<std::string> to_b;
  auto send = [&](sync::Body body) {
    const bool push = std::holds_alternative<sync::Documents>(body);
    const char* type = sync::TypeName(body);
    Stopwatch watch;
    std::string bytes = sync::Encode(sync::Message{a.replica_id(), std::move(body)});
    f.codec_s += watch.Seconds();
    ++(push ? f.pushes : f.requests);
    f.bytes_a_to_b += bytes.size();
    Count(&f.by_type, std::string(push ? "push " : "request ") + type, bytes.size());
    to_b.push_back(std::move(bytes));
  };
  Stopwatch start_watch;
  sync::Body start = session.Start();
  f.session_s += start_watch.Seconds();
  send(std::move(start));
  while (!to_b.empty()) {
    const std::string bytes = std::move(to_b.front());
    to_b.pop_front();
    Stopwatch decode_watch;
    sync::Message request = Must(sync::Decode(bytes), "B decoding a request");
    f.codec_s += decode_watch.Seconds();
    Stopwatch answer_watch;
    std::optional<sync::Body> answer = Must(sync::AnswerRequest(b, request.body), "B answering");
    f.responder_s += answer_watch.Seconds();
    if (!answer) continue;  // a push, joined into b
    const std::string type = std::string("answer ") + sync::TypeName(*answer);
    Stopwatch codec_watch;
    const std::string reply = sync::Encode(sync::Message{b.replica_id(), std::move(*answer)});
    sync::Message response = Must(sync::Decode(reply), "A decoding an answer");
    f.codec_s += codec_watch.Seconds();
    ++f.answers;
    f.bytes_b_to_a += reply.size();
    Count(&f.by_type, type, reply.size());
    std::vector<sync::Body> out;
    Stopwatch session_watch;
    session.OnResponse(response.body, &out);
    f.session_s += session_watch.Seconds();
    for (sync::Body& body : out) send(std::move(body));
  }
  f.seconds = total.Seconds();
  f.state = session.state();
  f.stats = session.stats();
  if (f.state != sync::AntiEntropySession::State::kInSync &&
      f.state != sync::AntiEntropySession::State::kRepaired) {
    Fail("the anti-entropy round did not finish: " + session.error());
  }
  return f;
}

void PrintRound(const char* name, const RoundFigures& r) {
  std::fprintf(
      stderr,
      "sync_bench: %s: %llu requests, %llu answers, %llu pushes; %llu bytes A->B, %llu B->A; "
      "%.1f ms = session %.1f + responder %.1f + codec %.1f + rest; nodes %llu, leaves %llu, "
      "docs pushed %llu, fetched %llu\n",
      name, static_cast<unsigned long long>(r.requests), static_cast<unsigned long long>(r.answers),
      static_cast<unsigned long long>(r.pushes), static_cast<unsigned long long>(r.bytes_a_to_b),
      static_cast<unsigned long long>(r.bytes_b_to_a), r.seconds * 1e3, r.session_s * 1e3,
      r.responder_s * 1e3, r.codec_s * 1e3, static_cast<unsigned long long>(r.stats.nodes_compared),
      static_cast<unsigned long long>(r.stats.leaves_compared),
      static_cast<unsigned long long>(r.stats.documents_pushed),
      static_cast<unsigned long long>(r.stats.documents_fetched));
  for (const auto& [type, figures] : r.by_type) {
    std::fprintf(stderr, "sync_bench:   %-26s %6llu messages %10llu bytes\n", type.c_str(),
                 static_cast<unsigned long long>(figures.first),
                 static_cast<unsigned long long>(figures.second));
  }
}

void BenchAntiEntropy(const Config& cfg, Reporter& out) {
  const uint64_t n = cfg.ae_docs;
  const double rss_start_kib = ProcStatusKib("VmRSS");
  MemReplica a(cfg.dir, "ae_a", kDefaultLogEntries);
  MemReplica b(cfg.dir, "ae_b", kDefaultLogEntries);

  // Setup, one pass.
  const ThreadTimes put_start = ThreadTimes::Now();
  Stopwatch put_watch;  // unlike put_s, includes making the inputs, as the thread times do
  const double put_s = PutDocs(a.db(), 0, n, 0);
  const std::string put_breakdown = Breakdown(put_watch.Seconds(), ThreadTimes::Now() - put_start);
  std::fprintf(stderr, "sync_bench: setup: %llu puts into A in %.2f s (%.0f docs/s); %s\n",
               static_cast<unsigned long long>(n), put_s, static_cast<double>(n) / put_s,
               put_breakdown.c_str());
  const CopyFigures copy = CopyStates(a.db(), b.db(), n);
  std::fprintf(stderr,
               "sync_bench: setup: %llu states copied A->B in %.2f s (%.0f docs/s): "
               "ReadState+decode %.2f s, "
               "ApplyRemote %.2f s; %s; %.1f MiB of encoded states\n",
               static_cast<unsigned long long>(n), copy.seconds,
               static_cast<double>(n) / copy.seconds, copy.read_s, copy.apply_s,
               Breakdown(copy.seconds, copy.thread).c_str(),
               static_cast<double>(copy.state_bytes) / (1 << 20));
  if (!(a.db().merkle_root() == b.db().merkle_root())) Fail("roots differ after seeding B");
  if (b.db().status().documents != n) Fail("B does not hold every document after seeding");
  const double rss_setup_kib = ProcStatusKib("VmRSS");

  // Divergence: the first half of the picked documents rewritten on A, the rest on B.
  const std::vector<uint64_t> divergent =
      PickDocs(n, std::max<uint64_t>(2, n * kDivergentPerMille / 1000));
  const size_t half = divergent.size() / 2;
  uint64_t full_bytes = copy.state_bytes;  // A's states, kept current as A's documents change
  Stopwatch modify_watch;
  for (size_t k = 0; k < divergent.size(); ++k) {
    const uint64_t i = divergent[k];
    db::DatabaseImpl& side = k < half ? a.db() : b.db();
    const uint64_t before = k < half ? StateBytes(a.db(), DocKey(i)) : 0;
    MustOk(side.put(DocKey(i), DocJson(i, k < half ? 1 : 2, kJsonBytes)).status(), "rewriting " + DocKey(i));
    if (k < half) full_bytes = full_bytes - before + StateBytes(a.db(), DocKey(i));
  }
  const double modify_s = modify_watch.Seconds();
  uint64_t divergent_a = 0, divergent_b = 0;
  for (uint64_t i : divergent) {
    divergent_a += StateBytes(a.db(), DocKey(i));
    divergent_b += StateBytes(b.db(), DocKey(i));
  }
  if (a.db().merkle_root() == b.db().merkle_root()) Fail("roots equal after diverging");
  std::fprintf(stderr,
               "sync_bench: setup: %zu documents diverged (%zu on A, %zu on B) in %.1f ms\n",
               divergent.size(), half, divergent.size() - half, modify_s * 1e3);

  const RoundFigures repair = RunRound(a.db(), b.db(), 1);
  PrintRound("repair round", repair);
  if (repair.state != sync::AntiEntropySession::State::kRepaired)
    Fail("the first round repaired nothing");
  if (!(a.db().merkle_root() == b.db().merkle_root())) Fail("roots differ after the repair round");
  const RoundFigures check = RunRound(a.db(), b.db(), 2);
  PrintRound("in-sync check", check);
  if (check.state != sync::AntiEntropySession::State::kInSync)
    Fail("the second round found differences");

  const std::string name = "ae_" + std::to_string(n) + "_";
  const double docs = static_cast<double>(n);
  const double div_docs = static_cast<double>(divergent.size());
  const double div_bytes = static_cast<double>(divergent_a + divergent_b);
  const double mib = 1 << 20;
  out.Report({name + "setup_put_a", put_s, "s", "copy_states_to_b", copy.seconds});
  out.Report({name + "setup_put_a_rate", docs / put_s, "docs/s", "copy_states_to_b_rate",
              docs / copy.seconds});
  out.Report({name + "setup_rss_both_replicas", (rss_setup_kib - rss_start_kib) / 1024, "MiB",
              "encoded_states_both_replicas", 2 * static_cast<double>(copy.state_bytes) / mib});
  out.Report({name + "repair_bytes_total", static_cast<double>(repair.bytes()), "bytes",
              "divergent_states_both_sides", div_bytes});
  out.Report({name + "repair_bytes_total_vs_full", static_cast<double>(repair.bytes()), "bytes",
              "full_state_transfer_a", static_cast<double>(full_bytes)});
  out.Report({name + "repair_bytes_a_to_b", static_cast<double>(repair.bytes_a_to_b), "bytes",
              "divergent_states_a", static_cast<double>(divergent_a)});
  out.Report({name + "repair_bytes_b_to_a", static_cast<double>(repair.bytes_b_to_a), "bytes",
              "divergent_states_b", static_cast<double>(divergent_b)});
  out.Report({name + "repair_messages", static_cast<double>(repair.messages()), "msgs",
              "divergent_docs", div_docs});
  out.Report({name + "repair_requests", static_cast<double>(repair.requests), "msgs",
              "divergent_docs", div_docs});
  out.Report({name + "repair_answers", static_cast<double>(repair.answers), "msgs",
              "divergent_docs", div_docs});
  out.Report({name + "repair_pushes", static_cast<double>(repair.pushes), "msgs", "divergent_docs",
              div_docs});
  out.Report(
      {name + "repair_wall", repair.seconds * 1e3, "ms", "copy_states_to_b", copy.seconds * 1e3});
  out.Report({name + "insync_messages", static_cast<double>(check.messages()), "msgs",
              "one_round_trip", 2});
  out.Report({name + "insync_bytes", static_cast<double>(check.bytes()), "bytes",
              "full_state_transfer_a", static_cast<double>(full_bytes)});
  out.Report(
      {name + "insync_wall", check.seconds * 1e6, "us", "repair_wall", repair.seconds * 1e6});
}

struct DeltaFigures {
  double put_rate = 0;      // A's local puts, ops/s
  double publish_rate = 0;  // A's engine: ReadLog + encode, deltas/s
  double apply_rate = 0;    // B's engine: decode + ApplyRemote, deltas/s
  double wire_bytes_per_delta = 0;
  uint64_t batches = 0;
};

// A does m puts on fresh replicas, then its engine's published batches go straight into B's.
DeltaFigures DeltaRun(const Config& cfg, int rep) {
  const uint64_t m = cfg.deltas;
  const std::string suffix = std::to_string(rep);
  // The log keeps every delta of the run, so nothing is left to gap repair.
  MemReplica a(cfg.dir, "delta_a" + suffix, std::max(kDefaultLogEntries, m + 1));
  MemReplica b(cfg.dir, "delta_b" + suffix, kDefaultLogEntries);
  sync::SyncEngine engine_a(a.db(), {"b"}, sync::SyncOptions{});
  sync::SyncEngine engine_b(b.db(), {"a"}, sync::SyncOptions{});

  DeltaFigures f;
  const double put_s = PutDocs(a.db(), 0, m, 0);
  double publish_s = 0, apply_s = 0;
  uint64_t wire_bytes = 0;
  uint64_t now_ms = 1'000;  // virtual; one ms per tick, far below the heartbeat interval
  while (engine_a.stats().deltas_sent < m) {
    const uint64_t sent_before = engine_a.stats().deltas_sent;
    Stopwatch publish_watch;
    engine_a.OnTick(++now_ms);
    std::vector<sync::Outgoing> outgoing = engine_a.TakeOutgoing();
    publish_s += publish_watch.Seconds();
    if (engine_a.stats().deltas_sent == sent_before) Fail("A's engine published nothing in a tick");
    for (const sync::Outgoing& o : outgoing) {
      if (o.kind != sync::Outgoing::Kind::kPublish)
        continue;  // A's anti-entropy start: not delivered
      wire_bytes += o.bytes.size();
      ++f.batches;
      Stopwatch apply_watch;
      engine_b.OnPublished("a", o.bytes, now_ms);
      apply_s += apply_watch.Seconds();
    }
  }
  if (engine_b.stats().deltas_received != m) {
    Fail("B applied " + std::to_string(engine_b.stats().deltas_received) + " of " +
         std::to_string(m) + " deltas");
  }
  if (engine_b.stats().rejected_messages != 0) Fail("B rejected published messages");
  if (!engine_b.TakeOutgoing().empty()) Fail("B asked for something (a gap?)");
  if (!(a.db().merkle_root() == b.db().merkle_root())) Fail("roots differ after the delta stream");
  const double deltas = static_cast<double>(m);
  f.put_rate = deltas / put_s;
  f.publish_rate = deltas / publish_s;
  f.apply_rate = deltas / apply_s;
  f.wire_bytes_per_delta = static_cast<double>(wire_bytes) / deltas;
  return f;
}

void BenchDeltas(const Config& cfg, Reporter& out) {
  std::vector<double> put, publish, apply, wire;
  uint64_t batches = 0;
  for (int r = 0; r < cfg.opts.reps; ++r) {
    const DeltaFigures f = DeltaRun(cfg, r);
    put.push_back(f.put_rate);
    publish.push_back(f.publish_rate);
    apply.push_back(f.apply_rate);
    wire.push_back(f.wire_bytes_per_delta);
    batches = f.batches;
  }
  std::fprintf(stderr, "sync_bench: deltas: %llu puts per sample, %llu DeltaBatch messages\n",
               static_cast<unsigned long long>(cfg.deltas),
               static_cast<unsigned long long>(batches));
  const std::string name = "deltas_" + std::to_string(cfg.deltas) + "_";
  out.Report({name + "engine_apply", Median(apply), "deltas/s", "local_put_a", Median(put)});
  out.Report({name + "engine_publish", Median(publish), "deltas/s", "local_put_a", Median(put)});
  out.Report({name + "wire_bytes_per_delta", Median(wire), "bytes", "json_bytes",
              static_cast<double>(kJsonBytes)});
}

struct Group {
  const char* name;
  void (*run)(const Config&, Reporter&);
};

constexpr Group kGroups[] = {{"anti_entropy", BenchAntiEntropy}, {"deltas", BenchDeltas}};

int Usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--quick] [--docs N] [--deltas M] [--only GROUP]   groups:", argv0);
  for (const Group& g : kGroups) std::fprintf(stderr, " %s", g.name);
  std::fprintf(stderr, "\n");
  return 2;
}

int Main(int argc, char** argv) {
  SetBenchProgram("sync_bench");
  Config cfg;
  const char* only = nullptr;
  bool docs_given = false, deltas_given = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      cfg.opts = Options{0.01, 1, true};
      if (!docs_given) cfg.ae_docs = 20'000;
      if (!deltas_given) cfg.deltas = 5'000;
    } else if (std::strcmp(argv[i], "--docs") == 0 && i + 1 < argc) {
      cfg.ae_docs = std::strtoull(argv[++i], nullptr, 10);
      docs_given = true;
      if (cfg.ae_docs < 2) return Usage(argv[0]);
    } else if (std::strcmp(argv[i], "--deltas") == 0 && i + 1 < argc) {
      cfg.deltas = std::strtoull(argv[++i], nullptr, 10);
      deltas_given = true;
      if (cfg.deltas == 0) return Usage(argv[0]);
    } else if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
      only = argv[++i];
    } else {
      return Usage(argv[0]);
    }
  }
  WarnIfNotRelease();
  // Store::Open creates its directory on the real file system even with an injected Env; the
  // LevelDB files themselves stay in memory.
  cfg.dir = MakeTempDir();

  Reporter out;
  bool ran = false;
  for (const Group& g : kGroups) {
    if (only != nullptr && std::strcmp(only, g.name) != 0) continue;
    g.run(cfg, out);
    ran = true;
  }
  std::error_code ec;
  fs::remove_all(cfg.dir, ec);
  if (!ran) return Usage(argv[0]);
  std::fprintf(stderr,
               "\nsync_bench%s: replicas on LevelDB memenv; anti_entropy: %llu documents, one "
               "pass; deltas: %llu "
               "puts, median of %d samples\n\n",
               cfg.opts.quick ? " --quick" : "", static_cast<unsigned long long>(cfg.ae_docs),
               static_cast<unsigned long long>(cfg.deltas), cfg.opts.reps);
  out.PrintTable(stderr);
  return 0;
}

}  // namespace
}  // namespace crdtdb::bench

int main(int argc, char** argv) { return crdtdb::bench::Main(argc, argv); }
