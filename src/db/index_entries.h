// Copyright (c) crdtdb authors.
//
// The entries of a collection's indexes for one document (docs/storage.md, "Index entries"): a
// whole entry per index for each live document (and one per element of an array, index_key.h), keyed by the encoded values of the index's fields as
// get shows them (query/index_key.h) then the document's id; a field the document lacks encodes as
// missing, so the entries of an index are every live document in its order. A deleted document
// has none. Writers, local and replicated alike, put the changes in the batch of the document.

#ifndef CRDTDB_DB_INDEX_ENTRIES_H_
#define CRDTDB_DB_INDEX_ENTRIES_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crdt/document.h"
#include "db/index_catalog.h"
#include "store/store.h"

namespace crdtdb::db {

// The entries (tuple then id: the whole entry, then element entries, query/index_key.h) of the
// document `id` whose value is `document` in `index`.
std::vector<std::string> IndexEntries(const IndexDefinition& index, std::string_view id, const crdt::Json& document);

// Adds to `out` what the write of `key` from `before` (null: no record) to `after` changes in the
// indexes `catalog` maintains for its collection (building or ready). Only the indexed fields of
// both states are rendered, each as get shows it (crdt/materialize.h).
//
// `touched` (null: anything may have changed) is the root of the delta that made `after` from
// `before` by Document::ApplyDelta, which visits only the root fields the delta names: every other
// root field of `after` is the one of `before`. So an index none of whose paths starts with a
// named field keeps its entries, unless the document became or stopped being live; it is skipped.
// Never pass it for a Join of states, which may change any field.
void AddIndexChanges(const IndexCatalog& catalog, std::string_view key, const crdt::Document* before,
                     const crdt::Document& after, const crdt::ObjectNode* touched,
                     std::vector<store::IndexChange>* out);

}  // namespace crdtdb::db

#endif  // CRDTDB_DB_INDEX_ENTRIES_H_
