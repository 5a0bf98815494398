// Copyright (c) crdtdb authors.

#include "db/database_impl.h"

#include <algorithm>
#include <map>

#include "crdt/codec.h"
#include "crdt/dot_conflicts.h"
#include "crdt/json_input.h"
#include "crdt/limits.h"
#include "crdtdb/lists.h"
#include "crdt/materialize.h"
#include "crdt/state_json.h"
#include "db/index_entries.h"
#include "db/key.h"

namespace crdtdb::db {

namespace {

std::string Hex64(uint64_t v) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[static_cast<size_t>(i)] = kDigits[v & 15];
  return out;
}

Result<crdt::Json> ParseSetElement(std::string_view element_json) {
  Result<crdt::Json> element = crdt::ParseJson(element_json);
  if (!element.ok()) return element;
  if (element->is_structured()) return Status::InvalidArgument("set elements must be JSON scalars");
  return element;
}

Status DotConflictError(std::string_view key, const crdt::DotConflicts& conflicts) {
  return Status::Corruption("document /" + std::string(key) + ": the update holds " + std::to_string(conflicts.count) +
                            " dot(s) this replica holds with another value (first: replica " +
                            Hex64(conflicts.first.replica) + ", counter " + std::to_string(conflicts.first.counter) +
                            "): a reused or forged dot; refused");
}

}  // namespace

Status DocumentNotFound(std::string_view key) {
  return Status::NotFound("document /" + std::string(key) + " not found");
}

DatabaseImpl::DatabaseImpl(std::unique_ptr<store::Store> store, std::function<uint64_t()> clock_ms)
    : store_(std::move(store)),
      clock_(store_->metadata().replica_id, store_->metadata().clock,
             std::max<uint64_t>(1, store_->metadata().epoch << store::kEpochShift),
             std::move(clock_ms)),
      queue_(*store_, subscriptions_, clock_),
      indexes_(*store_, drop_gate_, !store_->read_only()) {}

Result<crdt::Document> DatabaseImpl::ReadLive(std::string_view key) {
  Result<std::optional<store::StoredDocument>> stored = store_->Read(key);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value() || !(*stored)->state.live()) return DocumentNotFound(key);
  return std::move((*stored)->state);
}

Result<std::string> DatabaseImpl::get(std::string_view key) {
  crdt::JsonTextSink json;
  if (Status s = GetInto(key, json); !s.ok()) return s;
  return json.Take();
}

Status DatabaseImpl::GetInto(std::string_view key, crdt::JsonSink& out) {
  Result<std::string> k = NormalizeKey(key);
  if (!k.ok()) return k.status();
  // Rendered from the stored bytes: no Document is built.
  Result<std::optional<std::string>> state = store_->ReadEncodedState(*k);
  if (!state.ok()) return state.status();
  if (!state->has_value()) return DocumentNotFound(*k);
  Result<bool> live = crdt::EmitState(**state, out);
  if (!live.ok()) return live.status().WithContext("document /" + *k);
  if (!*live) return DocumentNotFound(*k);
  return Status::OK();
}

Result<std::string> DatabaseImpl::get_with_conflicts(std::string_view key) {
  Result<std::string> k = NormalizeKey(key);
  if (!k.ok()) return k;
  Result<crdt::Document> doc = ReadLive(*k);
  if (!doc.ok()) return doc.status();
  nlohmann::ordered_json out;  // "doc" first, as docs/cli.md shows it
  out["doc"] = crdt::ToJson(*doc);
  out["conflicts"] = crdt::Conflicts(*doc);
  return out.dump();
}

Result<std::string> DatabaseImpl::put(std::string_view key, std::string_view json) {
  crdt::JsonTextSink answer;
  if (Status s = PutInto(key, json, answer); !s.ok()) return s;
  return answer.Take();
}

