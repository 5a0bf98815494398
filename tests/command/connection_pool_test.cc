// Copyright (c) crdtdb authors.
//
// The router's pool of idle connections (command/connection_pool.h): a connection given back is
// handed out again for its key only, once, and no more than max_idle are kept per key.

#include "command/connection_pool.h"

#include <doctest/doctest.h>

namespace crdtdb::command {
namespace {

std::unique_ptr<net::ClientConnection> Connection() {
  // Made, never used: a connection connects on its first exchange.
  return std::make_unique<net::ClientConnection>("tcp://127.0.0.1:1", 100);
}

TEST_CASE("connection pool: a connection given back is taken again, for its key only, once") {
  ConnectionPool pool(2);
  CHECK(pool.Take("tcp://a") == nullptr);
  std::unique_ptr<net::ClientConnection> first = Connection();
  net::ClientConnection* kept = first.get();
  pool.Give("tcp://a", std::move(first));
  CHECK(pool.Take("tcp://b") == nullptr);
  std::unique_ptr<net::ClientConnection> again = pool.Take("tcp://a");
  CHECK(again.get() == kept);
  CHECK(pool.Take("tcp://a") == nullptr);  // one caller at a time
}

TEST_CASE("connection pool: at most max_idle idle connections per key") {
  ConnectionPool pool(2);
  for (int i = 0; i < 3; ++i) pool.Give("tcp://a", Connection());
  pool.Give("tcp://b", Connection());
  CHECK(pool.Take("tcp://a") != nullptr);
  CHECK(pool.Take("tcp://a") != nullptr);
  CHECK(pool.Take("tcp://a") == nullptr);  // the third was closed
  CHECK(pool.Take("tcp://b") != nullptr);
}

}  // namespace
}  // namespace crdtdb::command
