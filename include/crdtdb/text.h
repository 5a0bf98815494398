// Copyright (c) crdtdb authors.
//
// Editing the texts inside documents: docs/crdt.md section 7, "Text fields". A text is a field
// whose value is a sequence of characters that merges character by character; a read shows it as
// a JSON string. A field becomes a text by a write of {"$text": "S"} (put, patch, a JSON Patch),
// or by the first text_splice into a missing field. These calls work on a Database that
// Database::open returned, as free functions like those of lists.h; each write is one atomic
// write, with the errors of Database's calls.
//
// A text is named by the document's key and its field: "name", or an RFC 6901 pointer "/a/b" for
// a text inside nested objects (as Database::increment takes it).
//
// Positions and counts are in Unicode code points (not UTF-8 bytes, not UTF-16 units): "café"
// has 4 characters, "😀" one. A JavaScript or Java editor, which counts UTF-16 units, converts.
//
// Errors (nothing is changed by a call that fails): InvalidArgument for a bad key or field, a
// field that holds something other than a text (a plain string written by put is a register,
// not a text), a range out of the text, `insert` that is not valid UTF-8, a text that would pass
// the limit of characters written (docs/crdt.md section 14); NotFound for a read of a missing
// document; other codes as Database's calls.

#ifndef CRDTDB_INCLUDE_TEXT_H_
#define CRDTDB_INCLUDE_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "crdtdb/database.h"
#include "crdtdb/result.h"

namespace crdtdb {

// Removes `delete_count` characters from `pos` and inserts `insert` (UTF-8) there, as
// JavaScript's splice, and returns the document. `pos + delete_count` must be at most the text's
// length. A missing field (or document) becomes a text, `insert`; pos and delete_count must then
// be 0. Concurrent splices on other replicas merge: each keeps its inserted characters, together
// (never interleaved with another's run), and removes only the characters it saw.
Result<std::string> text_splice(Database& db, std::string_view key, std::string_view field, size_t pos,
                                size_t delete_count, std::string_view insert);

// The text's content (UTF-8) and its length in code points; "" and 0 when the field is missing.
Result<std::string> text_content(Database& db, std::string_view key, std::string_view field);
Result<size_t> text_length(Database& db, std::string_view key, std::string_view field);

}  // namespace crdtdb

#endif  // CRDTDB_INCLUDE_TEXT_H_
