// Copyright (c) crdtdb authors.

#include "sync/responder.h"

#include <algorithm>
#include <map>
#include <type_traits>

#include "cluster/partitioning.h"
#include "crdt/codec.h"
#include "sync/catalog.h"
#include "sync/tree_answers.h"

namespace crdtdb::sync {

namespace {

Result<std::optional<Body>> Answer(LocalReplica& local, const LogRequest& request) {
  // At least one delta, so that the answer also tells where the log starts. Within one message:
  // the requester asks again for the rest.
  const size_t max = std::clamp<size_t>(request.max_deltas, 1, kMaxDeltasPerMessage);
  Result<std::vector<LoggedDelta>> deltas =
      local.ReadLog(std::max<uint64_t>(request.from_sequence, 1), max, kLogAnswerBytes);
  if (!deltas.ok()) return deltas.status();
  LogResponse response;
  response.last_sequence = local.last_sequence();
  // Where the log starts now: the first delta returned, or past the end if nothing is left.
  response.first_available = deltas->empty() ? std::max(request.from_sequence, response.last_sequence + 1)
                                             : deltas->front().sequence;
  response.scanned_through = deltas->empty() ? response.last_sequence : deltas->back().sequence;
  response.deltas = std::move(deltas).value();
  response.from_sequence = request.from_sequence;
  response.partition_count = request.partition_count;
  response.partitions = request.partitions;
  if (request.partition_count != 0) {
    // Only the asked partitions' deltas travel; the read, and so the work, is bounded as above.
    const cluster::Partitioning partitioning(request.partition_count);
    std::erase_if(response.deltas, [&](const LoggedDelta& d) {
      return !std::binary_search(request.partitions.begin(), request.partitions.end(),
                                 partitioning.PartitionOf(d.key));
    });
  }
  return std::optional<Body>(std::move(response));
}

// A node's fingerprint is taken from the children read with it, and a leaf's from its entries,
// never from a second read of the tree: the replica takes writes between two reads, and an answer
// that straddled one would not add up, so the requester would reject the round as forged.
Result<std::optional<Body>> Answer(LocalReplica& local, const TreeRequest& request) {
  TreeResponse response{request.session, {}};
  for (const merkle::NodeId& id : request.nodes) {
    if (id.level >= merkle::kDepth) return Status::InvalidArgument("tree requests name inner nodes only");
    std::vector<merkle::Fingerprint> children;
    for (const merkle::Hash& child : local.merkle_children(id)) children.push_back(merkle::FingerprintOf(child, request.session));
    const merkle::Fingerprint hash = XorOf(children);
    response.nodes.push_back(TreeNode{id, hash, std::move(children)});
  }
  return std::optional<Body>(std::move(response));
}

Result<std::optional<Body>> Answer(LocalReplica& local, const LeafRequest& request) {
  LeafResponse response{request.session, {}};
  size_t entries = 0;
  for (uint32_t bucket : request.buckets) {
    Result<std::vector<LeafEntry>> leaf = local.ReadLeaf(bucket);
    if (!leaf.ok()) return leaf.status();
    entries += leaf->size();
    // A bucket holds ~documents/65,536 keys; one this full means billions of documents.
    if (entries > kMaxLeafEntriesPerMessage) return Status::Internal("leaf answer exceeds its bound");
    Leaf answer{bucket, 0, {}};
    for (const LeafEntry& e : *leaf) answer.entries.push_back(EntryFingerprint(e, request.session));
    std::sort(answer.entries.begin(), answer.entries.end());
    answer.hash = XorOf(answer.entries);
    response.leaves.push_back(std::move(answer));
  }
  return std::optional<Body>(std::move(response));
}

Result<std::optional<Body>> Answer(LocalReplica& local, const DocumentRequest& request) {
  Documents response{request.session, {}, {}};
  // Each bucket named is read and fingerprinted once: the request names documents by
  // fingerprint, not by key, and may name up to kMaxDocumentsPerMessage of one bucket.
  std::map<uint32_t, std::map<merkle::Fingerprint, std::string>> leaves;
  size_t bytes = 0;
  for (const DocumentRef& ref : request.documents) {
    auto leaf = leaves.find(ref.bucket);
    if (leaf == leaves.end()) {
      Result<std::vector<LeafEntry>> entries = local.ReadLeaf(ref.bucket);
      if (!entries.ok()) return entries.status();
      std::map<merkle::Fingerprint, std::string> keys;
      for (LeafEntry& e : *entries) {
        const merkle::Fingerprint f = EntryFingerprint(e, request.session);
        keys.emplace(f, std::move(e.key));  // on a collision, the first key, as any answer would do
      }
      leaf = leaves.emplace(ref.bucket, std::move(keys)).first;
    }
    auto entry = leaf->second.find(ref.fingerprint);
    std::optional<std::string> state;
    if (entry != leaf->second.end()) {
      Result<std::optional<std::string>> read = local.ReadState(entry->second);
      if (!read.ok()) return read.status();
      state = std::move(read).value();
    }
    if (!state) {
      response.missing.push_back(ref);
      continue;
    }
    bytes += state->size();
    // The requester asks again for what does not fit.
    if (bytes > kDocumentBytesPerAnswer && !response.documents.empty()) break;
    response.documents.push_back(DocumentState{entry->second, std::move(*state)});
  }
  return std::optional<Body>(std::move(response));
}

Result<std::optional<Body>> Answer(LocalReplica& local, const Documents& pushed, ApplyResult* applied) {
  std::vector<RemoteUpdate> updates;
  for (const DocumentState& d : pushed.documents) {
    Result<crdt::Document> state = crdt::DecodeDocument(d.state);
    if (!state.ok()) return Status::InvalidArgument("pushed document /" + d.key + ": " + state.status().message());
    updates.push_back(RemoteUpdate{d.key, std::move(state).value(), /*is_state=*/true});
  }
  // Each document succeeds or fails on its own; the caller counts and reports the failures.
  ApplyResult result = local.ApplyRemote(std::move(updates));
  if (applied != nullptr) *applied = std::move(result);
  return std::optional<Body>();
}

Result<std::optional<Body>> Answer(LocalReplica& local, const CatalogRequest& request) {
  Result<CatalogAnswer> answer = AnswerCatalog(local, request);
  if (!answer.ok()) return answer.status();
  return std::optional<Body>(std::move(answer).value());
}

template <typename T>
Result<std::optional<Body>> Answer(LocalReplica&, const T& message) {
  return Status::InvalidArgument(std::string(TypeName(Body(message))) + " is not a request");
}

}  // namespace

Result<std::optional<Body>> AnswerRequest(LocalReplica& local, const Body& request, ApplyResult* applied) {
  return std::visit(
      [&](const auto& m) -> Result<std::optional<Body>> {
        if constexpr (std::is_same_v<std::decay_t<decltype(m)>, Documents>) {
          return Answer(local, m, applied);
        } else {
          return Answer(local, m);
        }
      },
      request);
}

}  // namespace crdtdb::sync
