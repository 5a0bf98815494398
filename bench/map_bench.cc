// Copyright (c) crdtdb authors.
//
// map_bench: the CRDT core (src/crdt) on exactly the map workload of the peer benchmark
// (shared/peers/map_workload.js, run on Yjs and Automerge by shared/peers/run), so that its
// figures can be put side by side with theirs; every figure beside a plain non-CRDT equivalent
// (nlohmann::json and msgpack) measured in the same run.
//
//   map_bench [--quick] [--reps N] [--mode perop|batch]
//
// --reps N: timings are the median of N runs of the whole workload (default 5), CRDT and plain
// runs alternated. --quick: one rep at a tenth of the sizes, for the smoke test (CTest
// map_bench_smoke); its numbers only show that everything runs. --mode runs one mode; the B3.1
// rows run in every invocation. Build with CMAKE_BUILD_TYPE=Release for real numbers.
//
// Output: stdout carries one JSON object per line, {"bench", "value", "unit", "baseline",
// "baseline_value", "ratio"}, bench = map_<mode>_<key> with <key> the peers' JSON key and unit
// (ms, bytes, MB) plus map_<mode>_fill_deltas (deltas), then b31_*; stderr carries the same rows
// as a Markdown table at the end. Rows without a meaningful baseline say baseline "none", 0, 0.
//
// The workload, as in map_workload.js (N = 100,000 sets, K = 10,000 keys, NCONC = 50,000):
//   W1 fill   one replica, one document: set key "key"+(i%K) to i (an int) when i is even and to
//             "val-"+i when odd (crdt::SetFieldDelta, the map's set). fill_ms, fill_deltas,
//             fill_delta_bytes (sum of the encoded size of every shipped delta).
//   W2 encode the state as sync ships it (docs/protocol.md): EncodeDocument, in a Documents
//             message, compressed (sync/message_compression.h): encode_ms (all of it), doc_bytes
//             (the message), canonical_doc_bytes (EncodeDocument alone).
//   W3 load   DecodeDocument (canonical check on, as for bytes from a peer) into a fresh state,
//             then read all K keys (FieldValue): every one present, key9999 == "val-99999".
//   W4 merge  replicas A and B (distinct ids, their clocks past W1's) both decode the W2 bytes
//             (untimed), then each makes NCONC updates of keys drawn by mulberry32 (ported
//             exactly; seeds 42 and 43), value "a-"+i / "b-"+i: concurrent_updates_ms (mutators
//             and ApplyDelta). Then each side ships what the other is missing, as Yjs does from
//             a state vector: the receiver's causal context goes to the sender (encoded as an
//             empty document), which answers with crdt::DeltaSince(its state, that context),
//             encoded as a delta (EncodeDelta); the receiver decodes and joins it. Both deltas are
//             computed before either is joined. merge_ms covers all of it, both ways;
//             merge_delta_bytes_a_to_b / _b_to_a count the delta and the context that asked for it.
//             The replicas must end with equal encoded states (abort otherwise): merged_doc_bytes.
//             rss_mb: VmRSS (MiB, as the peers' process.memoryUsage().rss) at the end of the last
//             rep, after malloc_trim(0), the counterpart of the peers' gc() before they read it.
//   B3.1      (crdt-benchmarks shape) 1,540 replicas, each its own id, each write one distinct
//             key ("key"+r = r) of the same empty document; every delta is encoded, decoded and
//             applied to one replica: b31_ms (writes + merge), b31_doc_bytes (merged state).
//             crdt-benchmarks' own B3.1 has every client set the same key "v" and times only the
//             applying of all updates into one replica; b31_samekey_* are that variant (all 1,540
//             values survive here as concurrent values of one multi-value register).
//
// Modes. The peers' perop makes every set its own transaction/change; batch makes all sets of a
// phase one transaction/change. Here every set is a mutator + ApplyDelta into the own state (a
// mutator reads the state it writes over), and:
//   perop  every set's delta is encoded on its own (EncodeDelta) as it would be shipped. fill_ms
//          includes that encoding, as Yjs's fill_ms includes its update events' encoding and
//          Automerge's its commits.
//   batch  the phase ships one delta: DeltaSince(the state, the context before the phase), the
//          join of the phase's deltas, encoded once (fill_deltas = 1); fill_ms includes it.
// W4's exchange is the same in both modes, as the peers' is (state vector, then the diff).
//
// Baselines, measured in the same process, alternated with the CRDT runs: the same operations on
// a plain nlohmann::json object; shipped patches are JSON merge patches ({key: value} per set in
// perop, one merged patch per phase in batch) as msgpack, decoded and merge_patch'ed on the other
// side. Plain replicas do not converge, of course: the baseline is the work, not the result.
//
// Inputs are deterministic: fixed replica ids, a fixed wall time under the hybrid clocks.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bench_harness.h"
#include "crdt/codec.h"
#include "crdt/delta_since.h"
#include "crdt/document.h"
#include "crdt/hlc.h"
#include "crdt/materialize.h"
#include "crdt/mutators.h"
#include "map_workload.h"
#include "sync/message_compression.h"
#include "sync/messages.h"

