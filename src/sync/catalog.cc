// Copyright (c) crdtdb authors.

#include "sync/catalog.h"

#include <string>
#include <utility>

#include "crdt/codec.h"
#include "crdt/digest.h"

namespace crdtdb::sync {

Result<merkle::Hash> CatalogDigest(const LocalReplica& local) {
  merkle::Hash digest;
  std::string after;
  for (size_t read = 0; read < kMaxCatalogDocuments;) {
    Result<std::vector<DocumentState>> page = local.ReadCatalog(after, kMaxCatalogDocumentsPerMessage);
    if (!page.ok()) return page.status();
    for (const DocumentState& d : *page) {
      digest = merkle::Xor(digest, merkle::Contribution(d.key, crdt::DigestOf(d.state)));
    }
    if (page->size() < kMaxCatalogDocumentsPerMessage) break;
    read += page->size();
    after = page->back().key;
  }
  return digest;
}

Result<CatalogAnswer> AnswerCatalog(const LocalReplica& local, const CatalogRequest& request) {
  Result<merkle::Hash> digest = CatalogDigest(local);
  if (!digest.ok()) return digest.status();
  CatalogAnswer answer{*digest, request.after, {}, false};
  if (*digest == request.digest) return answer;
  // One more than a page holds tells whether others follow.
  Result<std::vector<DocumentState>> page = local.ReadCatalog(request.after, kMaxCatalogDocumentsPerMessage + 1);
  if (!page.ok()) return page.status();
  size_t bytes = 0;
  for (DocumentState& d : *page) {
    bytes += d.key.size() + d.state.size();
    if (answer.documents.size() == kMaxCatalogDocumentsPerMessage ||
        (!answer.documents.empty() && bytes > kCatalogAnswerBytes)) {
      answer.more = true;
      break;
    }
    answer.documents.push_back(std::move(d));
  }
  return answer;
}

Result<std::vector<RemoteUpdate>> CatalogUpdates(const LocalReplica& local, const CatalogAnswer& answer) {
  std::vector<RemoteUpdate> updates;
  for (const DocumentState& d : answer.documents) {
    if (!local.InCatalog(d.key)) return Status::InvalidArgument("catalog answer: /" + d.key + " is not in the catalog");
    Result<crdt::Document> state = crdt::DecodeDocument(d.state);
    if (!state.ok()) return Status::InvalidArgument("catalog answer: /" + d.key + ": " + state.status().message());
    updates.push_back(RemoteUpdate{d.key, std::move(state).value(), /*is_state=*/true});
  }
  return updates;
}

}  // namespace crdtdb::sync
