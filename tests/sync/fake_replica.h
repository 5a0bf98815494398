// Copyright (c) crdtdb authors.
//
// An in-memory LocalReplica for unit tests of the protocol state machines: a delta log, a Merkle
// tree and a map of document states, with no store underneath. ApplyRemote records what it is
// given (and fails with `apply_status` when that is set, for `fail_key` only if that is set) and
// says each update changed its document (unless `apply_changes_nothing`); it does not change the
// tree.

#ifndef CRDTDB_TESTS_SYNC_FAKE_REPLICA_H_
#define CRDTDB_TESTS_SYNC_FAKE_REPLICA_H_

#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "crdt/codec.h"
#include "crdt/digest.h"
#include "crdt/mutators.h"
#include "merkle/merkle_tree.h"
#include "sync/local_replica.h"

namespace crdtdb::testing {

class FakeReplica : public sync::LocalReplica {
 public:
  explicit FakeReplica(crdt::ReplicaId id) : id_(id) {}

  // A document this replica holds, with an opaque state (only its digest matters to the tree);
  // replaces the state it held before, if any.
  void AddDocument(const std::string& key, std::string state) {
    const crdt::Digest digest = crdt::DigestOf(state);
    if (auto it = documents_.find(key); it != documents_.end()) {
      tree_.Toggle(merkle::BucketOf(key), merkle::Contribution(key, it->second.first));
    }
    tree_.Toggle(merkle::BucketOf(key), merkle::Contribution(key, digest));
    documents_[key] = {digest, std::move(state)};
  }
  void AppendLog(std::string key, std::string delta) {
    log_.push_back(sync::LoggedDelta{++last_sequence_, std::move(key), std::move(delta)});
  }
  // Stream epoch `epoch` (docs/storage.md): sequences continue above epoch << kEpochShift.
  void StartEpoch(uint64_t epoch) { last_sequence_ = std::max(last_sequence_, epoch << crdt::kEpochShift); }
  // Retention: the log keeps only sequences from `first` on (last_sequence stays).
  void DropLogBefore(uint64_t first) {
    while (!log_.empty() && log_.front().sequence < first) log_.erase(log_.begin());
  }

  Status apply_status;
  std::string fail_key;  // with apply_status: only this document fails (empty: every one)
  // Says that every update it applies changed nothing: an honest answer when this replica holds
  // more than it is given, a broken apply path otherwise.
  bool apply_changes_nothing = false;
  std::vector<sync::RemoteUpdate> applied;

  crdt::ReplicaId replica_id() const override { return id_; }
  uint64_t last_sequence() const override { return last_sequence_; }
  merkle::Hash merkle_root() const override { return tree_.root(); }
  merkle::Hash merkle_node(merkle::NodeId id) const override { return tree_.node(id); }
  std::vector<merkle::Hash> merkle_children(merkle::NodeId id) const override {
    return tree_.children(id);
  }

