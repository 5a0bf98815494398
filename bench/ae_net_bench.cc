// Copyright (c) crdtdb authors.
//
// ae_net_bench: issue 8's anti-entropy scenario (1,000,000 documents, 0.1% divergent) over real
// ZeroMQ on loopback, where sync_bench's anti_entropy group runs it in memory. A region store R is
// served in this process exactly as `crdtdb serve` serves it (server::Serve on a thread,
// served_region.h); an embedded client store C syncs with it through the public API,
// Database::sync_with(R's sync endpoint).
//
//   ae_net_bench [--quick] [--docs N]
//
// --docs N: documents (default 1,000,000, at least 2); --quick: the smoke run (20,000 documents),
// whose figures only show that everything runs. Build with CMAKE_BUILD_TYPE=Release for real
// numbers. Needs about 1 GB free in $TMPDIR at 1M documents.
//
// Steps (documents: "bench/<16 hex digits>" keys, 5-field JSON objects of 200 bytes, DocJson of
// bench_harness.h, as in the other benches):
//   seed     R (Database::open, buffered durability) gets N puts, then is served. C, a store of its
//            own (its own replica id), pulls them: C.sync_with(R's sync endpoint). Roots checked
//            equal. Rows: the puts, the pull's time and bytes.
//   diverge  N/1000 documents (at least 2): the first half rewritten in R (stopped for it, then
//            served again), the rest in C. Their encoded states on both sides are summed: what any
//            repair must move.
//   sync     Timed: C.sync_with(R's sync endpoint), the whole session (it repeats rounds until one
//            finds both sides equal: a repair round and an in-sync round); then a second
//            sync_with, which must find them in sync at once (the in-sync check). R's status root
//            must equal C's after the first session, else the program aborts.
//   memory   The baseline of the times: R stopped and opened embedded, another N/1000 documents
//            diverged the same way, and C.sync_with over an in-memory transport that hands each
//            message to R's responder (sync::AnswerRequest) directly: the same client session on
//            the same stores, without ZeroMQ, the server's event loop or loopback TCP. Then its
//            in-sync check.
//
// Rows (prefix ae_net_<N>_; bench/report.py reads reconcile_ms for the target "reconcile 1,000
// divergent of 1M in < 1 s on loopback"):
//   seed_put_r_ms          N puts into R                 baseline: none
//   seed_pull_ms           C's pull of R's N documents   baseline: the N puts into R
//   seed_pull_bytes        its bytes, both ways          baseline: R's encoded states
//   reconcile_ms           the timed session             baseline: the in-memory session
//   reconcile_bytes        its bytes, both ways          baseline: the divergent documents'
//                                                        encoded states, R's plus C's
//   reconcile_bytes_vs_full  the same bytes              baseline: every encoded state of R
//                                                        (a naive full-state transfer)
//   reconcile_rounds, reconcile_docs_received, reconcile_docs_sent
//                                                        baselines: the in-memory session's rounds;
//                                                        the divergent documents (C fetches R's
//                                                        state of each); those rewritten in C
//   insync_ms              the second session            baseline: the in-memory in-sync check
//   insync_bytes           its bytes                     baseline: every encoded state of R
//
// Output as the other benches (bench_harness.h): JSON lines on stdout, a Markdown table on stderr
// at the end; progress, the region's log and each session's report go to stderr.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_dir.h"
#include "bench_fail.h"
#include "bench_harness.h"
#include "crdtdb/database.h"
#include "db/database_impl.h"
#include "served_region.h"
#include "sync/messages.h"
#include "sync/responder.h"

