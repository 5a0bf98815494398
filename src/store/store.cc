// Copyright (c) crdtdb authors.

#include "store/store.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <random>

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>
#include <leveldb/write_batch.h>

#include "crdt/codec.h"
#include "crdt/limits.h"
#include "metrics/registry.h"
#include "store/document_record.h"
#include "store/key_schema.h"
#include "store/store_directory.h"
#include "store/store_impl.h"
#include "store/store_instance.h"

namespace crdtdb::store {

Status FromLevelDb(const leveldb::Status& s, std::string_view what) {
  if (s.ok()) return Status::OK();
  std::string msg = std::string(what) + ": " + s.ToString();
  if (s.IsCorruption()) return Status::Corruption(msg);
  // LevelDB's NotFound here is a missing file (a document that is not there is answered before
  // this): a storage error, never crdtdb's NotFound, which means "no such document" (exit 3).
  return Status::IOError(msg);
}

std::string EncodeU64(uint64_t v) {
  std::string out;
  AppendBigEndian64(&out, v);
  return out;
}

namespace {

crdt::ReplicaId NewReplicaId() {
  std::random_device device;
  crdt::ReplicaId id = 0;
  while (id == 0) id = (uint64_t{device()} << 32) | device();
  return id;
}

// The kernel's id of this boot, or "" if it cannot be read (then every unclean close counts as a
// possible power loss).
std::string KernelBootId() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

// Delta-log value: [key length: u32 BE][key][canonical delta], or without the delta for a
// reference to the document's state.
std::string EncodeDeltaLogValue(std::string_view key, std::string_view delta) {
  std::string out;
  AppendBigEndian32(&out, static_cast<uint32_t>(key.size()));
  out.append(key);
  out.append(delta);
  return out;
}

// A format this build cannot read is refused, never guessed at.
Status CheckFormatVersion(uint64_t format) {
  if (format <= kStoreFormatVersion) return Status::OK();
  return Status::Corruption("database format version " + std::to_string(format) +
                            " is newer than this crdtdb supports (" + std::to_string(kStoreFormatVersion) +
                            "); upgrade crdtdb");
}

}  // namespace

Result<DocumentWrite> EncodeDocumentWrite(std::string key, const crdt::Document& state,
                                          const StoredDocument* previous, size_t max_bytes) {
  DocumentWrite w;
  w.key = std::move(key);
  w.encoded = crdt::EncodeDocument(state);
  max_bytes = std::min(max_bytes, crdt::kMaxEncodedBytes);
  if (w.encoded.size() > max_bytes) {
    return Status::InvalidArgument("document /" + w.key + " would be " + std::to_string(w.encoded.size()) +
                                   " encoded bytes, past the size limit of " + std::to_string(max_bytes));
  }
  // A state the decoder would refuse must not be stored: it could never be read back.
  if (state.context().range_count() > crdt::kMaxContextRanges) {
    return Status::InvalidArgument("document /" + w.key + " would hold " +
                                   std::to_string(state.context().range_count()) +
                                   " dot ranges in its causal context, past the limit of " +
                                   std::to_string(crdt::kMaxContextRanges));
  }
  w.digest = crdt::DigestOf(w.encoded);
  if (previous != nullptr) {
    w.previous_digest = previous->digest;
    w.was_live = previous->state.live();
  }
  w.live = state.live();
  return w;
}

Result<crdt::Digest> WriteSet::PutDocument(std::string key, const crdt::Document& state,
                                           const StoredDocument* previous) {
  Result<DocumentWrite> w = EncodeDocumentWrite(std::move(key), state, previous, crdt::kMaxEncodedBytes);
  if (!w.ok()) return w.status();
  const crdt::Digest digest = w->digest;
  PutDocument(std::move(w).value());
  return digest;
}

void WriteSet::AppendLocalDelta(std::string key, const crdt::Document& delta) {
  AppendEncodedLocalDelta(std::move(key), crdt::EncodeDelta(delta));
}

void WriteSet::AppendEncodedLocalDelta(std::string key, std::string encoded_delta) {
  // The delta of a new document (its whole state), or one no smaller than the state just staged
  // for its document, is logged as a reference to the document: readers of the log get the
  // document's state then, which includes the delta (docs/storage.md, "The delta log"). A new
  // document's compact delta is smaller than its state, but writing its bytes twice would cost
  // every put more than the state layout costs the stream.
  if (!documents_.empty() && documents_.back().key == key &&
      (!documents_.back().previous_digest ||
       encoded_delta.size() >= documents_.back().encoded.size())) {
    encoded_delta.clear();
  }
  deltas_.emplace_back(std::move(key), std::move(encoded_delta));
}

Store::Impl::Impl(std::unique_ptr<leveldb::DB> db, LevelDbParts parts, const StoreOptions& options)
    : parts_(std::move(parts)),
      db_(std::move(db)),
      options_(options),
      boot_id_(options.boot_id ? *options.boot_id : KernelBootId()) {}

Result<std::optional<uint64_t>> Store::Impl::ReadMetaU64(std::string_view name) const {
  std::string value;
  leveldb::Status s = db_->Get(ReadOpts(), MetaKey(name), &value);
  if (s.IsNotFound()) return std::optional<uint64_t>();
  if (!s.ok()) return FromLevelDb(s, "reading metadata");
  if (value.size() != 8) return Status::Corruption("metadata record " + std::string(name) + " is malformed");
  return std::optional<uint64_t>(ReadBigEndian64(value));
}

Status Store::Impl::CheckIdentity() const {
  Result<std::optional<uint64_t>> format = ReadMetaU64(kMetaFormat);
  if (!format.ok()) return format.status();
  if (!format->has_value()) {
    leveldb::Iterator* probe = db_->NewIterator(ReadOpts());
    probe->SeekToFirst();
    const bool empty = !probe->Valid();
    Status s = FromLevelDb(probe->status(), "reading the database");
    delete probe;
    if (!s.ok()) return s;
    // Created by LevelDB but not yet initialized: a crdtdb that stopped while it created the store.
    if (empty) return Status::OK();
    return Status::Corruption("database has records but no format version; not a crdtdb store?");
  }
  if (Status s = CheckFormatVersion(**format); !s.ok()) return s;
  Result<std::optional<uint64_t>> replica = ReadMetaU64(kMetaReplicaId);
  if (!replica.ok()) return replica.status();
  if (replica->value_or(0) == 0) return Status::Corruption("database has no replica id");
  return Status::OK();
}

Status Store::Impl::Load() {
  if (Status s = LoadRecords(); !s.ok()) return s;
  if (Status s = change_log_.Open(db_.get(), meta_.epoch, !options_.read_only); !s.ok()) return s;
  loaded_ = true;
  return Status::OK();
}

Status Store::Impl::LoadRecords() {
  Result<std::optional<uint64_t>> format = ReadMetaU64(kMetaFormat);
  if (!format.ok()) return format.status();
  if (!format->has_value() && options_.read_only) {
    return Status::IOError("no crdtdb store in " + options_.path +
                           " (its creation was cut short; a write completes it)");
  }
  if (!format->has_value()) {
    // A new database: its identity and counters are written once, durably.
    leveldb::Iterator* probe = db_->NewIterator(ReadOpts());
    probe->SeekToFirst();
    const bool empty = !probe->Valid();
    delete probe;
    if (!empty) return Status::Corruption("database has records but no format version; not a crdtdb store?");
    meta_.replica_id = options_.new_replica_id != 0 ? options_.new_replica_id : NewReplicaId();
    leveldb::WriteBatch batch;
    batch.Put(MetaKey(kMetaFormat), EncodeU64(kStoreFormatVersion));
    batch.Put(MetaKey(kMetaReplicaId), EncodeU64(meta_.replica_id));
    batch.Put(MetaKey(kMetaOpenedBy), boot_id_);
    if (std::optional<std::string> instance = ReadStoreInstance(options_.path)) {
      batch.Put(MetaKey(kMetaInstance), *instance);
    }
    leveldb::WriteOptions wo;
    wo.sync = true;
    return FromLevelDb(db_->Write(wo, &batch), "initializing the database");
  }
  if (Status s = CheckFormatVersion(**format); !s.ok()) return s;
  Result<std::optional<uint64_t>> replica = ReadMetaU64(kMetaReplicaId);
  if (!replica.ok()) return replica.status();
  meta_.replica_id = replica->value_or(0);
  if (meta_.replica_id == 0) return Status::Corruption("database has no replica id");
  Result<std::optional<uint64_t>> epoch = ReadMetaU64(kMetaEpoch);
  if (!epoch.ok()) return epoch.status();
  meta_.epoch = epoch->value_or(0);
  if (Status loaded = LoadCheckpoint(); !loaded.ok()) return loaded;
  if (Status loaded = LoadDroppedRanges(); !loaded.ok()) return loaded;

  Result<std::optional<std::string>> opened_by = ReadMeta(kMetaOpenedBy);
  if (!opened_by.ok()) return opened_by.status();
  const bool failed = DiskEnv()->FileExists(options_.path + "/" + kFailedWriteFileName);
  // A format-1 store wrote its leaves and counters in every commit, so they are current even
  // after a crash; later formats write them only at a clean close.
  if (*opened_by && **format >= 2) {
    if (Status recovered = Recover(); !recovered.ok()) return recovered.WithContext("recovering after an unclean close");
  }
  if (options_.read_only) return Status::OK();
  if (Status marked = MarkOpen(*opened_by, failed); !marked.ok()) return marked;
  // The new epoch is durable: the mark has done its work. If it stays, the next open starts one
  // more epoch, which costs a range per document written, nothing else.
  if (failed) (void)DiskEnv()->RemoveFile(options_.path + "/" + kFailedWriteFileName);
  return Status::OK();
}

Result<std::optional<std::string>> Store::Impl::ReadMeta(std::string_view name) const {
  std::string value;
  leveldb::Status s = db_->Get(ReadOpts(), MetaKey(name), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromLevelDb(s, "reading metadata");
  return std::optional<std::string>(std::move(value));
}

Store::Impl::~Impl() {
  closing_.store(true);
  if (key_filter_fill_.joinable()) key_filter_fill_.join();
  // A store whose Load failed holds no counters or tree worth a checkpoint.
  if (!loaded_ || options_.read_only) return;
  if (!health_error_.empty()) {
    // Marked when the failure happened; again in case the disk refused it then. The store's
    // opened_by stays, so the next open also recovers what a checkpoint would have held.
    (void)WriteFailedWriteFile(DiskEnv(), options_.path, health_error_);
    return;
  }
  leveldb::WriteBatch batch;
  AddCheckpoint(&batch);
  batch.Delete(MetaKey(kMetaOpenedBy));
  leveldb::WriteOptions wo;
  wo.sync = true;
  (void)db_->Write(wo, &batch);  // best effort: if it fails, the next open starts a new epoch
}

Result<std::optional<StoredDocument>> Store::Impl::Read(std::string_view key) const {
  if (!MayHold(key)) return std::optional<StoredDocument>();
  std::string value;
  leveldb::Status s = db_->Get(ReadOpts(), DocumentKey(key), &value);
  if (s.IsNotFound()) return std::optional<StoredDocument>();
  if (!s.ok()) return NoteRead(FromLevelDb(s, "reading a document"));
  Result<StoredDocument> doc = DecodeDocumentRecord(key, value);
  if (!doc.ok()) return NoteRead(doc.status());
  return std::optional<StoredDocument>(std::move(doc).value());
}

Status Store::Impl::Scan(std::string_view prefix, std::string_view start_after,
                         const std::function<bool(std::string_view, std::string_view)>& fn) const {
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ReadOpts()));
  const std::string full_prefix = DocumentKey(prefix);
  if (start_after.empty()) {
    it->Seek(full_prefix);
  } else {
    const std::string from = DocumentKey(start_after);
    it->Seek(from);
    if (it->Valid() && it->key() == from) it->Next();
  }
  for (; it->Valid() && it->key().starts_with(full_prefix); it->Next()) {
    const std::string_view key(it->key().data() + 1, it->key().size() - 1);
    Result<std::string_view> state = CheckedStateBytes(key, std::string_view(it->value().data(), it->value().size()));
    if (!state.ok()) return NoteRead(state.status());
    // LevelDB's iterator steps over a block it cannot read and keeps the error for status(), so a
    // scan that stops early must still ask: the documents it passed may have had a hole.
    if (!fn(key, *state)) break;
  }
  return NoteRead(FromLevelDb(it->status(), "scanning documents"));
}

