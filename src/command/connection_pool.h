// Copyright (c) crdtdb authors.
//
// Idle client connections to nodes, kept for the next call (RouterOptions::pool_connections): a
// node's HTTP workers send every request through the region router, and a connection made per call
// costs a ZeroMQ context (its I/O thread), a TCP connect and a ZMTP handshake each time
// (docs/benchmarks.md, "HTTP"). Thread-safe; a connection is used by one caller at a time: Take
// hands it out, Give returns it. Only a connection whose last exchange succeeded is given back,
// so a late answer to a request that timed out can never be read as the answer to another.

#ifndef CRDTDB_COMMAND_CONNECTION_POOL_H_
#define CRDTDB_COMMAND_CONNECTION_POOL_H_

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "net/client_call.h"

namespace crdtdb::command {

class ConnectionPool {
 public:
  // Keeps at most `max_idle` idle connections per key; more are closed when given back.
  explicit ConnectionPool(size_t max_idle) : max_idle_(max_idle) {}

  // An idle connection made for `key` (the node's endpoint and keys), or null when none is idle.
  std::unique_ptr<net::ClientConnection> Take(const std::string& key);
  // Keeps `connection` for the next Take of `key`.
  void Give(const std::string& key, std::unique_ptr<net::ClientConnection> connection);

 private:
  const size_t max_idle_;
  std::mutex mutex_;
  std::map<std::string, std::vector<std::unique_ptr<net::ClientConnection>>> idle_;
};

}  // namespace crdtdb::command

#endif  // CRDTDB_COMMAND_CONNECTION_POOL_H_