namespace crdtdb::bench {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr size_t kJsonBytes = 200;

struct Config {
  uint64_t docs = 1'000'000;
  bool quick = false;
  fs::path dir;
};

std::string DocKey(uint64_t i) { return "bench/" + Hex(Mix(i), 16); }

// ---- stores ---------------------------------------------------------------------------------

std::unique_ptr<Database> OpenEmbedded(const fs::path& path) {
  crdtdb::Options options;
  options.path = path.string();
  options.durability = Durability::kBuffered;
  return Must(Database::open(options), "open " + path.string());
}

// The replica interface behind the public one (ReadState, the responder's view).
db::DatabaseImpl& Impl(Database& db) {
  auto* impl = dynamic_cast<db::DatabaseImpl*>(&db);
  if (impl == nullptr) Fail("Database::open did not return a db::DatabaseImpl");
  return *impl;
}

uint64_t StateBytes(Database& db, const std::string& key) {
  std::optional<std::string> state = Must(Impl(db).ReadState(key), "ReadState " + key);
  if (!state) Fail(key + " is missing");
  return state->size();
}

// Every encoded state of documents [0, n), read in key order as a scan would.
uint64_t AllStateBytes(Database& db, uint64_t n) {
  std::vector<std::string> keys;
  keys.reserve(n);
  for (uint64_t i = 0; i < n; ++i) keys.push_back(DocKey(i));
  std::sort(keys.begin(), keys.end());
  uint64_t total = 0;
  for (const std::string& key : keys) total += StateBytes(db, key);
  return total;
}

// `count` distinct document indexes below n, in a fixed pseudo-random order drawn from `salt`.
std::vector<uint64_t> PickDocs(uint64_t n, uint64_t count, uint64_t salt,
                               const std::set<uint64_t>& avoid) {
  std::set<uint64_t> seen = avoid;
  std::vector<uint64_t> picked;
  for (uint64_t j = 0; picked.size() < count; ++j) {
    const uint64_t i = Mix(j ^ salt) % n;
    if (seen.insert(i).second) picked.push_back(i);
  }
  return picked;
}

struct Divergence {
  std::vector<uint64_t> docs;  // the first half rewritten in R, the rest in C
  uint64_t in_r = 0, in_c = 0;
  uint64_t state_bytes_r = 0, state_bytes_c = 0;  // their encoded states after rewriting
  int64_t full_bytes_change = 0;                  // of R's total encoded state
};

// Rewrites docs[0, half) in r at `version` and the rest in c at version + 1.
Divergence Diverge(Database& r, Database& c, std::vector<uint64_t> docs, uint64_t version) {
  Divergence d;
  d.docs = std::move(docs);
  const size_t half = d.docs.size() / 2;
  for (size_t k = 0; k < d.docs.size(); ++k) {
    const uint64_t i = d.docs[k];
    if (k < half) {
      const uint64_t before = StateBytes(r, DocKey(i));
      Must(r.put(DocKey(i), DocJson(i, version, kJsonBytes)), "rewrite in R");
      d.full_bytes_change +=
          static_cast<int64_t>(StateBytes(r, DocKey(i))) - static_cast<int64_t>(before);
    } else {
      Must(c.put(DocKey(i), DocJson(i, version + 1, kJsonBytes)), "rewrite in C");
    }
  }
  d.in_r = half;
  d.in_c = d.docs.size() - half;
  for (uint64_t i : d.docs) {
    d.state_bytes_r += StateBytes(r, DocKey(i));
    d.state_bytes_c += StateBytes(c, DocKey(i));
  }
  if (r.status().merkle_root == c.status().merkle_root) Fail("roots equal after diverging");
  return d;
}

// Hands each message of a client session to the region's responder, in this thread.
class InMemoryTransport final : public SyncTransport {
 public:
  explicit InMemoryTransport(db::DatabaseImpl& region) : region_(region) {}

  Result<std::string> Exchange(std::string_view request) override {
    Result<std::optional<sync::Body>> answer = Answer(request);
    if (!answer.ok()) return answer.status();
    if (!answer->has_value()) return crdtdb::Status::Unavailable("the region gave no answer");
    return sync::Encode(sync::Message{region_.replica_id(), std::move(**answer)});
  }
  crdtdb::Status Send(std::string_view message) override { return Answer(message).status(); }

 private:
  Result<std::optional<sync::Body>> Answer(std::string_view bytes) {
    Result<sync::Message> message = sync::Decode(bytes);
    if (!message.ok()) return message.status();
    return sync::AnswerRequest(region_, message->body);
  }

