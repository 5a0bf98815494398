// Copyright (c) crdtdb authors.
//
// Delta mutators: for every user operation, a function that reads a document state x and returns a
// small delta d such that the operation's result is x ⊔ d (Almeida et al. 2018, section 3). The
// caller joins d into its state (Document::ApplyDelta) and ships d to other replicas, which join it
// into theirs; no operation mutates a document directly.
//
// Every delta removes exactly the dots the writer observed (they go into the delta's context) and
// adds fresh dots of `stamp.replica`, numbered above every dot of that replica in x. A write of a
// field removes every value the field held, of any kind, so concurrent writes survive as
// conflicts and observed ones never do. put, patch, set, increment and set-add also renew the
// presence of the document and of every object they write into, so an update concurrent with a
// delete keeps the document alive ("update wins"). remove and set-remove do not.
//
// Every JSON array written is a list (list_node.h). An array written over a list (put, patch,
// set) changes the list in place: elements whose value is unchanged stay, the others the writer
// saw are removed and new ones inserted (docs/crdt.md section 7), so a concurrent insert is never
// lost. Element-level list operations are in list_mutators.h.
//
// Errors (bad input, wrong field kind, counter overflow) are returned as values; a failed mutator
// has no effect. A no-op (e.g. removing a missing field) returns a bottom() delta.

#ifndef CRDTDB_CRDT_MUTATORS_H_
#define CRDTDB_CRDT_MUTATORS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "crdt/document.h"
#include "crdt/dot.h"
#include "crdt/field_node.h"
#include "crdt/hlc.h"
#include "crdtdb/result.h"

namespace crdtdb::crdt {

// Who writes, and when: the replica's id and a timestamp from its hybrid logical clock.
struct WriteStamp {
  ReplicaId replica = 0;
  Timestamp timestamp = 0;
  // The least counter a new dot may take. A replica that may have lost acknowledged writes starts
  // a new stream epoch and raises it above every counter those writes could have used
  // (store::kEpochShift), since a dot issued twice for different values cannot be joined.
  uint64_t first_counter = 1;
};

// A field inside a document: object member names from the root down. Never empty.
using FieldPath = std::vector<std::string>;

// Replaces the whole document with `object` (a JSON object). Fields not in it are removed.
Result<Document> PutDelta(const Document& x, const Json& object, WriteStamp stamp);

// RFC 7396 JSON merge patch: objects merge recursively, null removes a member, anything else
// replaces. Patching a missing document creates it.
Result<Document> PatchDelta(const Document& x, const Json& patch, WriteStamp stamp);

// Sets the field at `path` to `value` (any JSON; null is a value here). Missing or non-object
// parents on the path become objects, as in a merge patch.
Result<Document> SetFieldDelta(const Document& x, const FieldPath& path, const Json& value,
                               WriteStamp stamp);

// Removes the field at `path`; a no-op if it does not exist.
Result<Document> RemoveFieldDelta(const Document& x, const FieldPath& path);

// Adds `by` (any int64) to the counter at `path`, creating it at 0 if missing. Fails if the field
// holds another kind of value, or if the visible total would overflow int64.
Result<Document> IncrementDelta(const Document& x, const FieldPath& path, int64_t by,
                                WriteStamp stamp);

// Adds or removes `element` (a JSON scalar) in the add-wins set at `path`. Adding creates the set;
// removing a missing element or from a missing set is a no-op. Fails if the field holds another
// kind of value.
Result<Document> SetAddDelta(const Document& x, const FieldPath& path, const Json& element,
                             WriteStamp stamp);
Result<Document> SetRemoveDelta(const Document& x, const FieldPath& path, const Json& element);

// Deletes the document: removes every dot it holds.
Document DeleteDelta(const Document& x);

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_MUTATORS_H_
