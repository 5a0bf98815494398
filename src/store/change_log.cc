// Copyright (c) crdtdb authors.

#include "store/change_log.h"

#include <algorithm>
#include <memory>
#include <random>

#include "store/key_schema.h"
#include "store/store_impl.h"

namespace crdtdb::store {

namespace {

uint64_t NewFeedId() {
  std::random_device device;
  uint64_t id = 0;
  while (id == 0) id = (uint64_t{device()} << 32) | device();
  return id;
}

std::string LostMessage(const ChangeCursor& c) {
  return "change-feed cursor " + std::to_string(c.sequence) +
         " names changes this replica no longer has (its store lost them in a crash of the machine, "
         "or is a copy or a restored backup): resync, then watch without a cursor";
}

}  // namespace

Status ChangeLog::Open(leveldb::DB* db, uint64_t epoch, bool writable) {
  leveldb::ReadOptions ro;
  ro.verify_checksums = true;
  std::string bytes;
  leveldb::Status got = db->Get(ro, MetaKey(kMetaChangeFeeds), &bytes);
  if (!got.ok() && !got.IsNotFound()) return FromLevelDb(got, "reading the change feeds");
  if (got.ok()) {
    if (Status s = DecodeFeeds(bytes); !s.ok()) return s;
  }
  // The first and last records: one seek each, whatever the log's length.
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator(ro));
  const std::string prefix(1, kChangeLogPrefix);
  uint64_t first = 0, last = 0;
  it->Seek(prefix);
  if (it->Valid() && it->key().starts_with(prefix)) {
    if (it->key().size() != 9) return Status::Corruption("malformed change-log key");
    first = ReadBigEndian64(std::string_view(it->key().data() + 1, 8));
    it->Seek(std::string(1, kChangeLogPrefix + 1));
    it->Valid() ? it->Prev() : it->SeekToLast();
    if (!it->Valid() || it->key().size() != 9) return Status::Corruption("malformed change-log key");
    last = ReadBigEndian64(std::string_view(it->key().data() + 1, 8));
  }
  if (Status s = FromLevelDb(it->status(), "reading the change log"); !s.ok()) return s;
  last_ = feeds_.empty() ? last : std::max(last, feeds_.back().first - 1);
  oldest_ = first != 0 ? first : last_ + 1;
  if (!writable || (!feeds_.empty() && feeds_.back().epoch == epoch)) return Status::OK();
  // A new epoch: what the current feed issued after its last record kept was lost.
  // A feed whose records were all lost, or that issued none, closes empty: last = first - 1.
  if (!feeds_.empty()) feeds_.back().last = std::max(last, feeds_.back().first - 1);
  feeds_.push_back(Feed{NewFeedId(), epoch, last_ + 1, kOpen});
  if (feeds_.size() > kMaxFeeds) feeds_.erase(feeds_.begin());
  leveldb::WriteOptions wo;
  wo.sync = true;
  return FromLevelDb(db->Put(wo, MetaKey(kMetaChangeFeeds), EncodeFeeds()), "starting a change feed");
}

ChangeLog::Staged ChangeLog::Stage(const std::vector<DocumentWrite>& documents,
                                   const std::vector<std::pair<std::string, std::string>>& deltas,
                                   leveldb::WriteBatch* batch) {
  std::lock_guard lock(mu_);
  Staged staged{last_};
  size_t next_delta = 0;
  for (const DocumentWrite& w : documents) {
    // A local write logs its delta right after its document (WriteSet); a remote one logs none.
    const bool local = next_delta < deltas.size() && deltas[next_delta].first == w.key;
    if (local) ++next_delta;
    std::string value(1, local ? kLocal : kRemote);
    value.append(w.key);
    batch->Put(ChangeLogKey(++staged.last), value);
  }
  // Trimmed before the write is published: a reader that starts meanwhile is refused as too old
  // rather than finding the records gone. Bounded per commit (twice what it adds) so that a
  // smaller retention set at open costs no single huge batch.
  size_t budget = 2 * documents.size();
  while (staged.last - oldest_ + 1 > max_entries_ && budget-- > 0) batch->Delete(ChangeLogKey(oldest_++));
  return staged;
}

void ChangeLog::Published(const Staged& staged) {
  std::lock_guard lock(mu_);
  last_ = staged.last;
}

Status ChangeLog::Forget(leveldb::DB* db, leveldb::WriteBatch* batch) {
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator(leveldb::ReadOptions()));
  const std::string prefix(1, kChangeLogPrefix);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) batch->Delete(it->key());
  batch->Delete(MetaKey(kMetaChangeFeeds));
  return FromLevelDb(it->status(), "dropping the change log");
}

ChangeCursor ChangeLog::Head() const {
  std::lock_guard lock(mu_);
  return CursorForLocked(last_);
}