Result<std::optional<std::string>> Store::Impl::ReadEncodedState(std::string_view key) const {
  if (!MayHold(key)) return std::optional<std::string>();
  std::string value;
  leveldb::Status s = db_->Get(ReadOpts(), DocumentKey(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return NoteRead(FromLevelDb(s, "reading a document"));
  Result<std::string_view> state = CheckedStateBytes(key, value);
  if (!state.ok()) return NoteRead(state.status());
  value.erase(0, value.size() - state->size());  // the state is the record's tail
  return std::optional<std::string>(std::move(value));
}

Result<std::vector<std::pair<std::string, crdt::Digest>>> Store::Impl::ReadBucket(uint32_t bucket) const {
  std::vector<std::pair<std::string, crdt::Digest>> out;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ReadOpts()));
  const std::string prefix = BucketPrefix(bucket);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    Result<BucketEntry> entry = DecodeBucketEntry(std::string_view(it->value().data(), it->value().size()));
    if (!entry.ok()) return NoteRead(entry.status());
    out.emplace_back(std::string(it->key().data() + prefix.size(), it->key().size() - prefix.size()), entry->digest);
  }
  if (Status s = FromLevelDb(it->status(), "reading a Merkle bucket"); !s.ok()) return NoteRead(s);
  return out;
}

