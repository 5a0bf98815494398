// Copyright (c) crdtdb authors.
//
// The web console's static files (src/http/console/), built into the binary by
// cmake/EmbedFiles.cmake, so a node serves its console offline and every node of one build serves
// the same one.

#ifndef CRDTDB_HTTP_CONSOLE_FILES_H_
#define CRDTDB_HTTP_CONSOLE_FILES_H_

#include <span>
#include <string_view>

namespace crdtdb::http {

struct ConsoleFile {
  std::string_view name;   // relative to src/http/console/: "index.html", "app.js"
  std::string_view bytes;  // the file as it was at build time
  std::string_view etag;   // 16 hex digits of its SHA-256
};

// Every file, in the order the build listed them.
std::span<const ConsoleFile> ConsoleFiles();

}  // namespace crdtdb::http

#endif  // CRDTDB_HTTP_CONSOLE_FILES_H_