Status DatabaseImpl::PutInto(std::string_view key, std::string_view json, crdt::JsonSink& answer) {
  Result<std::string> k = NormalizeKey(key);
  if (!k.ok()) return k.status();
  Result<crdt::Json> object = crdt::ParseJsonObject(json);
  if (!object.ok()) return object.status();
  return MutateInto(*k, [&](const crdt::Document& x, crdt::WriteStamp st) { return crdt::PutDelta(x, *object, st); },
                    /*must_exist=*/false, &answer);
}

Result<std::string> DatabaseImpl::patch(std::string_view key, std::string_view json) {
  crdt::JsonTextSink answer;
  if (Status s = PatchInto(key, json, answer); !s.ok()) return s;
  return answer.Take();
}

Status DatabaseImpl::PatchInto(std::string_view key, std::string_view json, crdt::JsonSink& answer) {
  Result<std::string> k = NormalizeKey(key);
  if (!k.ok()) return k.status();
  Result<crdt::Json> body = crdt::ParseJson(json);
  if (!body.ok()) return body.status();
  // An array is an RFC 6902 JSON Patch, as an HTTP PATCH tells them apart by content type.
  if (body->is_array()) {
    Result<std::string> patched = json_patch(*this, *k, json);
    if (!patched.ok()) return patched.status();
    answer.Text(*patched);
    return Status::OK();
  }
  if (!body->is_object()) {
    return Status::InvalidArgument("a patch must be a JSON object (a merge patch) or an array (a JSON Patch)");
  }
  return MutateInto(*k, [&](const crdt::Document& x, crdt::WriteStamp st) { return crdt::PatchDelta(x, *body, st); },
                    /*must_exist=*/false, &answer);
}

Status DatabaseImpl::remove(std::string_view key) {
  Result<std::string> k = NormalizeKey(key);
  if (!k.ok()) return k.status();
  Result<std::string> r = Mutate(
      *k, [](const crdt::Document& x, crdt::WriteStamp) -> Result<crdt::Document> { return crdt::DeleteDelta(x); },
      /*must_exist=*/true);
  return r.status();
}

Result<std::string> DatabaseImpl::increment(std::string_view key, std::string_view field, int64_t by) {
  Result<std::string> k = NormalizeKey(key);
  if (!k.ok()) return k;
  Result<crdt::FieldPath> path = ParseFieldPath(field);
  if (!path.ok()) return path.status();
  return Mutate(*k, [&](const crdt::Document& x, crdt::WriteStamp st) { return crdt::IncrementDelta(x, *path, by, st); });
}

Result<std::string> DatabaseImpl::set_add(std::string_view key, std::string_view field, std::string_view element_json) {
  Result<std::string> k = NormalizeKey(key);
  if (!k.ok()) return k;
  Result<crdt::FieldPath> path = ParseFieldPath(field);
  if (!path.ok()) return path.status();
  Result<crdt::Json> element = ParseSetElement(element_json);
  if (!element.ok()) return element.status();
  return Mutate(*k, [&](const crdt::Document& x, crdt::WriteStamp st) { return crdt::SetAddDelta(x, *path, *element, st); });
}

Result<std::string> DatabaseImpl::set_remove(std::string_view key, std::string_view field,
                                             std::string_view element_json) {
  Result<std::string> k = NormalizeKey(key);
  if (!k.ok()) return k;
  Result<crdt::FieldPath> path = ParseFieldPath(field);
  if (!path.ok()) return path.status();
  Result<crdt::Json> element = ParseSetElement(element_json);
  if (!element.ok()) return element.status();
  return Mutate(
      *k, [&](const crdt::Document& x, crdt::WriteStamp) { return crdt::SetRemoveDelta(x, *path, *element); },
      /*must_exist=*/true);
}

