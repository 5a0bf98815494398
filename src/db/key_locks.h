// Copyright (c) crdtdb authors.
//
// KeyLocks serializes the writers of each document without serializing writers of different
// documents. A writer holds the locks of its keys from reading their states (pending_states.h,
// else the store) until its write is queued, so the state it derived the write from is the one
// its write follows in the queue. That lets writers do the work of a write (mutator, encoding,
// digest) in parallel, outside the write queue, which then only stages and commits
// (write_queue.h).
//
// Keys map onto a fixed set of mutexes, so two keys may share one: a collision costs some
// parallelism, never correctness. A guard takes its mutexes in ascending order, so writers of
// several keys cannot deadlock; a thread must not hold two guards at once.

#ifndef CRDTDB_DB_KEY_LOCKS_H_
#define CRDTDB_DB_KEY_LOCKS_H_

#include <array>
#include <mutex>
#include <string_view>
#include <vector>

namespace crdtdb::db {

class KeyLocks {
 public:
  class Guard {
   public:
    Guard(Guard&& other) noexcept : one_(other.one_), many_(std::move(other.many_)) {
      other.one_ = nullptr;
      other.many_.clear();
    }
    Guard& operator=(Guard&&) = delete;
    ~Guard() { Release(); }

    // Unlocks now rather than at destruction.
    void Release() {
      if (one_ != nullptr) one_->unlock();
      for (auto it = many_.rbegin(); it != many_.rend(); ++it) (*it)->unlock();
      one_ = nullptr;
      many_.clear();
    }

   private:
    friend class KeyLocks;
    explicit Guard(std::mutex* one) : one_(one) {}
    explicit Guard(std::vector<std::mutex*> many) : many_(std::move(many)) {}
    std::mutex* one_ = nullptr;      // a single key's: no allocation on the common path
    std::vector<std::mutex*> many_;  // ascending
  };

  Guard Lock(std::string_view key);
  Guard Lock(const std::vector<std::string_view>& keys);

 private:
  static constexpr size_t kStripes = 1024;
  static size_t StripeOf(std::string_view key);
  std::array<std::mutex, kStripes> stripes_;
};

}  // namespace crdtdb::db

#endif  // CRDTDB_DB_KEY_LOCKS_H_
