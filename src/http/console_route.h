// Copyright (c) crdtdb authors.
//
// The web console's route (docs/http.md, "Console"): GET / is the console's page and
// GET /console/NAME its other files, all built into the binary (console_files.h). With tokens
// configured they need one like every request (interfaces.md section 7; checked before routing,
// http_server.cc): whatever adds the header to the page's request adds it to the page's API calls.
//
// Caching: every answer carries its file's ETag and `Cache-Control: no-cache`, so a browser keeps
// the files but asks each time whether they changed (304 when not): a node running a new build
// serves its new console at once. A strict Content-Security-Policy allows only the node's own
// scripts, styles and API.

#ifndef CRDTDB_HTTP_CONSOLE_ROUTE_H_
#define CRDTDB_HTTP_CONSOLE_ROUTE_H_

#include <optional>
#include <string_view>

#include "http/routes.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace crdtdb::http {

// The answer to `method` on a console path ("/" or "/console/NAME" of a file that exists) (its `Content-Type` among the headers; 304 when
// `if_none_match` lists its ETag; 405 for a method other than GET and HEAD), or nullopt when the
// path is not a console file.
std::optional<Answer> ConsoleAnswer(std::string_view method, std::string_view path,
                                    std::string_view if_none_match);

// Answers `req` into `res` when it asks for a console path; false (and `res` untouched) when not.
bool ServeConsole(const httplib::Request& req, httplib::Response& res);

}  // namespace crdtdb::http

#endif  // CRDTDB_HTTP_CONSOLE_ROUTE_H_