Result<ListPage> DatabaseImpl::list(std::string_view collection, const ListOptions& options) {
  Result<std::string> c = NormalizeCollection(collection);
  if (!c.ok()) return c.status();
  if (options.limit == 0) return Status::InvalidArgument("a list limit must be at least 1");
  const size_t limit = std::min(options.limit, kMaxListPage);
  const std::string prefix = *c + "/";
  const std::string start_after = options.start_after.empty() ? "" : prefix + options.start_after;
  ListPage page;
  Status rendered;
  Status s = store_->Scan(prefix, start_after, [&](std::string_view key, std::string_view state) {
    Result<std::optional<std::string>> json = crdt::StateJson(state);
    if (!json.ok()) {
      rendered = json.status().WithContext("document /" + std::string(key));
      return false;
    }
    if (!json->has_value()) return true;  // deleted
    if (page.documents.size() == limit) {
      page.next_start_after = page.documents.back().id;
      return false;
    }
    page.documents.push_back(ListedDocument{std::string(key.substr(prefix.size())), std::move(**json)});
    return true;
  });
  if (!s.ok()) return s;
  if (!rendered.ok()) return rendered;
  return page;
}

std::unique_ptr<Subscription> DatabaseImpl::subscribe(std::string prefix, std::function<void(const Change&)> callback) {
  return subscriptions_.Add(std::move(prefix), std::move(callback));
}

LocalStatus DatabaseImpl::status() {
  const store::Metadata meta = store_->metadata();
  LocalStatus out;
  out.replica_id = Hex64(meta.replica_id);
  out.documents = meta.live_documents;
  out.merkle_root = store_->merkle_root().ToHex();
  out.last_sequence = meta.sequence;
  out.commits = queue_.commits();
  out.documents_written = queue_.documents_written();
  out.clock_ahead_ignored = clock_.ignored_ahead();
  const store::StoreHealth health = store_->health();
  out.healthy = health.healthy();
  out.last_error = !health.write_error.empty() ? health.write_error : health.last_read_error;
  out.read_errors = health.read_errors;
  out.first_read_error = health.first_read_error;
  out.indexes = IndexStatus();
  out.index_error = indexes_.error();
  out.live_syncs = live_syncs_.States();
  return out;
}

Status DatabaseImpl::check_storage() { return store_->CheckStorage(); }

crdt::ReplicaId DatabaseImpl::replica_id() const { return store_->metadata().replica_id; }
uint64_t DatabaseImpl::last_sequence() const { return store_->metadata().sequence; }
merkle::Hash DatabaseImpl::merkle_root() const { return store_->merkle_root(); }
merkle::Hash DatabaseImpl::merkle_node(merkle::NodeId id) const { return store_->merkle_node(id); }
std::vector<merkle::Hash> DatabaseImpl::merkle_children(merkle::NodeId id) const {
  return store_->merkle_children(id);
}

Result<std::vector<sync::LoggedDelta>> DatabaseImpl::ReadLog(uint64_t from, size_t max,
                                                             size_t max_bytes) const {
  std::vector<sync::LoggedDelta> out;
  // An answer of gone entries only would read as the end of the log (a publisher skips to the
  // last sequence): read on past them. Each read moves past at least one entry, so this ends
  // within the log's retention.
  while (out.empty()) {
    Result<std::vector<store::DeltaLogEntry>> entries = store_->ReadDeltaLog(from, max, max_bytes);
    if (!entries.ok()) return entries.status();
    if (entries->empty()) break;
    from = entries->back().sequence + 1;
    for (store::DeltaLogEntry& e : *entries) {
      if (e.gone) continue;  // its document was dropped: receivers get it from its owners
      out.push_back(sync::LoggedDelta{e.sequence, std::move(e.key), std::move(e.delta)});
    }
  }
  return out;
}

Result<std::vector<sync::LeafEntry>> DatabaseImpl::ReadLeaf(uint32_t bucket) const {
  Result<std::vector<std::pair<std::string, crdt::Digest>>> entries = store_->ReadBucket(bucket);
  if (!entries.ok()) return entries.status();
  std::vector<sync::LeafEntry> out;
  out.reserve(entries->size());
  for (auto& [key, digest] : *entries) out.push_back(sync::LeafEntry{std::move(key), digest});
  return out;
}