  db::DatabaseImpl& region_;
};

struct Session {
  SyncReport report;
  double ms = 0;  // wall time of the whole sync_with call, connecting included
  uint64_t bytes() const { return report.bytes_sent + report.bytes_received; }
};

template <typename Transport>
Session Sync(Database& c, Transport&& transport, const char* what) {
  Session s;
  Stopwatch watch;
  s.report = Must(c.sync_with(std::forward<Transport>(transport)), what);
  s.ms = watch.Seconds() * 1e3;
  std::fprintf(stderr,
               "ae_net_bench: %s: %.1f ms (SyncReport %llu ms), %llu rounds, %llu bytes sent, %llu "
               "received, "
               "%llu documents sent, %llu received, in sync: %s\n",
               what, s.ms, static_cast<unsigned long long>(s.report.duration_ms),
               static_cast<unsigned long long>(s.report.rounds),
               static_cast<unsigned long long>(s.report.bytes_sent),
               static_cast<unsigned long long>(s.report.bytes_received),
               static_cast<unsigned long long>(s.report.documents_sent),
               static_cast<unsigned long long>(s.report.documents_received),
               s.report.in_sync ? "yes" : "no");
  return s;
}

void ExpectInSync(const Session& s, const char* what) {
  if (!s.report.in_sync || s.report.rounds != 1 || s.report.documents_sent != 0 ||
      s.report.documents_received != 0) {
    Fail(std::string(what) + " did not find the stores in sync at once");
  }
}

void ExpectRepaired(const Session& s, const Divergence& d, const char* what) {
  if (!s.report.in_sync) Fail(std::string(what) + " did not end in sync");
  if (s.report.documents_received < d.in_r || s.report.documents_sent < d.in_c) {
    Fail(std::string(what) + " moved fewer documents than diverged");
  }
}

// ---- the scenario ---------------------------------------------------------------------------

void Run(const Config& config, Reporter& out) {
  const uint64_t n = config.docs;
  const RegionEndpoints endpoints = NewRegion("r");
  const ClusterConfig cluster = MakeClusterConfig({endpoints}, config.dir);

  // Seed R, embedded.
  double put_ms = 0;
  uint64_t full_bytes = 0;
  {
    std::unique_ptr<Database> r = OpenEmbedded(config.dir / "r");
    Stopwatch watch;
    for (uint64_t i = 0; i < n; ++i)
      Must(r->put(DocKey(i), DocJson(i, 0, kJsonBytes)), "put into R");
    put_ms = watch.Seconds() * 1e3;
    Stopwatch read_watch;
    full_bytes = AllStateBytes(*r, n);
    std::fprintf(stderr,
                 "ae_net_bench: seed: %llu puts into R in %.0f ms; its encoded states: %llu bytes "
                 "(read in %.0f ms)\n",
                 static_cast<unsigned long long>(n), put_ms,
                 static_cast<unsigned long long>(full_bytes), read_watch.Seconds() * 1e3);
  }

  // C pulls everything from the served R.
  std::unique_ptr<Database> c = OpenEmbedded(config.dir / "c");
  Session pull;
  {
    ServedRegion served(cluster, endpoints);
    pull = Sync(*c, endpoints.sync, "seed pull");
    const json status = served.Status();
    if (pull.report.documents_received != n || c->status().documents != n)
      Fail("the pull missed documents");
    if (status.at("merkle_root").get<std::string>() != c->status().merkle_root)
      Fail("roots differ after the pull");
    if (status.at("replica_id").get<std::string>() == c->status().replica_id)
      Fail("C has R's replica id");
  }

  // Diverge: R stopped (above) and opened embedded for its half.
  Divergence d;
  {
    std::unique_ptr<Database> r = OpenEmbedded(config.dir / "r");
    Stopwatch watch;
    d = Diverge(*r, *c, PickDocs(n, std::max<uint64_t>(2, n / 1000), 0xD1CEull, {}), 1);
    full_bytes = static_cast<uint64_t>(static_cast<int64_t>(full_bytes) + d.full_bytes_change);
    std::fprintf(stderr,
                 "ae_net_bench: diverge: %llu in R, %llu in C in %.1f ms; encoded states %llu "
                 "bytes in R, %llu in C\n",
                 static_cast<unsigned long long>(d.in_r), static_cast<unsigned long long>(d.in_c),
                 watch.Seconds() * 1e3, static_cast<unsigned long long>(d.state_bytes_r),
                 static_cast<unsigned long long>(d.state_bytes_c));
  }

  // Timed, over ZeroMQ.
  Session reconcile, insync;
  {
    ServedRegion served(cluster, endpoints);
    reconcile = Sync(*c, endpoints.sync, "reconcile");
    ExpectRepaired(reconcile, d, "the reconcile session");
    if (served.Status().at("merkle_root").get<std::string>() != c->status().merkle_root) {
      Fail("roots differ after the reconcile session");
    }
    insync = Sync(*c, endpoints.sync, "in-sync check");
    ExpectInSync(insync, "the second session");
  }

  // Baseline: the same session over an in-memory transport, on a fresh divergence.
  Session memory, memory_insync;
  {
    std::unique_ptr<Database> r = OpenEmbedded(config.dir / "r");
    const std::set<uint64_t> used(d.docs.begin(), d.docs.end());
    const Divergence d2 = Diverge(*r, *c, PickDocs(n, d.docs.size(), 0xBEEFull, used), 3);
    InMemoryTransport transport(Impl(*r));
    memory = Sync(*c, transport, "in-memory reconcile");
    ExpectRepaired(memory, d2, "the in-memory session");
    if (r->status().merkle_root != c->status().merkle_root)
      Fail("roots differ after the in-memory session");
    memory_insync = Sync(*c, transport, "in-memory in-sync check");
    ExpectInSync(memory_insync, "the in-memory second session");
  }

  const std::string name = "ae_net_" + std::to_string(n) + "_";
  const double full = static_cast<double>(full_bytes);
  out.Report({name + "seed_put_r_ms", put_ms, "ms", "none", 0});
  out.Report({name + "seed_pull_ms", pull.ms, "ms", "seed_put_r_ms", put_ms});
  out.Report({name + "seed_pull_bytes", static_cast<double>(pull.bytes()), "bytes",
              "full_state_transfer_r", full});
  out.Report({name + "reconcile_ms", reconcile.ms, "ms", "in_memory_sync_with_ms", memory.ms});
  out.Report({name + "reconcile_bytes", static_cast<double>(reconcile.bytes()), "bytes",
              "divergent_states_both_sides",
              static_cast<double>(d.state_bytes_r + d.state_bytes_c)});
  out.Report({name + "reconcile_bytes_vs_full", static_cast<double>(reconcile.bytes()), "bytes",
              "full_state_transfer_r", full});
  out.Report({name + "reconcile_rounds", static_cast<double>(reconcile.report.rounds), "rounds",
              "in_memory_rounds", static_cast<double>(memory.report.rounds)});
  out.Report({name + "reconcile_docs_received",
              static_cast<double>(reconcile.report.documents_received), "docs", "divergent_docs",
              static_cast<double>(d.docs.size())});
  out.Report({name + "reconcile_docs_sent", static_cast<double>(reconcile.report.documents_sent),
              "docs", "divergent_in_c", static_cast<double>(d.in_c)});
  out.Report({name + "insync_ms", insync.ms, "ms", "in_memory_insync_ms", memory_insync.ms});
  out.Report({name + "insync_bytes", static_cast<double>(insync.bytes()), "bytes",
              "full_state_transfer_r", full});
}

int Main(int argc, char** argv) {
  SetBenchProgram("ae_net_bench");
  Config config;
  bool docs_given = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      config.quick = true;
      if (!docs_given) config.docs = 20'000;
    } else if (std::strcmp(argv[i], "--docs") == 0 && i + 1 < argc) {
      char* end = nullptr;
      config.docs = std::strtoull(argv[++i], &end, 10);
      docs_given = true;
      if (*end != '\0' || config.docs < 2) config.docs = 0;
    } else {
      config.docs = 0;
    }
    if (config.docs == 0) {
      std::fprintf(stderr, "usage: ae_net_bench [--quick] [--docs N]   (N >= 2)\n");
      return 2;
    }
  }
  WarnIfNotRelease();
  config.dir = MakeTempDir();

  Stopwatch total;
  Reporter out;
  Run(config, out);
  std::error_code ec;
  fs::remove_all(config.dir, ec);
  std::fprintf(stderr, "\nae_net_bench%s: %llu documents, one pass, %.0f s in all\n\n",
               config.quick ? " --quick" : "", static_cast<unsigned long long>(config.docs),
               total.Seconds());
  out.PrintTable(stderr);
  return 0;
}

}  // namespace
}  // namespace crdtdb::bench

int main(int argc, char** argv) { return crdtdb::bench::Main(argc, argv); }