  // Records each byte budget it is given, and keeps to it as the store does.
  Result<std::vector<sync::LoggedDelta>> ReadLog(uint64_t from, size_t max,
                                                 size_t max_bytes) const override {
    log_budgets.push_back(max_bytes);
    std::vector<sync::LoggedDelta> out;
    size_t bytes = 0;
    for (const sync::LoggedDelta& d : log_) {
      if (out.size() == max) break;
      if (d.sequence < from) continue;
      bytes += d.key.size() + d.delta.size();
      if (!out.empty() && bytes > max_bytes) break;
      out.push_back(d);
    }
    return out;
  }
  mutable std::vector<size_t> log_budgets;
  Result<std::vector<sync::LeafEntry>> ReadLeaf(uint32_t bucket) const override {
    std::vector<sync::LeafEntry> out;  // documents_ is sorted by key
    for (const auto& [key, doc] : documents_) {
      if (merkle::BucketOf(key) == bucket) out.push_back(sync::LeafEntry{key, doc.first});
    }
    return out;
  }
  Result<std::optional<std::string>> ReadState(const std::string& key) const override {
    auto it = documents_.find(key);
    if (it == documents_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second.second);
  }
  // The catalog is the documents under "_indexes/", as the database's.
  bool InCatalog(std::string_view key) const override { return key.starts_with("_indexes/"); }
  Result<std::vector<sync::DocumentState>> ReadCatalog(std::string_view after, size_t max) const override {
    std::vector<sync::DocumentState> out;
    for (auto it = documents_.upper_bound(std::string(after)); it != documents_.end() && out.size() < max; ++it) {
      if (InCatalog(it->first)) out.push_back(sync::DocumentState{it->first, it->second.second});
    }
    return out;
  }
  std::optional<uint64_t> StreamProgress(crdt::ReplicaId origin) const override {
    auto it = progress.find(origin);
    return it == progress.end() ? std::nullopt : std::optional(it->second);
  }
  void SaveStreamProgress(crdt::ReplicaId origin, uint64_t sequence) override { progress[origin] = sequence; }
  void OnOwnStreamAcknowledged(const std::string&, uint64_t sequence) override {
    highest_acknowledged = std::max(highest_acknowledged, sequence);
  }
  uint64_t highest_acknowledged = 0;
  std::map<crdt::ReplicaId, uint64_t> progress;

  // Removes the documents of those buckets and their contributions; leaves the log as it is.
  Result<uint64_t> DropBuckets(uint32_t first, uint32_t last) override {
    if (first > last || last >= merkle::kLeafCount) return Status::InvalidArgument("no such bucket range");
    uint64_t removed = 0;
    for (auto it = documents_.begin(); it != documents_.end();) {
      const uint32_t bucket = merkle::BucketOf(it->first);
      if (bucket < first || bucket > last) {
        ++it;
        continue;
      }
      tree_.Toggle(bucket, merkle::Contribution(it->first, it->second.first));
      it = documents_.erase(it);
      ++removed;
    }
    return removed;
  }

  sync::ApplyResult ApplyRemote(std::vector<sync::RemoteUpdate> updates) override {
    sync::ApplyResult result;
    for (sync::RemoteUpdate& u : updates) {
      const bool fails = !apply_status.ok() && (fail_key.empty() || u.key == fail_key);
      result.updates.push_back(fails ? apply_status : Status::OK());
      result.changed.push_back(!fails && !apply_changes_nothing);
      if (!fails) applied.push_back(std::move(u));
    }
    return result;
  }

 private:
  crdt::ReplicaId id_;
  uint64_t last_sequence_ = 0;
  std::vector<sync::LoggedDelta> log_;
  merkle::MerkleTree tree_;
  std::map<std::string, std::pair<crdt::Digest, std::string>> documents_;
};

// A real delta and a real state (a document {field: 1} written by replica 2), for the code paths
// that decode what they receive.
inline crdt::Document PutOf(const std::string& field) {
  Result<crdt::Document> delta = crdt::PutDelta(crdt::Document(), crdt::Json{{field, 1}},
                                                crdt::WriteStamp{2, 1'700'000'000'000});
  if (!delta.ok()) std::abort();
  return *delta;
}
inline std::string ValidDelta(const std::string& field) { return crdt::EncodeDelta(PutOf(field)); }
inline std::string ValidState(const std::string& field) {
  crdt::Document doc;
  doc.ApplyDelta(PutOf(field));
  return crdt::EncodeDocument(doc);
}

// The state of a document after replica 2 patched in `fields` one by one ({field: 1} each): the
// state of any prefix of `fields` is older than, and contained in, the state of the whole.
inline std::string StateAfterPatches(const std::vector<std::string>& fields) {
  crdt::Document doc;
  for (const std::string& field : fields) {
    Result<crdt::Document> delta =
        crdt::PatchDelta(doc, crdt::Json{{field, 1}}, crdt::WriteStamp{2, 1'700'000'000'000});
    if (!delta.ok()) std::abort();
    doc.ApplyDelta(*delta);
  }
  return crdt::EncodeDocument(doc);
}

}  // namespace crdtdb::testing

#endif  // CRDTDB_TESTS_SYNC_FAKE_REPLICA_H_
