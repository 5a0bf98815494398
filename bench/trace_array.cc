// Copyright (c) crdtdb authors.

#include "trace_array.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <set>
#include <string>
#include <vector>

#include "bench_fail.h"
#include "crdt/codec.h"
#include "crdt/delta_since.h"
#include "crdt/document.h"
#include "crdt/list_mutators.h"
#include "crdt/materialize.h"
#include "crdt/mutators.h"
#include "mulberry32.h"

namespace crdtdb::bench {

namespace {

namespace crdt = crdtdb::crdt;
using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

constexpr size_t kReplicas = 3;
const crdt::FieldPath kItems{"items"};

double MsSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }
double CpuMsSince(std::clock_t start) { return 1000.0 * static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC; }

struct Replica {
  crdt::Document doc;
  crdt::WriteStamp stamp;

  crdt::WriteStamp Next() {
    ++stamp.timestamp;
    return stamp;
  }
  void Apply(Result<crdt::Document> delta, const char* what) {
    if (!delta.ok()) Fail(std::string(what) + ": " + delta.status().ToString());
    doc.ApplyDelta(*delta);
  }
};

std::vector<std::string> Ids(const crdt::Document& doc) {
  const Json shown = crdt::ToJson(doc);
  std::vector<std::string> ids;
  for (const Json& item : shown["items"]) ids.push_back(item["id"].get<std::string>());
  return ids;
}

// Replica 0 receives what each other one has, then each receives what replica 0 has; returns
// the encoded bytes shipped.
size_t MergeAll(std::vector<Replica>& replicas) {
  size_t bytes = 0;
  auto ship = [&bytes](const crdt::Document& from, crdt::Document& to) {
    const crdt::Document delta = crdt::DeltaSince(from, to.context());
    bytes += crdt::EncodeDelta(delta).size();
    to.Join(delta);
  };
  for (size_t k = 1; k < replicas.size(); ++k) ship(replicas[k].doc, replicas[0].doc);
  for (size_t k = 1; k < replicas.size(); ++k) ship(replicas[0].doc, replicas[k].doc);
  return bytes;
}

}  // namespace

