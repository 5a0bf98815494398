// Copyright (c) crdtdb authors.
//
// The responder side of the protocol: stateless answers to the requests a replica receives on its
// sync socket, from peers and from offline-first clients (docs/protocol.md). Every answer is
// bounded: at most kMaxDeltasPerMessage deltas, the nodes and leaves asked for (themselves
// bounded by the request's decoder), and documents up to kDocumentBytesPerAnswer.

#ifndef CRDTDB_SYNC_RESPONDER_H_
#define CRDTDB_SYNC_RESPONDER_H_

#include <optional>

#include "sync/local_replica.h"
#include "sync/messages.h"

namespace crdtdb::sync {

constexpr size_t kDocumentBytesPerAnswer = size_t{16} << 20;
constexpr size_t kLogAnswerBytes = size_t{8} << 20;

// The answer to `request`, or nullopt for a message that needs none (pushed documents, which
// this joins into the local replica; `applied`, if set, then receives what ApplyRemote did with
// each). InvalidArgument for a message that is not a request, or bad content (e.g. an
// undecodable pushed document); errors of the local replica's reads are returned.
Result<std::optional<Body>> AnswerRequest(LocalReplica& local, const Body& request, ApplyResult* applied = nullptr);

}  // namespace crdtdb::sync

#endif  // CRDTDB_SYNC_RESPONDER_H_
