// Copyright (c) crdtdb authors.
//
// doc_bench: issue 22's side by side with PouchDB. The document workload of
// ../shared/peers/pouchdb/doc_workload.js (its README lists the operations), run through the public
// library (crdtdb::Database, typed documents) on the same machine; bench/run runs both and
// bench/report.py sets every figure beside PouchDB's.
//
//   doc_bench [--quick] [--n N]... [--reps R] [--seed S] [--dir DIR] [--keep]
//
// --n N: documents (at least 100; repeatable; default 100,000 then 10,000, as pouchdb/run);
// --reps R: fresh repetitions per N with seeds S, S+1, ... (default 3, S = 42: pouchdb/run's seeds),
// every figure the median of them; --quick: the smoke run (N = 1,000, one repetition).
//
// The documents and the random ids are doc_workload.js's, byte for byte: its mulberry32 PRNG and
// makeDoc ported (ids "todos/<i>", 5 fields, ~198 bytes of JSON). Buffered durability (no fsync
// per write, as PouchDB's leveldown). The phases, each timed as a whole, each call awaited:
//   D1 put        N put_value calls into an empty database A, one after the other
//                 the same N documents into a second empty database in batches of 100: one
//                 put_many_values call per batch (one atomic commit), as PouchDB's bulkDocs
//   D2 get        N get_value of random ids, each checked
//   D3 update     N/2 read-modify-writes: get_value, then patch_value of "done" and "priority"
//   D4 replicate  A.sync_with(a region served by this process as `crdtdb serve` serves it,
//                 served_region.h, over ZeroMQ on loopback) whose store B is empty, until B holds
//                 all N: an offline-first app's replica pushing its database to its region, the
//                 counterpart of PouchDB.replicate(local, remote). Checked: B's status counts N.
//   D5 resync     sync_with again, nothing changed (resync0); 100 distinct random documents patched
//                 in A (untimed), sync_with again (resync100); checked: B's Merkle root equals A's.
//                 A keeps a per-peer cursor of its change log in memory (db/push_cursors.h): the
//                 resync pushes what changed since the last sync that ended equal, then compares
//                 the Merkle roots. resync_nocheckpoint: one more session after reopening A (no
//                 cursor), for PouchDB's {checkpoint: false} figure; resync100_walk (ours only): A
//                 reopened again, the same 100 documents patched, found by the Merkle walk alone.
//   D6            apparent bytes of A, B and the batch database after close (du -sb), peak RSS of
//                 the process during this run (B's region runs in it too), CPU time
// Beside each phase's wall time, <phase>_cpu_ms: this process's CPU time over it (all threads, the
// region's too; getrusage), which other jobs on a shared machine move far less than the wall time.
//
// Rows (stdout, bench_harness.h's JSON lines): docs_<N>_<key>, where <key> is doc_workload.js's key
// of the same figure in the same unit (bench/report.py pairs them), plus replicate_bytes,
// resync0_bytes, resync100_bytes (the sessions' bytes both ways), resync100_docs_fetched (the
// region's documents A fetched in it: 0 when the cursor made the push enough).

#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bench_dir.h"
#include "bench_fail.h"
#include "bench_harness.h"
#include "crdtdb/database.h"
#include "crdtdb/value.h"
#include "mulberry32.h"
#include "proc_status.h"
#include "served_region.h"