Result<uint64_t> Store::Impl::CountLiveInBuckets(uint32_t first, uint32_t last) const {
  uint64_t live = 0;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ReadOpts()));
  const std::string prefix(1, kBucketPrefix);
  // Bucket keys sort by bucket (big-endian), so the range is one run of the iterator.
  const std::string end = last + 1 < merkle::kLeafCount ? BucketPrefix(last + 1) : std::string(1, kBucketPrefix + 1);
  for (it->Seek(BucketPrefix(first)); it->Valid() && it->key().compare(end) < 0; it->Next()) {
    Result<BucketEntry> entry = DecodeBucketEntry(std::string_view(it->value().data(), it->value().size()));
    if (!entry.ok()) return NoteRead(entry.status());
    live += entry->live.value_or(true) ? 1 : 0;
  }
  if (Status s = FromLevelDb(it->status(), "counting a partition's documents"); !s.ok()) return NoteRead(s);
  return live;
}

Result<std::vector<DeltaLogEntry>> Store::Impl::ReadDeltaLog(uint64_t from, size_t max_entries,
                                                             size_t max_bytes) const {
  std::vector<DeltaLogEntry> out;
  size_t bytes = 0;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ReadOpts()));
  const std::string prefix(1, kDeltaLogPrefix);
  for (it->Seek(DeltaLogKey(from)); it->Valid() && it->key().starts_with(prefix) && out.size() < max_entries;
       it->Next()) {
    if (!out.empty() && bytes >= max_bytes) break;  // any further entry would pass the budget
    const std::string_view key(it->key().data(), it->key().size());
    const std::string_view value(it->value().data(), it->value().size());
    if (key.size() != 9 || value.size() < 4)
      return NoteRead(Status::Corruption("malformed delta-log record"));
    const uint32_t key_length = ReadBigEndian32(value);
    if (value.size() - 4 < key_length)
      return NoteRead(Status::Corruption("malformed delta-log record"));
    DeltaLogEntry entry{ReadBigEndian64(key.substr(1)), std::string(value.substr(4, key_length)),
                        std::string(value.substr(4 + key_length))};
    if (entry.delta.empty()) {  // a reference to the document's state
      Result<std::optional<std::string>> state = ReadEncodedState(entry.key);
      if (!state.ok()) return state.status();
      if (state->has_value()) {
        Result<std::string> delta = crdt::StateAsDelta(std::move(**state));
        if (!delta.ok()) return delta.status().WithContext("document /" + entry.key);
        entry.delta = std::move(*delta);
      } else if (Dropped(entry.key, entry.sequence)) {
        entry.gone = true;  // counts with its key alone
      } else {
        return Status::Corruption("delta log refers to a missing document /" + entry.key);
      }
    }
    // A state's size is known only once it is read: the one that passes the budget is the only
    // read the answer does not use.
    bytes += entry.key.size() + entry.delta.size();
    if (!out.empty() && bytes > max_bytes) break;
    out.push_back(std::move(entry));
  }
  if (Status s = FromLevelDb(it->status(), "reading the delta log"); !s.ok()) return NoteRead(s);
  return out;
}

