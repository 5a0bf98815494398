// Copyright (c) crdtdb authors.
//
// The replicas the protocol fuzz targets (and the seeds made for them) run against: small
// in-memory FakeReplicas (tests/sync/fake_replica.h) with real states, so that what a fuzzer
// fetches from them also decodes.

#ifndef CRDTDB_FUZZ_FAKE_REPLICAS_H_
#define CRDTDB_FUZZ_FAKE_REPLICAS_H_

#include <string>
#include <vector>

#include "crdt/digest.h"
#include "tests/sync/fake_replica.h"

namespace crdtdb::fuzz {

// Replica 1: documents k0..k9, and a log of 20 deltas of which sequences 1..4 left (retention).
inline testing::FakeReplica MakeLocal() {
  testing::FakeReplica local(1);
  for (int i = 0; i < 10; ++i) {
    local.AddDocument("k" + std::to_string(i), testing::ValidState("f" + std::to_string(i)));
  }
  for (int i = 0; i < 20; ++i) {
    local.AppendLog("k" + std::to_string(i % 10), testing::ValidDelta("f" + std::to_string(i)));
  }
  local.DropLogBefore(5);
  return local;
}

// Replica 2, the peer: k0..k4 as the local has them, k5..k9 in another state, and p0..p9 that
// the local lacks.
inline testing::FakeReplica MakePeer() {
  testing::FakeReplica peer(2);
  for (int i = 0; i < 10; ++i) {
    const std::string n = std::to_string(i);
    peer.AddDocument("k" + n, testing::ValidState(i < 5 ? "f" + n : "g" + n));
    peer.AddDocument("p" + n, testing::ValidState("f" + n));
  }
  return peer;
}

// Every document of MakeLocal and MakePeer as a leaf entry (key and digest), the local ones first:
// k0..k9 of the local, then k5..k9 and p0..p9 of the peer. Leaves name documents by the
// fingerprint of their entry in the round's session (sync::EntryFingerprint, 32 bits of the
// entry's hash through a window chosen by session % 4), which a fuzzer cannot guess; the targets
// and seeds use these, with the session of the message or round, to name real ones.
inline std::vector<sync::LeafEntry> KnownDocuments() {
  const testing::FakeReplica local = MakeLocal();
  const testing::FakeReplica peer = MakePeer();
  std::vector<sync::LeafEntry> out;
  auto add = [&](const testing::FakeReplica& replica, const std::string& key) {
    Result<std::optional<std::string>> state = replica.ReadState(key);
    if (state.ok() && state->has_value())
      out.push_back(sync::LeafEntry{key, crdt::DigestOf(**state)});
  };
  for (int i = 0; i < 10; ++i) add(local, "k" + std::to_string(i));
  for (int i = 5; i < 10; ++i) add(peer, "k" + std::to_string(i));
  for (int i = 0; i < 10; ++i) add(peer, "p" + std::to_string(i));
  return out;
}

}  // namespace crdtdb::fuzz

#endif  // CRDTDB_FUZZ_FAKE_REPLICAS_H_
