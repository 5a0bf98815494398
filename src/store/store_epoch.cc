// Copyright (c) crdtdb authors.
//
// When an open starts a new stream epoch, and how (docs/storage.md, "Stream epochs").

#include <memory>
#include <optional>
#include <string>

#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include "store/key_schema.h"
#include "store/store_directory.h"
#include "store/store_impl.h"
#include "store/store_instance.h"

namespace crdtdb::store {

namespace {

// Why an open must start a new stream epoch, or "" if it need not. `opened_by` is what the last
// process left (absent after a clean close); `recorded` the instance identity the last writable
// open recorded, `instance` the one of the files now (store_instance.h); `failed` whether a write
// failed, or writes were refused, since (store_directory.h, kFailedWriteFileName).
std::string NewEpochReason(const std::optional<std::string>& opened_by, const std::string& boot_id,
                           const std::optional<std::string>& recorded,
                           const std::optional<std::string>& instance, bool failed) {
  if (recorded && recorded != instance) {
    return std::string("its files are a copy or a restored backup: the identity file ") +
           kIdentityFileName + " is not the file it was last opened with";
  }
  if (failed) return "its writes failed, or it refused writes on learning it was restored or copied";
  if (!opened_by) return "";
  if (boot_id.empty())
    return "it was not closed cleanly, and this machine's boot id cannot be read";
  if (*opened_by != boot_id) {
    return "it was not closed cleanly, and not by this boot of the machine (opened by \"" +
           *opened_by + "\")";
  }
  return "";  // a process crash within this boot: LevelDB lost nothing it wrote
}

}  // namespace

// Stream epochs (docs/storage.md). With buffered durability, a crash of the machine loses the
// writes LevelDB had not yet synced, though the replica acknowledged them and its peers may hold
// them. Reissuing their sequence numbers would make peers drop the new deltas as duplicates, and
// reissuing their dots would give two different values the same dot, which no join reconciles. So
// a store that was not closed cleanly by this boot of the machine starts a new epoch: sequences and
// dots continue above epoch << kEpochShift, and the old delta log is dropped (peers that miss
// entries of it repair by anti-entropy, which also returns the lost writes from peers that have
// them). A process crash within one boot loses nothing LevelDB wrote, so it needs no new epoch.
// A copy of the store's files, or a restored backup, holds less than its replica issued, as a
// store that lost writes does: it starts a new epoch too (store_instance.h).
Status Store::Impl::MarkOpen(const std::optional<std::string>& opened_by, bool failed) {
  Result<std::optional<std::string>> recorded = ReadMeta(kMetaInstance);
  if (!recorded.ok()) return recorded.status();
  const std::optional<std::string> instance = ReadStoreInstance(options_.path);
  new_epoch_reason_ = NewEpochReason(opened_by, boot_id_, *recorded, instance, failed);
  const bool unclean = !new_epoch_reason_.empty();
  leveldb::WriteBatch batch;
  if (unclean) {
    if (meta_.epoch + 1 >= (uint64_t{1} << (64 - kEpochShift))) return Status::Corruption("stream epochs exhausted");
    ++meta_.epoch;
    meta_.sequence = std::max(meta_.sequence, meta_.epoch << kEpochShift);
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ReadOpts()));
    const std::string prefix(1, kDeltaLogPrefix);
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) batch.Delete(it->key());
    if (!it->status().ok()) return FromLevelDb(it->status(), "dropping the delta log");
    batch.Put(MetaKey(kMetaEpoch), EncodeU64(meta_.epoch));
    // The new sequence must survive a crash before the next checkpoint: recovery takes the
    // larger of the checkpoint's and the delta log's last sequence, and the log is now empty.
    batch.Put(MetaKey(kMetaCounters), EncodeCounters(meta_));
  }
  // From here on the persisted leaves and counters are a checkpoint that a clean close renews.
  batch.Put(MetaKey(kMetaFormat), EncodeU64(kStoreFormatVersion));
  batch.Put(MetaKey(kMetaOpenedBy), boot_id_);
  if (instance) {
    batch.Put(MetaKey(kMetaInstance), *instance);
  } else {
    batch.Delete(MetaKey(kMetaInstance));  // nothing to compare the next open with
  }
  leveldb::WriteOptions wo;
  wo.sync = true;
  return FromLevelDb(db_->Write(wo, &batch), unclean ? "starting a new stream epoch" : "marking the store open");
}

}  // namespace crdtdb::store