namespace crdtdb::bench {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kBulk = 100;      // documents per batch (D1)
constexpr uint64_t kChanged = 100;   // documents changed before the second resync (D5)
constexpr int kRepeats = 9;          // more such resyncs, for resync100_repeat_* (D5)

const char* const kWords[] = {"buy",     "milk",   "call",   "plan",   "review", "draft",
                              "send",    "report", "fix",    "bug",    "meeting", "agenda",
                              "weekly",  "team",   "budget", "invoice", "garden", "water",
                              "plants",  "book",   "flight", "hotel",  "update", "notes",
                              "release", "backup", "server", "clean",  "kitchen", "email"};
const char* const kTags[] = {"work", "home", "urgent", "later", "errand", "health", "money", "travel"};

// doc_workload.js's makeDoc(i, r).
Value MakeDoc(uint64_t i, Mulberry32& r) {
  // Appended piece by piece: "literal" + std::string trips GCC 12's false -Wrestrict.
  std::string title = "Todo ";
  title.append(std::to_string(i)).append(":");
  while (title.size() < 112) title.append(" ").append(kWords[r.Below(std::size(kWords))]);
  const bool done = r() < 0.3;
  const int64_t priority = static_cast<int64_t>(r.Below(5));
  const char* tag1 = kTags[r.Below(std::size(kTags))];
  const char* tag2 = kTags[r.Below(std::size(kTags))];
  const std::string number = std::to_string(r.Below(1000));
  std::string owner = "user-";
  owner.append(4 - std::min<size_t>(4, number.size()), '0').append(number);
  return Object{{"title", std::move(title)},
                {"done", done},
                {"priority", priority},
                {"tags", Array{tag1, tag2}},
                {"owner", std::move(owner)}};
}

std::string Id(uint64_t i) {
  std::string id = "todos/";
  return id.append(std::to_string(i));
}

std::unique_ptr<Database> Open(const fs::path& path) {
  crdtdb::Options options;
  options.path = path.string();
  options.durability = Durability::kBuffered;
  return Must(Database::open(options), "open " + path.string());
}

// Apparent size of a tree, like `du -sb` and doc_workload.js's duBytes: files and folders.
uint64_t DuBytes(const fs::path& p) {
  struct stat st {};
  if (lstat(p.c_str(), &st) != 0) Fail("cannot stat " + p.string());
  uint64_t total = static_cast<uint64_t>(st.st_size);
  if (S_ISDIR(st.st_mode)) {
    for (const fs::directory_entry& e : fs::directory_iterator(p)) total += DuBytes(e.path());
  }
  return total;
}

double CpuMs() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto ms = [](const timeval& t) { return static_cast<double>(t.tv_sec) * 1e3 + t.tv_usec / 1e3; };
  return ms(u.ru_utime) + ms(u.ru_stime);
}

// Starts a new peak of the resident set (Linux >= 4.0: "5" into /proc/self/clear_refs resets
// VmHWM), so that each run's peak is its own, not that of a larger N run before it in this process.
void ResetPeakRss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  if (!clear) std::fprintf(stderr, "doc_bench: cannot reset the peak RSS; it covers the earlier runs\n");
}

double PeakRssMib() { return ProcStatusKib("VmHWM") / 1024; }

// read-modify-write of one document (D3, D5): flip "done", bump "priority".
void Patch(Database& db, const std::string& id) {
  const Value doc = Must(db.get_value(id), "get", id);
  const bool done = doc["done"].as_bool().value_or(false);
  const int64_t priority = doc["priority"].as_int().value_or(0);
  Must(db.patch_value(id, Object{{"done", !done}, {"priority", (priority + 1) % 5}}), "patch", id);
}

// D1b: batches of kBulk, each one put_many_values call (one commit), as PouchDB's bulkDocs.
double BulkPut(Database& db, const std::vector<Value>& docs) {
  const uint64_t n = docs.size();
  Stopwatch watch;
  std::vector<std::pair<std::string, Value>> batch;
  for (uint64_t start = 0; start < n; start += kBulk) {
    batch.clear();
    for (uint64_t i = start; i < std::min(start + kBulk, n); ++i) batch.emplace_back(Id(i), docs[i]);
    MustOk(db.put_many_values(batch), "batch put at", Id(start));
  }
  return watch.Seconds() * 1e3;
}

struct SyncTimed {
  SyncReport report;
  double ms = 0;
};