Json RunArrayWorkload(uint32_t seed, size_t items_count, size_t moves, size_t removes) {
  static const char* kWords[] = {"buy", "milk", "call", "plan", "review", "draft", "send", "report", "fix", "bug"};
  Mulberry32 rand(seed);
  std::vector<Json> items;
  for (size_t i = 0; i < items_count; ++i) {
    std::string title = "Item " + std::to_string(i) + ":";
    while (title.size() < 40) title += std::string(" ") + kWords[rand.Below(std::size(kWords))];
    const bool done = rand() < 0.3;
    items.push_back({{"id", "item-" + std::to_string(i)}, {"title", title}, {"done", done}, {"n", rand.Below(1000)}});
  }
  std::vector<size_t> picked;
  std::set<size_t> seen;
  while (picked.size() < moves + removes) {
    const size_t i = rand.Below(items_count);
    if (seen.insert(i).second) picked.push_back(i);
  }
  // The list exists on every replica before the workload, as Automerge's does.
  Result<crdt::Document> base = crdt::PutDelta(crdt::Document(), Json{{"items", Json::array()}}, {0xff, 1});
  if (!base.ok()) Fail(base.status().ToString());
  std::vector<Replica> replicas;
  for (size_t k = 0; k < kReplicas; ++k) replicas.push_back({*base, crdt::WriteStamp{0xa0 + k, 1}});

  // A smaller run is not the peers' workload: named apart, so the report does not pair it.
  Json r = {{"workload", items_count == 10000 ? "array" : "array-small"}, {"lib", "crdtdb"}, {"seed", seed}};
  const auto start = Clock::now();
  const std::clock_t cpu_start = std::clock();
  auto t = Clock::now();
  std::clock_t cpu = std::clock();
  for (size_t k = 0; k < kReplicas; ++k) {
    size_t size = 0;
    for (size_t i = k; i < items_count; i += kReplicas) {
      Replica& rep = replicas[k];
      rep.Apply(crdt::ListInsertDelta(rep.doc, kItems, size++, Json::array({items[i]}), rep.Next()), "append");
    }
  }
  r["append_ms"] = MsSince(t);
  r["append_cpu_ms"] = CpuMsSince(cpu);
  t = Clock::now();
  cpu = std::clock();
  MergeAll(replicas);
  r["merge1_ms"] = MsSince(t);
  r["merge1_cpu_ms"] = CpuMsSince(cpu);
  std::vector<std::vector<std::string>> mirrors;
  for (const Replica& rep : replicas) {
    mirrors.push_back(Ids(rep.doc));
    if (mirrors.back().size() != items_count) {
      Fail("array: the first merge holds " + std::to_string(mirrors.back().size()) + " items, not " +
           std::to_string(items_count));
    }
  }
  Mulberry32 target(seed + 1);
  t = Clock::now();
  cpu = std::clock();
  for (size_t j = 0; j < picked.size(); ++j) {
    Replica& rep = replicas[j % kReplicas];
    std::vector<std::string>& mirror = mirrors[j % kReplicas];
    const std::string id = "item-" + std::to_string(picked[j]);
    const size_t from = static_cast<size_t>(std::find(mirror.begin(), mirror.end(), id) - mirror.begin());
    mirror.erase(mirror.begin() + static_cast<std::ptrdiff_t>(from));
    Result<crdt::Document> removed = crdt::ListRemoveDelta(rep.doc, kItems, from, 1);
    if (j >= moves) {
      rep.Apply(std::move(removed), "remove");
      continue;
    }
    // A move: the remove, then the insert of a copy (as a JSON Patch "move" makes them).
    const size_t to = target.Below(mirror.size() + 1);
    if (!removed.ok()) Fail("move: " + removed.status().ToString());
    rep.doc.ApplyDelta(*removed);
    Result<crdt::Document> inserted = crdt::ListInsertDelta(rep.doc, kItems, to, Json::array({items[picked[j]]}), rep.Next());
    if (!inserted.ok()) Fail("move: " + inserted.status().ToString());
    rep.doc.ApplyDelta(*inserted);
    mirror.insert(mirror.begin() + static_cast<std::ptrdiff_t>(to), id);
  }
  r["edit_ms"] = MsSince(t);
  r["edit_cpu_ms"] = CpuMsSince(cpu);
  for (size_t k = 0; k < kReplicas; ++k) {
    if (Ids(replicas[k].doc) != mirrors[k]) Fail("array: a replica's order is not its own edits'");
  }
  t = Clock::now();
  cpu = std::clock();
  r["merge_bytes"] = MergeAll(replicas);
  r["merge_ms"] = MsSince(t);
  r["merge_cpu_ms"] = CpuMsSince(cpu);
  r["total_ms"] = MsSince(start);
  r["total_cpu_ms"] = CpuMsSince(cpu_start);
  const std::string encoded = crdt::EncodeDocument(replicas[0].doc);
  for (const Replica& rep : replicas) {
    if (crdt::EncodeDocument(rep.doc) != encoded) Fail("array: the replicas differ after the merge");
  }
  const std::vector<std::string> ids = Ids(replicas[0].doc);
  std::set<std::string> unique(ids.begin(), ids.end());
  bool any_removed = false;
  for (size_t j = moves; j < picked.size(); ++j) any_removed |= unique.count("item-" + std::to_string(picked[j])) > 0;
  if (ids.size() != items_count - removes || unique.size() != ids.size() || any_removed) {
    Fail("array: the merged list is not the expected items once each");
  }
  r["items"] = ids.size();
  r["encoded_bytes"] = encoded.size();
  return r;
}

}  // namespace crdtdb::bench
