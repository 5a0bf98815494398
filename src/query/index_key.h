// Copyright (c) crdtdb authors.
//
// The encoding of JSON values into index keys, defined once (docs/storage.md, "Index entries"):
// bytewise order of the encodings is the collation of the values (collation.h), and every encoding
// is self-delimiting (no encoding is a prefix of another), so a tuple of values is their
// concatenation and a document id can follow it. That is what lets an index answer equality and
// range conditions, and a sort, with one range of LevelDB keys.
//
//   missing field  01            (sorts first, as a missing sort field does: docs/queries.md)
//   null           02
//   false, true    03, 04
//   number         05 [order-preserving IEEE double, 8] [exact tie-break, 8]
//   string         06 bytes (00 -> 00 FF) 00 01
//   array          07 element-encoding... 00
//   object         08 (01 name-as-string-body value-encoding)... 00   (members in name order)
//
// A number is its nearest double, whose bits are made to sort as the numbers do, then the
// difference between the number and that double (an integer beyond 2^53 rounds; the difference is
// then what tells two such integers apart), biased to sort as an unsigned integer: 1, 1.0 and 1e0
// encode the same, as they collate equal.
//
// An index entry is a tuple then a document id. A document has one "whole" entry per index (its
// values as they are) and, when some of the index's fields hold arrays, "element" entries: 00
// then the tuple with one element in place of each array of a nonempty subset of those fields
// (every combination), so that a condition matching an element finds the document in one run of
// keys, as a whole value does. When the combinations would exceed kMaxElementEntries, the
// document has one "overflow" entry 00 00 id instead, which every element lookup also reads.
// Whole entries start with a tag from 01, so they are one run after the element entries: the run
// that serves a sort (a sort orders arrays whole).

#ifndef CRDTDB_QUERY_INDEX_KEY_H_
#define CRDTDB_QUERY_INDEX_KEY_H_

#include <string>
#include <string_view>
#include <vector>

#include "crdtdb/result.h"

#include "query/collation.h"
#include "query/field_path.h"

namespace crdtdb::query {

// Appends the encoding of `value` (nullptr: a missing field).
void AppendIndexValue(const Json* value, std::string* out);

// The element entries of one document per index, at most (past it: the overflow entry).
constexpr size_t kMaxElementEntries = 1'000;
constexpr char kElementEntry = '\0';  // the first byte of an element or overflow entry
constexpr std::string_view kOverflowEntries{"\0\0", 2};

// The entries (tuple then id, above) of document `id` in an index on `fields`: the whole entry
// first, then the element or overflow entries.
std::vector<std::string> IndexEntries(const Json& document, const std::vector<FieldPath>& fields,
                                      std::string_view id);
// The same from the values of the index's fields, one per field in order (nullptr: missing), for a
// writer that finds them without rendering the whole document (db/index_entries.h).
std::vector<std::string> IndexEntries(const std::vector<const Json*>& values, std::string_view id);

// Where the document id starts in an entry of an index of `count` fields; Corruption if malformed.
Result<size_t> EntryIdOffset(std::string_view entry, size_t count);

// The length of the first `count` encoded values at the start of `entry` (so the document id of
// an index entry is what follows its tuple); Corruption if they are malformed.
Result<size_t> EncodedValuesSize(std::string_view entry, size_t count);

// The first key after every key that starts with `prefix`: its successor as a prefix (the empty
// string when there is none, i.e. `prefix` is all FF bytes).
std::string PrefixEnd(std::string prefix);

// The encodings of the values whose collation type is `value`'s (false and true are one type, as
// range operators see them) all lie in [TypeStart(value), TypeEnd(value)).
std::string TypeStart(const Json& value);
std::string TypeEnd(const Json& value);

}  // namespace crdtdb::query

#endif  // CRDTDB_QUERY_INDEX_KEY_H_