Result<std::optional<std::string>> DatabaseImpl::ReadState(const std::string& key) const {
  return store_->ReadEncodedState(key);
}

Result<std::vector<sync::DocumentState>> DatabaseImpl::ReadCatalog(std::string_view after, size_t max) const {
  std::vector<sync::DocumentState> out;
  if (max == 0) return out;
  const std::string prefix = std::string(kIndexCollection) + "/";
  // From the first key after `after`; an `after` below the catalog's prefix (the empty one, say)
  // starts at the catalog's first key.
  Status s = store_->Scan(prefix, after < prefix ? std::string_view() : after, [&](std::string_view key, std::string_view state) {
    out.push_back(sync::DocumentState{std::string(key), std::string(state)});
    return out.size() < max;
  });
  if (!s.ok()) return s;
  return out;
}

Result<uint64_t> DatabaseImpl::DropBuckets(uint32_t first, uint32_t last) {
  DropGate::Guard gate = drop_gate_.Drop();
  const std::shared_ptr<const IndexCatalog> catalog = indexes_.catalog();
  // Index definitions stay: every node maintains its indexes over the partitions it owns, so each
  // keeps every definition, whichever partition holds its document (docs/sharding.md).
  const store::KeptOnDrop keep = [](std::string_view key) { return IsIndexDefinition(key); };
  if (catalog->by_collection.empty()) return store_->DropBuckets(first, last, {}, keep);
  // The entries of each dropped document go with it, as if it were deleted.
  return store_->DropBuckets(
      first, last,
      [&](std::string_view key, const crdt::Document& state, std::vector<store::IndexChange>* out) {
        AddIndexChanges(*catalog, key, &state, crdt::Document(), /*touched=*/nullptr, out);
      },
      keep);
}

std::optional<uint64_t> DatabaseImpl::StreamProgress(crdt::ReplicaId origin) const {
  Result<std::optional<uint64_t>> progress = store_->ReadStreamProgress(origin);
  return progress.ok() ? *progress : std::nullopt;  // unreadable: resume as if unknown
}

void DatabaseImpl::SaveStreamProgress(crdt::ReplicaId origin, uint64_t sequence) {
  (void)store_->SaveStreamProgress(origin, sequence);  // best effort (local_replica.h)
}

void DatabaseImpl::OnOwnStreamAcknowledged(const std::string& peer, uint64_t sequence) {
  const uint64_t last = store_->metadata().sequence;
  if (sequence <= last) return;
  // Refused as after a failed write: the close marks the store so that its next open starts a
  // new stream epoch, above every number the lost writes used (docs/operations.md).
  store_->RefuseWrites("peer " + peer + " has applied this replica's writes up to sequence " +
                       std::to_string(sequence) + ", but its store ends at " + std::to_string(last) +
                       ": it was restored from a backup or copied; restart the replica to start a new "
                       "stream epoch (docs/operations.md, \"Restoring a backup\")");
}

