// Copyright (c) crdtdb authors.
//
// What the fuzz targets share: FUZZ_CHECK, which aborts on a broken property (libFuzzer then saves
// the input as a crash), and the framing of inputs made of several parts, which the targets read
// with InputReader and the seed generator (make_seeds.cc) writes with AppendPart and AppendByte.

#ifndef CRDTDB_FUZZ_FUZZ_INPUT_H_
#define CRDTDB_FUZZ_FUZZ_INPUT_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#define FUZZ_CHECK(condition)                                                               \
  do {                                                                                      \
    if (!(condition)) {                                                                     \
      std::fprintf(stderr, "%s:%d: property broken: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                         \
    }                                                                                       \
  } while (false)

namespace crdtdb::fuzz {

inline std::string_view AsView(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

// Reads an input as a sequence of bytes and parts; a part is a 2-byte big-endian length and that
// many bytes (fewer if the input ends first). Reading past the end yields 0 and empty parts.
class InputReader {
 public:
  explicit InputReader(std::string_view data) : rest_(data) {}

  bool empty() const { return rest_.empty(); }

  uint8_t Byte() {
    if (rest_.empty()) return 0;
    const auto b = static_cast<uint8_t>(rest_[0]);
    rest_.remove_prefix(1);
    return b;
  }

  std::string_view Part() {
    size_t size = size_t{Byte()} << 8;
    size |= Byte();
    const std::string_view part = rest_.substr(0, size);
    rest_.remove_prefix(part.size());
    return part;
  }

  // Everything not read yet.
  std::string_view Rest() {
    const std::string_view rest = rest_;
    rest_ = {};
    return rest;
  }

 private:
  std::string_view rest_;
};

inline void AppendByte(uint8_t b, std::string* out) { out->push_back(static_cast<char>(b)); }

inline void AppendPart(std::string_view part, std::string* out) {
  FUZZ_CHECK(part.size() <= 0xffff);
  AppendByte(static_cast<uint8_t>(part.size() >> 8), out);
  AppendByte(static_cast<uint8_t>(part.size()), out);
  out->append(part);
}

}  // namespace crdtdb::fuzz

#endif  // CRDTDB_FUZZ_FUZZ_INPUT_H_
