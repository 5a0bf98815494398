// Copyright (c) crdtdb authors.
//
// Store::Verify: recomputes every document's digest, the bucket entries, the live count and the
// whole Merkle tree from the documents, and checks the delta log for holes and for references to
// documents that are missing and were not dropped (docs/storage.md), and the change log
// (change_log_verify.cc).

#include <functional>
#include <memory>
#include <string>

#include "store/document_record.h"
#include "store/key_schema.h"
#include "store/store_impl.h"

namespace crdtdb::store {

// A delta-log entry logged by reference needs its document, unless a drop of its bucket came
// after it (store_drop.cc).
void Store::Impl::CheckReference(const leveldb::ReadOptions& ro, uint64_t sequence, std::string_view value,
                                 const std::function<void(std::string)>& problem) const {
  if (value.size() < 4 || value.size() - 4 < ReadBigEndian32(value)) {
    problem("delta-log record " + std::to_string(sequence) + " is malformed");
    return;
  }
  const std::string_view key = value.substr(4, ReadBigEndian32(value));
  if (value.size() > 4 + key.size()) return;  // logged inline
  std::string ignored;
  leveldb::Status s = db_->Get(ro, DocumentKey(key), &ignored);
  if (s.IsNotFound() && !Dropped(key, sequence)) {
    problem("delta-log record " + std::to_string(sequence) + " refers to a missing document /" + std::string(key));
  } else if (!s.ok() && !s.IsNotFound()) {
    problem("delta-log record " + std::to_string(sequence) + ": " +
            NoteRead(FromLevelDb(s, "reading the document it refers to")).message());
  }
}

Result<StoreVerification> Store::Impl::Verify() const {
  StoreVerification report;
  merkle::MerkleTree rebuilt;
  uint64_t live = 0;
  // A snapshot, so documents, buckets and tree are read at one instant.
  const leveldb::Snapshot* snapshot = db_->GetSnapshot();
  leveldb::ReadOptions ro = ReadOpts();
  ro.snapshot = snapshot;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ro));
  auto problem = [&](std::string what) {
    if (report.problems.size() < 100) report.problems.push_back(std::move(what));
  };
  // A storage error ends the scan, and the checks that need all of it; it is reported as a
  // problem with what was checked before it, so that the report is printed for a damaged store.
  auto finish = [&]() -> StoreVerification {
    if (Status s = NoteRead(FromLevelDb(it->status(), "verifying")); !s.ok()) {
      problem("storage error after " + std::to_string(report.documents) +
              " document(s): " + s.message());
    }
    it.reset();
    db_->ReleaseSnapshot(snapshot);
    return std::move(report);
  };
  const std::string doc_prefix(1, kDocumentPrefix);
  for (it->Seek(doc_prefix); it->Valid() && it->key().starts_with(doc_prefix); it->Next()) {
    ++report.documents;
    const std::string key(it->key().data() + 1, it->key().size() - 1);
    Result<StoredDocument> doc = DecodeDocumentRecord(key, std::string_view(it->value().data(), it->value().size()));
    if (!doc.ok()) {
      problem(NoteRead(doc.status()).message());
      continue;
    }
    if (doc->state.live()) ++live;
    const uint32_t bucket = merkle::BucketOf(key);
    rebuilt.Toggle(bucket, merkle::Contribution(key, doc->digest));
    std::string leaf;
    leveldb::Status s = db_->Get(ro, BucketKey(bucket, key), &leaf);
    if (!s.ok() && !s.IsNotFound()) {
      problem("document " + key + ": " +
              NoteRead(FromLevelDb(s, "reading its Merkle leaf entry")).message());
      continue;
    }
    Result<BucketEntry> entry = s.ok() ? DecodeBucketEntry(leaf) : Result<BucketEntry>(Status::NotFound(""));
    if (!entry.ok() || !(entry->digest == doc->digest) || (entry->live && *entry->live != doc->state.live())) {
      problem("document /" + key + ": Merkle leaf entry disagrees");
    }
  }
  if (!it->status().ok()) return finish();
  Metadata meta;
  merkle::MerkleTree stored;
  {
    std::lock_guard lock(mu_);
    meta = meta_;
    stored = tree_;
  }
  if (live != meta.live_documents) {
    problem("live document count is " + std::to_string(meta.live_documents) + ", documents say " + std::to_string(live));
  }
  if (!(rebuilt == stored)) problem("the Merkle tree disagrees with the documents");
  // The delta log holds every sequence from its oldest retained entry to the last one.
  const std::string log_prefix(1, kDeltaLogPrefix);
  uint64_t expected = 0, entries = 0;
  for (it->Seek(log_prefix); it->Valid() && it->key().starts_with(log_prefix); it->Next()) {
    const uint64_t seq = it->key().size() == 9 ? ReadBigEndian64(std::string_view(it->key().data() + 1, 8)) : 0;
    if (expected != 0 && seq != expected) problem("delta log has a hole before sequence " + std::to_string(seq));
    expected = seq + 1;
    ++entries;
    CheckReference(ro, seq, std::string_view(it->value().data(), it->value().size()), problem);
  }
  if (!it->status().ok()) return finish();
  if (entries > 0 && expected - 1 != meta.sequence) problem("delta log ends before the last sequence");
  // The change log: a record whose document is gone is damage, unless a drop of its bucket (a
  // partition handed off) removed the document.
  change_log_.Verify(db_.get(), ro, [&](std::string_view key) {
    std::string ignored;
    const leveldb::Status s = db_->Get(ro, DocumentKey(key), &ignored);
    return s.IsNotFound() && !Dropped(key, 0);
  }, problem);
  return finish();
}

Result<StoreVerification> Store::Verify() const { return impl_->Verify(); }

}  // namespace crdtdb::store
