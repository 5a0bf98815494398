// Copyright (c) crdtdb authors.
//
// Delta mutators of texts (docs/crdt.md section 7, "Text fields"; mutators.h says what every
// mutator guarantees). A text is a field whose value is a list of characters, read and written as
// a JSON string: a write of {"$text": STRING} makes (or rewrites) one, and a JSON string written
// over a text changes it in place. Positions count Unicode code points.
//
// A splice costs O((removed + inserted + 1) x log n) with the text's index (position_index.h), and its
// delta holds one run of anchors for the inserted characters and the ranges of removed ids: a
// keystroke's delta is a few dozen bytes whatever the length of the text.

#ifndef CRDTDB_CRDT_TEXT_MUTATORS_H_
#define CRDTDB_CRDT_TEXT_MUTATORS_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "crdt/document.h"
#include "crdt/mutators.h"
#include "crdtdb/result.h"

namespace crdtdb::crdt {

// Removes `removed` characters from `position` of the text at `path` and inserts `inserted`
// (UTF-8) there, as JavaScript's splice. A missing field becomes a text (position and removed must
// then be 0). Errors (InvalidArgument): the field holds another kind of value, the range is out of
// the text, `inserted` is not valid UTF-8 or would take the text past kMaxWriteListAnchors.
Result<Document> TextSpliceDelta(const Document& x, const FieldPath& path, size_t position, size_t removed,
                                 std::string_view inserted, WriteStamp stamp);

// The text at `path` (empty when missing), and its length in code points.
Result<std::string> TextContent(const Document& x, const FieldPath& path);
Result<size_t> TextLength(const Document& x, const FieldPath& path);

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_TEXT_MUTATORS_H_
