// Copyright (c) crdtdb authors.

#include "server/identity_bindings.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace crdtdb::server {

namespace {

Status Errno(const std::string& what, const std::string& path) {
  return Status::IOError(what + " " + path + ": " + std::strerror(errno));
}

// One line without its newline: "HEX IDENTITY".
bool ParseLine(const std::string& line, crdt::ReplicaId* id, std::string* identity) {
  const size_t space = line.find(' ');
  if (space == 0 || space == std::string::npos || space + 1 == line.size()) return false;
  const auto [ptr, ec] = std::from_chars(line.data(), line.data() + space, *id, 16);
  if (ec != std::errc() || ptr != line.data() + space) return false;
  *identity = line.substr(space + 1);
  return true;
}

}  // namespace

Result<std::unique_ptr<IdentityBindings>> IdentityBindings::Open(const std::string& path) {
  std::map<crdt::ReplicaId, std::string> bound;
  std::ifstream in(path, std::ios::binary);
  if (in.is_open()) {
    std::stringstream text;
    text << in.rdbuf();
    if (in.bad()) return Errno("cannot read", path);
    const std::string all = text.str();
    size_t start = 0, line_number = 1;
    // A last line without its newline is a torn append, never acknowledged: cut off below.
    for (size_t end; (end = all.find('\n', start)) != std::string::npos;
         start = end + 1, ++line_number) {
      crdt::ReplicaId id = 0;
      std::string identity;
      if (!ParseLine(all.substr(start, end - start), &id, &identity)) {
        return Status::Corruption(
            path + ":" + std::to_string(line_number) +
            ": not a replica id binding (\"HEX IDENTITY\"); the server does not "
            "start without its bindings");
      }
      bound[id] = std::move(identity);  // a later line replaces an earlier one
    }
    // Cut the torn end, so that the next append starts a line of its own.
    if (start != all.size() && ::truncate(path.c_str(), static_cast<off_t>(start)) != 0) {
      return Errno("cannot truncate the torn end of", path);
    }
  } else if (errno != ENOENT) {
    return Errno("cannot open", path);
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("cannot open", path);
  return std::unique_ptr<IdentityBindings>(new IdentityBindings(path, fd, std::move(bound)));
}

IdentityBindings::IdentityBindings(std::string path, int fd,
                                   std::map<crdt::ReplicaId, std::string> bound)
    : path_(std::move(path)), fd_(fd), bound_(std::move(bound)) {}

IdentityBindings::~IdentityBindings() { ::close(fd_); }

const std::string* IdentityBindings::Find(crdt::ReplicaId id) const {
  auto it = bound_.find(id);
  return it == bound_.end() ? nullptr : &it->second;
}

Status IdentityBindings::Bind(crdt::ReplicaId id, const std::string& identity) {
  const std::string* current = Find(id);
  if (current != nullptr && *current == identity) return Status::OK();
  if (bound_.size() >= kMaxIdentityBindings && current == nullptr) {
    return Status::Unavailable("too many replica id bindings (" +
                               std::to_string(kMaxIdentityBindings) + ")");
  }
  char hex[17];
  const auto [end, ec] = std::to_chars(hex, hex + sizeof hex, id, 16);
  const std::string line = std::string(hex, end) + " " + identity + "\n";
  // After a failed append the file may end in a torn line that the next one would join; no more
  // bindings until a restart (Open cuts it), so new claims are refused meanwhile (fail closed).
  if (failed_)
    return Status::IOError("an earlier append to " + path_ + " failed; restart the server");
  if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size()) ||
      ::fdatasync(fd_) != 0) {
    failed_ = true;
    return Errno("cannot append to", path_);
  }
  bound_[id] = identity;
  return Status::OK();
}

}  // namespace crdtdb::server