namespace crdtdb::bench {
namespace {

using crdt::Document;
using crdt::Json;

constexpr uint64_t kWallMs = 1'700'000'000'000;  // the physical time every clock reads

struct Sizes {
  uint64_t ops = 100'000;         // N: W1 sets
  uint64_t keys = 10'000;         // K
  uint64_t conc = 50'000;         // NCONC: W4 updates per replica
  uint64_t b31_replicas = 1'540;  // 20 * floor(sqrt(6000))
};

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "map_bench: %s\n", what.c_str());
  std::abort();
}

// Random-looking, deterministic 64-bit ids (splitmix64), sized like real replica ids.
crdt::ReplicaId ReplicaIdFor(uint64_t index) {
  const uint64_t z = Mix(index);
  return z == 0 ? 1 : z;
}

double Ms(const Stopwatch& watch) { return watch.Seconds() * 1e3; }

// One replica of one document: its id, its clock and its state.
struct Replica {
  explicit Replica(uint64_t index) : id(ReplicaIdFor(index)) {}

  crdt::WriteStamp Stamp() { return {id, clock.Now(kWallMs)}; }
  // Sets field `key` to `value`: the mutator's delta, joined into the own state and returned.
  Document Set(std::string key, const Json& value) {
    Result<Document> delta = crdt::SetFieldDelta(state, {std::move(key)}, value, Stamp());
    if (!delta.ok()) Fail("a mutator failed");
    Document d = std::move(delta).value();
    state.ApplyDelta(d);
    return d;
  }

  crdt::ReplicaId id;
  crdt::HybridClock clock;
  Document state;
};

// The figures of one run of the workload, named as the peers name them.
struct Figures {
  double fill_ms = 0, fill_deltas = 0, fill_delta_bytes = 0;
  double encode_ms = 0, doc_bytes = 0, canonical_doc_bytes = 0;
  double load_ms = 0;
  double concurrent_updates_ms = 0, merge_ms = 0;
  double merge_delta_bytes_a_to_b = 0, merge_delta_bytes_b_to_a = 0, merged_doc_bytes = 0;
  double rss_mb = 0;
};

std::string Key(uint64_t k) { return Numbered("key", k); }