Status Store::Impl::NoteRead(Status s) const {
  if (s.ok() || s.IsNotFound() || s.IsInvalidArgument()) return s;
  std::lock_guard lock(mu_);
  if (read_errors_++ == 0) first_read_error_ = s.message();
  last_read_error_ = s.message();
  return s;
}

// One pass over every record with checksums verified, not kept in the block cache: a damaged
// table block fails it wherever it is, whatever a caller happened to read so far.
Status Store::Impl::CheckStorage() const {
  leveldb::ReadOptions ro = ReadOpts();
  ro.fill_cache = false;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ro));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
  }
  return NoteRead(FromLevelDb(it->status(), "reading every record"));
}

Status Store::Impl::Commit(const WriteSet& writes) {
  Metadata next;
  std::map<uint32_t, merkle::Hash> leaf_changes;  // pending XOR per Merkle leaf
  {
    std::lock_guard lock(mu_);
    if (options_.read_only)
      return Status::IOError("the store " + options_.path + " is open read-only");
    if (!health_error_.empty()) return Status::IOError("store refuses writes after a failure: " + health_error_);
    next = meta_;
  }
  leveldb::WriteBatch batch;
  for (const DocumentWrite& w : writes.documents_) {
    batch.Put(DocumentKey(w.key), EncodeDocumentRecord(w.encoded));
    const uint32_t bucket = merkle::BucketOf(w.key);
    batch.Put(BucketKey(bucket, w.key), EncodeBucketEntry(w.digest, w.live));
    merkle::Hash change = merkle::Contribution(w.key, w.digest);
    if (w.previous_digest) change = merkle::Xor(change, merkle::Contribution(w.key, *w.previous_digest));
    merkle::Hash& pending = leaf_changes[bucket];
    pending = merkle::Xor(pending, change);
    next.live_documents += static_cast<uint64_t>(w.live) - static_cast<uint64_t>(w.was_live);
    AddIndexChanges(w.index_changes, &batch);
  }
  AddIndexChanges(writes.index_changes_, &batch);
  for (const auto& [key, delta] : writes.deltas_) {
    ++next.sequence;
    batch.Put(DeltaLogKey(next.sequence), EncodeDeltaLogValue(key, delta));
    // Retention: the log keeps the last delta_log_max_entries sequences, one deletion per append.
    if (next.sequence > options_.delta_log_max_entries) {
      batch.Delete(DeltaLogKey(next.sequence - options_.delta_log_max_entries));
    }
  }
  const ChangeLog::Staged changes = change_log_.Stage(writes.documents_, writes.deltas_, &batch);
  if (writes.clock_) next.clock = std::max(next.clock, *writes.clock_);
  // The Merkle leaves and the counters are not written here: they are derived from the records
  // above, checkpointed at a clean close and rebuilt from them after a crash (Recover).

  // Before the write, so that no reader finds a stored key missing from the filter.
  for (const DocumentWrite& w : writes.documents_) key_filter_.Add(w.key);
  leveldb::WriteOptions wo;
  wo.sync = options_.sync_writes;
  const auto started = std::chrono::steady_clock::now();
  leveldb::Status s = db_->Write(wo, &batch);
  if (options_.commit_seconds != nullptr) {
    options_.commit_seconds->Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  if (!s.ok()) {
    // Marked now, not at the close: a kill -9 may come first (RefuseWrites).
    RefuseWrites(s.ToString());
    return FromLevelDb(s, "committing a write");
  }
  change_log_.Published(changes);
  std::lock_guard lock(mu_);
  for (const auto& [bucket, change] : leaf_changes) {
    tree_.Toggle(bucket, change);
    stale_leaves_.set(bucket);
  }
  meta_ = next;
  return Status::OK();
}

void Store::Impl::RefuseWrites(const std::string& why) {
  {
    std::lock_guard lock(mu_);
    if (!health_error_.empty()) return;
    health_error_ = why;
  }
  // Marked at once, not only at a clean close: after a kill -9 the next open must start a new
  // epoch as well. If the mark cannot be made, the close tries again.
  (void)WriteFailedWriteFile(DiskEnv(), options_.path, why);
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

Result<std::optional<StoredDocument>> Store::Read(std::string_view key) const { return impl_->Read(key); }
Status Store::Scan(std::string_view prefix, std::string_view start_after,
                   const std::function<bool(std::string_view, std::string_view)>& fn) const {
  return impl_->Scan(prefix, start_after, fn);
}
Result<std::vector<DeltaLogEntry>> Store::ReadDeltaLog(uint64_t from, size_t max_entries,
                                                       size_t max_bytes) const {
  return impl_->ReadDeltaLog(from, max_entries, max_bytes);
}
Result<std::optional<std::string>> Store::ReadEncodedState(std::string_view key) const {
  return impl_->ReadEncodedState(key);
}
Result<std::vector<std::pair<std::string, crdt::Digest>>> Store::ReadBucket(uint32_t bucket) const {
  return impl_->ReadBucket(bucket);
}
Result<uint64_t> Store::CountLiveInBuckets(uint32_t first, uint32_t last) const {
  return impl_->CountLiveInBuckets(first, last);
}
Status Store::Commit(const WriteSet& writes) { return impl_->Commit(writes); }
ChangeCursor Store::ChangeLogHead() const { return impl_->change_log().Head(); }
Result<ChangeLogPage> Store::ReadChangeLog(const ChangeCursor& after, std::string_view prefix,
                                           size_t max_entries, size_t max_scanned) const {
  return impl_->change_log().Read(impl_->db(), after, prefix, max_entries, max_scanned);
}
void Store::RefuseWrites(const std::string& why) { impl_->RefuseWrites(why); }
Metadata Store::metadata() const { return impl_->metadata(); }
merkle::Hash Store::merkle_root() const { return impl_->merkle_root(); }
merkle::Hash Store::merkle_node(merkle::NodeId id) const { return impl_->merkle_node(id); }
std::vector<merkle::Hash> Store::merkle_children(merkle::NodeId id) const { return impl_->merkle_children(id); }
std::string Store::health_error() const { return impl_->health_error(); }
StoreHealth Store::health() const { return impl_->health(); }
Status Store::CheckStorage() const { return impl_->CheckStorage(); }
void Store::WaitForKeyFilter() { impl_->WaitForKeyFilter(); }
const std::string& Store::new_epoch_reason() const { return impl_->new_epoch_reason(); }

}  // namespace crdtdb::store
