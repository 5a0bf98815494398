// Copyright (c) crdtdb authors.
//
// What the groups of store_bench share (store_bench.cc; the scale group and its probe process in
// store_bench_scale.cc): the configuration, the bench documents and their keys, the timing of a
// stream of inputs, and raw LevelDB opened as crdtdb opens its own.

#ifndef CRDTDB_BENCH_STORE_BENCH_H_
#define CRDTDB_BENCH_STORE_BENCH_H_

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include "bench_fail.h"
#include "bench_harness.h"
#include "crdtdb/crdtdb.hpp"
#include "store_leveldb.h"

namespace crdtdb::bench {

constexpr size_t kJsonBytes = 200;      // the bench documents' JSON (DocJson)
constexpr uint64_t kInputChunk = 4096;  // inputs made untimed, this many at a time

struct Config {
  Options opts;
  uint64_t scale_docs = 1'000'000;
  uint64_t read_docs = 200'000;  // preloaded for the read group
  std::filesystem::path dir;
};

inline std::string DocId(uint64_t i) { return Hex(Mix(i), 16); }
inline std::string DocKey(std::string_view collection, uint64_t i) {
  std::string key(collection);
  key += '/';
  key += DocId(i);
  return key;
}

struct Input {
  std::string key;
  std::string json;
};

// Calls op(make(j)) for j in [0, n), timing only op: inputs are made kInputChunk at a time.
inline double TimeOps(uint64_t n, const std::function<Input(uint64_t)>& make,
                      const std::function<void(const Input&)>& op) {
  double seconds = 0;
  std::vector<Input> inputs;
  for (uint64_t done = 0; done < n;) {
    inputs.clear();
    for (uint64_t j = done; j < n && inputs.size() < kInputChunk; ++j) inputs.push_back(make(j));
    Stopwatch watch;
    for (const Input& in : inputs) op(in);
    seconds += watch.Seconds();
    done += inputs.size();
  }
  return seconds;
}

// Inputs of new documents of `collection`, numbered from *next on.
inline std::function<Input(uint64_t)> NewDocs(std::string collection, uint64_t* next) {
  return [collection, next](uint64_t) {
    const uint64_t i = (*next)++;
    return Input{DocKey(collection, i), DocJson(i, 0, kJsonBytes)};
  };
}

// Raw LevelDB opened as src/store/store.cc opens crdtdb's (store_leveldb.h).
class RawDb {
 public:
  explicit RawDb(const std::filesystem::path& path) : db_(path) {}

  void Put(const Input& in, bool sync = false) {
    leveldb::WriteOptions wo;
    wo.sync = sync;
    MustOk(db_->Put(wo, in.key, in.json), "LevelDB Put");
  }
  void Write(leveldb::WriteBatch* batch, bool sync) {
    leveldb::WriteOptions wo;
    wo.sync = sync;
    MustOk(db_->Write(wo, batch), "LevelDB Write");
  }
  std::string Get(const std::string& key) {
    std::string value;
    MustOk(db_->Get(read_, key, &value), "LevelDB Get", key);
    return value;
  }
  // Whether `key` is there; a read that may miss.
  bool Find(const std::string& key) {
    std::string value;
    const leveldb::Status s = db_->Get(read_, key, &value);
    if (!s.IsNotFound()) MustOk(s, "LevelDB Get", key);
    return s.ok();
  }
  // Copies out up to `limit` (0: all) records whose key starts with `prefix`; returns the count.
  uint64_t Scan(const std::string& prefix, uint64_t limit) {
    std::vector<std::pair<std::string, std::string>> out;
    uint64_t count = 0;
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(read_));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      if (limit != 0) {
        if (out.size() == limit) break;
        out.emplace_back(it->key().ToString(), it->value().ToString());
      }
      DoNotOptimize(it->value().size());
      ++count;
    }
    MustOk(it->status(), "LevelDB scan");
    return count;
  }

 private:
  StoreLevelDb db_;
  const leveldb::ReadOptions read_ = StoreLevelDbOptions::read_options();
};

inline std::unique_ptr<Database> OpenCrdtdb(const std::filesystem::path& path,
                                            Durability durability) {
  crdtdb::Options options;
  options.path = path.string();
  options.durability = durability;
  return Must(Database::open(options), "opening crdtdb", path.string());
}

inline void CrdtPut(Database& db, const Input& in) {
  MustOk(db.put(in.key, in.json).status(), "put", in.key);
}

// Writes back every dirty page, so that a measurement neither waits for the writeback of what an
// earlier one wrote (an fsync on ext4 commits the journal in order) nor competes with it.
inline void FlushDirtyPages() { ::sync(); }

// `word` as one shell word, whatever it holds (a --dir may hold spaces or quotes).
inline std::string ShellQuoted(std::string_view word) {
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

// Runs this program again with `args` and returns what it printed on stdout; fails the bench if
// it fails. Groups use it to measure a database in a process of its own.
inline std::string RunThisProgram(const std::vector<std::string>& args) {
  std::string command = ShellQuoted(std::filesystem::read_symlink("/proc/self/exe").string());
  for (const std::string& arg : args) {
    command += ' ';
    command += ShellQuoted(arg);
  }
  std::FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) Fail("cannot run " + command);
  std::string text;
  char buffer[4096];
  for (size_t got; (got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;)
    text.append(buffer, got);
  if (pclose(pipe) != 0) Fail("failed: " + command);
  return text;
}

// The scale group (store_bench_scale.cc) and the probe process it starts (store_bench --probe).
void BenchScale(const Config& cfg, Reporter& out);
int Probe(const std::string& kind, const std::filesystem::path& dir, uint64_t docs);

}  // namespace crdtdb::bench

#endif  // CRDTDB_BENCH_STORE_BENCH_H_
