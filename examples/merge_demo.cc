// Copyright (c) crdtdb authors.
//
// merge_demo: three replicas of one document make concurrent edits, exchange their deltas in
// different orders and still end in the same state. It uses only the CRDT core (src/crdt): no
// storage and no network, just values passed by hand. Timestamps come from fixed physical times,
// so the output is the same on every run.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "crdt/codec.h"
#include "crdt/digest.h"
#include "crdt/document.h"
#include "crdt/hlc.h"
#include "crdt/json_input.h"
#include "crdt/materialize.h"
#include "crdt/mutators.h"

namespace crdt = crdtdb::crdt;

namespace {

constexpr uint64_t kStartMs = 1'700'000'000'000;  // a fixed "now": 2023-11-14T22:13:20Z

// Reports a failed mutator and exits; the demo's inputs are fixed, so this would be a bug.
template <typename T>
T Must(crdtdb::Result<T> result, const char* what) {
  if (!result.ok()) {
    std::fprintf(stderr, "merge_demo: %s: %s\n", what, result.status().ToString().c_str());
    std::exit(2);
  }
  return std::move(result).value();
}

crdt::Json JsonObject(const char* text) { return Must(crdt::ParseJsonObject(text), text); }

// One region's copy of the document, its clock, and the deltas it made that the others have not
// seen yet.
struct Replica {
  const char* name;
  crdt::ReplicaId id;
  crdt::HybridClock clock{};
  crdt::Document doc{};
  std::vector<crdt::Document> outbox{};

  crdt::WriteStamp Stamp(uint64_t offset_ms) { return {id, clock.Now(kStartMs + offset_ms)}; }

  // Joins a delta made here into the local state and queues it for the other replicas.
  void Commit(crdtdb::Result<crdt::Document> delta, const char* what) {
    crdt::Document d = Must(std::move(delta), what);
    doc.ApplyDelta(d);
    outbox.push_back(std::move(d));
    std::printf("  %-8s %s\n", name, what);
  }
};

std::string Describe(crdt::Timestamp ts) {
  return "t+" + std::to_string(crdt::PhysicalMs(ts) - kStartMs) + " ms (logical " +
         std::to_string(crdt::Logical(ts)) + ")";
}

std::string DigestHex(const crdt::Document& doc) {
  return crdt::DigestOf(crdt::EncodeDocument(doc)).ToHex();
}

}  // namespace

