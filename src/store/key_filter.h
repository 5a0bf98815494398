// Copyright (c) crdtdb authors.
//
// KeyFilter: an in-memory Bloom filter of the document keys a store holds, so that a write of a
// new document skips the read of its previous state (a LevelDB miss costs about half a Put:
// memtable, then every level's index and filter blocks). A "no" is certain; a "maybe" is wrong
// for about 1% of absent keys, and then the read happens as before.
//
// The number of keys is not known in advance (the filter is filled while the store runs), so it
// grows as a scalable Bloom filter (Almeida et al., 2007): a chain of levels, each twice the
// capacity of the one before; a key is added to the newest level and looked up in all of them.
// 1.25 bytes per key of capacity (1.25 to 2.5 per key held, as levels double); nothing is
// persisted (Store fills it by a scan after open).
//
// Thread safety: MayContain may run concurrently with Add and with other MayContain calls (the
// bits are atomic, levels are published once built and never removed); Add calls are serialized
// by an internal mutex.

#ifndef CRDTDB_STORE_KEY_FILTER_H_
#define CRDTDB_STORE_KEY_FILTER_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>

namespace crdtdb::store {

class KeyFilter {
 public:
  // `first_capacity`: keys the first level holds at the target false-positive rate.
  explicit KeyFilter(uint64_t first_capacity = uint64_t{1} << 16);
  ~KeyFilter();
  KeyFilter(const KeyFilter&) = delete;
  KeyFilter& operator=(const KeyFilter&) = delete;

  void Add(std::string_view key);
  // False only if `key` was never added.
  bool MayContain(std::string_view key) const;
  // Bytes of filter bits allocated.
  size_t memory_bytes() const;

 private:
  class Level;
  // 40 doublings of the first capacity are more keys than any store holds; Add stops growing
  // (and the false-positive rate rises) past that.
  static constexpr size_t kMaxLevels = 40;

  const uint64_t first_capacity_;
  std::mutex add_mu_;
  std::array<std::unique_ptr<Level>, kMaxLevels> levels_;
  std::atomic<size_t> level_count_{0};
};

}  // namespace crdtdb::store

#endif  // CRDTDB_STORE_KEY_FILTER_H_
