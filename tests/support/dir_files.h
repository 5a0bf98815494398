// Copyright (c) crdtdb authors.
//
// The files of a directory with their contents, for tests that check a command changed nothing
// on disk (a damaged store refused, a repair that works on a copy).

#ifndef CRDTDB_TESTS_SUPPORT_DIR_FILES_H_
#define CRDTDB_TESTS_SUPPORT_DIR_FILES_H_

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

namespace crdtdb::testing {

// File name -> contents, for every entry directly in `dir`.
inline std::map<std::string, std::string> DirFiles(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const std::filesystem::directory_entry& e : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(e.path(), std::ios::binary);
    files[e.path().filename().string()] = std::string(std::istreambuf_iterator<char>(in), {});
  }
  return files;
}

}  // namespace crdtdb::testing

#endif  // CRDTDB_TESTS_SUPPORT_DIR_FILES_H_
