// Copyright (c) crdtdb authors.
//
// FaultEnv: a leveldb::Env that injects the storage faults a real disk and a real power supply
// produce, for the storage fault tests (after LevelDB's own fault_injection_test.cc):
//
//   - power loss: after Freeze() the disk takes nothing more (writes, syncs, renames and removals
//     succeed but do nothing: the machine is down, though the code under test may still run, say,
//     its destructors); DropUnsyncedData() then cuts every file back to what was last synced
//     (what a machine that lost power would find on its disk), and Thaw() brings the disk back;
//   - a full disk: after FailWritesAfter(n), appends fail with "No space left on device";
//   - a failing disk: after FailSyncsAfter(n), fsyncs fail with an I/O error.
//
// Files are tracked by name from their creation through renames until removal. Thread-safe, since
// LevelDB writes from its compaction thread too. The base Env must be the real (POSIX) one: the
// power loss truncates real files.

#ifndef CRDTDB_TESTS_SUPPORT_FAULT_ENV_H_
#define CRDTDB_TESTS_SUPPORT_FAULT_ENV_H_


#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <leveldb/env.h>
#include <leveldb/status.h>

namespace crdtdb::testing {

class FaultEnv : public leveldb::EnvWrapper {
 public:
  static constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

  explicit FaultEnv(leveldb::Env* base = leveldb::Env::Default()) : EnvWrapper(base) {}

  // After `n` more successful appends (0: at once), every append fails, as on a full disk.
  void FailWritesAfter(int64_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    appends_left_ = n;
  }
  // After `n` more successful syncs (0: at once), every sync fails.
  void FailSyncsAfter(int64_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    syncs_left_ = n;
  }
  void Heal() {
    std::lock_guard<std::mutex> lock(mu_);
    appends_left_ = syncs_left_ = kNever;
  }

  void Freeze() {
    std::lock_guard<std::mutex> lock(mu_);
    frozen_ = true;
  }
  void Thaw() {
    std::lock_guard<std::mutex> lock(mu_);
    frozen_ = false;
  }

  // Power loss: every tracked file is cut back to its length at its last sync (a file never
  // synced becomes empty). Call it with no database open on the files.
  leveldb::Status DropUnsyncedData() {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [name, state] : files_) {
      if (state.synced >= state.written) continue;
      if (leveldb::Status s = CutBack(name, state.synced); !s.ok()) return s;
    }
    files_.clear();
    return leveldb::Status::OK();
  }

  leveldb::Status NewWritableFile(const std::string& name, leveldb::WritableFile** result) override {
    leveldb::WritableFile* file = nullptr;
    leveldb::Status s = target()->NewWritableFile(name, &file);
    if (!s.ok()) return s;
    Track(name, 0);
    *result = new File(this, name, std::unique_ptr<leveldb::WritableFile>(file));
    return s;
  }
  leveldb::Status NewAppendableFile(const std::string& name, leveldb::WritableFile** result) override {
    uint64_t size = 0;
    if (!target()->GetFileSize(name, &size).ok()) size = 0;
    leveldb::WritableFile* file = nullptr;
    leveldb::Status s = target()->NewAppendableFile(name, &file);
    if (!s.ok()) return s;
    Track(name, size);
    *result = new File(this, name, std::unique_ptr<leveldb::WritableFile>(file));
    return s;
  }
  leveldb::Status RenameFile(const std::string& from, const std::string& to) override {
    if (Frozen()) return leveldb::Status::OK();
    leveldb::Status s = target()->RenameFile(from, to);
    if (!s.ok()) return s;
    std::lock_guard<std::mutex> lock(mu_);
    files_.erase(to);
    if (auto it = files_.find(from); it != files_.end()) {
      files_[to] = it->second;
      files_.erase(from);
    }
    return s;
  }
  leveldb::Status RemoveFile(const std::string& name) override {
    if (Frozen()) return leveldb::Status::OK();
    leveldb::Status s = target()->RemoveFile(name);
    std::lock_guard<std::mutex> lock(mu_);
    files_.erase(name);
    return s;
  }

 private:
  // Rewrites `name` as its first `length` bytes through the wrapped Env (not ::truncate), so that
  // an in-memory Env, the simulator's, loses power too.
  leveldb::Status CutBack(const std::string& name, uint64_t length) {
    std::string kept;
    if (length > 0) {
      leveldb::SequentialFile* raw = nullptr;
      if (leveldb::Status s = target()->NewSequentialFile(name, &raw); !s.ok()) return s;
      std::unique_ptr<leveldb::SequentialFile> in(raw);
      std::string scratch(length, '\0');
      while (kept.size() < length) {
        leveldb::Slice got;
        if (leveldb::Status s = in->Read(length - kept.size(), &got, scratch.data()); !s.ok()) return s;
        if (got.empty()) break;
        kept.append(got.data(), got.size());
      }
    }
    leveldb::WritableFile* raw = nullptr;
    if (leveldb::Status s = target()->NewWritableFile(name, &raw); !s.ok()) return s;
    std::unique_ptr<leveldb::WritableFile> out(raw);
    if (leveldb::Status s = out->Append(kept); !s.ok()) return s;
    if (leveldb::Status s = out->Sync(); !s.ok()) return s;
    return out->Close();
  }

  struct FileState {
    uint64_t written = 0;
    uint64_t synced = 0;
  };

  class File : public leveldb::WritableFile {
   public:
    File(FaultEnv* env, std::string name, std::unique_ptr<leveldb::WritableFile> base)
        : env_(env), name_(std::move(name)), base_(std::move(base)) {}
    leveldb::Status Append(const leveldb::Slice& data) override {
      if (env_->Frozen()) return leveldb::Status::OK();
      if (!env_->Take(&env_->appends_left_)) return leveldb::Status::IOError(name_, "No space left on device");
      leveldb::Status s = base_->Append(data);
      if (s.ok()) env_->Wrote(name_, data.size());
      return s;
    }
    leveldb::Status Close() override { return base_->Close(); }
    leveldb::Status Flush() override { return base_->Flush(); }
    leveldb::Status Sync() override {
      if (env_->Frozen()) return leveldb::Status::OK();
      if (!env_->Take(&env_->syncs_left_)) return leveldb::Status::IOError(name_, "injected fsync failure");
      leveldb::Status s = base_->Sync();
      if (s.ok()) env_->Synced(name_);
      return s;
    }

   private:
    FaultEnv* env_;
    const std::string name_;
    std::unique_ptr<leveldb::WritableFile> base_;
  };

  bool Frozen() {
    std::lock_guard<std::mutex> lock(mu_);
    return frozen_;
  }
  void Track(const std::string& name, uint64_t size) {
    std::lock_guard<std::mutex> lock(mu_);
    files_[name] = FileState{size, size};
  }
  void Wrote(const std::string& name, uint64_t bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = files_.find(name); it != files_.end()) it->second.written += bytes;
  }
  void Synced(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = files_.find(name); it != files_.end()) it->second.synced = it->second.written;
  }
  // Consumes one operation of a countdown; false once it has run out.
  bool Take(int64_t* left) {
    std::lock_guard<std::mutex> lock(mu_);
    if (*left == kNever) return true;
    if (*left == 0) return false;
    --*left;
    return true;
  }

  std::mutex mu_;
  std::map<std::string, FileState> files_;
  int64_t appends_left_ = kNever;
  int64_t syncs_left_ = kNever;
  bool frozen_ = false;
};

}  // namespace crdtdb::testing

#endif  // CRDTDB_TESTS_SUPPORT_FAULT_ENV_H_
