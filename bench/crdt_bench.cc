// Copyright (c) crdtdb authors.
//
// crdt_bench: speed and size of the CRDT core (src/crdt), every figure beside a non-CRDT baseline
// measured in the same run (bench_harness.h: alternated samples, medians).
//
//   crdt_bench [--quick] [--only GROUP]
//
// --quick: ~10 ms per sample and one sample per figure, for the smoke test; its numbers only show
// that everything runs. --only runs one group (local, remote, join, sizes, digest), e.g. under
// perf. Build with CMAKE_BUILD_TYPE=Release for real numbers; a full run takes about 30 s.
//
// Output: stdout carries one JSON object per line, {"bench", "value", "unit", "baseline",
// "baseline_value", "ratio"} with ratio = value / baseline_value (values rounded to 4 significant
// digits); stderr carries the same rows as a Markdown table at the end. So
// `crdt_bench 2>/dev/null | jq` sees JSON only.
//
// Inputs are deterministic: fixed replica ids, a fixed wall time under the hybrid clocks, no
// random numbers. Every scenario checks that its replicas converge (or match the plain JSON) and
// aborts if they do not, so a fast wrong answer is never reported.
//
//   local_*   local mutations of a 10-field document: mutator + ApplyDelta into the own state,
//             against the same assignment on a plain nlohmann::json object.
//   remote_*  a replica joining what another one wrote: ApplyDelta of one-field deltas (also from
//             their encoded bytes), and a full Join of two diverged states; against
//             nlohmann::json::merge_patch of the same updates.
//   delta_*, doc10_*  encoded bytes of a one-field delta, and of a 10-field document written by 1,
//             3 and 100 replicas, each of which writes every field once: turn by turn ("seq":
//             every write sees the earlier ones) or all at once ("conc": nobody sees another's
//             write before all have written). metadata = encoded bytes minus the plain msgpack
//             of the same JSON content. Baseline: that plain msgpack size.
//   digest_*  DigestOf(EncodeDocument(doc)) against EncodeDocument alone.
//
// The peers' map workload (shared/peers/map_workload.js, beside Yjs and Automerge) is map_bench's.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "bench_harness.h"
#include "crdt/codec.h"
#include "crdt/digest.h"
#include "crdt/document.h"
#include "crdt/hlc.h"
#include "crdt/materialize.h"
#include "crdt/mutators.h"

namespace crdtdb::bench {
namespace {

using crdt::Document;
using crdt::Json;

constexpr uint64_t kWallMs = 1'700'000'000'000;  // the physical time every clock reads
constexpr uint64_t kFields = 10;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "crdt_bench: %s\n", what.c_str());
  std::abort();
}