Figures RunCrdt(const Sizes& n, bool batch) {
  Figures f;
  // W1
  Replica writer(0);
  {
    Stopwatch watch;
    const crdt::DotContext before = writer.state.context();
    for (uint64_t i = 0; i < n.ops; ++i) {
      const Document delta = writer.Set(Key(i % n.keys), FillValue(i));
      if (!batch) f.fill_delta_bytes += static_cast<double>(crdt::EncodeDelta(delta).size());
    }
    if (batch) {
      f.fill_delta_bytes =
          static_cast<double>(crdt::EncodeDelta(crdt::DeltaSince(writer.state, before)).size());
    }
    f.fill_deltas = batch ? 1 : static_cast<double>(n.ops);
    f.fill_ms = Ms(watch);
  }
  // W2
  std::string encoded;
  {
    Stopwatch watch;
    encoded = crdt::EncodeDocument(writer.state);
    const std::string shipped = sync::Encode(
        sync::Message{writer.id, sync::Documents{0, {sync::DocumentState{"maps/m", encoded}}, {}}});
    f.encode_ms = Ms(watch);
    f.doc_bytes = static_cast<double>(shipped.size());
    f.canonical_doc_bytes = static_cast<double>(encoded.size());
  }
  // W3
  Document loaded;
  {
    Stopwatch watch;
    loaded = crdt::DecodeDocument(encoded).value();
    uint64_t present = 0;
    Json last;
    const auto& fields = loaded.root().fields;
    for (uint64_t k = 0; k < n.keys; ++k) {
      auto it = fields.find(Key(k));
      if (it == fields.end()) continue;
      Json value = crdt::FieldValue(it->second);
      if (value.is_null()) continue;
      ++present;
      if (k == n.keys - 1) last = std::move(value);
    }
    f.load_ms = Ms(watch);
    if (present != n.keys || last != FillValue(n.ops - 1)) Fail("W3 load check failed");
  }
  // W4
  Replica a(1), b(2);
  a.state = crdt::DecodeDocument(encoded).value();
  b.state = crdt::DecodeDocument(encoded).value();
  a.clock.Observe(writer.clock.last());
  b.clock.Observe(writer.clock.last());
  {
    Mulberry32 ra(42), rb(43);
    Stopwatch watch;
    // perop: every update is a delta of its own (kept by nobody: W4 ships the diff, as the peers
    // do); batch: the same updates, one phase per replica.
    for (uint64_t i = 0; i < n.conc; ++i) DoNotOptimize(a.Set(Key(ra.Below(n.keys)), Json(Numbered("a-", i))));
    for (uint64_t i = 0; i < n.conc; ++i) DoNotOptimize(b.Set(Key(rb.Below(n.keys)), Json(Numbered("b-", i))));
    f.concurrent_updates_ms = Ms(watch);
  }
  {
    Stopwatch watch;
    // What `from` sends `to`: `to`'s context asks, `from` answers with what `to` is missing.
    auto diff = [](const Replica& from, const Replica& to, double& bytes) {
      const std::string seen = crdt::EncodeDocument(Document(to.state.context(), crdt::ObjectNode()));
      const Document asked = crdt::DecodeDocument(seen).value();
      std::string delta = crdt::EncodeDelta(crdt::DeltaSince(from.state, asked.context()));
      bytes += static_cast<double>(seen.size() + delta.size());
      return delta;
    };
    const std::string ab = diff(a, b, f.merge_delta_bytes_a_to_b);
    const std::string ba = diff(b, a, f.merge_delta_bytes_b_to_a);
    b.state.Join(crdt::DecodeDelta(ab).value());
    a.state.Join(crdt::DecodeDelta(ba).value());
    f.merge_ms = Ms(watch);
  }
  const std::string merged = crdt::EncodeDocument(a.state);
  if (merged != crdt::EncodeDocument(b.state)) Fail("W4 replicas did not converge");
  f.merged_doc_bytes = static_cast<double>(merged.size());
  f.rss_mb = RssMiB();  // while every state of the run is alive, as in the peers' function
  DoNotOptimize(loaded);
  return f;
}

