// Copyright (c) crdtdb authors.
//
// Figures of this process from /proc/self/status, for the benches that report memory.

#ifndef CRDTDB_BENCH_PROC_STATUS_H_
#define CRDTDB_BENCH_PROC_STATUS_H_

#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include "bench_fail.h"

namespace crdtdb::bench {

// A "Name:   123 kB" figure of /proc/self/status, in KiB; VmRSS is the whole resident set,
// RssAnon the part that is not file pages (LevelDB mmaps its table files, whose pages count in
// VmRSS once read).
inline double ProcStatusKib(std::string_view name) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.size() > name.size() && line.compare(0, name.size(), name) == 0 &&
        line[name.size()] == ':') {
      return static_cast<double>(std::strtoull(line.c_str() + name.size() + 1, nullptr, 10));
    }
  }
  Fail("no " + std::string(name) + " in /proc/self/status");
}

}  // namespace crdtdb::bench

#endif  // CRDTDB_BENCH_PROC_STATUS_H_
