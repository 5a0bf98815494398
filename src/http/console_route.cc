// Copyright (c) crdtdb authors.

#include "http/console_route.h"

#include <algorithm>
#include <string>

#include <httplib.h>

#include "http/console_files.h"

namespace crdtdb::http {

namespace {

constexpr std::string_view kPrefix = "/console/";
constexpr std::string_view kIndex = "index.html";

// Only the node's own files and API; no inline script or style, no frames.
constexpr char kContentSecurityPolicy[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const ConsoleFile* FileOf(std::string_view path) {
  std::string_view name;
  if (path == "/") {
    name = kIndex;
  } else if (path.substr(0, kPrefix.size()) == kPrefix) {
    name = path.substr(kPrefix.size());
  } else {
    return nullptr;
  }
  for (const ConsoleFile& file : ConsoleFiles()) {
    if (file.name == name) return &file;
  }
  return nullptr;
}

std::string_view ContentTypeOf(std::string_view name) {
  const std::string_view extension = name.substr(std::min(name.rfind('.'), name.size()));
  if (extension == ".html") return "text/html; charset=utf-8";
  if (extension == ".js") return "text/javascript; charset=utf-8";
  if (extension == ".css") return "text/css; charset=utf-8";
  if (extension == ".svg") return "image/svg+xml";
  return "application/octet-stream";
}

// If-None-Match lists entity tags separated by commas, or is "*" (RFC 9110 section 13.1.2; weak
// comparison, so W/"x" matches "x").
bool ListsEtag(std::string_view if_none_match, std::string_view quoted_etag) {
  if (if_none_match == "*") return true;
  size_t start = 0;
  while (start < if_none_match.size()) {
    size_t end = std::min(if_none_match.find(',', start), if_none_match.size());
    std::string_view tag = if_none_match.substr(start, end - start);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == quoted_etag) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

std::optional<Answer> ConsoleAnswer(std::string_view method, std::string_view path,
                                    std::string_view if_none_match) {
  const ConsoleFile* file = FileOf(path);
  if (file == nullptr) return std::nullopt;
  if (method != "GET" && method != "HEAD") {
    Answer refused = ErrorAnswer(405, "allowed here: GET, HEAD");
    refused.headers.emplace_back("Allow", "GET, HEAD");
    return refused;
  }
  // Appended piece by piece: "literal" + std::string trips GCC 12's false -Wrestrict at -O3.
  std::string etag = "\"";
  etag += file->etag;
  etag += '"';
  Answer answer;
  answer.headers = {{"ETag", etag},
                    {"Cache-Control", "no-cache"},
                    {"X-Content-Type-Options", "nosniff"},
                    {"Content-Security-Policy", kContentSecurityPolicy},
                    {"Referrer-Policy", "no-referrer"}};
  if (ListsEtag(if_none_match, etag)) {
    answer.status = 304;
    return answer;
  }
  answer.headers.emplace_back("Content-Type", std::string(ContentTypeOf(file->name)));
  answer.body = std::string(file->bytes);
  return answer;
}

bool ServeConsole(const httplib::Request& req, httplib::Response& res) {
  std::optional<Answer> answer =
      ConsoleAnswer(req.method, req.path, req.get_header_value("If-None-Match"));
  if (!answer) return false;
  res.status = answer->status;
  std::string content_type = "application/json";  // the 405's error body
  for (const auto& [name, value] : answer->headers) {
    if (name == "Content-Type") {
      content_type = value;
    } else {
      res.set_header(name, value);
    }
  }
  if (!answer->body.empty()) res.set_content(answer->body, content_type);
  return true;
}

}  // namespace crdtdb::http