int main() {
  Replica us{"us-east", 1};
  Replica eu{"eu-west", 2};
  Replica ap{"ap-south", 3};

  std::printf("1. us-east creates the document and the others apply its deltas.\n");
  us.Commit(crdt::PutDelta(us.doc, JsonObject(R"({"title": "Draft", "summary": "todo",
                                                  "meta": {"author": "ana", "lang": "en"}})"),
                           us.Stamp(0)),
            "put {title, summary, meta}");
  us.Commit(crdt::IncrementDelta(us.doc, {"views"}, 1, us.Stamp(1)), "views += 1");
  for (Replica* r : {&eu, &ap}) {
    for (const crdt::Document& d : us.outbox) r->doc.ApplyDelta(d);
    r->clock.Observe(us.clock.last());  // a replica's clock never falls behind what it has seen
  }
  us.outbox.clear();
  std::printf("  shared:  %s\n\n", crdt::ToJson(us.doc).dump().c_str());

  std::printf("2. Concurrent edits, while the replicas cannot see each other:\n");
  const crdt::WriteStamp us_title = us.Stamp(2000);
  us.Commit(crdt::SetFieldDelta(us.doc, {"title"}, "CRDTs in practice", us_title),
            "title = \"CRDTs in practice\"");
  us.Commit(crdt::IncrementDelta(us.doc, {"views"}, 3, us.Stamp(2001)), "views += 3");

  const crdt::WriteStamp eu_title = eu.Stamp(2040);  // a little later on the eu-west clock
  eu.Commit(crdt::SetFieldDelta(eu.doc, {"title"}, "CRDTs, explained", eu_title),
            "title = \"CRDTs, explained\"");
  eu.Commit(crdt::IncrementDelta(eu.doc, {"views"}, 5, eu.Stamp(2041)), "views += 5");
  eu.Commit(
      crdt::SetFieldDelta(eu.doc, {"summary"}, "Merging without coordination", eu.Stamp(2042)),
      "summary = \"Merging without coordination\"");

  ap.Commit(crdt::PatchDelta(ap.doc, JsonObject(R"({"meta": {"reviewed": true}})"), ap.Stamp(1990)),
            "patch {\"meta\": {\"reviewed\": true}}");
  ap.Commit(crdt::RemoveFieldDelta(ap.doc, {"summary"}), "remove summary");
  std::printf("  title timestamps: us-east %s, eu-west %s\n\n",
              Describe(us_title.timestamp).c_str(), Describe(eu_title.timestamp).c_str());

  std::printf("3. Deltas are exchanged in different orders, batched and duplicated:\n");
  // us-east: eu-west's deltas first, then ap-south's, each in the order they were made.
  for (const Replica* from : {&eu, &ap}) {
    for (const crdt::Document& d : from->outbox) us.doc.ApplyDelta(d);
  }
  std::printf("  us-east  eu-west's deltas, then ap-south's\n");
  // eu-west: ap-south's first, then us-east's, each newest first.
  for (const Replica* from : {&ap, &us}) {
    for (auto it = from->outbox.rbegin(); it != from->outbox.rend(); ++it) eu.doc.ApplyDelta(*it);
  }
  std::printf("  eu-west  ap-south's deltas, then us-east's, newest first\n");
  // ap-south: one delta group of everything, delivered twice (a retransmission).
  crdt::Document group;
  for (const Replica* from : {&us, &eu}) {
    for (const crdt::Document& d : from->outbox) group.MergeDelta(d);
  }
  ap.doc.ApplyDelta(group);
  ap.doc.ApplyDelta(group);
  std::printf("  ap-south one delta group of all the others' deltas, applied twice\n\n");

  std::printf("4. Result on each replica:\n");
  bool converged = true;
  for (const Replica* r : {&us, &eu, &ap}) {
    std::printf("  %-8s %s\n", r->name, crdt::ToJson(r->doc).dump().c_str());
    std::printf("           conflicts %s\n", crdt::Conflicts(r->doc).dump().c_str());
    std::printf("           digest    %s\n", DigestHex(r->doc).c_str());
    converged = converged && r->doc == us.doc && DigestHex(r->doc) == DigestHex(us.doc);
  }
  // The explanation below describes this outcome; check it is the one we got.
  const crdt::Json expected = JsonObject(
      R"({"meta": {"author": "ana", "lang": "en", "reviewed": true}, "views": 9,
          "summary": "Merging without coordination", "title": "CRDTs, explained"})");

  std::printf(
      "\nWhy:\n"
      "  title    both writes survive as a multi-value register (see conflicts); reads show the\n"
      "           highest hybrid-logical-clock timestamp, eu-west's, on every replica.\n"
      "  views    a counter: increments add up, 1 + 3 + 5 = 9, whatever the order.\n"
      "  meta     the patch touched only meta/reviewed; author and lang stay.\n"
      "  summary  the remove deleted only the value ap-south had seen (\"todo\"); eu-west's\n"
      "           concurrent update was unseen, so it survives (update wins over remove).\n\n");

  if (!converged) {
    std::printf("FAILED: the replicas did not converge\n");
    return 1;
  }
  if (crdt::ToJson(us.doc) != expected) {
    std::printf("FAILED: the replicas converged, but not to %s\n", expected.dump().c_str());
    return 1;
  }
  std::printf("OK: all three replicas hold the same state (equal documents and digests)\n");
  return 0;
}