// The same workload on plain JSON objects, without any CRDT metadata.
Figures RunPlain(const Sizes& n, bool batch) {
  Figures f;
  Json map = Json::object();
  {
    Stopwatch watch;
    for (uint64_t i = 0; i < n.ops; ++i) {
      const std::string key = Key(i % n.keys);
      map[key] = FillValue(i);
      if (!batch) {
        Json patch = Json::object();
        patch[key] = FillValue(i);
        f.fill_delta_bytes += static_cast<double>(Json::to_msgpack(patch).size());
      }
    }
    if (batch) f.fill_delta_bytes = static_cast<double>(Json::to_msgpack(map).size());
    f.fill_ms = Ms(watch);
  }
  std::vector<uint8_t> encoded;
  {
    Stopwatch watch;
    encoded = Json::to_msgpack(map);
    const std::optional<std::string> compressed =
        sync::Compress({reinterpret_cast<const char*>(encoded.data()), encoded.size()});
    f.encode_ms = Ms(watch);
    f.doc_bytes = static_cast<double>(compressed ? compressed->size() : encoded.size());
    f.canonical_doc_bytes = static_cast<double>(encoded.size());
  }
  {
    Stopwatch watch;
    const Json loaded = Json::from_msgpack(encoded);
    uint64_t present = 0;
    for (uint64_t k = 0; k < n.keys; ++k) present += loaded.contains(Key(k)) ? 1 : 0;
    f.load_ms = Ms(watch);
    if (present != n.keys) Fail("plain load check failed");
  }
  Json a = Json::from_msgpack(encoded), b = a;
  std::vector<Json> patches_a, patches_b;
  {
    Mulberry32 ra(42), rb(43);
    Stopwatch watch;
    auto update = [&](Json& replica, std::vector<Json>& patches, Mulberry32& rng, const char* tag) {
      for (uint64_t i = 0; i < n.conc; ++i) {
        const std::string key = Key(rng.Below(n.keys));
        const std::string value = Numbered(tag, i);
        replica[key] = value;
        Json patch = Json::object();
        patch[key] = value;
        patches.push_back(std::move(patch));
      }
    };
    update(a, patches_a, ra, "a-");
    update(b, patches_b, rb, "b-");
    f.concurrent_updates_ms = Ms(watch);
  }
  {
    Stopwatch watch;
    std::vector<std::vector<uint8_t>> wire_ab, wire_ba;
    auto ship = [&](const std::vector<Json>& patches, std::vector<std::vector<uint8_t>>& wire,
                    double& bytes) {
      if (batch) {
        Json group = Json::object();
        for (const Json& p : patches) group.merge_patch(p);
        wire.push_back(Json::to_msgpack(group));
      } else {
        for (const Json& p : patches) wire.push_back(Json::to_msgpack(p));
      }
      for (const auto& w : wire) bytes += static_cast<double>(w.size());
    };
    ship(patches_a, wire_ab, f.merge_delta_bytes_a_to_b);
    ship(patches_b, wire_ba, f.merge_delta_bytes_b_to_a);
    for (const auto& w : wire_ab) b.merge_patch(Json::from_msgpack(w));
    for (const auto& w : wire_ba) a.merge_patch(Json::from_msgpack(w));
    f.merge_ms = Ms(watch);
  }
  f.merged_doc_bytes = static_cast<double>(Json::to_msgpack(a).size());
  return f;
}

// The CRDT state after W1 must read as the plain map does.
void CheckFillMatchesPlain(const Sizes& n) {
  Replica writer(0);
  Json map = Json::object();
  for (uint64_t i = 0; i < n.ops; ++i) {
    writer.Set(Key(i % n.keys), FillValue(i));
    map[Key(i % n.keys)] = FillValue(i);
  }
  if (crdt::ToJson(writer.state) != map) Fail("W1 state differs from the plain map");
  // The batch delta, shipped to an empty replica, gives the writer's state.
  Document receiver;
  receiver.Join(crdt::DecodeDocument(crdt::EncodeDocument(crdt::DeltaSince(writer.state, {}))).value());
  if (!(receiver == writer.state)) Fail("the W1 batch delta does not rebuild the state");
}

struct B31Figures {
  double ms = 0, doc_bytes = 0, update_bytes = 0;
};

