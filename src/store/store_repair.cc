// Copyright (c) crdtdb authors.

#include "store/store_repair.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <system_error>

#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/write_batch.h>

#include "store/change_log.h"
#include "store/document_record.h"
#include "store/key_schema.h"
#include "store/store_directory.h"
#include "store/store_impl.h"

namespace crdtdb::store {

namespace {

namespace fs = std::filesystem;

// What MarkOpen finds in opened_by of a repaired copy: not this boot's id, so the first open
// rebuilds the derived state and starts a new stream epoch.
constexpr const char* kOpenedByRepair = "repaired";

constexpr size_t kLostKeysListed = 100;

// Holds the LevelDB lock of a store directory, if it has a LOCK file (without creating one).
class DirectoryLock {
 public:
  ~DirectoryLock() {
    if (lock_ != nullptr) (void)leveldb::Env::Default()->UnlockFile(lock_);
  }
  Status Acquire(const std::string& dir) {
    const std::string path = dir + "/LOCK";
    if (!fs::exists(path)) return Status::OK();
    leveldb::Status s = leveldb::Env::Default()->LockFile(path, &lock_);
    if (!s.ok())
      return Status::IOError("database " + dir +
                             " is open (by this or another process); stop it first");
    return Status::OK();
  }

 private:
  leveldb::FileLock* lock_ = nullptr;
};

// Copies the regular files of `from` into the existing directory `to`; a file that cannot be read
// whole is left out and named in `unreadable`.
Status CopyFiles(const std::string& from, const std::string& to,
                 std::vector<std::string>* unreadable) {
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(from, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || name == "LOCK") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    if (!in.good() && !in.eof()) {
      unreadable->push_back(name);
      continue;
    }
    std::ofstream out(to + "/" + name, std::ios::binary);
    out << bytes;
    if (!out.flush()) return Status::IOError("cannot write " + to + "/" + name);
  }
  if (ec) return Status::IOError("cannot read the directory " + from + ": " + ec.message());
  return Status::OK();
}

void NoteLost(RepairReport* report, std::string key) {
  ++report->documents_lost;
  if (report->lost_keys.size() < kLostKeysListed) report->lost_keys.push_back(std::move(key));
}

// Opens the staging copy as a LevelDB database; if it cannot be opened as it is (CURRENT or the
// MANIFEST lost or damaged, a table missing), RepairDB rebuilds its MANIFEST from the tables and
// logs it can read first, and sets aside in lost/ what it cannot. Only then: RepairDB reads data
// blocks without their checksums and rewrites a table it finds damaged with whatever it parsed,
// which gives damaged records valid checksums, so it is the last resort.
Result<std::unique_ptr<leveldb::DB>> OpenStaging(const std::string& staging, RepairReport* report) {
  leveldb::Options lo;
  lo.paranoid_checks = true;
  leveldb::DB* raw = nullptr;
  if (leveldb::DB::Open(lo, staging, &raw).ok()) return std::unique_ptr<leveldb::DB>(raw);
  if (leveldb::Status s = leveldb::RepairDB(staging, lo); !s.ok())
    return FromLevelDb(s, "repairing a copy in " + staging);
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(staging + "/lost", ec)) {
    report->set_aside_files.push_back(entry.path().filename().string());
  }
  lo.paranoid_checks = false;  // what RepairDB kept is what there is
  if (leveldb::Status s = leveldb::DB::Open(lo, staging, &raw); !s.ok())
    return FromLevelDb(s, "opening the repaired copy");
  return std::unique_ptr<leveldb::DB>(raw);
}

// Copies every record LevelDB can read from `source` into a new database in `to`. LevelDB's
// iterator steps over a table block that fails its checksum, and keeps the error for status(),
// so the copy holds exactly the readable records; the error met is returned in `skipped`.
Status CopyReadableRecords(leveldb::DB* source, const std::string& to, std::string* skipped) {
  leveldb::DB* raw = nullptr;
  leveldb::Options lo;
  lo.create_if_missing = true;
  lo.error_if_exists = true;
  if (leveldb::Status s = leveldb::DB::Open(lo, to, &raw); !s.ok())
    return FromLevelDb(s, "creating " + to);
  std::unique_ptr<leveldb::DB> target(raw);
  leveldb::ReadOptions ro;
  ro.verify_checksums = true;
  ro.fill_cache = false;
  std::unique_ptr<leveldb::Iterator> it(source->NewIterator(ro));
  leveldb::WriteBatch batch;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    batch.Put(it->key(), it->value());
    if (batch.ApproximateSize() > (size_t{1} << 20)) {
      if (leveldb::Status s = target->Write(leveldb::WriteOptions(), &batch); !s.ok())
        return FromLevelDb(s, "writing " + to);
      batch.Clear();
    }
  }
  if (!it->status().ok()) *skipped = it->status().ToString();
  leveldb::WriteOptions wo;
  wo.sync = true;
  return FromLevelDb(target->Write(wo, &batch), "writing " + to);
}

