// Copyright (c) crdtdb authors.
//
// The region daemon's log: one line per event on stderr, "2026-11-25T13:50:01Z INFO node: message".
// The event loop and the HTTP API it starts share it, so that an operator reads one format
// whichever part of the node speaks.

#ifndef CRDTDB_SERVER_NODE_LOG_H_
#define CRDTDB_SERVER_NODE_LOG_H_

#include <string>

namespace crdtdb::server {

// `level`: "INFO", "WARN" or "ERROR"; `node`: the node's name. Callable from any thread (the
// HTTP workers log too): each line is written by one fprintf.
void Log(const char* level, const std::string& node, const std::string& message);

}  // namespace crdtdb::server

#endif  // CRDTDB_SERVER_NODE_LOG_H_
