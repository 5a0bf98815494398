// Copyright (c) crdtdb authors.

#include "command/connection_pool.h"

namespace crdtdb::command {

std::unique_ptr<net::ClientConnection> ConnectionPool::Take(const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = idle_.find(key);
  if (it == idle_.end() || it->second.empty()) return nullptr;
  std::unique_ptr<net::ClientConnection> connection = std::move(it->second.back());
  it->second.pop_back();
  return connection;
}

void ConnectionPool::Give(const std::string& key,
                          std::unique_ptr<net::ClientConnection> connection) {
  std::unique_ptr<net::ClientConnection> surplus;  // closed outside the lock
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::unique_ptr<net::ClientConnection>>& idle = idle_[key];
  if (idle.size() < max_idle_) {
    idle.push_back(std::move(connection));
  } else {
    surplus = std::move(connection);
  }
}

}  // namespace crdtdb::command
