// Copyright (c) crdtdb authors.
//
// Secondary index records (key_schema.h, docs/storage.md "Index entries"): the store keeps them
// without knowing what they mean; the database computes them (db/index_entries.h) and commits them
// in the batch of the document they describe.

#include <memory>

#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include "store/document_record.h"
#include "store/key_schema.h"
#include "store/store_impl.h"
#include "store/store_snapshot.h"

namespace crdtdb::store {

namespace {

class LevelDbSnapshot final : public StoreSnapshot {
 public:
  explicit LevelDbSnapshot(leveldb::DB* db) : db_(db), snapshot_(db->GetSnapshot()) {
    options_.verify_checksums = true;
    options_.snapshot = snapshot_;
  }
  ~LevelDbSnapshot() override { db_->ReleaseSnapshot(snapshot_); }

  Status ScanIndex(std::string_view index_id, std::string_view lower, std::string_view upper,
                   const std::function<bool(std::string_view entry)>& fn) const override {
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(options_));
    const std::string prefix = IndexEntryKey(index_id, "");
    const std::string end = EndKey(index_id, upper);
    for (it->Seek(IndexEntryKey(index_id, lower)); it->Valid() && it->key().compare(end) < 0; it->Next()) {
      if (!fn(std::string_view(it->key().data() + prefix.size(), it->key().size() - prefix.size()))) break;
    }
    return FromLevelDb(it->status(), "reading an index");
  }

  Status ScanIndexBackward(std::string_view index_id, std::string_view lower, std::string_view upper,
                           const std::function<bool(std::string_view entry)>& fn) const override {
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(options_));
    const std::string prefix = IndexEntryKey(index_id, "");
    const std::string start = IndexEntryKey(index_id, lower);
    it->Seek(EndKey(index_id, upper));
    for (it->Valid() ? it->Prev() : it->SeekToLast(); it->Valid() && it->key().compare(start) >= 0; it->Prev()) {
      if (!fn(std::string_view(it->key().data() + prefix.size(), it->key().size() - prefix.size()))) break;
    }
    return FromLevelDb(it->status(), "reading an index");
  }

  Result<std::optional<std::string>> ReadEncodedState(std::string_view key) const override {
    std::string value;
    leveldb::Status s = db_->Get(options_, DocumentKey(key), &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return FromLevelDb(s, "reading a document");
    Result<std::string_view> state = CheckedStateBytes(key, value);
    if (!state.ok()) return state.status();
    value.erase(0, value.size() - state->size());
    return std::optional<std::string>(std::move(value));
  }

  Status Scan(std::string_view prefix, std::string_view start_after,
              const std::function<bool(std::string_view, std::string_view)>& fn) const override {
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(options_));
    const std::string full_prefix = DocumentKey(prefix);
    const std::string from = DocumentKey(start_after.empty() ? prefix : start_after);
    it->Seek(from);
    if (!start_after.empty() && it->Valid() && it->key() == from) it->Next();
    for (; it->Valid() && it->key().starts_with(full_prefix); it->Next()) {
      const std::string_view key(it->key().data() + 1, it->key().size() - 1);
      Result<std::string_view> state = CheckedStateBytes(key, std::string_view(it->value().data(), it->value().size()));
      if (!state.ok()) return state.status();
      if (!fn(key, *state)) break;
    }
    return FromLevelDb(it->status(), "scanning documents");
  }

 private:
  // The key just past the entries before `upper` (empty: every entry of the index).
  static std::string EndKey(std::string_view index_id, std::string_view upper) {
    return upper.empty() ? IndexEntryKey(PrefixEndOf(index_id), "") : IndexEntryKey(index_id, upper);
  }

  // Index ids are fixed-length, so the next id in byte order bounds this one's entries.
  static std::string PrefixEndOf(std::string_view index_id) {
    std::string end(index_id);
    while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xff) end.pop_back();
    if (!end.empty()) ++reinterpret_cast<unsigned char&>(end.back());
    return end;
  }

  leveldb::DB* db_;
  const leveldb::Snapshot* snapshot_;
  leveldb::ReadOptions options_;
};

}  // namespace

void AddIndexChanges(const std::vector<IndexChange>& changes, leveldb::WriteBatch* batch) {
  for (const IndexChange& c : changes) {
    if (c.value) {
      batch->Put(c.key, *c.value);
    } else {
      batch->Delete(c.key);
    }
  }
}

Status DropIndexRecords(leveldb::DB* db, leveldb::WriteBatch* batch) {
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator(leveldb::ReadOptions()));
  // The two prefixes are adjacent ('x', 'y'): one run of keys.
  static_assert(kIndexStatePrefix == kIndexEntryPrefix + 1);
  const std::string end(1, static_cast<char>(kIndexStatePrefix + 1));
  for (it->Seek(std::string(1, kIndexEntryPrefix)); it->Valid() && it->key().compare(end) < 0; it->Next()) {
    batch->Delete(it->key());
  }
  return FromLevelDb(it->status(), "reading index records");
}

std::unique_ptr<StoreSnapshot> Store::Impl::NewSnapshot() const {
  return std::make_unique<LevelDbSnapshot>(db_.get());
}

Result<std::vector<std::pair<std::string, std::string>>> Store::Impl::ReadIndexStates() const {
  std::vector<std::pair<std::string, std::string>> out;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ReadOpts()));
  const std::string prefix(1, kIndexStatePrefix);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    out.emplace_back(std::string(it->key().data() + 1, it->key().size() - 1), it->value().ToString());
  }
  if (Status s = FromLevelDb(it->status(), "reading index states"); !s.ok()) return NoteRead(s);
  return out;
}

std::unique_ptr<StoreSnapshot> Store::NewSnapshot() const { return impl_->NewSnapshot(); }
Result<std::vector<std::pair<std::string, std::string>>> Store::ReadIndexStates() const {
  return impl_->ReadIndexStates();
}
bool Store::read_only() const { return impl_->read_only(); }

}  // namespace crdtdb::store
