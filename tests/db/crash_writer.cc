// Copyright (c) crdtdb authors.
//
// The child of the crash test: writes in a loop and reports each acknowledged write on stdout,
// until it is killed. Usage: crash_writer DIR buffered|sync FIRST_INDEX

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "crdtdb/crdtdb.hpp"

int main(int argc, char** argv) {
  if (argc != 4) return 2;
  crdtdb::Options options;
  options.path = argv[1];
  options.durability = std::string(argv[2]) == "sync" ? crdtdb::Durability::kSync : crdtdb::Durability::kBuffered;
  options.delta_log_max_entries = 1'000'000;
  auto db = crdtdb::Database::open(options);
  if (!db.ok()) {
    std::fprintf(stderr, "crash_writer: %s\n", db.status().ToString().c_str());
    return 1;
  }
  // Indexed, so that a kill also lands between a document's write and its index entries (they
  // share one batch): every put adds an entry, every increment moves one. Idempotent per round.
  if (!(*db)->create_index("items", "i").ok() || !(*db)->create_index("stats", "writes").ok()) return 1;
  for (long i = std::atol(argv[3]);; ++i) {
    const std::string key = "items/" + std::to_string(i);
    if (!(*db)->put(key, "{\"i\": " + std::to_string(i) + ", \"pad\": \"" + std::string(100, 'x') + "\"}").ok()) return 1;
    if (!(*db)->increment("stats/all", "writes", 1).ok()) return 1;
    // One line per write whose put and increment were both acknowledged; write(2) so that
    // nothing sits in a stdio buffer when the kill comes.
    const std::string line = std::to_string(i) + "\n";
    if (write(STDOUT_FILENO, line.data(), line.size()) != static_cast<ssize_t>(line.size())) return 1;
  }
}
