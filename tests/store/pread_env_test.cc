// Copyright (c) crdtdb authors.
//
// PreadEnv (src/store/pread_env.h): table files mapped within a byte budget and read with pread
// past it, descriptors kept open only with a permit; and the Store reading its tables through it.

#include "store/pread_env.h"

#include <doctest/doctest.h>

#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/options.h>
#include <leveldb/write_batch.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "crdt/codec.h"
#include "crdt/mutators.h"
#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace crdtdb::store {
namespace {

// A budget that maps nothing: every file is read with pread.
MapBudget* NoMaps() {
  static MapBudget budget(0);
  return &budget;
}

// `size` bytes, byte i being i * 7 + 3 (mod 256), so every offset has its own expected content.
std::string Pattern(size_t size) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<char>((i * 7 + 3) & 0xff);
  return out;
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
  REQUIRE(out.good());
}

std::unique_ptr<leveldb::RandomAccessFile> OpenFile(leveldb::Env& env, const std::string& path) {
  leveldb::RandomAccessFile* raw = nullptr;
  leveldb::Status s = env.NewRandomAccessFile(path, &raw);
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  return std::unique_ptr<leveldb::RandomAccessFile>(raw);
}

// What Read(offset, n) returned, or "error: ..." .
std::string ReadAt(const leveldb::RandomAccessFile& file, uint64_t offset, size_t n) {
  std::string scratch(n, '\0');
  leveldb::Slice got;
  leveldb::Status s = file.Read(offset, n, &got, scratch.data());
  if (!s.ok()) return "error: " + s.ToString();
  return got.ToString();
}

// Bytes of files under `dir` whose name contains `suffix` that this process maps.
uint64_t MappedBytesUnder(const std::string& dir, const std::string& suffix) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  uint64_t total = 0;
  while (std::getline(maps, line)) {
    if (line.find(dir + "/") == std::string::npos || line.find(suffix) == std::string::npos) continue;
    unsigned long long from = 0, to = 0;
    if (std::sscanf(line.c_str(), "%llx-%llx", &from, &to) == 2) total += to - from;
  }
  return total;
}

bool MapsTableUnder(const std::string& dir) { return MappedBytesUnder(dir, ".ldb") > 0; }

int TableFiles(const std::string& dir) {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) n += entry.path().extension() == ".ldb";
  return n;
}