// B3.1: `replicas` replicas write one field each of the same empty document; all deltas go, as
// bytes, to replica 0 (distinct keys: writes + merge timed) or replica 1 (same key "v", as in
// crdt-benchmarks: only the applying of every update is timed).
B31Figures RunB31Crdt(uint64_t replicas, bool same_key) {
  B31Figures f;
  std::vector<Replica> writers;
  writers.reserve(replicas);
  for (uint64_t r = 0; r < replicas; ++r) writers.emplace_back(1000 + r);
  std::vector<std::string> wire;
  wire.reserve(replicas);
  Stopwatch watch;
  for (uint64_t r = 0; r < replicas; ++r) {
    const Json value(static_cast<int64_t>(r));
    wire.push_back(crdt::EncodeDelta(writers[r].Set(same_key ? "v" : Key(r), value)));
    f.update_bytes += static_cast<double>(wire.back().size());
  }
  Stopwatch merge_watch;
  Replica& sink = writers[same_key ? 1 : 0];
  for (const std::string& w : wire) sink.state.ApplyDelta(crdt::DecodeDelta(w).value());
  f.ms = Ms(same_key ? merge_watch : watch);
  const std::string merged = crdt::EncodeDocument(sink.state);
  f.doc_bytes = static_cast<double>(merged.size());
  const Json json = crdt::ToJson(sink.state);
  if (same_key) {
    if (json.size() != 1 || crdt::Conflicts(sink.state)["/v"].size() != replicas) {
      Fail("B3.1 same-key merge lost values");
    }
  } else if (json.size() != replicas || json[Key(replicas - 1)] != replicas - 1) {
    Fail("B3.1 merge lost keys");
  }
  return f;
}

B31Figures RunB31Plain(uint64_t replicas, bool same_key) {
  B31Figures f;
  std::vector<std::vector<uint8_t>> wire;
  wire.reserve(replicas);
  Stopwatch watch;
  for (uint64_t r = 0; r < replicas; ++r) {
    Json patch = Json::object();
    patch[same_key ? "v" : Key(r)] = static_cast<int64_t>(r);
    wire.push_back(Json::to_msgpack(patch));
    f.update_bytes += static_cast<double>(wire.back().size());
  }
  Stopwatch merge_watch;
  Json sink = Json::object();
  for (const auto& w : wire) sink.merge_patch(Json::from_msgpack(w));
  f.ms = Ms(same_key ? merge_watch : watch);
  f.doc_bytes = static_cast<double>(Json::to_msgpack(sink).size());
  return f;
}

template <typename F, typename Run>
std::pair<std::vector<F>, std::vector<F>> Alternate(int reps, Run&& run) {
  std::vector<F> crdt_runs, plain_runs;
  for (int r = 0; r < reps; ++r) {
    crdt_runs.push_back(run(true));
    plain_runs.push_back(run(false));
  }
  return {crdt_runs, plain_runs};
}

template <typename F>
double MedianOf(const std::vector<F>& runs, double F::*field) {
  std::vector<double> v;
  for (const F& f : runs) v.push_back(f.*field);
  return Median(v);
}

void BenchMode(const Sizes& n, int reps, bool batch, Reporter& out) {
  const std::string mode = batch ? "batch" : "perop";
  const auto [crdt_runs, plain_runs] = Alternate<Figures>(
      reps, [&](bool is_crdt) { return is_crdt ? RunCrdt(n, batch) : RunPlain(n, batch); });
  const std::string patches =
      batch ? "plain_msgpack_merged_patch_bytes" : "plain_msgpack_patches_bytes";
  struct Spec {
    const char* key;
    double Figures::*field;
    const char* unit;
    std::string baseline;  // empty: no meaningful baseline
  };
  const Spec specs[] = {
      {"fill_ms", &Figures::fill_ms, "ms",
       batch ? "json_assign_msgpack_merged_patch" : "json_assign_msgpack_each_patch"},
      {"fill_deltas", &Figures::fill_deltas, "deltas", ""},
      {"fill_delta_bytes", &Figures::fill_delta_bytes, "bytes", patches},
      {"encode_ms", &Figures::encode_ms, "ms", "json_to_msgpack"},
      {"doc_bytes", &Figures::doc_bytes, "bytes", "plain_msgpack_compressed_bytes"},
      {"canonical_doc_bytes", &Figures::canonical_doc_bytes, "bytes", "plain_msgpack_bytes"},
      {"load_ms", &Figures::load_ms, "ms", "json_from_msgpack_read_keys"},
      {"concurrent_updates_ms", &Figures::concurrent_updates_ms, "ms", "json_assign_keep_patches"},
      {"merge_ms", &Figures::merge_ms, "ms",
       batch ? "msgpack_merged_patch_merge_patch" : "msgpack_each_patch_merge_patch"},
      {"merge_delta_bytes_a_to_b", &Figures::merge_delta_bytes_a_to_b, "bytes", patches},
      {"merge_delta_bytes_b_to_a", &Figures::merge_delta_bytes_b_to_a, "bytes", patches},
      {"merged_doc_bytes", &Figures::merged_doc_bytes, "bytes", "plain_msgpack_bytes"},
  };
  for (const Spec& s : specs) {
    const double value = MedianOf(crdt_runs, s.field);
    if (s.baseline.empty()) {
      out.Report({"map_" + mode + "_" + s.key, value, s.unit, "none", 0});
    } else {
      out.Report(
          {"map_" + mode + "_" + s.key, value, s.unit, s.baseline, MedianOf(plain_runs, s.field)});
    }
  }
  out.Report({"map_" + mode + "_rss_mb", crdt_runs.back().rss_mb, "MB", "none", 0});
}