// Drops the document records that fail their checks and makes the bucket entries agree with the
// documents left. `max_counter`: the highest dot counter of replica `self` the documents hold.
Status ReconcileDocuments(leveldb::DB* db, crdt::ReplicaId self, leveldb::WriteBatch* batch,
                          RepairReport* report, uint64_t* max_counter) {
  leveldb::ReadOptions ro;
  ro.verify_checksums = true;
  std::set<std::string> kept;
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator(ro));
  const std::string docs(1, kDocumentPrefix);
  for (it->Seek(docs); it->Valid() && it->key().starts_with(docs); it->Next()) {
    const std::string key(it->key().data() + 1, it->key().size() - 1);
    Result<StoredDocument> doc =
        DecodeDocumentRecord(key, std::string_view(it->value().data(), it->value().size()));
    if (!doc.ok()) {
      batch->Delete(it->key());
      NoteLost(report, key);
      continue;
    }
    kept.insert(key);
    *max_counter = std::max(*max_counter, doc->state.context().MaxCounter(self));
    batch->Put(BucketKey(merkle::BucketOf(key), key),
               EncodeBucketEntry(doc->digest, doc->state.live()));
  }
  const std::string buckets(1, kBucketPrefix);
  for (it->Seek(buckets); it->Valid() && it->key().starts_with(buckets); it->Next()) {
    if (it->key().size() < 6) continue;
    const std::string key(it->key().data() + 5, it->key().size() - 5);
    if (kept.contains(key) && it->key().starts_with(BucketPrefix(merkle::BucketOf(key)))) continue;
    batch->Delete(it->key());
    if (std::string ignored; db->Get(ro, DocumentKey(key), &ignored).IsNotFound()) {
      NoteLost(report, key);
    }
  }
  report->documents_kept = kept.size();
  return FromLevelDb(it->status(), "reading the repaired copy");
}

// The highest delta-log sequence the copy holds, and the last one its counters recorded.
uint64_t MaxSequence(leveldb::DB* db) {
  uint64_t max = 0;
  std::string counters;
  if (db->Get(leveldb::ReadOptions(), MetaKey(kMetaCounters), &counters).ok() &&
      counters.size() == 24) {
    max = ReadBigEndian64(std::string_view(counters).substr(8));
  }
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator(leveldb::ReadOptions()));
  it->Seek(std::string(1, static_cast<char>(kDeltaLogPrefix + 1)));
  if (it->Valid()) {
    it->Prev();
  } else {
    it->SeekToLast();
  }
  if (it->Valid() && it->key().size() == 9 && it->key()[0] == kDeltaLogPrefix) {
    max = std::max(max, ReadBigEndian64(std::string_view(it->key().data() + 1, 8)));
  }
  return max;
}

// Fills in the metadata records the damage took, and marks the copy for recovery and a new epoch.
// The epoch the first open starts must lie above every sequence and dot the damaged store may
// have issued, also if its epoch record was lost: so the recorded epoch is raised to the epoch of
// the highest number the copy still shows (MarkOpen then starts the next one).
void ReconcileMetadata(leveldb::DB* db, uint64_t max_issued, leveldb::WriteBatch* batch,
                       RepairReport* report) {
  std::string value;
  if (db->Get(leveldb::ReadOptions(), MetaKey(kMetaCounters), &value).ok() && value.size() == 24) {
    report->live_documents_before = ReadBigEndian64(std::string_view(value).substr(16));
  }
  if (db->Get(leveldb::ReadOptions(), MetaKey(kMetaFormat), &value).IsNotFound()) {
    batch->Put(MetaKey(kMetaFormat), EncodeU64(kStoreFormatVersion));
  }
  uint64_t epoch = 0;
  if (db->Get(leveldb::ReadOptions(), MetaKey(kMetaEpoch), &value).ok() && value.size() == 8) {
    epoch = ReadBigEndian64(value);
  }
  if ((max_issued >> kEpochShift) > epoch) {
    batch->Put(MetaKey(kMetaEpoch), EncodeU64(max_issued >> kEpochShift));
  }
  batch->Put(MetaKey(kMetaOpenedBy), kOpenedByRepair);
}

