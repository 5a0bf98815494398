// Copyright (c) crdtdb authors.

#include "server/node_log.h"

#include <cstdio>
#include <ctime>

namespace crdtdb::server {

void Log(const char* level, const std::string& node, const std::string& message) {
  const std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  std::fprintf(stderr, "%s %s %s: %s\n", stamp, level, node.c_str(), message.c_str());
}

}  // namespace crdtdb::server
