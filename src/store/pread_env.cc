// Copyright (c) crdtdb authors.

#include "store/pread_env.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include <leveldb/slice.h>
#include <leveldb/status.h>

namespace crdtdb::store {
namespace {

leveldb::Status ErrnoError(const std::string& name, int error) {
  return leveldb::Status::IOError(name, std::strerror(error));
}

int OpenReadOnly(const std::string& name) {
  int fd;
  do {
    fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

class PreadFile final : public leveldb::RandomAccessFile {
 public:
  // Takes `fd`; keeps it only if `limiter` grants a permit, else closes it at once.
  PreadFile(std::string name, int fd, FdLimiter* limiter)
      : has_permanent_fd_(limiter->Acquire()),
        fd_(has_permanent_fd_ ? fd : -1),
        limiter_(limiter),
        name_(std::move(name)) {
    if (!has_permanent_fd_) ::close(fd);
  }

  ~PreadFile() override {
    if (has_permanent_fd_) {
      ::close(fd_);
      limiter_->Release();
    }
  }

  PreadFile(const PreadFile&) = delete;
  PreadFile& operator=(const PreadFile&) = delete;

  // Reads into `scratch`, so nothing a caller keeps points into a mapping. Stops short only at
  // the end of the file, as LevelDB's PosixRandomAccessFile (the table reader checks the length).
  leveldb::Status Read(uint64_t offset, size_t n, leveldb::Slice* result, char* scratch) const override {
    int fd = fd_;
    if (!has_permanent_fd_) {
      fd = OpenReadOnly(name_);
      if (fd < 0) {
        *result = leveldb::Slice();
        return ErrnoError(name_, errno);
      }
    }
    leveldb::Status status;
    size_t done = 0;
    while (done < n) {
      ssize_t got = ::pread(fd, scratch + done, n - done, static_cast<off_t>(offset + done));
      if (got < 0) {
        if (errno == EINTR) continue;
        status = ErrnoError(name_, errno);
        break;
      }
      if (got == 0) break;  // end of file
      done += static_cast<size_t>(got);
    }
    if (!has_permanent_fd_) ::close(fd);
    *result = leveldb::Slice(scratch, status.ok() ? done : 0);
    return status;
  }

 private:
  const bool has_permanent_fd_;
  const int fd_;  // -1 without a permit
  FdLimiter* const limiter_;
  const std::string name_;
};

// A table file mapped into memory, as LevelDB's PosixMmapReadableFile: reads return views into
// the mapping (LevelDB then skips its block cache for them).
class MappedFile final : public leveldb::RandomAccessFile {
 public:
  MappedFile(std::string name, const char* base, uint64_t length, MapBudget* budget)
      : name_(std::move(name)), base_(base), length_(length), budget_(budget) {}

  ~MappedFile() override {
    ::munmap(const_cast<char*>(base_), length_);
    budget_->Release(length_);
  }

  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  leveldb::Status Read(uint64_t offset, size_t n, leveldb::Slice* result, char*) const override {
    if (offset > length_ || n > length_ - offset) {
      *result = leveldb::Slice();
      return ErrnoError(name_, EINVAL);
    }
    *result = leveldb::Slice(base_ + offset, n);
    return leveldb::Status::OK();
  }

 private:
  const std::string name_;
  const char* const base_;
  const uint64_t length_;
  MapBudget* const budget_;
};

class PreadEnv final : public leveldb::EnvWrapper {
 public:
  PreadEnv(leveldb::Env* base, FdLimiter* limiter, MapBudget* budget)
      : EnvWrapper(base), limiter_(limiter), budget_(budget) {}

  // Opens the file here, even without a permit, so a missing table fails when LevelDB opens it
  // (as with the default Env), not at its first read.
  leveldb::Status NewRandomAccessFile(const std::string& name, leveldb::RandomAccessFile** result) override {
    *result = nullptr;
    int fd = OpenReadOnly(name);
    if (fd < 0) return ErrnoError(name, errno);
    uint64_t size = 0;
    if (target()->GetFileSize(name, &size).ok() && size > 0 && budget_->Acquire(size)) {
      void* base = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
      if (base != MAP_FAILED) {
        ::close(fd);
        *result = new MappedFile(name, static_cast<const char*>(base), size, budget_);
        return leveldb::Status::OK();
      }
      budget_->Release(size);  // and read it with pread instead
    }
    *result = new PreadFile(name, fd, limiter_);
    return leveldb::Status::OK();
  }

 private:
  FdLimiter* const limiter_;
  MapBudget* const budget_;
};

}  // namespace

FdLimiter* FdLimiter::ProcessWide() {
  static FdLimiter* const limiter = [] {
    constexpr int kMinPermits = 16;
    int permits = 50;  // LevelDB's figure when the limit cannot be read
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
      permits = limit.rlim_cur == RLIM_INFINITY
                    ? std::numeric_limits<int>::max()
                    : static_cast<int>(std::min<rlim_t>(limit.rlim_cur / 5, std::numeric_limits<int>::max()));
    }
    return new FdLimiter(std::max(permits, kMinPermits));
  }();
  return limiter;
}

bool FdLimiter::Acquire() {
  int left = permits_.load(std::memory_order_relaxed);
  while (left > 0) {
    if (permits_.compare_exchange_weak(left, left - 1, std::memory_order_relaxed)) return true;
  }
  return false;
}

void FdLimiter::Release() { permits_.fetch_add(1, std::memory_order_relaxed); }

MapBudget* MapBudget::ProcessWide() {
  static MapBudget* const budget = new MapBudget(uint64_t{32} << 20);
  return budget;
}

bool MapBudget::Acquire(uint64_t bytes) {
  uint64_t left = left_.load(std::memory_order_relaxed);
  while (left >= bytes) {
    if (left_.compare_exchange_weak(left, left - bytes, std::memory_order_relaxed)) return true;
  }
  return false;
}

void MapBudget::Release(uint64_t bytes) { left_.fetch_add(bytes, std::memory_order_relaxed); }

std::unique_ptr<leveldb::Env> NewPreadEnv(leveldb::Env* base, FdLimiter* limiter, MapBudget* budget) {
  return std::make_unique<PreadEnv>(base, limiter, budget);
}

}  // namespace crdtdb::store
