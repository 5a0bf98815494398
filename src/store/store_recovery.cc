// Copyright (c) crdtdb authors.
//
// The state a store derives from its records instead of writing it in every commit:
//
// - The Merkle leaves and the counters. Every commit writes the records they are derived from
//   (document, bucket entry, delta-log entry) and keeps the derived values in memory only;
//   writing them too cost two more records per commit, about a quarter of a put's time. A clean
//   close checkpoints them; an open after an unclean close rebuilds them from the bucket entries
//   and the delta log, which every commit wrote atomically with its documents (docs/storage.md,
//   "Checkpoint and recovery").
// - The key filter (key_filter.h), filled by a scan of the bucket entries after every open.

#include <array>
#include <memory>
#include <string>

#include "store/document_record.h"
#include "store/key_schema.h"
#include "store/store_impl.h"

namespace crdtdb::store {

std::string EncodeCounters(const Metadata& m) {
  std::string counters;
  AppendBigEndian64(&counters, m.clock);
  AppendBigEndian64(&counters, m.sequence);
  AppendBigEndian64(&counters, m.live_documents);
  return counters;
}

Status Store::Impl::LoadCheckpoint() {
  std::string counters;
  leveldb::Status s = db_->Get(ReadOpts(), MetaKey(kMetaCounters), &counters);
  if (s.ok()) {
    if (counters.size() != 24) return Status::Corruption("metadata record counters is malformed");
    meta_.clock = ReadBigEndian64(counters);
    meta_.sequence = ReadBigEndian64(std::string_view(counters).substr(8));
    meta_.live_documents = ReadBigEndian64(std::string_view(counters).substr(16));
  } else if (!s.IsNotFound()) {
    return FromLevelDb(s, "reading metadata");
  }
  // O(buckets) to load, independent of the number of documents.
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ReadOpts()));
  const std::string prefix(1, kMerklePrefix);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    const uint32_t bucket = key.size() == 5 ? ReadBigEndian32(key.substr(1)) : merkle::kLeafCount;
    if (bucket >= merkle::kLeafCount) return Status::Corruption("malformed Merkle leaf key");
    Result<crdt::Digest> h = DecodeDigest(std::string_view(it->value().data(), it->value().size()));
    if (!h.ok()) return h.status().WithContext("Merkle leaf");
    tree_.SetNode(merkle::NodeId{merkle::kDepth, bucket}, *h);
  }
  tree_.RecomputeInnerNodes();
  return FromLevelDb(it->status(), "loading the Merkle tree");
}

Status Store::Impl::Recover() {
  // Leaves and live count from the bucket entries: one sequential scan, O(documents).
  std::vector<merkle::Hash> leaves(merkle::kLeafCount);
  uint64_t live = 0;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ReadOpts()));
  const std::string bucket_prefix(1, kBucketPrefix);
  for (it->Seek(bucket_prefix); it->Valid() && it->key().starts_with(bucket_prefix); it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    if (key.size() < 6) return Status::Corruption("malformed Merkle bucket key");
    const uint32_t bucket = ReadBigEndian32(key.substr(1));
    const std::string_view doc_key = key.substr(5);
    if (bucket != merkle::BucketOf(doc_key)) return Status::Corruption("Merkle bucket entry of " + std::string(doc_key) + " is in the wrong bucket");
    Result<BucketEntry> entry = DecodeBucketEntry(std::string_view(it->value().data(), it->value().size()));
    if (!entry.ok()) return entry.status().WithContext("document /" + std::string(doc_key));
    leaves[bucket] = merkle::Xor(leaves[bucket], merkle::Contribution(doc_key, entry->digest));
    if (!entry->live) {  // written by a format-1 store: the document itself says
      Result<std::optional<StoredDocument>> doc = Read(doc_key);
      if (!doc.ok()) return doc.status();
      entry->live = doc->has_value() && (*doc)->state.live();
    }
    live += *entry->live ? 1 : 0;
  }
  if (Status s = FromLevelDb(it->status(), "rebuilding the Merkle tree"); !s.ok()) return s;
  for (uint32_t bucket = 0; bucket < merkle::kLeafCount; ++bucket) {
    if (!(leaves[bucket] == tree_.node(merkle::NodeId{merkle::kDepth, bucket}))) stale_leaves_.set(bucket);
    tree_.SetNode(merkle::NodeId{merkle::kDepth, bucket}, leaves[bucket]);
  }
  tree_.RecomputeInnerNodes();
  meta_.live_documents = live;

  // The last sequence: the newest delta-log record, unless the checkpoint is newer (a new epoch
  // empties the log and writes its first sequence to the counters).
  const std::string log_end(1, static_cast<char>(kDeltaLogPrefix + 1));
  it->Seek(log_end);
  if (it->Valid()) {
    it->Prev();
  } else {
    it->SeekToLast();
  }
  if (it->Valid() && it->key().size() == 9 && it->key()[0] == kDeltaLogPrefix) {
    meta_.sequence = std::max(meta_.sequence, ReadBigEndian64(std::string_view(it->key().data() + 1, 8)));
  }
  // The clock is not rebuilt: it resumes from the checkpoint and the wall clock, whichever is
  // later. Timestamps only order concurrent writes (docs/crdt.md), so a clock that forgot a
  // peer's timestamp ahead of ours changes which of two concurrent values wins, never whether
  // replicas converge.
  return FromLevelDb(it->status(), "reading the delta log");
}

void Store::Impl::StartKeyFilterFill() {
  key_filter_fill_ = std::thread([this] { FillKeyFilter(); });
}

// Keys committed after the iterator's snapshot was taken were added by their commits, so when
// the scan ends the filter holds every key. If it fails, the filter stays unused.
void Store::Impl::FillKeyFilter() {
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ReadOpts()));
  const std::string prefix(1, kBucketPrefix);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (closing_.load(std::memory_order_relaxed)) return;
    if (it->key().size() > 5) key_filter_.Add(std::string_view(it->key().data() + 5, it->key().size() - 5));
  }
  if (it->status().ok()) key_filter_ready_.store(true, std::memory_order_release);
}

void Store::Impl::AddCheckpoint(leveldb::WriteBatch* batch) const {
  std::lock_guard lock(mu_);
  for (uint32_t bucket = 0; bucket < merkle::kLeafCount; ++bucket) {
    if (!stale_leaves_.test(bucket)) continue;
    const merkle::Hash& leaf = tree_.node(merkle::NodeId{merkle::kDepth, bucket});
    if (leaf == merkle::Hash{}) {
      batch->Delete(MerkleLeafKey(bucket));
    } else {
      batch->Put(MerkleLeafKey(bucket), EncodeDigest(leaf));
    }
  }
  batch->Put(MetaKey(kMetaCounters), EncodeCounters(meta_));
}

}  // namespace crdtdb::store
