// Copyright (c) crdtdb authors.

#include "store/key_filter.h"

#include <vector>

#include <xxhash.h>

namespace crdtdb::store {

namespace {

constexpr uint64_t kBitsPerKey = 10;
constexpr unsigned kProbes = 6;     // near the optimum ln 2 * 10 for 10 bits per key
constexpr uint64_t kSeed = 0x6b657966;  // not 0: independent of the Merkle bucket hash of a key

}  // namespace

// One Bloom filter of fixed capacity. Blocked: all probes of a key fall in one 64-byte block, so
// a lookup costs one cache miss (at a slightly higher false-positive rate than a classic filter).
class KeyFilter::Level {
 public:
  explicit Level(uint64_t capacity)
      : capacity_(capacity), blocks_((capacity * kBitsPerKey + 511) / 512), words_(blocks_ * 8) {}

  bool full() const { return keys_ >= capacity_; }

  void Add(uint64_t hash) {
    ++keys_;
    Probe(hash, [this](size_t word, uint64_t bit) {
      words_[word].fetch_or(bit, std::memory_order_relaxed);
      return true;
    });
  }

  bool MayContain(uint64_t hash) const {
    return Probe(hash, [this](size_t word, uint64_t bit) {
      return (words_[word].load(std::memory_order_relaxed) & bit) != 0;
    });
  }

  size_t bytes() const { return words_.size() * sizeof(uint64_t); }

 private:
  // Calls visit(word index, bit mask) for each probe; stops and returns false at the first false.
  template <typename Visit>
  bool Probe(uint64_t hash, Visit visit) const {
    const uint64_t block = (hash >> 32) % blocks_;
    uint32_t h = static_cast<uint32_t>(hash);
    const uint32_t delta = (h >> 17) | (h << 15);  // double hashing, as LevelDB's Bloom filter
    for (unsigned i = 0; i < kProbes; ++i, h += delta) {
      const uint32_t bit = h % 512;
      if (!visit(block * 8 + bit / 64, uint64_t{1} << (bit % 64))) return false;
    }
    return true;
  }

  const uint64_t capacity_;
  const uint64_t blocks_;
  uint64_t keys_ = 0;  // guarded by KeyFilter::add_mu_
  std::vector<std::atomic<uint64_t>> words_;
};

KeyFilter::KeyFilter(uint64_t first_capacity) : first_capacity_(first_capacity) {
  levels_[0] = std::make_unique<Level>(first_capacity_);
  level_count_.store(1, std::memory_order_release);
}

KeyFilter::~KeyFilter() = default;

void KeyFilter::Add(std::string_view key) {
  const uint64_t hash = XXH3_64bits_withSeed(key.data(), key.size(), kSeed);
  std::lock_guard lock(add_mu_);
  size_t count = level_count_.load(std::memory_order_relaxed);
  if (levels_[count - 1]->full() && count < kMaxLevels) {
    levels_[count] = std::make_unique<Level>(first_capacity_ << count);
    level_count_.store(++count, std::memory_order_release);  // published only once built
  }
  levels_[count - 1]->Add(hash);
}

bool KeyFilter::MayContain(std::string_view key) const {
  const uint64_t hash = XXH3_64bits_withSeed(key.data(), key.size(), kSeed);
  const size_t count = level_count_.load(std::memory_order_acquire);
  for (size_t i = count; i-- > 0;) {  // newest first: it holds the most keys
    if (levels_[i]->MayContain(hash)) return true;
  }
  return false;
}

size_t KeyFilter::memory_bytes() const {
  size_t total = 0;
  const size_t count = level_count_.load(std::memory_order_acquire);
  for (size_t i = 0; i < count; ++i) total += levels_[i]->bytes();
  return total;
}

}  // namespace crdtdb::store