void BenchB31(const Sizes& n, int reps, Reporter& out) {
  for (const bool same_key : {false, true}) {
    const auto [crdt_runs, plain_runs] = Alternate<B31Figures>(reps, [&](bool is_crdt) {
      return is_crdt ? RunB31Crdt(n.b31_replicas, same_key) : RunB31Plain(n.b31_replicas, same_key);
    });
    const std::string prefix = same_key ? "b31_samekey_" : "b31_";
    out.Report({prefix + (same_key ? "merge_ms" : "ms"), MedianOf(crdt_runs, &B31Figures::ms), "ms",
                "json_msgpack_merge_patch", MedianOf(plain_runs, &B31Figures::ms)});
    out.Report({prefix + "doc_bytes", MedianOf(crdt_runs, &B31Figures::doc_bytes), "bytes",
                "plain_msgpack_bytes", MedianOf(plain_runs, &B31Figures::doc_bytes)});
    if (same_key) {
      out.Report({prefix + "update_bytes", MedianOf(crdt_runs, &B31Figures::update_bytes), "bytes",
                  "plain_msgpack_patches_bytes", MedianOf(plain_runs, &B31Figures::update_bytes)});
    }
  }
}

int Usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s [--quick] [--reps N] [--mode perop|batch]\n", argv0);
  return 2;
}

int Main(int argc, char** argv) {
  Sizes sizes;
  int reps = 5;
  bool quick = false;
  const char* mode = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      quick = true;
    } else if (std::strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
      reps = std::atoi(argv[++i]);
      if (reps < 1) return Usage(argv[0]);
    } else if (std::strcmp(argv[i], "--mode") == 0 && i + 1 < argc) {
      mode = argv[++i];
      if (std::strcmp(mode, "perop") != 0 && std::strcmp(mode, "batch") != 0) {
        return Usage(argv[0]);
      }
    } else {
      return Usage(argv[0]);
    }
  }
  if (quick) {
    reps = 1;
    sizes = Sizes{10'000, 1'000, 5'000, 154};
  }
#ifndef NDEBUG
  std::fprintf(stderr, "map_bench: warning: built without NDEBUG; use a Release build\n");
#endif
  if (!Mulberry32MatchesNode()) Fail("mulberry32 differs from map_workload.js");
  CheckFillMatchesPlain(sizes);
  Reporter out;
  for (const bool batch : {false, true}) {
    if (mode != nullptr && std::strcmp(mode, batch ? "batch" : "perop") != 0) continue;
    BenchMode(sizes, reps, batch, out);
  }
  BenchB31(sizes, reps, out);
  std::fprintf(stderr,
               "\nmap_bench%s: N=%llu sets over K=%llu keys, NCONC=%llu, B3.1 %llu replicas; "
               "medians of %d alternated runs\n\n",
               quick ? " --quick" : "", static_cast<unsigned long long>(sizes.ops),
               static_cast<unsigned long long>(sizes.keys),
               static_cast<unsigned long long>(sizes.conc),
               static_cast<unsigned long long>(sizes.b31_replicas), reps);
  out.PrintTable(stderr);
  return 0;
}

}  // namespace
}  // namespace crdtdb::bench

int main(int argc, char** argv) { return crdtdb::bench::Main(argc, argv); }
