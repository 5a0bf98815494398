// Copyright (c) crdtdb authors.

#include "store/timed_sync_env.h"

#include <chrono>
#include <string>

#include <leveldb/slice.h>
#include <leveldb/status.h>

namespace crdtdb::store {
namespace {

class TimedSyncFile final : public leveldb::WritableFile {
 public:
  TimedSyncFile(leveldb::WritableFile* file, metrics::Histogram* fsync_seconds)
      : file_(file), fsync_seconds_(fsync_seconds) {}

  leveldb::Status Append(const leveldb::Slice& data) override { return file_->Append(data); }
  leveldb::Status Close() override { return file_->Close(); }
  leveldb::Status Flush() override { return file_->Flush(); }
  // A failed fsync is observed too: its time is part of what the disk did.
  leveldb::Status Sync() override {
    const auto started = std::chrono::steady_clock::now();
    leveldb::Status s = file_->Sync();
    fsync_seconds_->Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    return s;
  }

 private:
  std::unique_ptr<leveldb::WritableFile> file_;
  metrics::Histogram* fsync_seconds_;
};

class TimedSyncEnv final : public leveldb::EnvWrapper {
 public:
  TimedSyncEnv(leveldb::Env* base, metrics::Histogram* fsync_seconds)
      : EnvWrapper(base), fsync_seconds_(fsync_seconds) {}

  leveldb::Status NewWritableFile(const std::string& name, leveldb::WritableFile** result) override {
    return Wrap(target()->NewWritableFile(name, result), result);
  }
  leveldb::Status NewAppendableFile(const std::string& name, leveldb::WritableFile** result) override {
    return Wrap(target()->NewAppendableFile(name, result), result);
  }

 private:
  leveldb::Status Wrap(leveldb::Status opened, leveldb::WritableFile** result) const {
    if (opened.ok()) *result = new TimedSyncFile(*result, fsync_seconds_);
    return opened;
  }

  metrics::Histogram* fsync_seconds_;
};

}  // namespace

std::unique_ptr<leveldb::Env> NewTimedSyncEnv(leveldb::Env* base, metrics::Histogram* fsync_seconds) {
  return std::make_unique<TimedSyncEnv>(base, fsync_seconds);
}

}  // namespace crdtdb::store
