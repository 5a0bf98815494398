// Copyright (c) crdtdb authors.
//
// Store::DropBuckets: the removal of a partition's documents from a node that handed it off
// (docs/sharding.md), and the record of dropped bucket ranges that lets the delta log tell a
// document that was dropped from one that was lost (docs/storage.md, "Dropping buckets").
//
// Why a record: the delta log keeps some entries by reference to their document's state, and
// before drops existed a reference to a missing document could only mean damage (documents are
// never removed otherwise: a delete keeps a tombstone, and repair starts a new epoch, which
// empties the log). The record keeps that check for every document no drop can explain: an entry
// reads as gone only if its bucket was dropped after it was logged (its sequence is at most the
// drop's). A range stops mattering once the log holds no entry that old, so each drop prunes the
// ranges the log has passed and those its own range covers; what is left is at most one range per
// partition dropped within the log's retention, and kMaxDroppedRanges bounds it in any case.

#include <algorithm>
#include <map>
#include <memory>
#include <string>

#include "store/document_record.h"
#include "store/key_schema.h"
#include "store/store_impl.h"

namespace crdtdb::store {

namespace {

constexpr char kDroppedRecordVersion = 1;
constexpr size_t kDroppedRangeBytes = 16;
// Past it, the ranges collapse into one over every bucket with the newest sequence: that reads as
// gone every missing reference it covers, which loses detection of damage, never data.
constexpr size_t kMaxDroppedRanges = 4'096;

}  // namespace

Status Store::Impl::LoadDroppedRanges() {
  Result<std::optional<std::string>> record = ReadMeta(kMetaDropped);
  if (!record.ok()) return record.status();
  if (!record->has_value()) return Status::OK();
  const std::string_view bytes = **record;
  if (bytes.empty() || bytes[0] != kDroppedRecordVersion) {
    return Status::Corruption("metadata record dropped has an unknown version");
  }
  if ((bytes.size() - 1) % kDroppedRangeBytes != 0) {
    return Status::Corruption("metadata record dropped is malformed");
  }
  std::vector<DroppedRange> ranges;
  for (size_t at = 1; at < bytes.size(); at += kDroppedRangeBytes) {
    const DroppedRange r{ReadBigEndian32(bytes.substr(at)), ReadBigEndian32(bytes.substr(at + 4)),
                         ReadBigEndian64(bytes.substr(at + 8))};
    if (r.first > r.last || r.last >= merkle::kLeafCount) {
      return Status::Corruption("metadata record dropped holds an invalid bucket range");
    }
    ranges.push_back(r);
  }
  std::lock_guard lock(mu_);
  dropped_ = std::move(ranges);
  return Status::OK();
}

bool Store::Impl::Dropped(std::string_view key, uint64_t sequence) const {
  const uint32_t bucket = merkle::BucketOf(key);
  std::lock_guard lock(mu_);
  return std::any_of(dropped_.begin(), dropped_.end(), [&](const DroppedRange& r) {
    return r.first <= bucket && bucket <= r.last && sequence <= r.sequence;
  });
}

Result<uint64_t> Store::Impl::OldestLogSequence() const {
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ReadOpts()));
  it->Seek(std::string(1, kDeltaLogPrefix));
  if (it->Valid() && it->key().size() == 9 && it->key()[0] == kDeltaLogPrefix) {
    return ReadBigEndian64(std::string_view(it->key().data() + 1, 8));
  }
  if (Status s = FromLevelDb(it->status(), "reading the delta log"); !s.ok()) return NoteRead(s);
  return metadata().sequence + 1;
}