SyncTimed SyncOnce(Database& a, const std::string& endpoint, const char* what) {
  SyncTimed s;
  Stopwatch watch;
  s.report = Must(a.sync_with(endpoint), what);
  s.ms = watch.Seconds() * 1e3;
  if (!s.report.in_sync) Fail(std::string(what) + " did not end in sync");
  std::fprintf(stderr, "doc_bench:   %s: %.1f ms, %llu rounds, %llu documents sent, %llu bytes\n",
               what, s.ms, static_cast<unsigned long long>(s.report.rounds),
               static_cast<unsigned long long>(s.report.documents_sent),
               static_cast<unsigned long long>(s.report.bytes_sent + s.report.bytes_received));
  return s;
}

using Figures = std::map<std::string, double>;

// One run of the whole workload at n documents with `seed`, in `dir` (new, empty).
Figures RunOnce(uint64_t n, uint32_t seed, const fs::path& dir) {
  Figures f;
  ResetPeakRss();
  const double cpu_start = CpuMs();
  Stopwatch total;
  std::vector<Value> docs;
  docs.reserve(n);
  Mulberry32 rd(seed);
  double json_bytes = 0;
  for (uint64_t i = 0; i < n; ++i) {
    docs.push_back(MakeDoc(i, rd));
    json_bytes += static_cast<double>(docs.back().to_json().size());
  }
  f["doc_json_bytes_avg"] = json_bytes / static_cast<double>(n);

  // D1
  std::unique_ptr<Database> a = Open(dir / "a");
  Stopwatch watch;
  double cpu = CpuMs();
  for (uint64_t i = 0; i < n; ++i) Must(a->put_value(Id(i), docs[i]), "put", Id(i));
  f["put_ms"] = watch.Seconds() * 1e3;
  f["put_cpu_ms"] = CpuMs() - cpu;
  {
    std::unique_ptr<Database> bulk = Open(dir / "bulk");
    cpu = CpuMs();
    f["bulk_put_ms"] = BulkPut(*bulk, docs);
    f["bulk_put_cpu_ms"] = CpuMs() - cpu;
    if (bulk->status().documents != n) Fail("the batch database misses documents");
  }

  // D2
  Mulberry32 rg(seed + 1);
  watch = Stopwatch();
  cpu = CpuMs();
  for (uint64_t k = 0; k < n; ++k) {
    const uint64_t i = rg.Below(n);
    const Value doc = Must(a->get_value(Id(i)), "get", Id(i));
    if (doc["owner"] != docs[i]["owner"]) Fail("get check failed for " + Id(i));
  }
  f["get_ms"] = watch.Seconds() * 1e3;
  f["get_cpu_ms"] = CpuMs() - cpu;

  // D3
  Mulberry32 ru(seed + 2);
  const uint64_t updates = n / 2;
  watch = Stopwatch();
  cpu = CpuMs();
  for (uint64_t k = 0; k < updates; ++k) Patch(*a, Id(ru.Below(n)));
  f["update_ms"] = watch.Seconds() * 1e3;
  f["update_cpu_ms"] = CpuMs() - cpu;

  // D4, D5: B is the store of a region served by this process.
  const RegionEndpoints endpoints = NewRegion("b");
  const ClusterConfig cluster = MakeClusterConfig({endpoints}, dir);
  {
    ServedRegion region(cluster, endpoints);
    cpu = CpuMs();
    const SyncTimed rep = SyncOnce(*a, endpoints.sync, "replicate");
    f["replicate_cpu_ms"] = CpuMs() - cpu;
    if (rep.report.documents_sent != n || region.Status().at("documents").get<uint64_t>() != n) {
      Fail("the replication did not bring all " + std::to_string(n) + " documents to B");
    }
    f["replicate_ms"] = rep.ms;
    f["replicate_docs_written"] = static_cast<double>(rep.report.documents_sent);
    f["replicate_bytes"] = static_cast<double>(rep.report.bytes_sent + rep.report.bytes_received);

    const SyncTimed resync0 = SyncOnce(*a, endpoints.sync, "resync, nothing changed");
    f["resync0_ms"] = resync0.ms;
    f["resync0_docs_written"] = static_cast<double>(resync0.report.documents_sent);
    f["resync0_bytes"] = static_cast<double>(resync0.report.bytes_sent + resync0.report.bytes_received);

    Mulberry32 rc(seed + 3);
    // kChanged distinct documents, in drawing order (a JS Set's order).
    auto draw = [&] {
      std::vector<uint64_t> ids;
      while (ids.size() < kChanged) {
        const uint64_t i = rc.Below(n);
        if (std::find(ids.begin(), ids.end(), i) == ids.end()) ids.push_back(i);
      }
      return ids;
    };
    const std::vector<uint64_t> changed = draw();
    for (uint64_t i : changed) Patch(*a, Id(i));
    const SyncTimed resync100 = SyncOnce(*a, endpoints.sync, "resync, 100 changed");
    if (resync100.report.documents_sent != kChanged) Fail("the resync did not send the 100 changed");
    if (region.Status().at("merkle_root").get<std::string>() != a->status().merkle_root) {
      Fail("B differs from A after the resync");
    }
    f["resync100_ms"] = resync100.ms;
    f["resync100_docs_written"] = static_cast<double>(resync100.report.documents_sent);
    f["resync100_bytes"] =
        static_cast<double>(resync100.report.bytes_sent + resync100.report.bytes_received);

    f["resync100_docs_fetched"] = static_cast<double>(resync100.report.documents_received);
    // Not PouchDB's: kRepeats more resyncs of 100 newly drawn documents each, their median wall
    // and CPU time (the whole process's: A's side and the region's), steadier than one session
    // on a shared machine.
    std::vector<double> wall, used;
    for (int r = 0; r < kRepeats; ++r) {
      for (uint64_t i : draw()) Patch(*a, Id(i));
      const double cpu_before = CpuMs();
      const SyncTimed again = SyncOnce(*a, endpoints.sync, "resync, 100 changed, again");
      used.push_back(CpuMs() - cpu_before);
      wall.push_back(again.ms);
      if (again.report.documents_sent != kChanged) Fail("a repeated resync did not send the 100 changed");
    }
    f["resync100_repeat_ms"] = Median(wall);
    f["resync100_repeat_cpu_ms"] = Median(used);

    // A reopened: its per-peer state (push cursors, kept in memory) is gone, as after an app's
    // restart, so these sessions compare the trees alone.
    a.reset();
    a = Open(dir / "a");
    const SyncTimed fresh = SyncOnce(*a, endpoints.sync, "resync without per-peer state");
    f["resync_nocheckpoint_ms"] = fresh.ms;
    f["resync_nocheckpoint_docs_written"] = static_cast<double>(fresh.report.documents_sent);
    // Not PouchDB's: 100 more documents changed, found by the Merkle walk alone (no cursor: the
    // session above ended equal, so the cursor it left is dropped by a second reopen).
    a.reset();
    a = Open(dir / "a");
    for (size_t k = 0; k < kChanged; ++k) Patch(*a, Id(changed[k]));
    const SyncTimed walk = SyncOnce(*a, endpoints.sync, "resync, 100 changed, without per-peer state");
    if (walk.report.documents_sent != kChanged) Fail("the walk did not send the 100 changed");
    f["resync100_walk_ms"] = walk.ms;
  }

  // D6
  a.reset();
  f["disk_a_bytes"] = static_cast<double>(DuBytes(dir / "a"));
  f["disk_b_bytes"] = static_cast<double>(DuBytes(dir / "b"));
  f["disk_bulk_bytes"] = static_cast<double>(DuBytes(dir / "bulk"));
  f["rss_peak_mb"] = PeakRssMib();
  f["total_ms"] = total.Seconds() * 1e3;
  f["cpu_ms"] = CpuMs() - cpu_start;

  const double nd = static_cast<double>(n);
  f["put_ops_s"] = nd / f["put_ms"] * 1e3;
  f["bulk_put_ops_s"] = nd / f["bulk_put_ms"] * 1e3;
  f["get_ops_s"] = nd / f["get_ms"] * 1e3;
  f["update_ops_s"] = static_cast<double>(updates) / f["update_ms"] * 1e3;
  f["replicate_docs_s"] = nd / f["replicate_ms"] * 1e3;
  return f;
}

