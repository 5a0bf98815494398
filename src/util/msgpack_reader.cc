// Copyright (c) crdtdb authors.

#include "util/msgpack_reader.h"

#include <cstring>
#include <limits>

#include "util/utf8.h"

namespace crdtdb {

namespace {
unsigned char Byte(std::string_view data, size_t pos) { return static_cast<unsigned char>(data[pos]); }
}  // namespace

bool MsgpackReader::Fail(const char* why) {
  if (error_.empty()) error_ = std::string(why) + " at byte " + std::to_string(pos_);
  return false;
}

bool MsgpackReader::Take(size_t n, const unsigned char** out) {
  if (failed()) return false;
  if (data_.size() - pos_ < n) return Fail("truncated input");
  *out = reinterpret_cast<const unsigned char*>(data_.data()) + pos_;
  pos_ += n;
  return true;
}

bool MsgpackReader::ReadBigEndian(size_t width, uint64_t* out) {
  const unsigned char* p = nullptr;
  if (!Take(width, &p)) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) v = (v << 8) | p[i];
  *out = v;
  return true;
}

MsgpackReader::Type MsgpackReader::PeekType() const {
  if (failed()) return Type::kInvalid;
  if (pos_ == data_.size()) return Type::kEnd;
  const unsigned char b = Byte(data_, pos_);
  if (b <= 0x7f || b == 0xcc || b == 0xcd || b == 0xce || b == 0xcf) return Type::kUint;
  if (b >= 0xe0 || b == 0xd0 || b == 0xd1 || b == 0xd2 || b == 0xd3) return Type::kNegativeInt;
  if ((b >= 0x80 && b <= 0x8f) || b == 0xde || b == 0xdf) return Type::kMap;
  if ((b >= 0x90 && b <= 0x9f) || b == 0xdc || b == 0xdd) return Type::kArray;
  if ((b >= 0xa0 && b <= 0xbf) || b == 0xd9 || b == 0xda || b == 0xdb) return Type::kString;
  switch (b) {
    case 0xc0: return Type::kNil;
    case 0xc2:
    case 0xc3: return Type::kBool;
    case 0xca: return Type::kFloat32;
    case 0xcb: return Type::kFloat64;
    case 0xc4:
    case 0xc5:
    case 0xc6: return Type::kBinary;
    default: break;
  }
  if ((b >= 0xc7 && b <= 0xc9) || (b >= 0xd4 && b <= 0xd8)) return Type::kExt;
  return Type::kInvalid;  // 0xc1 is never used
}

bool MsgpackReader::ReadNil() {
  if (PeekType() != Type::kNil) return Fail("expected nil");
  ++pos_;
  return true;
}

bool MsgpackReader::ReadBool(bool* out) {
  if (PeekType() != Type::kBool) return Fail("expected a boolean");
  *out = Byte(data_, pos_++) == 0xc3;
  return true;
}

// ReadUint took a positive fixint inline; left are uint 8 to uint 64 (0xcc-0xcf) and errors.
bool MsgpackReader::ReadUintSlow(uint64_t* out) {
  if (PeekType() != Type::kUint) return Fail("expected a non-negative integer");
  const unsigned char b = Byte(data_, pos_++);
  return ReadBigEndian(size_t{1} << (b - 0xcc), out);
}

bool MsgpackReader::ReadInt(int64_t* out) {
  const Type type = PeekType();
  if (type == Type::kUint) {
    uint64_t v = 0;
    if (!ReadUint(&v)) return false;
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return Fail("integer out of range");
    *out = static_cast<int64_t>(v);
    return true;
  }
  if (type != Type::kNegativeInt) return Fail("expected an integer");
  const unsigned char b = Byte(data_, pos_++);
  if (b >= 0xe0) {
    *out = static_cast<int8_t>(b);
    return true;
  }
  const size_t width = size_t{1} << (b - 0xd0);
  uint64_t raw = 0;
  if (!ReadBigEndian(width, &raw)) return false;
  // Sign-extend from `width` bytes.
  const unsigned shift = static_cast<unsigned>(64 - 8 * width);
  *out = static_cast<int64_t>(raw << shift) >> shift;
  return true;
}

bool MsgpackReader::ReadDouble(double* out) {
  if (PeekType() != Type::kFloat64) return Fail("expected a float64");
  ++pos_;
  uint64_t bits = 0;
  if (!ReadBigEndian(8, &bits)) return false;
  std::memcpy(out, &bits, sizeof bits);
  return true;
}

bool MsgpackReader::ReadLength(unsigned char tag, unsigned char fix_base, unsigned char fix_max,
                               unsigned char tag8, unsigned char tag16, unsigned char tag32,
                               uint32_t* out) {
  uint64_t n = 0;
  if (tag >= fix_base && tag <= fix_max) {
    n = tag - fix_base;
  } else if (tag == tag8 && tag8 != 0) {
    if (!ReadBigEndian(1, &n)) return false;
  } else if (tag == tag16) {
    if (!ReadBigEndian(2, &n)) return false;
  } else if (tag == tag32) {
    if (!ReadBigEndian(4, &n)) return false;
  }
  *out = static_cast<uint32_t>(n);
  return true;
}

bool MsgpackReader::ReadStringSlow(std::string_view* out) {
  if (PeekType() != Type::kString) return Fail("expected a string");
  const unsigned char tag = Byte(data_, pos_++);
  uint32_t n = 0;
  if (!ReadLength(tag, 0xa0, 0xbf, 0xd9, 0xda, 0xdb, &n)) return false;
  const unsigned char* p = nullptr;
  if (!Take(n, &p)) return false;
  *out = std::string_view(reinterpret_cast<const char*>(p), n);
  return true;
}

bool MsgpackReader::ReadUtf8(std::string* out) {
  std::string_view s;
  if (!ReadString(&s)) return false;
  if (!IsValidUtf8(s)) return Fail("string is not valid UTF-8");
  out->assign(s);
  return true;
}

bool MsgpackReader::ReadBinary(std::string_view* out) {
  if (PeekType() != Type::kBinary) return Fail("expected binary data");
  const unsigned char tag = Byte(data_, pos_++);
  uint64_t n = 0;
  if (!ReadBigEndian(size_t{1} << (tag - 0xc4), &n)) return false;
  const unsigned char* p = nullptr;
  if (!Take(n, &p)) return false;
  *out = std::string_view(reinterpret_cast<const char*>(p), n);
  return true;
}

bool MsgpackReader::ReadArrayHeaderSlow(uint32_t* count) {
  if (PeekType() != Type::kArray) return Fail("expected an array");
  const unsigned char tag = Byte(data_, pos_++);
  if (!ReadLength(tag, 0x90, 0x9f, 0, 0xdc, 0xdd, count)) return false;
  // Every element takes at least one byte: a longer declaration is a lie, caught before any work.
  if (*count > data_.size() - pos_) return Fail("array longer than the input");
  return true;
}

bool MsgpackReader::ReadMapHeader(uint32_t* count) {
  if (PeekType() != Type::kMap) return Fail("expected a map");
  const unsigned char tag = Byte(data_, pos_++);
  if (!ReadLength(tag, 0x80, 0x8f, 0, 0xde, 0xdf, count)) return false;
  if (*count > (data_.size() - pos_) / 2) return Fail("map longer than the input");
  return true;
}

}  // namespace crdtdb
