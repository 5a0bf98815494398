// Copyright (c) crdtdb authors.

#include "store/overlay_env.h"

#include <algorithm>
#include <cstdarg>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace crdtdb::store {

namespace {

// The bytes of one file written through the overlay; shared by the files open on it.
struct MemoryFile {
  std::mutex mu;
  std::string bytes;
};

class MemorySequentialFile final : public leveldb::SequentialFile {
 public:
  explicit MemorySequentialFile(std::shared_ptr<MemoryFile> file) : file_(std::move(file)) {}
  leveldb::Status Read(size_t n, leveldb::Slice* result, char* scratch) override {
    std::lock_guard lock(file_->mu);
    pos_ = std::min(pos_, file_->bytes.size());  // a Skip may have gone past the end
    n = std::min(n, file_->bytes.size() - pos_);
    std::memcpy(scratch, file_->bytes.data() + pos_, n);
    pos_ += n;
    *result = leveldb::Slice(scratch, n);
    return leveldb::Status::OK();
  }
  leveldb::Status Skip(uint64_t n) override {
    pos_ += n;
    return leveldb::Status::OK();
  }

 private:
  std::shared_ptr<MemoryFile> file_;
  size_t pos_ = 0;
};

class MemoryRandomAccessFile final : public leveldb::RandomAccessFile {
 public:
  explicit MemoryRandomAccessFile(std::shared_ptr<MemoryFile> file) : file_(std::move(file)) {}
  leveldb::Status Read(uint64_t offset, size_t n, leveldb::Slice* result,
                       char* scratch) const override {
    std::lock_guard lock(file_->mu);
    if (offset > file_->bytes.size())
      return leveldb::Status::IOError("read past the end of an in-memory file");
    n = std::min<size_t>(n, file_->bytes.size() - offset);
    std::memcpy(scratch, file_->bytes.data() + offset, n);
    *result = leveldb::Slice(scratch, n);
    return leveldb::Status::OK();
  }

 private:
  std::shared_ptr<MemoryFile> file_;
};

class MemoryWritableFile final : public leveldb::WritableFile {
 public:
  explicit MemoryWritableFile(std::shared_ptr<MemoryFile> file) : file_(std::move(file)) {}
  leveldb::Status Append(const leveldb::Slice& data) override {
    std::lock_guard lock(file_->mu);
    file_->bytes.append(data.data(), data.size());
    return leveldb::Status::OK();
  }
  leveldb::Status Close() override { return leveldb::Status::OK(); }
  leveldb::Status Flush() override { return leveldb::Status::OK(); }
  leveldb::Status Sync() override { return leveldb::Status::OK(); }

 private:
  std::shared_ptr<MemoryFile> file_;
};

class DiscardLogger final : public leveldb::Logger {
 public:
  void Logv(const char* /*format*/, std::va_list /*ap*/) override {}
};

// A lock on a file that exists in memory only (or not at all).
class MemoryLock final : public leveldb::FileLock {};

class OverlayEnv final : public leveldb::EnvWrapper {
 public:
  explicit OverlayEnv(leveldb::Env* base) : leveldb::EnvWrapper(base) {}

  leveldb::Status NewSequentialFile(const std::string& f, leveldb::SequentialFile** r) override {
    if (std::shared_ptr<MemoryFile> file = Find(f)) {
      *r = new MemorySequentialFile(std::move(file));
      return leveldb::Status::OK();
    }
    if (Hidden(f)) return NotFound(f);
    return target()->NewSequentialFile(f, r);
  }

  leveldb::Status NewRandomAccessFile(const std::string& f,
                                      leveldb::RandomAccessFile** r) override {
    if (std::shared_ptr<MemoryFile> file = Find(f)) {
      *r = new MemoryRandomAccessFile(std::move(file));
      return leveldb::Status::OK();
    }
    if (Hidden(f)) return NotFound(f);
    return target()->NewRandomAccessFile(f, r);
  }

  leveldb::Status NewWritableFile(const std::string& f, leveldb::WritableFile** r) override {
    auto file = std::make_shared<MemoryFile>();
    std::lock_guard lock(mu_);
    files_[f] = file;
    hidden_.insert(f);  // whatever the base holds under this name is replaced
    *r = new MemoryWritableFile(std::move(file));
    return leveldb::Status::OK();
  }

  leveldb::Status NewAppendableFile(const std::string& f, leveldb::WritableFile** r) override {
    std::shared_ptr<MemoryFile> file = Find(f);
    if (!file) {
      file = std::make_shared<MemoryFile>();
      if (!Hidden(f) && target()->FileExists(f)) {
        if (leveldb::Status s = ReadBase(f, &file->bytes); !s.ok()) return s;
      }
      std::lock_guard lock(mu_);
      files_[f] = file;
      hidden_.insert(f);
    }
    *r = new MemoryWritableFile(std::move(file));
    return leveldb::Status::OK();
  }