TEST_CASE("pread env: reads return the bytes at their offsets, short at the end of the file") {
  testing::TempDir dir;
  const std::string data = Pattern(10'000);
  WriteFile(dir.Sub("table"), data);
  FdLimiter limiter(4);
  std::unique_ptr<leveldb::Env> env = NewPreadEnv(leveldb::Env::Default(), &limiter, NoMaps());
  auto file = OpenFile(*env, dir.Sub("table"));

  CHECK(ReadAt(*file, 0, 10) == data.substr(0, 10));
  CHECK(ReadAt(*file, 1, 1) == data.substr(1, 1));
  CHECK(ReadAt(*file, 4'097, 3'000) == data.substr(4'097, 3'000));
  CHECK(ReadAt(*file, 0, 10'000) == data);
  CHECK(ReadAt(*file, 9'990, 10) == data.substr(9'990));
  CHECK(ReadAt(*file, 0, 0).empty());

  // At the end: what there is, and no error (the table reader checks lengths itself).
  CHECK(ReadAt(*file, 9'995, 100) == data.substr(9'995));
  CHECK(ReadAt(*file, 10'000, 100).empty());
  CHECK(ReadAt(*file, 20'000, 100).empty());
}

TEST_CASE("pread env: a missing file is an I/O error naming the file") {
  testing::TempDir dir;
  FdLimiter limiter(4);
  std::unique_ptr<leveldb::Env> env = NewPreadEnv(leveldb::Env::Default(), &limiter, NoMaps());
  leveldb::RandomAccessFile* file = nullptr;
  leveldb::Status s = env->NewRandomAccessFile(dir.Sub("000042.ldb"), &file);
  CHECK(file == nullptr);
  CHECK(s.IsIOError());
  CHECK(s.ToString().find(dir.Sub("000042.ldb")) != std::string::npos);
  CHECK(s.ToString().find("No such file") != std::string::npos);
  CHECK(limiter.available() == 4);
}

TEST_CASE("pread env: files without a permit open the file for each read; permits come back") {
  testing::TempDir dir;
  const std::string data = Pattern(5'000);
  WriteFile(dir.Sub("a"), data);
  WriteFile(dir.Sub("b"), data);
  FdLimiter limiter(1);
  std::unique_ptr<leveldb::Env> env = NewPreadEnv(leveldb::Env::Default(), &limiter, NoMaps());
  {
    auto a = OpenFile(*env, dir.Sub("a"));  // takes the only permit
    CHECK(limiter.available() == 0);
    auto b = OpenFile(*env, dir.Sub("b"));  // none left
    CHECK(limiter.available() == 0);

    CHECK(ReadAt(*a, 100, 50) == data.substr(100, 50));
    CHECK(ReadAt(*b, 100, 50) == data.substr(100, 50));
    CHECK(ReadAt(*b, 4'990, 50) == data.substr(4'990));
    for (int i = 0; i < 2'000; ++i) REQUIRE(ReadAt(*b, static_cast<uint64_t>(i), 1) == data.substr(i, 1));

    // `a` kept its descriptor, so it still reads a removed file; `b` holds none, so it cannot.
    std::filesystem::remove(dir.Sub("a"));
    std::filesystem::remove(dir.Sub("b"));
    CHECK(ReadAt(*a, 200, 10) == data.substr(200, 10));
    std::string error = ReadAt(*b, 200, 10);
    CHECK(error.rfind("error: IO error: " + dir.Sub("b"), 0) == 0);
  }
  CHECK(limiter.available() == 1);
}

TEST_CASE("pread env: LevelDB reads every key back from many tables with few permits") {
  testing::TempDir dir;
  FdLimiter limiter(2);
  std::unique_ptr<leveldb::Env> env = NewPreadEnv(leveldb::Env::Default(), &limiter, NoMaps());
  leveldb::Options options;
  options.env = env.get();
  options.create_if_missing = true;
  options.paranoid_checks = true;
  options.write_buffer_size = 64 << 10;  // LevelDB's smallest: many tables
  options.max_file_size = 1 << 20;       // LevelDB's smallest
  options.compression = leveldb::kNoCompression;
  std::mt19937_64 rng(7);
  std::map<std::string, std::string> written;
  {
    leveldb::DB* raw = nullptr;
    REQUIRE(leveldb::DB::Open(options, dir.path(), &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    for (int i = 0; i < 20'000; ++i) {
      std::string key = "key/" + std::to_string(rng());
      std::string value = std::to_string(rng()) + std::string(static_cast<size_t>(rng() % 1'000), 'v');
      REQUIRE(db->Put(leveldb::WriteOptions(), key, value).ok());
      written[key] = value;
    }
  }
  CHECK(TableFiles(dir.path()) >= 10);
  leveldb::DB* raw = nullptr;
  REQUIRE(leveldb::DB::Open(options, dir.path(), &raw).ok());
  std::unique_ptr<leveldb::DB> db(raw);
  leveldb::ReadOptions ro;
  ro.verify_checksums = true;
  for (const auto& [key, value] : written) {
    std::string got;
    leveldb::Status s = db->Get(ro, key, &got);
    REQUIRE_MESSAGE(s.ok(), s.ToString());
    REQUIRE(got == value);
  }
  size_t scanned = 0;
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator(ro));
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++scanned;
  CHECK(it->status().ok());
  CHECK(scanned == written.size());
}

TEST_CASE("pread env: files are mapped while the budget lasts, then read with pread; closing returns it") {
  testing::TempDir dir;
  const std::string data = Pattern(10'000);
  for (const char* name : {"/a.ldb", "/b.ldb", "/c.ldb"}) WriteFile(dir.path() + name, data);
  FdLimiter limiter(4);
  MapBudget budget(25'000);  // two of the three files
  std::unique_ptr<leveldb::Env> env = NewPreadEnv(leveldb::Env::Default(), &limiter, &budget);
  auto a = OpenFile(*env, dir.Sub("a.ldb"));
  auto b = OpenFile(*env, dir.Sub("b.ldb"));
  CHECK(budget.left() == 5'000);
  auto c = OpenFile(*env, dir.Sub("c.ldb"));
  CHECK(MappedBytesUnder(dir.path(), "a.ldb") > 0);
  CHECK(MappedBytesUnder(dir.path(), "b.ldb") > 0);
  CHECK(MappedBytesUnder(dir.path(), "c.ldb") == 0);  // over budget: pread
  for (const auto* file : {a.get(), b.get(), c.get()}) {
    CHECK(ReadAt(*file, 1234, 100) == data.substr(1234, 100));
    CHECK(ReadAt(*file, 9'990, 10) == data.substr(9'990));
  }
  CHECK(ReadAt(*a, 9'990, 20).rfind("error: ", 0) == 0);  // past the end of a mapping
  a.reset();
  CHECK(budget.left() == 15'000);
  CHECK(MappedBytesUnder(dir.path(), "a.ldb") == 0);
  auto again = OpenFile(*env, dir.Sub("a.ldb"));
  CHECK(MappedBytesUnder(dir.path(), "a.ldb") > 0);
  CHECK(ReadAt(*again, 0, 10) == data.substr(0, 10));
}

TEST_CASE("a store reads its documents back from many tables after reopening, mapping at most its budget") {
  testing::TempDir dir;
  StoreOptions options;
  options.path = dir.path();
  std::mt19937_64 rng(11);
  std::map<std::string, std::string> encoded;  // key -> encoded state
  {
    Result<std::unique_ptr<Store>> store = Store::Open(options);
    REQUIRE_MESSAGE(store.ok(), store.status().ToString());
    crdt::Timestamp ts = 1;
    // ~23 MB of document and delta-log records against LevelDB's 4 MB write buffer and 2 MB tables.
    for (int batch = 0; batch < 200; ++batch) {
      WriteSet writes;
      for (int i = 0; i < 100; ++i) {
        std::string key = "docs/" + std::to_string(rng());
        std::string bio(1'000, 'a');
        for (char& c : bio) c = static_cast<char>('a' + rng() % 26);  // Snappy cannot shrink it
        crdt::Document base;
        Result<crdt::Document> delta = crdt::PutDelta(base, crdt::Json{{"bio", bio}}, {(*store)->metadata().replica_id, ++ts});
        REQUIRE(delta.ok());
        base.ApplyDelta(*delta);
        REQUIRE(writes.PutDocument(key, base, nullptr).ok());
        writes.AppendLocalDelta(key, *delta);
        encoded[key] = crdt::EncodeDocument(base);
      }
      writes.SetClock(ts);
      REQUIRE((*store)->Commit(writes).ok());
    }
  }
  CHECK(TableFiles(dir.path()) >= 5);

  Result<std::unique_ptr<Store>> store = Store::Open(options);
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  CHECK((*store)->metadata().live_documents == encoded.size());
  // Looked at while the reads go on, every 1,000 documents: a background compaction may replace
  // the tables read so far (and drop their mappings) at any moment, so one look at the end could
  // find nothing mapped on a loaded machine.
  bool mapped_seen = false;
  int read = 0;
  for (const auto& [key, state] : encoded) {
    Result<std::optional<StoredDocument>> doc = (*store)->Read(key);
    REQUIRE_MESSAGE(doc.ok(), doc.status().ToString());
    REQUIRE(doc->has_value());
    REQUIRE(crdt::EncodeDocument((*doc)->state) == state);
    if (++read % 1'000 == 0) {
      mapped_seen = mapped_seen || MapsTableUnder(dir.path());
      CHECK(MappedBytesUnder(dir.path(), ".ldb") <= (uint64_t{64} << 20));
    }
  }
  CHECK(mapped_seen);
  Result<StoreVerification> verified = (*store)->Verify();
  REQUIRE_MESSAGE(verified.ok(), verified.status().ToString());
  CHECK(MappedBytesUnder(dir.path(), ".ldb") <= (uint64_t{64} << 20));
}

}  // namespace
}  // namespace crdtdb::store
