// Copyright (c) crdtdb authors.
//
// Which authenticated identity may speak for which replica id on a region's sync socket, kept
// across restarts. With CURVE, a request claims a sender replica id; the server admits it only
// from the identity the id is bound to (node_admission.cc, Admit): a region's id to that region
// (learned from its delta stream, which CURVE authenticated with the region's key), any other id
// to the first client key that used it. Were the bindings forgotten at every start, a listed
// client could claim a region's id in the moments after a start before the region is heard from;
// kept in a file, an id once bound stays bound.
//
// The file, `crdtdb-identities` in the region's data_dir, is the server's own (the store does not
// read it): one line per binding, "REPLICA_ID_HEX IDENTITY\n", where IDENTITY is a region's name or
// "client:" and the client's Z85 public key. A later line for the same id replaces an earlier one
// (a region's authoritative binding replacing a client's claim). A new binding is appended and
// fsync'd before the request that made it is admitted; a last line without its newline is the
// torn end of an append that was never acknowledged, and is cut off when the file is opened. Any
// other malformed line is an error: the server does not start on bindings it cannot read (fail
// closed).
//
// Not thread-safe: the server's event loop owns it.

#ifndef CRDTDB_SERVER_IDENTITY_BINDINGS_H_
#define CRDTDB_SERVER_IDENTITY_BINDINGS_H_

#include <cstddef>
#include <map>
#include <memory>
#include <string>

#include "crdt/dot.h"
#include "crdtdb/result.h"
#include "crdtdb/status.h"

namespace crdtdb::server {

constexpr const char* kIdentityBindingsFile = "crdtdb-identities";

// Beyond this many bindings, new claims are refused rather than old ones forgotten.
constexpr size_t kMaxIdentityBindings = 65'536;

class IdentityBindings {
 public:
  // Reads `path` (a missing file holds no bindings) and keeps it open for appends.
  static Result<std::unique_ptr<IdentityBindings>> Open(const std::string& path);
  ~IdentityBindings();
  IdentityBindings(const IdentityBindings&) = delete;
  IdentityBindings& operator=(const IdentityBindings&) = delete;

  // The identity `id` is bound to, or nullptr.
  const std::string* Find(crdt::ReplicaId id) const;

  // Binds `id` to `identity` (a region's learned id may replace a client's earlier claim) and
  // makes it durable. IOError if it could not be written: the caller must then refuse the claim.
  // Unavailable when kMaxIdentityBindings ids are bound already and `id` is not one of them.
  Status Bind(crdt::ReplicaId id, const std::string& identity);

  size_t size() const { return bound_.size(); }

 private:
  IdentityBindings(std::string path, int fd, std::map<crdt::ReplicaId, std::string> bound);

  const std::string path_;
  const int fd_;  // opened for appending
  std::map<crdt::ReplicaId, std::string> bound_;
  bool failed_ = false;  // an append failed: the file may end in a torn line
};

}  // namespace crdtdb::server

#endif  // CRDTDB_SERVER_IDENTITY_BINDINGS_H_