  bool FileExists(const std::string& f) override {
    if (Find(f)) return true;
    return !Hidden(f) && target()->FileExists(f);
  }

  leveldb::Status GetChildren(const std::string& dir, std::vector<std::string>* result) override {
    std::vector<std::string> base;
    leveldb::Status s = target()->GetChildren(dir, &base);
    std::set<std::string> names;
    std::lock_guard lock(mu_);
    for (std::string& name : base) {
      if (!hidden_.contains(dir + "/" + name)) names.insert(std::move(name));
    }
    const std::string prefix = dir + "/";
    for (const auto& [path, file] : files_) {
      if (path.starts_with(prefix) && path.find('/', prefix.size()) == std::string::npos) {
        names.insert(path.substr(prefix.size()));
      }
    }
    if (!s.ok() && names.empty()) return s;
    result->assign(names.begin(), names.end());
    return leveldb::Status::OK();
  }

  leveldb::Status RemoveFile(const std::string& f) override {
    std::lock_guard lock(mu_);
    const bool in_memory = files_.erase(f) > 0;
    if (!in_memory && (hidden_.contains(f) || !target()->FileExists(f))) return NotFound(f);
    hidden_.insert(f);
    return leveldb::Status::OK();
  }

  // Directories are never created or removed: a read-only open is only made of an existing one.
  leveldb::Status CreateDir(const std::string& /*dir*/) override { return leveldb::Status::OK(); }
  leveldb::Status RemoveDir(const std::string& /*dir*/) override { return leveldb::Status::OK(); }

  leveldb::Status GetFileSize(const std::string& f, uint64_t* size) override {
    if (std::shared_ptr<MemoryFile> file = Find(f)) {
      std::lock_guard lock(file->mu);
      *size = file->bytes.size();
      return leveldb::Status::OK();
    }
    if (Hidden(f)) return NotFound(f);
    return target()->GetFileSize(f, size);
  }

  leveldb::Status RenameFile(const std::string& from, const std::string& to) override {
    std::shared_ptr<MemoryFile> file = Find(from);
    if (!file) {
      if (Hidden(from)) return NotFound(from);
      file = std::make_shared<MemoryFile>();
      if (leveldb::Status s = ReadBase(from, &file->bytes); !s.ok()) return s;
    }
    std::lock_guard lock(mu_);
    files_.erase(from);
    hidden_.insert(from);
    files_[to] = std::move(file);
    hidden_.insert(to);
    return leveldb::Status::OK();
  }

  leveldb::Status LockFile(const std::string& f, leveldb::FileLock** lock) override {
    if (!Find(f) && !Hidden(f) && target()->FileExists(f)) return target()->LockFile(f, lock);
    *lock = new MemoryLock;
    return leveldb::Status::OK();
  }

  leveldb::Status UnlockFile(leveldb::FileLock* lock) override {
    if (auto* memory = dynamic_cast<MemoryLock*>(lock)) {
      delete memory;
      return leveldb::Status::OK();
    }
    return target()->UnlockFile(lock);
  }

  leveldb::Status NewLogger(const std::string& /*f*/, leveldb::Logger** result) override {
    *result = new DiscardLogger;
    return leveldb::Status::OK();
  }

 private:
  static leveldb::Status NotFound(const std::string& f) {
    return leveldb::Status::NotFound(f, "no such file");
  }

  std::shared_ptr<MemoryFile> Find(const std::string& f) {
    std::lock_guard lock(mu_);
    auto it = files_.find(f);
    return it == files_.end() ? nullptr : it->second;
  }
  bool Hidden(const std::string& f) {
    std::lock_guard lock(mu_);
    return hidden_.contains(f);
  }
  leveldb::Status ReadBase(const std::string& f, std::string* out) {
    return leveldb::ReadFileToString(target(), f, out);
  }

  std::mutex mu_;  // guards files_ and hidden_
  std::map<std::string, std::shared_ptr<MemoryFile>> files_;
  // Names whose base file, if any, is not seen: removed, renamed away, or replaced by files_.
  std::set<std::string> hidden_;
};

}  // namespace

std::unique_ptr<leveldb::Env> NewOverlayEnv(leveldb::Env* base) {
  return std::make_unique<OverlayEnv>(base);
}

std::unique_ptr<leveldb::Logger> NewDiscardLogger() { return std::make_unique<DiscardLogger>(); }

}  // namespace crdtdb::store
