// Copyright (c) crdtdb authors.
//
// The web console's route without a server: which paths are console files, their content types,
// cache headers and 304s, and that the files built into the binary are the ones in the source tree.

#include "http/console_route.h"

#include <fstream>
#include <sstream>

#include <doctest/doctest.h>

#include "http/console_files.h"

#ifndef CRDTDB_CONSOLE_DIR
#error "CRDTDB_CONSOLE_DIR must name src/http/console"
#endif

namespace crdtdb::http {
namespace {

std::string Header(const Answer& a, const std::string& name) {
  for (const auto& [n, v] : a.headers) {
    if (n == name) return v;
  }
  return "";
}

std::string ReadSource(std::string_view name) {
  std::ifstream in(std::string(CRDTDB_CONSOLE_DIR) + "/" + std::string(name), std::ios::binary);
  REQUIRE_MESSAGE(in, "cannot read " << name);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_CASE("console: the built-in files are the source tree's, with distinct ETags") {
  REQUIRE(ConsoleFiles().size() >= 4);
  for (const ConsoleFile& file : ConsoleFiles()) {
    CAPTURE(file.name);
    CHECK(file.bytes == ReadSource(file.name));
    CHECK(file.etag.size() == 16);
    for (const ConsoleFile& other : ConsoleFiles()) {
      if (&other != &file) CHECK(other.etag != file.etag);
    }
  }
}

TEST_CASE("console: / is the page, /console/NAME its files, each with its type") {
  const std::optional<Answer> page = ConsoleAnswer("GET", "/", "");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(Header(*page, "Content-Type") == "text/html; charset=utf-8");
  CHECK(page->body == ReadSource("index.html"));
  CHECK(Header(*ConsoleAnswer("GET", "/console/index.html", ""), "ETag") == Header(*page, "ETag"));
  CHECK(Header(*ConsoleAnswer("GET", "/console/app.js", ""), "Content-Type") ==
        "text/javascript; charset=utf-8");
  CHECK(Header(*ConsoleAnswer("GET", "/console/style.css", ""), "Content-Type") ==
        "text/css; charset=utf-8");
  CHECK(Header(*ConsoleAnswer("HEAD", "/console/icon.svg", ""), "Content-Type") ==
        "image/svg+xml");
  for (const char* header : {"Cache-Control", "X-Content-Type-Options", "Content-Security-Policy"}) {
    CHECK_FALSE(Header(*page, header).empty());
  }
  CHECK(Header(*page, "Cache-Control") == "no-cache");
  // The policy allows the node's own scripts only, none inline.
  CHECK(Header(*page, "Content-Security-Policy").find("script-src 'self';") != std::string::npos);
}

TEST_CASE("console: a browser that has the file gets 304") {
  const std::string etag = Header(*ConsoleAnswer("GET", "/console/app.js", ""), "ETag");
  REQUIRE(etag.size() == 18);  // quoted
  for (const std::string& if_none_match :
       {etag, "W/" + etag, "\"other\", " + etag, std::string("*")}) {
    CAPTURE(if_none_match);
    const std::optional<Answer> again = ConsoleAnswer("GET", "/console/app.js", if_none_match);
    CHECK(again->status == 304);
    CHECK(again->body.empty());
    CHECK(Header(*again, "ETag") == etag);
  }
  CHECK(ConsoleAnswer("GET", "/console/app.js", "\"other\"")->status == 200);
  CHECK(ConsoleAnswer("GET", "/console/app.js", etag.substr(1))->status == 200);  // unquoted
}

TEST_CASE("console: other paths are not the console's, other methods are refused") {
  for (const char* path : {"/v1/status", "/console/", "/console/nope.js", "/console/../app.js",
                           "/console/app.js/", "/index.html", "//", ""}) {
    CAPTURE(path);
    CHECK_FALSE(ConsoleAnswer("GET", path, ""));
  }
  for (const char* method : {"PUT", "POST", "DELETE", "PATCH", "OPTIONS"}) {
    const std::optional<Answer> refused = ConsoleAnswer(method, "/", "");
    REQUIRE(refused);
    CHECK(refused->status == 405);
    CHECK(Header(*refused, "Allow") == "GET, HEAD");
    CHECK(refused->body.find("method_not_allowed") != std::string::npos);
  }
}

}  // namespace
}  // namespace crdtdb::http
