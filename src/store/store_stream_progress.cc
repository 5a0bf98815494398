// Copyright (c) crdtdb authors.
//
// The stream progress records ('p' + origin, key_schema.h): how far this replica has applied each
// origin's delta stream, so that gap repair resumes there after a restart (docs/protocol.md).

#include <string>

#include <leveldb/db.h>

#include "store/key_schema.h"
#include "store/store_impl.h"

namespace crdtdb::store {

namespace {

std::string EncodedSequence(uint64_t sequence) {
  std::string out;
  AppendBigEndian64(&out, sequence);
  return out;
}

}  // namespace

Result<std::optional<uint64_t>> Store::Impl::ReadStreamProgress(crdt::ReplicaId origin) const {
  std::string value;
  leveldb::Status s = db_->Get(ReadOpts(), StreamProgressKey(origin), &value);
  if (s.IsNotFound()) return std::optional<uint64_t>();
  if (!s.ok()) return NoteRead(FromLevelDb(s, "reading stream progress"));
  if (value.size() != 8) return NoteRead(Status::Corruption("stream progress record is malformed"));
  return std::optional<uint64_t>(ReadBigEndian64(value));
}

Status Store::Impl::SaveStreamProgress(crdt::ReplicaId origin, uint64_t sequence) {
  {
    std::lock_guard lock(mu_);
    if (options_.read_only) return Status::IOError("the store " + options_.path + " is open read-only");
    if (!health_error_.empty()) return Status::IOError("store refuses writes after a failure: " + health_error_);
  }
  // Not synced: losing it costs a longer gap repair, never a delta, and a record that survives
  // a crash is preceded in the log by the commits it covers.
  return FromLevelDb(db_->Put(leveldb::WriteOptions(), StreamProgressKey(origin), EncodedSequence(sequence)),
                     "saving stream progress");
}

Result<std::optional<uint64_t>> Store::ReadStreamProgress(crdt::ReplicaId origin) const {
  return impl_->ReadStreamProgress(origin);
}
Status Store::SaveStreamProgress(crdt::ReplicaId origin, uint64_t sequence) {
  return impl_->SaveStreamProgress(origin, sequence);
}

}  // namespace crdtdb::store
