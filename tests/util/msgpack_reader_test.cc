// Copyright (c) crdtdb authors.

#include "util/msgpack_reader.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>

#include <msgpack.hpp>

namespace crdtdb {
namespace {

template <typename T>
std::string Pack(const T& value) {
  msgpack::sbuffer buffer;
  msgpack::pack(buffer, value);
  return std::string(buffer.data(), buffer.size());
}

TEST_CASE("integers of every width read back") {
  for (uint64_t v : {uint64_t{0}, uint64_t{127}, uint64_t{128}, uint64_t{65535}, uint64_t{1} << 32,
                     std::numeric_limits<uint64_t>::max()}) {
    const std::string bytes = Pack(v);
    MsgpackReader r(bytes);
    uint64_t out = 1;
    REQUIRE(r.ReadUint(&out));
    CHECK(out == v);
    CHECK(r.at_end());
  }
  for (int64_t v : {int64_t{-1}, int64_t{-32}, int64_t{-33}, int64_t{-129}, int64_t{-40000},
                    std::numeric_limits<int64_t>::min(), int64_t{5}}) {
    const std::string bytes = Pack(v);
    MsgpackReader r(bytes);
    int64_t out = 0;
    REQUIRE(r.ReadInt(&out));
    CHECK(out == v);
  }
}

TEST_CASE("a uint above int64 is not an int64") {
  const std::string bytes = Pack(std::numeric_limits<uint64_t>::max());
  MsgpackReader r(bytes);
  int64_t out = 0;
  CHECK_FALSE(r.ReadInt(&out));
  CHECK(r.error().find("out of range") != std::string::npos);
}

TEST_CASE("strings, arrays, maps, doubles and nil read back") {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(3);
  pk.pack(std::string("héllo"));
  pk.pack_double(2.5);
  pk.pack_map(1);
  pk.pack_nil();
  pk.pack_true();
  MsgpackReader r(std::string_view(buffer.data(), buffer.size()));
  uint32_t n = 0;
  std::string_view s;
  double d = 0;
  bool b = false;
  REQUIRE(r.ReadArrayHeader(&n));
  CHECK(n == 3);
  REQUIRE(r.ReadString(&s));
  CHECK(s == "héllo");
  REQUIRE(r.ReadDouble(&d));
  CHECK(d == 2.5);
  REQUIRE(r.ReadMapHeader(&n));
  CHECK(n == 1);
  CHECK(r.ReadNil());
  REQUIRE(r.ReadBool(&b));
  CHECK(b);
  CHECK(r.at_end());
}

TEST_CASE("binary data of every width reads back") {
  for (size_t size : {size_t{0}, size_t{5}, size_t{300}, size_t{70000}}) {
    msgpack::sbuffer buffer;
    msgpack::packer<msgpack::sbuffer> pk(buffer);
    const std::string data(size, 'b');
    pk.pack_bin(static_cast<uint32_t>(size));
    pk.pack_bin_body(data.data(), static_cast<uint32_t>(size));
    MsgpackReader r(std::string_view(buffer.data(), buffer.size()));
    std::string_view out;
    REQUIRE(r.ReadBinary(&out));
    CHECK(out == data);
    CHECK(r.at_end());
  }
  using namespace std::string_view_literals;
  std::string_view out;
  CHECK_FALSE(MsgpackReader("\xc6\xff\xff\xff\xff"sv).ReadBinary(&out));
}

TEST_CASE("declared lengths beyond the input fail before any allocation") {
  uint32_t n = 0;
  std::string_view s;
  using namespace std::string_view_literals;
  CHECK_FALSE(MsgpackReader("\xdd\xff\xff\xff\xff"sv).ReadArrayHeader(&n));
  CHECK_FALSE(MsgpackReader("\xdf\x00\x00\x00\x02\x01"sv).ReadMapHeader(&n));
  CHECK_FALSE(MsgpackReader("\xdb\xff\xff\xff\xff"sv).ReadString(&s));
  CHECK_FALSE(MsgpackReader("\xa5hi"sv).ReadString(&s));
}

TEST_CASE("errors are sticky and name the offset") {
  const std::string bytes("\x01\xc1", 2);
  MsgpackReader r(bytes);
  uint64_t v = 0;
  CHECK(r.ReadUint(&v));
  CHECK(r.PeekType() == MsgpackReader::Type::kInvalid);
  CHECK_FALSE(r.ReadUint(&v));
  CHECK(r.failed());
  CHECK(r.error().find("at byte 1") != std::string::npos);
  CHECK_FALSE(r.ReadNil());
}

TEST_CASE("the one-byte forms, read inline, keep every check") {
  using namespace std::string_view_literals;
  uint64_t v = 0;
  uint32_t n = 0;
  std::string_view s;
  MsgpackReader exact("\x92\xa2hi\x7f"sv);  // [ "hi", 127 ]: each length reaches the input's end
  CHECK(exact.ReadArrayHeader(&n));
  CHECK(n == 2);
  CHECK(exact.ReadString(&s));
  CHECK(s == "hi");
  CHECK(exact.ReadUint(&v));
  CHECK(v == 127);
  CHECK(exact.at_end());
  CHECK_FALSE(exact.ReadUint(&v));  // nothing left
  CHECK(exact.error().find("at byte 5") != std::string::npos);

  CHECK_FALSE(MsgpackReader("\x93\x01\x02"sv).ReadArrayHeader(&n));  // 3 elements, 2 bytes
  CHECK_FALSE(MsgpackReader("\xa3hi"sv).ReadString(&s));
  CHECK_FALSE(MsgpackReader("\xa1"sv).ReadString(&s));

  // A string longer than the input fails after its tag; the bytes that follow would read as a
  // fixint ('h' is 0x68), a fixarray and a fixstr, but the error is sticky.
  MsgpackReader failed("\xa5h\x90\xa0"sv);
  CHECK_FALSE(failed.ReadString(&s));
  CHECK(failed.position() == 1);
  CHECK_FALSE(failed.ReadUint(&v));
  CHECK_FALSE(failed.ReadArrayHeader(&n));
  CHECK_FALSE(failed.ReadString(&s));
  CHECK(failed.position() == 1);
}

TEST_CASE("truncated input of every kind fails cleanly") {
  for (const char* bytes : {"\xcc", "\xcd\x01", "\xcf\x01\x02", "\xd3\x01", "\xcb\x00\x00", "\xd9"}) {
    MsgpackReader r(bytes);
    uint64_t u = 0;
    int64_t i = 0;
    double d = 0;
    std::string_view s;
    CHECK_FALSE((r.ReadUint(&u) || r.ReadInt(&i) || r.ReadDouble(&d) || r.ReadString(&s)));
  }
}

}  // namespace
}  // namespace crdtdb
