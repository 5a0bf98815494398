// Copyright (c) crdtdb authors.
//
// GET /v1/changes?prefix=P&since=CURSOR (docs/http.md, "Change feed"): the change feed as
// Server-Sent Events. Each change is one event, `id:` its cursor and `data:` the line `watch`
// prints; a client that reconnects sends the last id it saw as Last-Event-ID (browsers'
// EventSource does it by itself) and resumes right after it. The stream is the CLI's watch
// (command/watch.h): pages of the feed, each a long poll on the node's client endpoint, so an
// HTTP watcher holds no more than one page and never slows the node's writers; a client that
// reads too slowly meets the write timeout and is cut off, and resumes by its last id.
//
// Bounded: a stream ends after kMaxStreamMs (an `retry:` field tells the client to come back at
// once, with its last id), and at most half the workers serve streams at a time (503 beyond), so
// streams never starve other requests. The pure parts (the request's checks and the events'
// text) are here; http_server.cc runs the stream.

#ifndef CRDTDB_HTTP_CHANGE_STREAM_H_
#define CRDTDB_HTTP_CHANGE_STREAM_H_

#include <cstdint>
#include <string>
#include <variant>

#include "command/watch.h"
#include "http/routes.h"

namespace crdtdb::http {

constexpr int64_t kMaxStreamMs = 60'000;
constexpr char kChangesPath[] = "/v1/changes";

// The watch a request asks for (`last_event_id`: its Last-Event-ID header, which wins over
// `since`), or the answer refusing it: 405, or 400 for a malformed prefix or cursor.
std::variant<command::WatchSession, Answer> ChangeStreamOf(const Request& request, const std::string& last_event_id);

// The events of a page's change lines (command::WatchSession::Accept), then, when `cursor` (the
// page's, empty if it did not move) is past them, an event with the cursor alone (it sets the
// client's last id without dispatching anything); a page with neither is a comment line, so the
// stream is never silent longer than a long poll.
std::string ChangeEvents(const std::string& lines, const std::string& cursor);

// The event that ends a stream on an error (a cursor the feed cannot serve, the node gone):
// `event: error` with the JSON error body; Gone is "gone", the client must resync.
std::string ErrorEvent(const Status& status);

// The answer to a first page that failed: 400 malformed, 410 Gone, 503 otherwise.
Answer StreamRefused(const Status& status);

}  // namespace crdtdb::http

#endif  // CRDTDB_HTTP_CHANGE_STREAM_H_
