// Copyright (c) crdtdb authors.
//
// A local replica's sync endpoint without the socket, for a diff whose side is an embedded store
// (crdtdb --data-dir DIR diff, docs/cli.md): the responder's answers to the read requests of a
// tree walk (TreeRequest, LeafRequest, DocumentRequest), given in-process. Anything else (a push
// above all) is refused, so a diff cannot write.

#ifndef CRDTDB_DB_READ_ONLY_RESPONDER_H_
#define CRDTDB_DB_READ_ONLY_RESPONDER_H_

#include <string>
#include <string_view>

#include "crdtdb/sync_transport.h"
#include "sync/local_replica.h"

namespace crdtdb::db {

class ReadOnlyResponder final : public SyncTransport {
 public:
  // `local` must outlive the responder.
  explicit ReadOnlyResponder(sync::LocalReplica& local) : local_(local) {}

  Result<std::string> Exchange(std::string_view request) override;
  Status Send(std::string_view) override;

 private:
  sync::LocalReplica& local_;
};

}  // namespace crdtdb::db

#endif  // CRDTDB_DB_READ_ONLY_RESPONDER_H_
