// Copyright (c) crdtdb authors.
//
// The catalog exchange (docs/sharding.md, "Indexes"; docs/protocol.md, "Catalog"). A node of a
// region of several keeps only its partitions, but every node needs every document of the catalog
// (LocalReplica::InCatalog: the index definitions), whichever partition holds it. So once an
// anti-entropy interval, a node that keeps only some partitions asks each peer, the other nodes of
// its region among them (sync/node_scope.h), for the catalog documents it lacks: a CatalogRequest
// with the digest of its own catalog, which the peer answers with nothing when its digest is the
// same, else with its catalog, in pages. The states join through the replica's write path, as any
// replicated document does (so the indexes they define are built); joins are idempotent, so the
// union spreads from node to node and converges, whatever was lost, restarted or added.
//
// Pure functions of the local replica: the engine sends and receives (sync_engine.cc).

#ifndef CRDTDB_SYNC_CATALOG_H_
#define CRDTDB_SYNC_CATALOG_H_

#include <cstddef>
#include <vector>

#include "crdtdb/result.h"
#include "merkle/merkle_tree.h"
#include "sync/local_replica.h"
#include "sync/messages.h"

namespace crdtdb::sync {

// A digest covers at most this many catalog documents (the first by key): past them, documents
// spread only through the partitions that hold them.
constexpr size_t kMaxCatalogDocuments = 65'536;
// An answer's documents add up to at most this many bytes (or are one document, whatever its size).
constexpr size_t kCatalogAnswerBytes = size_t{4} << 20;

// The XOR of the Merkle contributions (key and digest) of the catalog's documents: equal on two
// replicas exactly when they hold the same catalog (barring a 2^-128 collision).
Result<merkle::Hash> CatalogDigest(const LocalReplica& local);

// The answer to `request` (see CatalogAnswer).
Result<CatalogAnswer> AnswerCatalog(const LocalReplica& local, const CatalogRequest& request);

// The documents of `answer` (decoded: ascending after its `after`) as updates to join, in order;
// InvalidArgument if one is not in the catalog or does not decode: a peer that sends it is faulty,
// and nothing of its answer is joined.
Result<std::vector<RemoteUpdate>> CatalogUpdates(const LocalReplica& local, const CatalogAnswer& answer);

}  // namespace crdtdb::sync

#endif  // CRDTDB_SYNC_CATALOG_H_
