// Copyright (c) crdtdb authors.
//
// Where a bench program keeps its databases on disk. MakeTempDir makes a new, empty directory
// $TMPDIR/PROGRAM.XXXXXX. DatabaseDir adds the two flags of the benches that let the user choose:
// --dir DIR (the databases go there instead of a new directory) and --keep (nothing is removed at
// the end), and removes at the end only what the bench made: the whole directory if it is its
// own, else the subdirectories it names.
//
// PROGRAM is bench_fail.h's BenchProgram(); a directory that cannot be made is a Fail.

#ifndef CRDTDB_BENCH_BENCH_DIR_H_
#define CRDTDB_BENCH_BENCH_DIR_H_

#include <stdlib.h>  // mkdtemp

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <system_error>

#include "bench_fail.h"

namespace crdtdb::bench {

// A new, empty directory under $TMPDIR named after the program.
inline std::filesystem::path MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / BenchProgram()).string();
  pattern += ".XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) Fail("cannot create a directory like " + pattern);
  return pattern;
}

// The databases' directory of a bench with --dir DIR and --keep.
class DatabaseDir {
 public:
  // Takes argv[*i] if it is --dir DIR (then *i moves past DIR) or --keep; false for anything else.
  bool ParseFlag(int argc, char** argv, int* i) {
    if (std::strcmp(argv[*i], "--dir") == 0 && *i + 1 < argc) {
      path_ = argv[++*i];
    } else if (std::strcmp(argv[*i], "--keep") == 0) {
      keep_ = true;
    } else {
      return false;
    }
    return true;
  }

  // Creates the directory (a MakeTempDir unless --dir named one), says on stderr where it is, and
  // returns it.
  const std::filesystem::path& Create() {
    own_ = path_.empty();
    if (own_) path_ = MakeTempDir();
    std::error_code ec;
    std::filesystem::create_directories(path_, ec);
    if (ec) Fail("cannot create " + path_.string() + ": " + ec.message());
    std::fprintf(stderr, "%s: databases under %s\n", BenchProgram(), path_.c_str());
    return path_;
  }

  // Unless --keep: removes the directory if Create made it, else only `subdirs` of it (the
  // databases the bench created in a directory it was given).
  void Remove(std::span<const char* const> subdirs) const {
    if (keep_) return;
    std::error_code ec;
    if (own_) {
      std::filesystem::remove_all(path_, ec);
    } else {
      for (const char* sub : subdirs) std::filesystem::remove_all(path_ / sub, ec);
    }
  }

 private:
  std::filesystem::path path_;
  bool keep_ = false;
  bool own_ = false;
};

}  // namespace crdtdb::bench

#endif  // CRDTDB_BENCH_BENCH_DIR_H_