// Random-looking, deterministic 64-bit ids (splitmix64), sized like real replica ids.
crdt::ReplicaId ReplicaIdFor(uint64_t index) {
  uint64_t z = (index + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return z == 0 ? 1 : z;
}

// prefix + decimal n. (Not `"literal" + std::to_string(n)`: GCC 12 warns -Wrestrict on it falsely.)
std::string Numbered(const char* prefix, uint64_t n) {
  std::string out = prefix;
  out += std::to_string(n);
  return out;
}

// Input i's scalar: i when i is even, "val-i" when odd.
Json ScalarFor(uint64_t i) { return i % 2 == 0 ? Json(i) : Json(Numbered("val-", i)); }

std::string FieldName(uint64_t k) { return Numbered("f", k); }

Json Patch(const std::string& name, Json value) {
  Json patch = Json::object();
  patch[name] = std::move(value);
  return patch;
}

Json TenFields(uint64_t salt) {
  Json object = Json::object();
  for (uint64_t k = 0; k < kFields; ++k) object[FieldName(k)] = ScalarFor(salt + k);
  return object;
}

size_t MsgpackBytes(const Json& value) { return Json::to_msgpack(value).size(); }

// One replica of one document: its id, its clock and its state.
struct Replica {
  explicit Replica(uint64_t index) : id(ReplicaIdFor(index)) {}

  crdt::WriteStamp Stamp() { return {id, clock.Now(kWallMs)}; }
  // Joins a mutator's delta into the own state and returns it, to be shipped.
  Document Local(Result<Document> delta) {
    Document d = std::move(delta).value();  // a failed mutator aborts: inputs are valid
    state.ApplyDelta(d);
    return d;
  }

  crdt::ReplicaId id;
  crdt::HybridClock clock;
  Document state;
};

// Runs op(state, j) for n ops on fresh copies of `start`, a copy every `period` ops (untimed).
template <typename State, typename Op>
double TimeFromStart(uint64_t n, const State& start, uint64_t period, Op&& op) {
  double seconds = 0;
  for (uint64_t done = 0; done < n;) {
    State state = start;
    const uint64_t k = std::min(n - done, period);
    Stopwatch watch;
    for (uint64_t j = 0; j < k; ++j) op(state, j);
    seconds += watch.Seconds();
    DoNotOptimize(state);
    done += k;
  }
  return seconds;
}

// Runs op(copy) once per op, each on its own copy of `start` (copies made untimed, in chunks).
template <typename State, typename Op>
double TimeOnCopies(uint64_t n, const State& start, Op&& op) {
  constexpr uint64_t kChunk = 1024;
  double seconds = 0;
  for (uint64_t done = 0; done < n;) {
    std::vector<State> copies(std::min(n - done, kChunk), start);
    Stopwatch watch;
    for (State& copy : copies) op(copy);
    seconds += watch.Seconds();
    DoNotOptimize(copies.front());
    done += copies.size();
  }
  return seconds;
}

// Measures a pair of rates and reports them as they are (ops/s and the like).
void ReportRates(Reporter& out, const Options& opts, const std::string& name,
                 const std::string& unit, const std::string& baseline, const Sampler& value,
                 const Sampler& base) {
  const PairResult r = MeasurePair(value, base, opts);
  out.Report({name, r.value, unit, baseline, r.baseline});
}

// Measures a pair of rates and reports them as time per operation.
void ReportTimes(Reporter& out, const Options& opts, const std::string& name, const char* unit,
                 double unit_per_second, const std::string& baseline, const Sampler& value,
                 const Sampler& base) {
  const PairResult r = MeasurePair(value, base, opts);
  out.Report({name, unit_per_second / r.value, unit, baseline, unit_per_second / r.baseline});
}

void BenchLocal(const Options& opts, Reporter& out) {
  constexpr uint64_t kInputs = 1000;
  std::vector<std::string> names;
  std::vector<Json> values, patches;
  for (uint64_t i = 0; i < kInputs; ++i) {
    names.push_back(FieldName(i % kFields));
    values.push_back(ScalarFor(i + 100));
    patches.push_back(Patch(names.back(), values.back()));
  }
  Replica writer(0);
  writer.Local(crdt::PutDelta(writer.state, TenFields(0), writer.Stamp()));
  Json plain = TenFields(0);
  ReportRates(out, opts, "local_patch_1field", "ops/s", "json_assign_1field",
              LoopSampler(opts,
                          [&](uint64_t i) {
                            writer.Local(crdt::PatchDelta(writer.state, patches[i % kInputs],
                                                          writer.Stamp()));
                          }),
              LoopSampler(opts, [&](uint64_t i) {
                plain[names[i % kInputs]] = values[i % kInputs];
                DoNotOptimize(plain);
              }));

  // f9 is a counter here; f0..f8 are registers.
  Replica counter(1);
  Json nine = TenFields(0);
  nine.erase("f9");
  counter.Local(crdt::PutDelta(counter.state, nine, counter.Stamp()));
  const crdt::FieldPath path = {"f9"};
  counter.Local(crdt::IncrementDelta(counter.state, path, 1, counter.Stamp()));
  Json plain_counter = crdt::ToJson(counter.state);
  int64_t increments = 1;
  ReportRates(
      out, opts, "local_increment", "ops/s", "json_int_add",
      LoopSampler(opts,
                  [&](uint64_t) {
                    counter.Local(crdt::IncrementDelta(counter.state, path, 1, counter.Stamp()));
                    ++increments;
                  }),
      LoopSampler(opts, [&](uint64_t) {
        Json& c = plain_counter["f9"];
        c = c.get<int64_t>() + 1;
        DoNotOptimize(plain_counter);
      }));
  if (crdt::ToJson(counter.state)["f9"] != increments) Fail("the counter lost increments");
}

void BenchRemoteDeltas(const Options& opts, Reporter& out) {
  constexpr uint64_t kDeltas = 4096;
  Replica writer(0);
  writer.Local(crdt::PutDelta(writer.state, TenFields(0), writer.Stamp()));
  const Document start = writer.state;  // what the receiving replica holds before the deltas
  const Json plain_start = crdt::ToJson(start);
  std::vector<Document> deltas;
  std::vector<std::string> delta_bytes;
  std::vector<Json> patches;
  std::vector<std::vector<uint8_t>> patch_bytes;
  for (uint64_t i = 0; i < kDeltas; ++i) {
    patches.push_back(Patch(FieldName(i % kFields), ScalarFor(i + 100)));
    patch_bytes.push_back(Json::to_msgpack(patches.back()));
    deltas.push_back(writer.Local(crdt::PatchDelta(writer.state, patches.back(), writer.Stamp())));
    delta_bytes.push_back(crdt::EncodeDelta(deltas.back()));
  }
  Document check = start;
  for (const std::string& bytes : delta_bytes) check.ApplyDelta(crdt::DecodeDelta(bytes).value());
  if (!(check == writer.state)) Fail("the receiving replica did not converge");

  ReportRates(out, opts, "remote_apply_delta", "deltas/s", "json_merge_patch",
              RateSampler(opts,
                          [&](uint64_t n) {
                            return TimeFromStart(n, start, kDeltas, [&](Document& s, uint64_t j) {
                              s.ApplyDelta(deltas[j]);
                            });
                          }),
              RateSampler(opts, [&](uint64_t n) {
                return TimeFromStart(n, plain_start, kDeltas,
                                     [&](Json& s, uint64_t j) { s.merge_patch(patches[j]); });
              }));
  ReportRates(out, opts, "remote_decode_apply_delta", "deltas/s", "json_from_msgpack_merge_patch",
              RateSampler(opts,
                          [&](uint64_t n) {
                            return TimeFromStart(n, start, kDeltas, [&](Document& s, uint64_t j) {
                              s.ApplyDelta(crdt::DecodeDelta(delta_bytes[j]).value());
                            });
                          }),
              RateSampler(opts, [&](uint64_t n) {
                return TimeFromStart(n, plain_start, kDeltas, [&](Json& s, uint64_t j) {
                  s.merge_patch(Json::from_msgpack(patch_bytes[j]));
                });
              }));
}

void BenchRemoteJoin(const Options& opts, Reporter& out) {
  // Two replicas share a 10-field document, then each rewrites half of the fields concurrently.
  Replica a(0), b(1);
  a.Local(crdt::PutDelta(a.state, TenFields(0), a.Stamp()));
  b.state = a.state;
  for (uint64_t k = 0; k < kFields / 2; ++k) {
    a.Local(crdt::PatchDelta(a.state, Patch(FieldName(k), ScalarFor(200 + k)), a.Stamp()));
    const uint64_t kb = k + kFields / 2;
    b.Local(crdt::PatchDelta(b.state, Patch(FieldName(kb), ScalarFor(200 + kb)), b.Stamp()));
  }
  Document ab = a.state, ba = b.state;
  ab.Join(b.state);
  ba.Join(a.state);
  if (!(ab == ba)) Fail("full join is not commutative here");
  const Json plain_a = crdt::ToJson(a.state), plain_b = crdt::ToJson(b.state);
  ReportRates(out, opts, "remote_join_state", "joins/s", "json_merge_patch_whole_doc",
              RateSampler(opts,
                          [&](uint64_t n) {
                            return TimeOnCopies(n, b.state, [&](Document& s) { s.Join(a.state); });
                          }),
              RateSampler(opts, [&](uint64_t n) {
                return TimeOnCopies(n, plain_b, [&](Json& s) { s.merge_patch(plain_a); });
              }));
}

// Every replica writes every field once; every delta reaches every replica. With `concurrent`,
// no delta is delivered before all replicas have written. Returns the common final state.
Document WriteTogether(uint64_t replica_count, bool concurrent) {
  std::vector<Replica> replicas;
  for (uint64_t r = 0; r < replica_count; ++r) replicas.emplace_back(r);
  auto broadcast = [&](const Document& delta, uint64_t from) {
    for (uint64_t r = 0; r < replica_count; ++r) {
      if (r != from) replicas[r].state.ApplyDelta(delta);
    }
  };
  Replica& first = replicas[0];
  broadcast(first.Local(crdt::PutDelta(first.state, TenFields(0), first.Stamp())), 0);
  std::vector<std::pair<uint64_t, Document>> pending;
  for (uint64_t r = 0; r < replica_count; ++r) {
    for (uint64_t k = 0; k < kFields; ++k) {
      Replica& w = replicas[r];
      const Json patch = Patch(FieldName(k), ScalarFor(1000 + r * kFields + k));
      Document delta = w.Local(crdt::PatchDelta(w.state, patch, w.Stamp()));
      if (concurrent) {
        pending.emplace_back(r, std::move(delta));
      } else {
        broadcast(delta, r);
      }
    }
  }
  for (const auto& [from, delta] : pending) broadcast(delta, from);
  const std::string expected = crdt::EncodeDocument(first.state);
  for (const Replica& r : replicas) {
    if (crdt::EncodeDocument(r.state) != expected) Fail("replicas did not converge");
  }
  return first.state;
}

void BenchSizes(const Options&, Reporter& out) {
  Replica writer(0);
  writer.Local(crdt::PutDelta(writer.state, TenFields(0), writer.Stamp()));
  const Json patch = Patch("f3", ScalarFor(103));
  const Document delta = writer.Local(crdt::PatchDelta(writer.state, patch, writer.Stamp()));
  out.Report({"delta_1field_bytes", static_cast<double>(crdt::EncodeDelta(delta).size()), "bytes",
              "plain_msgpack_patch_bytes", static_cast<double>(MsgpackBytes(patch))});

  struct Case {
    uint64_t replicas;
    bool concurrent;
  };
  for (const Case c :
       {Case{1, false}, Case{3, false}, Case{3, true}, Case{100, false}, Case{100, true}}) {
    const Document doc = WriteTogether(c.replicas, c.concurrent);
    const double encoded = static_cast<double>(crdt::EncodeDocument(doc).size());
    const double plain = static_cast<double>(MsgpackBytes(crdt::ToJson(doc)));
    const std::string name =
        std::string("doc10_") + (c.concurrent ? "conc" : "seq") + "_r" + std::to_string(c.replicas);
    out.Report({name + "_state_bytes", encoded, "bytes", "plain_msgpack_bytes", plain});
    out.Report({name + "_metadata_bytes", encoded - plain, "bytes", "plain_msgpack_bytes", plain});
  }
}

void ReportDigest(Reporter& out, const Options& opts, const std::string& name,
                  const Document& doc) {
  ReportTimes(
      out, opts, "digest_" + name, "ns/doc", 1e9, "encode_only_" + name,
      LoopSampler(opts,
                  [&](uint64_t) { DoNotOptimize(crdt::DigestOf(crdt::EncodeDocument(doc))); }),
      LoopSampler(opts, [&](uint64_t) { DoNotOptimize(crdt::EncodeDocument(doc).size()); }));
}

void BenchDigest(const Options& opts, Reporter& out) {
  ReportDigest(out, opts, "doc10_seq_r1", WriteTogether(1, false));
  ReportDigest(out, opts, "doc10_conc_r100", WriteTogether(100, true));
}

struct Group {
  const char* name;
  void (*run)(const Options&, Reporter&);
};

constexpr Group kGroups[] = {
    {"local", BenchLocal}, {"remote", BenchRemoteDeltas}, {"join", BenchRemoteJoin},
    {"sizes", BenchSizes}, {"digest", BenchDigest},
};

int Usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s [--quick] [--only GROUP]   groups:", argv0);
  for (const Group& g : kGroups) std::fprintf(stderr, " %s", g.name);
  std::fprintf(stderr, "\n");
  return 2;
}

int Main(int argc, char** argv) {
  Options opts;
  const char* only = nullptr;  // --only runs one group, e.g. under a profiler
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      opts = Options{0.01, 1, true};
    } else if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
      only = argv[++i];
    } else {
      return Usage(argv[0]);
    }
  }
#ifndef NDEBUG
  std::fprintf(stderr, "crdt_bench: warning: built without NDEBUG; use a Release build\n");
#endif
  Reporter out;
  bool ran = false;
  for (const Group& g : kGroups) {
    if (only != nullptr && std::strcmp(only, g.name) != 0) continue;
    g.run(opts, out);
    ran = true;
  }
  if (!ran) return Usage(argv[0]);
  std::fprintf(stderr, "\ncrdt_bench%s: medians of %d alternated samples of >= %g s each\n\n",
               opts.quick ? " --quick" : "", opts.reps, opts.min_seconds);
  out.PrintTable(stderr);
  return 0;
}

}  // namespace
}  // namespace crdtdb::bench

int main(int argc, char** argv) { return crdtdb::bench::Main(argc, argv); }
