// Copyright (c) crdtdb authors.
//
// ChangeLog::Verify (change_log.h): what `verify` checks of the change log (docs/changes.md,
// "Verify"): every record well formed, the sequences contiguous from the oldest kept one to the
// last one issued (a hole, a record outside that range, a log that stops short), every record
// naming a document the store holds (unless a partition drop removed it), and the history of
// feeds in order.

#include <algorithm>
#include <memory>
#include <string>

#include "store/change_log.h"
#include "store/key_schema.h"
#include "store/store_impl.h"

namespace crdtdb::store {

namespace {

std::string Range(uint64_t first, uint64_t last) {
  return first == last ? std::to_string(first) : std::to_string(first) + ".." + std::to_string(last);
}

}  // namespace

void ChangeLog::Verify(leveldb::DB* db, const leveldb::ReadOptions& ro,
                       const std::function<bool(std::string_view key)>& document_missing,
                       const std::function<void(std::string)>& problem) const {
  std::vector<Feed> feeds;
  uint64_t oldest = 0, last = 0;
  {
    std::lock_guard lock(mu_);
    feeds = feeds_;
    oldest = oldest_;
    last = last_;
  }
  for (size_t i = 1; i < feeds.size(); ++i) {
    const Feed& before = feeds[i - 1];
    // A closed feed may be empty (last = first - 1, a power loss took all it issued): the next
    // one then starts where it did.
    if (feeds[i].first < before.first || before.last == kOpen || before.last >= feeds[i].first) {
      problem("the change feeds' history is out of order at feed " + std::to_string(i + 1) + " of " +
              std::to_string(feeds.size()));
    }
  }
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator(ro));
  const std::string prefix(1, kChangeLogPrefix);
  uint64_t first = 0, expected = 0;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (it->key().size() != 9) {
      problem("a change-log record has a malformed key");
      continue;
    }
    const uint64_t sequence = ReadBigEndian64(std::string_view(it->key().data() + 1, 8));
    if (first == 0) first = sequence;
    if (expected != 0 && sequence != expected) {
      problem("the change log has a hole: sequences " + Range(expected, sequence - 1) + " are missing");
    }
    expected = sequence + 1;
    const std::string_view value(it->value().data(), it->value().size());
    const std::string_view key = value.empty() ? value : value.substr(1);
    if (value.empty() || (value[0] != kLocal && value[0] != kRemote) || key.find('/') == std::string_view::npos ||
        key.front() == '/' || key.back() == '/') {
      problem("change-log record " + std::to_string(sequence) + " is malformed");
      continue;
    }
    if (document_missing(key)) {
      problem("change-log record " + std::to_string(sequence) + " names a missing document /" + std::string(key));
    }
  }
  if (Status s = FromLevelDb(it->status(), "verifying the change log"); !s.ok()) {
    problem(s.message());
    return;
  }
  // Sequences oldest..last are kept, except a tail a new feed started after (lost in a crash of
  // the machine: the feed's history refuses cursors into it).
  const uint64_t issued = !feeds.empty() && feeds.back().first > last ? 0 : last;
  if (first == 0) {
    if (issued != 0 && oldest <= issued) problem("the change log is empty, but sequences " + Range(oldest, issued) + " are kept");
    return;
  }
  if (first < oldest) problem("the change log keeps sequences " + Range(first, oldest - 1) + " past its retention");
  if (first > oldest) problem("the change log has a hole: sequences " + Range(oldest, first - 1) + " are missing");
  if (expected - 1 > last) {
    problem("the change log has sequences " + Range(last + 1, expected - 1) + " beyond the last one issued");
  } else if (issued != 0 && expected - 1 < issued) {
    problem("the change log stops at sequence " + std::to_string(expected - 1) + ", before the last one issued, " +
            std::to_string(issued));
  }
}

}  // namespace crdtdb::store
