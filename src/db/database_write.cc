// Copyright (c) crdtdb authors.
//
// The local write path of DatabaseImpl: the state a write builds on, the delta joined into it,
// the checks of a write's limits, the index changes, and the commit through the write queue.

#include "crdt/codec.h"
#include "crdt/limits.h"
#include "crdt/materialize.h"
#include "db/database_impl.h"
#include "db/index_entries.h"

namespace crdtdb::db {

namespace {

// A local write may not grow a document past kMaxWriteBytes, nor its causal context past
// kMaxWriteContextRanges (crdt/limits.h). One that leaves a larger document (a join of concurrent
// writes) no larger is allowed, so that its conflicts can be resolved by a write.
Status CheckWriteSize(std::string_view key, const crdt::Document& before, const crdt::Document& after,
                      size_t after_bytes) {
  const size_t ranges = after.context().range_count();
  if (ranges > crdt::kMaxWriteContextRanges && ranges > before.context().range_count()) {
    return Status::InvalidArgument("document /" + std::string(key) + " would hold " + std::to_string(ranges) +
                                   " dot ranges in its causal context, past the limit of a write (" +
                                   std::to_string(crdt::kMaxWriteContextRanges) + ")");
  }
  if (after_bytes <= crdt::kMaxWriteBytes) return Status::OK();
  if (!before.bottom() && after_bytes <= crdt::EncodeDocument(before).size()) return Status::OK();
  return Status::InvalidArgument("document /" + std::string(key) + " would be " + std::to_string(after_bytes) +
                                 " encoded bytes, past the size limit of a write (" +
                                 std::to_string(crdt::kMaxWriteBytes) + ")");
}

}  // namespace

Result<PendingStates::State> DatabaseImpl::LoadForWrite(std::string_view key) const {
  if (PendingStates::State queued = pending_.Find(key)) return queued;
  Result<std::optional<store::StoredDocument>> stored = store_->Read(key);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return PendingStates::State();
  return std::make_shared<const store::StoredDocument>(std::move(**stored));
}

Result<PreparedWrite> DatabaseImpl::PrepareWrite(const std::string& key, const PendingStates::State& previous,
                                                 crdt::Document delta, crdt::Document* next,
                                                 crdt::JsonSink* answer) {
  const crdt::Document empty;
  const crdt::Document& base = previous != nullptr ? previous->state : empty;
  // The root of the delta applied to `base`, which names every root field that may change
  // (index_entries.h); null for a new document, whose every field is new.
  const crdt::ObjectNode* touched = nullptr;
  // A new document's delta is its whole state, which the delta log records by reference: it
  // need not be encoded (store.h, AppendEncodedLocalDelta).
  std::string encoded_delta = previous == nullptr ? std::string() : crdt::EncodeDelta(delta);
  if (base.bottom()) {
    // A new document: the delta joined into nothing is the delta without its mention nodes
    // (a lattice property test checks it), so it becomes the state without a copy.
    *next = std::move(delta);
    next->Normalize();
  } else {
    *next = base;
    next->ApplyDelta(delta);
    touched = &delta.root();
  }
  PreparedWrite write;
  if (subscriptions_.any()) {
    // Rendered once, here: the writer's answer and its subscribers' change share it.
    std::string rendered = crdt::DocumentJson(*next);
    if (answer != nullptr) answer->Text(rendered);
    write.change = Change{key, next->live() ? std::optional(std::move(rendered)) : std::nullopt, false};
  } else if (answer != nullptr) {
    crdt::EmitDocument(*next, *answer);
  }
  Result<store::DocumentWrite> document =
      store::EncodeDocumentWrite(key, *next, previous.get(), crdt::kMaxEncodedBytes);
  if (!document.ok()) return document.status();
  if (Status s = CheckWriteSize(key, base, *next, document->encoded.size()); !s.ok()) return s;
  AddIndexChanges(*indexes_.catalog(), key, previous ? &previous->state : nullptr, *next, touched,
                  &document->index_changes);
  write.document = std::move(document).value();
  write.encoded_delta = std::move(encoded_delta);
  return write;
}

Result<std::string> DatabaseImpl::Mutate(const std::string& key, const DeltaMaker& make, bool must_exist) {
  crdt::JsonTextSink json;
  if (Status s = MutateInto(key, make, must_exist, &json); !s.ok()) return s;
  return json.Take();
}

Status DatabaseImpl::MutateInto(const std::string& key, const DeltaMaker& make, bool must_exist,
                                crdt::JsonSink* answer) {
  Status committed;
  {
    // Held until the write is committed (drop_gate.h).
    DropGate::Guard gate = drop_gate_.Write();
    // Held until the write is queued (key_locks.h).
    KeyLocks::Guard guard = key_locks_.Lock(key);
    Result<PendingStates::State> previous = LoadForWrite(key);
    if (!previous.ok()) return previous.status();
    const crdt::Document empty;
    const crdt::Document& base = *previous != nullptr ? (*previous)->state : empty;
    if (must_exist && !base.live()) return DocumentNotFound(key);
    Result<crdt::Document> delta = make(base, clock_.NextStamp());
    if (!delta.ok()) return delta.status();
    if (delta->bottom()) {
      if (answer != nullptr) crdt::EmitDocument(base, *answer);
      return Status::OK();
    }
    crdt::Document next;
    Result<PreparedWrite> write = PrepareWrite(key, *previous, std::move(delta).value(), &next, answer);
    if (!write.ok()) return write.status();
    const crdt::Digest digest = write->document.digest;
    std::vector<PreparedWrite> writes;
    writes.push_back(std::move(write).value());
    const uint64_t ticket = pending_.Set(key, std::move(next), digest);
    committed = queue_.Submit(std::move(writes), [&guard] { guard.Release(); });
    pending_.Clear(key, ticket);
  }
  subscriptions_.Drain();
  if (!committed.ok()) return committed;
  if (IsIndexDefinition(key)) indexes_.DefinitionsChanged();
  return Status::OK();
}

}  // namespace crdtdb::db
