// Copyright (c) crdtdb authors.
//
// Delta mutators of lists (mutators.h says what every mutator guarantees). A list is addressed by
// the path of its field; its elements by their index among the visible elements, or by their
// stable id (the element's insert dot), which survives concurrent edits.
//
// Inserts create the list when the field is missing (only at index 0) and renew the presence of
// the document, of the objects on the path and of the list, as writes do. Removals do not.
// Errors (InvalidArgument) when the field holds another kind of value, an index is out of range,
// or an id names no element of the list; a failed mutator has no effect.

#ifndef CRDTDB_CRDT_LIST_MUTATORS_H_
#define CRDTDB_CRDT_LIST_MUTATORS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "crdt/document.h"
#include "crdt/mutators.h"
#include "crdtdb/result.h"

namespace crdtdb::crdt {

// Inserts the items of `values` (a JSON array of any values) before the visible element at
// `index` (index == size appends): one run of fresh ids.
Result<Document> ListInsertDelta(const Document& x, const FieldPath& path, size_t index, const Json& values,
                                 WriteStamp stamp);
// Removes the `count` visible elements from `index` (index + count <= size).
Result<Document> ListRemoveDelta(const Document& x, const FieldPath& path, size_t index, size_t count);
// Writes `value` over the element at `index`; the element keeps its id and place. An array over a
// nested list, like every write of an array over a list, changes it in place.
Result<Document> ListReplaceDelta(const Document& x, const FieldPath& path, size_t index, const Json& value,
                                  WriteStamp stamp);

// Inserts the items of `values` right after element `after` (deleted or not), or at the start
// when `after` is kNoElement.
Result<Document> ListInsertAfterDelta(const Document& x, const FieldPath& path, Dot after, const Json& values,
                                      WriteStamp stamp);
// Removes element `id`; a no-op if it is already deleted.
Result<Document> ListRemoveElementDelta(const Document& x, const FieldPath& path, Dot id);

// Writes inside one element (JSON Patch "/items/2/done", json_patch.h). The element, seen as a
// document of its own: the root's presence is the element's, its one field `name` holds the
// element's value, its context is x's. Any mutator may then write inside it (at paths that start
// with `name`); LiftElementDelta makes the result a delta of x. InvalidArgument when `id` names no
// visible element of the list at `path`.
Result<Document> ElementAsDocument(const Document& x, const FieldPath& path, Dot id, const std::string& name);
// Lifts `inner`, a delta of ElementAsDocument(x, path, id, name), to a delta of x that changes the
// element's content: the element keeps its id and place, so concurrent inserts and edits of its
// other fields merge. When `inner` renews the root's presence (a write, not a removal), the
// element's, the list's and the presence of the objects on the way are renewed, so the write
// survives a concurrent delete of the element or the list (update wins, docs/crdt.md section 7).
// New dots come after `inner`'s (`stamp` is the one `inner` was made with).
Result<Document> LiftElementDelta(const Document& x, const FieldPath& path, Dot id, const std::string& name,
                                  Document inner, WriteStamp stamp);

// The ids of the visible elements of the list at `path`, in list order (empty when missing).
Result<std::vector<Dot>> ListElementIds(const Document& x, const FieldPath& path);

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_LIST_MUTATORS_H_