Result<uint64_t> Store::Impl::DropBuckets(uint32_t first, uint32_t last, const DroppedIndexEntries& index_entries,
                                          const KeptOnDrop& keep) {
  if (first > last || last >= merkle::kLeafCount) {
    return Status::InvalidArgument("no bucket range " + std::to_string(first) + ".." + std::to_string(last));
  }
  {
    std::lock_guard lock(mu_);
    if (options_.read_only) return Status::IOError("the store " + options_.path + " is open read-only");
    if (!health_error_.empty()) return Status::IOError("store refuses writes after a failure: " + health_error_);
  }
  Result<uint64_t> oldest = OldestLogSequence();
  if (!oldest.ok()) return oldest.status();
  std::vector<DroppedRange> ranges;
  {
    std::lock_guard lock(mu_);
    for (const DroppedRange& r : dropped_) {
      const bool passed = r.sequence < *oldest;  // the log holds no entry it could explain
      const bool covered = first <= r.first && r.last <= last;  // the new range explains more
      if (!passed && !covered) ranges.push_back(r);
    }
    ranges.push_back(DroppedRange{first, last, meta_.sequence});
  }
  if (ranges.size() > kMaxDroppedRanges) {
    ranges = {DroppedRange{0, merkle::kLeafCount - 1, ranges.back().sequence}};
  }
  std::string record(1, kDroppedRecordVersion);
  for (const DroppedRange& r : ranges) {
    AppendBigEndian32(&record, r.first);
    AppendBigEndian32(&record, r.last);
    AppendBigEndian64(&record, r.sequence);
  }

  // Bucket keys sort by bucket (big-endian), so the range is one run of keys.
  std::string from = BucketPrefix(first);
  const std::string end =
      last + 1 < merkle::kLeafCount ? BucketPrefix(last + 1) : std::string(1, kBucketPrefix + 1);
  // The record lands with the first chunk, and readers learn the ranges before it lands: whoever
  // finds a document missing also finds why.
  leveldb::WriteBatch with_record;
  with_record.Put(MetaKey(kMetaDropped), record);
  {
    std::lock_guard lock(mu_);
    dropped_ = std::move(ranges);
  }
  uint64_t removed = 0;
  bool first_chunk = true;
  while (from < end) {
    Result<uint64_t> chunk =
        DropChunk(&from, end, first_chunk ? with_record : leveldb::WriteBatch(), index_entries, keep);
    if (!chunk.ok()) return chunk.status();
    removed += *chunk;
    first_chunk = false;
  }
  return removed;
}

Result<uint64_t> Store::Impl::DropChunk(std::string* from, const std::string& end,
                                        const leveldb::WriteBatch& extra,
                                        const DroppedIndexEntries& index_entries, const KeptOnDrop& keep) {
  leveldb::WriteBatch batch = extra;
  std::vector<IndexChange> index_changes;
  std::map<uint32_t, merkle::Hash> leaf_changes;  // pending XOR per Merkle leaf
  uint64_t documents = 0, live = 0;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ReadOpts()));
  for (it->Seek(*from); it->Valid() && it->key().compare(end) < 0; it->Next()) {
    if (documents == options_.drop_chunk_documents) break;
    const std::string_view key(it->key().data(), it->key().size());
    if (key.size() < 6) return NoteRead(Status::Corruption("malformed Merkle bucket key"));
    const uint32_t bucket = ReadBigEndian32(key.substr(1));
    const std::string_view doc_key = key.substr(5);
    if (keep && keep(doc_key)) continue;
    Result<BucketEntry> entry = DecodeBucketEntry(std::string_view(it->value().data(), it->value().size()));
    if (!entry.ok()) return NoteRead(entry.status().WithContext("document /" + std::string(doc_key)));
    if (!entry->live) {  // written by a format-1 store: the document itself says
      Result<std::optional<StoredDocument>> doc = Read(doc_key);
      if (!doc.ok()) return doc.status();
      entry->live = doc->has_value() && (*doc)->state.live();
    }
    if (index_entries) {
      Result<std::optional<StoredDocument>> doc = Read(doc_key);
      if (!doc.ok()) return doc.status();
      if (doc->has_value()) index_entries(doc_key, (*doc)->state, &index_changes);
    }
    batch.Delete(it->key());
    batch.Delete(DocumentKey(doc_key));
    merkle::Hash& pending = leaf_changes[bucket];
    pending = merkle::Xor(pending, merkle::Contribution(doc_key, entry->digest));
    ++documents;
    live += *entry->live ? 1 : 0;
  }
  if (Status s = FromLevelDb(it->status(), "reading the buckets to drop"); !s.ok()) return NoteRead(s);
  *from = it->Valid() && it->key().compare(end) < 0 ? it->key().ToString() : end;
  if (documents == 0) return uint64_t{0};  // nothing to drop: the record is not worth a write
  for (IndexChange& c : index_changes) batch.Delete(c.key);

  leveldb::WriteOptions wo;
  wo.sync = options_.sync_writes;
  if (leveldb::Status s = db_->Write(wo, &batch); !s.ok()) {
    RefuseWrites(s.ToString());  // as a failed Commit: LevelDB's state after it is unknown
    return FromLevelDb(s, "dropping documents");
  }
  std::lock_guard lock(mu_);
  for (const auto& [bucket, change] : leaf_changes) {
    tree_.Toggle(bucket, change);
    stale_leaves_.set(bucket);
  }
  meta_.live_documents -= live;
  return documents;
}

Result<uint64_t> Store::DropBuckets(uint32_t first, uint32_t last, const DroppedIndexEntries& index_entries,
                                    const KeptOnDrop& keep) {
  return impl_->DropBuckets(first, last, index_entries, keep);
}

}  // namespace crdtdb::store
