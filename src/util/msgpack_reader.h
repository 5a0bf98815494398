// Copyright (c) crdtdb authors.
//
// A bounds-checked pull reader over MessagePack bytes, for decoding input we do not trust.
//
// Why not msgpack::unpack: it allocates the storage of an array or map when it reads the header,
// before the elements arrive, so a few hostile bytes can make it allocate gigabytes (see
// docs/protocol.md and the project's field notes). This reader allocates nothing: a declared
// element count above the bytes that remain is an error at once, and strings are views into the
// input. Decoders built on it bound recursion themselves (they know their own nesting).
//
// Every Read* returns false on a type mismatch or truncation and leaves a sticky error(); later
// calls keep failing. Encoding uses msgpack-cxx's packer; the decoders check canonical form by
// re-encoding.

#ifndef CRDTDB_UTIL_MSGPACK_READER_H_
#define CRDTDB_UTIL_MSGPACK_READER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace crdtdb {

class MsgpackReader {
 public:
  enum class Type { kNil, kBool, kUint, kNegativeInt, kFloat32, kFloat64, kString, kBinary, kArray, kMap, kExt, kInvalid, kEnd };

  explicit MsgpackReader(std::string_view bytes) : data_(bytes) {}

  // The type of the next value, without consuming it; kEnd when no bytes remain.
  Type PeekType() const;

  bool ReadNil();
  bool ReadBool(bool* out);
  // A non-negative integer. The reads decoders make most, of small counts, indexes and names,
  // take their one-byte forms inline and leave the rest out of line.
  bool ReadUint(uint64_t* out) {
    const int b = FixByte();
    if (b >= 0 && b <= 0x7f) {
      ++pos_;
      *out = static_cast<uint64_t>(b);
      return true;
    }
    return ReadUintSlow(out);
  }
  bool ReadInt(int64_t* out);      // any integer that fits in int64
  bool ReadDouble(double* out);    // a float64
  bool ReadString(std::string_view* out) {
    const int b = FixByte();
    if (b >= 0xa0 && b <= 0xbf && static_cast<size_t>(b - 0xa0) < data_.size() - pos_) {
      *out = data_.substr(pos_ + 1, static_cast<size_t>(b - 0xa0));
      pos_ += 1 + out->size();
      return true;
    }
    return ReadStringSlow(out);
  }
  // A string that must be valid UTF-8 (text that may reach JSON output or a log), copied out.
  bool ReadUtf8(std::string* out);
  bool ReadBinary(std::string_view* out);
  bool ReadArrayHeader(uint32_t* count) {
    // Every element takes at least one byte: a longer declaration is a lie, caught before any work.
    const int b = FixByte();
    if (b >= 0x90 && b <= 0x9f && static_cast<size_t>(b - 0x90) < data_.size() - pos_) {
      ++pos_;
      *count = static_cast<uint32_t>(b - 0x90);
      return true;
    }
    return ReadArrayHeaderSlow(count);
  }
  bool ReadMapHeader(uint32_t* count);

  bool at_end() const { return pos_ == data_.size(); }
  size_t position() const { return pos_; }
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }

  // Records `why` (at the current offset) unless an error is already recorded; returns false.
  bool Fail(const char* why);

 private:
  // The next byte, or -1 at the end of the input or after an error.
  int FixByte() const {
    return pos_ < data_.size() && error_.empty() ? static_cast<unsigned char>(data_[pos_]) : -1;
  }
  bool ReadUintSlow(uint64_t* out);
  bool ReadStringSlow(std::string_view* out);
  bool ReadArrayHeaderSlow(uint32_t* count);
  bool Take(size_t n, const unsigned char** out);
  bool ReadBigEndian(size_t width, uint64_t* out);
  bool ReadLength(unsigned char tag, unsigned char fix_base, unsigned char fix_max,
                  unsigned char tag8, unsigned char tag16, unsigned char tag32, uint32_t* out);

  std::string_view data_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace crdtdb

#endif  // CRDTDB_UTIL_MSGPACK_READER_H_
