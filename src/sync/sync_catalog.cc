// Copyright (c) crdtdb authors.
//
// The catalog exchange of a node that keeps only some partitions (sync/catalog.h): once an
// anti-entropy interval it asks each peer for the catalog documents it lacks, with the digest of
// its own, and joins what the peer answers, page after page.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sync/catalog.h"
#include "sync/sync_engine.h"
#include "sync/sync_engine_peer.h"

namespace crdtdb::sync {

void SyncEngine::RequestCatalog(Peer& peer, uint64_t now_ms) {
  // A replica that keeps every partition gets every catalog document with them.
  if (!scope_.partitioning || scope_.keeps_all) return;
  if (peer.catalog_asked) {
    if (now_ms - peer.catalog_asked_ms <= options_.request_timeout_ms) return;
    peer.catalog_asked.reset();  // lost, or the peer is away: asked again at the next interval
  }
  if (now_ms < peer.next_catalog_ms) return;
  peer.next_catalog_ms = now_ms + options_.anti_entropy_interval_ms;
  AskCatalog(peer, std::string(), now_ms);
}

void SyncEngine::AskCatalog(Peer& peer, std::string after, uint64_t now_ms) {
  Result<merkle::Hash> digest = CatalogDigest(local_);
  if (!digest.ok()) return;  // a storage error: asked again at the next interval
  CatalogRequest request{*digest, std::move(after)};
  peer.catalog_asked = request;
  peer.catalog_asked_ms = now_ms;
  Send(Outgoing::Kind::kRequest, peer.name, std::move(request));
}

void SyncEngine::OnCatalogAnswer(Peer& peer, const CatalogAnswer& answer, uint64_t now_ms) {
  // A late or repeated answer, of a request since answered or given up, is dropped.
  if (!peer.catalog_asked || peer.catalog_asked->after != answer.after) return;
  peer.catalog_asked.reset();
  Result<std::vector<RemoteUpdate>> updates = CatalogUpdates(local_, answer);
  if (!updates.ok()) {
    ++stats_.rejected_messages;
    ++peer.traffic.rejected_messages;
    return;
  }
  if (!updates->empty()) {
    // Through the replica's write path, as any replicated document: the index a definition
    // defines is built here, and one the peer holds dropped is dropped here.
    const ApplyResult applied = local_.ApplyRemote(std::move(updates).value());
    for (const Status& s : applied.updates) {
      if (s.ok()) {
        ++stats_.docs_repaired;
        ++peer.traffic.docs_repaired;
      } else {
        NoteApplyFailure(&peer, s, now_ms);
      }
    }
  }
  if (answer.more && !answer.documents.empty()) AskCatalog(peer, answer.documents.back().key, now_ms);
}

}  // namespace crdtdb::sync