ChangeCursor ChangeLog::CursorForLocked(uint64_t sequence) const {
  for (auto feed = feeds_.rbegin(); feed != feeds_.rend(); ++feed) {
    if (feed->first - 1 <= sequence) return ChangeCursor{feed->id, sequence};
  }
  return ChangeCursor{0, sequence};  // a read-only store that never had a feed
}

Result<uint64_t> ChangeLog::ResolveLocked(const ChangeCursor& after) const {
  uint64_t sequence = after.sequence;
  if (after.feed == 0) {
    if (sequence != 0) return Status::InvalidArgument("a change-feed cursor without a feed must be 0");
  } else {
    auto feed = std::find_if(feeds_.begin(), feeds_.end(), [&](const Feed& f) { return f.id == after.feed; });
    if (feed == feeds_.end()) {
      return Status::Gone(
          "change-feed cursor is not of this replica's change feed (it is of another replica, of "
          "another copy of this store, or older than the change log keeps): resync, then watch "
          "without a cursor");
    }
    if (sequence + 1 < feed->first) return Status::Gone(LostMessage(after));
    const uint64_t feed_last = feed->last == kOpen ? last_ : feed->last;
    if (sequence > feed_last) return Status::Gone(LostMessage(after));
  }
  if (sequence + 1 < oldest_) {
    return Status::Gone("change-feed cursor is older than the change log keeps (its last " +
                        std::to_string(max_entries_) + " changes): " +
                        std::to_string(oldest_ - sequence - 1) +
                        " changes after it were trimmed; resync, then watch without a cursor");
  }
  return sequence;
}

Result<ChangeLogPage> ChangeLog::Read(leveldb::DB* db, const ChangeCursor& after, std::string_view prefix,
                                      size_t max_entries, size_t max_scanned) const {
  uint64_t from = 0;
  uint64_t published = 0;
  ChangeLogPage page;
  leveldb::ReadOptions ro;
  ro.verify_checksums = true;
  // The iterator first: its snapshot then holds every record the check below finds kept.
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator(ro));
  {
    std::lock_guard lock(mu_);
    Result<uint64_t> resolved = ResolveLocked(after);
    if (!resolved.ok()) return resolved.status();
    from = *resolved;
    // A commit writes its batch before it publishes its last sequence: the iterator may see its
    // records already, and a cursor past last_ would then be refused as lost. Read up to here.
    published = last_;
  }
  page.read_through = from;
  const std::string log_prefix(1, kChangeLogPrefix);
  size_t scanned = 0;
  for (it->Seek(ChangeLogKey(from + 1));
       it->Valid() && it->key().starts_with(log_prefix) && scanned < max_scanned && page.entries.size() < max_entries;
       it->Next(), ++scanned) {
    const std::string_view value(it->value().data(), it->value().size());
    if (it->key().size() != 9 || value.empty() || (value[0] != kLocal && value[0] != kRemote)) {
      return Status::Corruption("malformed change-log record");
    }
    const uint64_t sequence = ReadBigEndian64(std::string_view(it->key().data() + 1, 8));
    if (sequence > published) break;
    if (sequence != page.read_through + 1) return Status::Corruption("the change log has a hole before " + std::to_string(sequence));
    page.read_through = sequence;
    const std::string_view key = value.substr(1);
    if (!key.starts_with(prefix)) continue;
    page.entries.push_back(ChangeLogEntry{{}, std::string(key), value[0] == kRemote});
    page.entries.back().cursor.sequence = sequence;
  }
  if (Status s = FromLevelDb(it->status(), "reading the change log"); !s.ok()) return s;
  std::lock_guard lock(mu_);
  for (ChangeLogEntry& e : page.entries) e.cursor = CursorForLocked(e.cursor.sequence);
  page.next = CursorForLocked(page.read_through);
  return page;
}

std::string ChangeLog::EncodeFeeds() const {
  std::string out;
  for (const Feed& f : feeds_) {
    for (uint64_t v : {f.id, f.epoch, f.first, f.last}) AppendBigEndian64(&out, v);
  }
  return out;
}

Status ChangeLog::DecodeFeeds(std::string_view bytes) {
  if (bytes.size() % 32 != 0) return Status::Corruption("metadata record change_feeds is malformed");
  feeds_.clear();
  for (size_t at = 0; at < bytes.size(); at += 32) {
    const std::string_view f = bytes.substr(at, 32);
    feeds_.push_back(Feed{ReadBigEndian64(f), ReadBigEndian64(f.substr(8)), ReadBigEndian64(f.substr(16)),
                          ReadBigEndian64(f.substr(24))});
  }
  return Status::OK();
}

}  // namespace crdtdb::store