// Makes the records of the copy in `path` agree (ReconcileDocuments, ReconcileMetadata).
Status ReconcileRecords(const std::string& path, RepairReport* report) {
  leveldb::DB* raw = nullptr;
  leveldb::Options lo;
  lo.paranoid_checks = true;
  if (leveldb::Status s = leveldb::DB::Open(lo, path, &raw); !s.ok()) {
    return FromLevelDb(s, "opening the repaired copy");
  }
  std::unique_ptr<leveldb::DB> db(raw);
  leveldb::WriteBatch batch;
  std::string value;
  crdt::ReplicaId self = 0;
  if (db->Get(leveldb::ReadOptions(), MetaKey(kMetaReplicaId), &value).ok() && value.size() == 8) {
    self = ReadBigEndian64(value);
  }
  if (self == 0) {
    // A new id is safe: the copy's replica then writes as a new one, and its old dots stay as
    // they are in the documents (as a store moved away and rebuilt from peers gets one too).
    std::random_device device;
    while (self == 0) self = (uint64_t{device()} << 32) | device();
    batch.Put(MetaKey(kMetaReplicaId), EncodeU64(self));
    report->replica_id_replaced = true;
  }
  uint64_t max_counter = 0;
  // Index entries are derived from the documents, some of which the damage took: the copy keeps
  // none, and its first open builds every index again (store_index.cc).
  if (Status s = DropIndexRecords(db.get(), &batch); !s.ok()) return s;
  if (Status s = ReconcileDocuments(db.get(), self, &batch, report, &max_counter); !s.ok())
    return s;
  ReconcileMetadata(db.get(), std::max(max_counter, MaxSequence(db.get())), &batch, report);
  if (Status s = ChangeLog::Forget(db.get(), &batch); !s.ok()) return s;
  leveldb::WriteOptions wo;
  wo.sync = true;
  return FromLevelDb(db->Write(wo, &batch), "writing the repaired copy");
}

}  // namespace

// The copy of the damaged files that RepairDB works on, inside `into`; removed when done.
constexpr const char* kStagingName = "repair-staging";

Result<RepairReport> RepairStoreCopy(const std::string& damaged, const std::string& into) {
  Result<DirectoryState> target = InspectStoreDirectory(leveldb::Env::Default(), into);
  if (!target.ok() || (*target != DirectoryState::kMissing && *target != DirectoryState::kEmpty)) {
    return Status::InvalidArgument("the repaired copy goes into a new directory: " + into +
                                   " must be missing or empty");
  }
  std::error_code ec;
  if (!fs::is_directory(damaged, ec))
    return Status::IOError("no store in " + damaged + ": not a directory");
  if (fs::equivalent(damaged, into, ec))
    return Status::InvalidArgument("--into must differ from --data-dir");

  RepairReport report;
  const std::string staging = into + "/" + kStagingName;
  {
    DirectoryLock lock;
    if (Status s = lock.Acquire(damaged); !s.ok()) return s;
    fs::create_directories(staging, ec);
    if (ec) return Status::IOError("cannot create " + staging + ": " + ec.message());
    if (Status s = CopyFiles(damaged, staging, &report.unreadable_files); !s.ok()) return s;
  }
  {
    Result<std::unique_ptr<leveldb::DB>> source = OpenStaging(staging, &report);
    if (!source.ok()) return source.status();
    if (Status s = CopyReadableRecords(source->get(), into, &report.skipped_blocks); !s.ok())
      return s;
  }
  // crdtdb's own files (the server's identity bindings) go along, as they were.
  for (const fs::directory_entry& entry : fs::directory_iterator(staging, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || IsLevelDbFile(name) || name == kIdentityFileName) continue;
    fs::rename(entry.path(), into + "/" + name, ec);
    if (ec) return Status::IOError("cannot move " + name + " into " + into + ": " + ec.message());
    report.other_files.push_back(name);
  }
  fs::remove_all(staging, ec);  // the repair's own copy; the damaged store is untouched
  if (Status s = WriteIdentityFile(leveldb::Env::Default(), into); !s.ok()) return s;
  if (Status s = ReconcileRecords(into, &report); !s.ok()) return s;

  StoreOptions options;
  options.path = into;
  Result<std::unique_ptr<Store>> store = Store::Open(options);
  if (!store.ok()) return store.status().WithContext("opening the repaired copy");
  report.metadata = (*store)->metadata();
  Result<StoreVerification> verification = (*store)->Verify();
  if (!verification.ok()) return verification.status();
  report.verification = std::move(verification).value();
  return report;
}

}  // namespace crdtdb::store