sync::ApplyResult DatabaseImpl::ApplyRemote(std::vector<sync::RemoteUpdate> updates) {
  sync::ApplyResult result;
  result.updates.resize(updates.size());
  result.changed.resize(updates.size());
  // Keys come from peers: one that is not a valid document key fails alone.
  std::vector<std::string_view> keys;
  keys.reserve(updates.size());
  for (size_t i = 0; i < updates.size(); ++i) {
    if (Result<std::string> k = NormalizeKey(updates[i].key); !k.ok() || *k != updates[i].key) {
      result.updates[i] = Status::InvalidArgument("remote update for an invalid key");
    } else {
      keys.push_back(updates[i].key);
    }
  }
  // The next state of each document the batch names, from its state (LoadForWrite) and every
  // update of it in the batch, in order; a document that fails, fails its updates only.
  struct Next {
    PendingStates::State previous;
    crdt::Document state;
    bool changed = false;
    Status failed;
    std::vector<size_t> updates;
  };
  std::map<std::string_view, Next> next;
  crdt::Timestamp observed = 0;  // the highest timestamp the batch brings in (WriteClock::Observe)
  std::vector<std::string_view> written;
  Status committed;
  std::vector<std::pair<std::string, uint64_t>> tickets;
  {
    DropGate::Guard gate = drop_gate_.Write();  // until the commit (drop_gate.h)
    KeyLocks::Guard guard = key_locks_.Lock(keys);
    for (size_t i = 0; i < updates.size(); ++i) {
      const sync::RemoteUpdate& u = updates[i];
      if (!result.updates[i].ok()) continue;
      auto [it, first] = next.try_emplace(u.key);
      Next& n = it->second;
      n.updates.push_back(i);
      if (first) {
        Result<PendingStates::State> previous = LoadForWrite(u.key);
        if (!previous.ok()) {
          n.failed = previous.status().WithContext("document /" + std::string(u.key));
          continue;
        }
        n.previous = std::move(*previous);
        if (n.previous) n.state = n.previous->state;
        n.changed = !n.previous;  // even a no-op update of an unknown document records its context
      }
      if (!n.failed.ok()) continue;
      // Found before the join, so that a refused update leaves nothing to undo: each update costs
      // O(its size x log the document's), never a copy or a comparison of the whole document.
      const crdt::DotConflicts conflicts = crdt::FindDotConflicts(n.state, u.document);
      if (conflicts.count > 0) {
        // The update is refused whole: what else it carries came from the same suspect source.
        n.failed = DotConflictError(u.key, conflicts);
        continue;
      }
      const bool changed = u.is_state ? n.state.Join(u.document) : n.state.ApplyDelta(u.document);
      n.changed = n.changed || changed;
      if (changed) observed = std::max(observed, crdt::MaxTimestamp(u.document.root()));
    }
    // Before the commit, which records the clock: a write made after this one sees these values
    // and is stamped above them (docs/crdt.md section 4).
    if (observed != 0) clock_.Observe(observed);
    std::vector<PreparedWrite> writes;
    const std::shared_ptr<const IndexCatalog> catalog = indexes_.catalog();
    for (auto& [key, n] : next) {
      if (!n.failed.ok() || !n.changed) continue;
      // A join is bounded by what a store holds, not by what a local write may make: refusing it
      // would leave this replica apart from its peers for good (crdt/limits.h).
      Result<store::DocumentWrite> document =
          store::EncodeDocumentWrite(std::string(key), n.state, n.previous.get(), crdt::kMaxEncodedBytes);
      if (!document.ok()) {
        n.failed = document.status();
        continue;
      }
      // Joins of states: any field may have changed.
      AddIndexChanges(*catalog, key, n.previous.get() ? &n.previous->state : nullptr, n.state,
                      /*touched=*/nullptr, &document->index_changes);
      PreparedWrite& w = writes.emplace_back();
      if (subscriptions_.any()) {
        w.change = Change{
            std::string(key),
            n.state.live() ? std::optional(crdt::DocumentJson(n.state)) : std::nullopt, true};
      }
      tickets.emplace_back(key,
                           pending_.Set(std::string(key), std::move(n.state), document->digest));
      w.document = std::move(document).value();
      written.push_back(key);
    }
    if (!writes.empty()) {
      committed = queue_.Submit(std::move(writes), [&guard] { guard.Release(); });
    }
    for (const auto& [key, ticket] : tickets) pending_.Clear(key, ticket);
  }
  subscriptions_.Drain();
  if (!committed.ok()) {
    for (std::string_view key : written) next[key].failed = committed;
  } else if (std::any_of(written.begin(), written.end(), IsIndexDefinition)) {
    indexes_.DefinitionsChanged();
  }
  // Every update of a document shares its document's outcome.
  for (const auto& [key, n] : next) {
    for (size_t i : n.updates) {
      result.updates[i] = n.failed;
      result.changed[i] = n.failed.ok() && n.changed;
    }
  }
  return result;
}

}  // namespace crdtdb::db