// The unit of a figure, from its key's ending (doc_workload.js's naming).
std::string Unit(const std::string& key) {
  auto ends = [&](std::string_view tail) { return key.ends_with(tail); };
  if (ends("_ops_s") || ends("_docs_s")) return ends("_ops_s") ? "ops/s" : "docs/s";
  if (ends("_ms")) return "ms";
  if (ends("_mb")) return "MiB";
  if (ends("_written") || ends("_fetched")) return "docs";
  return "bytes";
}

struct Config {
  std::vector<uint64_t> sizes;
  int reps = 3;
  uint32_t seed = 42;
  bool quick = false;
};

int Main(int argc, char** argv) {
  SetBenchProgram("doc_bench");
  Config config;
  DatabaseDir dirs;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      config.quick = true;
    } else if (std::strcmp(argv[i], "--n") == 0) {
      config.sizes.push_back(ParseCount("--n", i + 1 < argc ? argv[++i] : nullptr));
      if (config.sizes.back() < kChanged) Fail("--n must be at least 100");
    } else if (std::strcmp(argv[i], "--reps") == 0) {
      config.reps = static_cast<int>(ParseCount("--reps", i + 1 < argc ? argv[++i] : nullptr));
    } else if (std::strcmp(argv[i], "--seed") == 0) {
      config.seed = static_cast<uint32_t>(ParseCount("--seed", i + 1 < argc ? argv[++i] : nullptr));
    } else if (!dirs.ParseFlag(argc, argv, &i)) {
      std::fprintf(stderr,
                   "usage: doc_bench [--quick] [--n N]... [--reps R] [--seed S] [--dir DIR] [--keep]\n");
      return 2;
    }
  }
  if (config.sizes.empty()) config.sizes = config.quick ? std::vector<uint64_t>{1000} : std::vector<uint64_t>{100'000, 10'000};
  if (config.quick) config.reps = 1;
  WarnIfNotRelease();
  const fs::path& root = dirs.Create();

  Reporter out;
  std::vector<std::string> made;
  for (uint64_t n : config.sizes) {
    std::map<std::string, std::vector<double>> samples;
    for (int r = 0; r < config.reps; ++r) {
      const uint32_t seed = config.seed + static_cast<uint32_t>(r);
      std::string sub = "n";
      sub.append(std::to_string(n)).append("-seed").append(std::to_string(seed));
      std::fprintf(stderr, "doc_bench: N=%llu, seed %u\n", static_cast<unsigned long long>(n), seed);
      made.push_back(sub);
      for (const auto& [key, value] : RunOnce(n, seed, root / sub)) samples[key].push_back(value);
    }
    for (const auto& [key, values] : samples) {
      std::string name = "docs_";
      name.append(std::to_string(n)).append("_").append(key);
      out.Report({name, Median(values), Unit(key),
                  "pouchdb (bench/report.py)", 0});
    }
  }
  std::vector<const char*> subdirs;
  for (const std::string& s : made) subdirs.push_back(s.c_str());
  dirs.Remove(subdirs);
  std::fprintf(stderr, "\ndoc_bench%s: medians of %d run(s) per N\n\n", config.quick ? " --quick" : "",
               config.reps);
  out.PrintTable(stderr);
  return 0;
}

}  // namespace
}  // namespace crdtdb::bench

int main(int argc, char** argv) { return crdtdb::bench::Main(argc, argv); }
