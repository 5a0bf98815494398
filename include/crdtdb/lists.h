// Copyright (c) crdtdb authors.
//
// Editing the lists inside documents (every JSON array in a document is a list that merges), and
// RFC 6902 JSON Patch: docs/crdt.md section 7, "JSON Patch and the list API". These calls work on
// a Database that Database::open returned, as free functions so that Database stays one class of
// document calls; each is one atomic write, like the calls of Database, with the same errors.
//
// A list is named by the document's key and its field: "name", or an RFC 6901 pointer "/a/b"
// for a list inside nested objects (as Database::increment takes it). Its elements are addressed
//
//   by index   among the elements a read shows now, like a JSON array. An index names a place
//              only at the moment of the call: an insert elsewhere shifts it;
//   by id      an ElementId, the element's identity from its insert on every replica. It
//              survives every concurrent edit (inserts and removals around it, on any replica):
//              it is the cursor to keep while a user edits ("insert after the item I am on").
//              Inserting after an id whose element was removed since still inserts at its old
//              place (its tombstone keeps it).
//
// Errors (nothing is changed by a call that fails): InvalidArgument for a bad key or field,
// malformed JSON, a field that holds something other than a list, an index out of range, an
// id that names no element of the list ever, a JSON Patch that fails (see json_patch);
// NotFound for a read of a missing document; other codes as Database's calls.

#ifndef CRDTDB_INCLUDE_LISTS_H_
#define CRDTDB_INCLUDE_LISTS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crdtdb/database.h"
#include "crdtdb/result.h"
#include "crdtdb/value.h"

namespace crdtdb {

// The stable id of a list element: the replica that inserted it and that replica's counter.
// Equal on every replica. ElementId{} (kListStart) names no element: the start of a list.
struct ElementId {
  uint64_t replica = 0;
  uint64_t counter = 0;

  // "REPLICA:COUNTER", the replica as 16 hex digits, the counter decimal: "00000000000000a1:7".
  std::string to_string() const;
  // The id to_string wrote; nullopt for anything else.
  static std::optional<ElementId> parse(std::string_view text);

  friend bool operator==(const ElementId&, const ElementId&) = default;
};

inline constexpr ElementId kListStart{};

// ---- JSON Patch ------------------------------------------------------------------------------

// A document read with the version its JSON Patch indexes may be resolved against.
struct VersionedDocument {
  std::string json;          // the document, as Database::get returns it
  std::string base_version;  // its causal context as text (docs/crdt.md section 7, "JSON Patch")
};

// The document and its base version, read from one committed state. NotFound if not live.
Result<VersionedDocument> get_with_base(Database& db, std::string_view key);

// Applies an RFC 6902 JSON Patch (`patch`, a JSON array of operations) to the document as one
// write, creating it (as {}) if missing, and returns the result. `base_version` empty: indexes
// address the document as it is; otherwise a base_version from get_with_base (of this document,
// on any replica), and an index counts only the list elements that version had seen (and those
// the patch inserted), so that an edit made on an old copy lands where its user meant although
// others inserted since. InvalidArgument, with nothing changed, when an operation fails (a
// failed test, a missing target, an index out of range, a path into a value that is neither
// object nor list, a write inside a list element), the patch is malformed, or the base version
// is. Database::patch applies a JSON array body as a JSON Patch without a base.
Result<std::string> json_patch(Database& db, std::string_view key, std::string_view patch,
                               std::string_view base_version = {});

// ---- Lists by index --------------------------------------------------------------------------

// The ids of the list's elements in list order (empty when the field is missing).
Result<std::vector<ElementId>> list_ids(Database& db, std::string_view key, std::string_view field);

// Inserts the items of `values_json` (a JSON array) before the element at `index` (the list's
// size appends), creating the list (at index 0) and the document if missing. One run of new ids.
Result<std::string> list_insert(Database& db, std::string_view key, std::string_view field, size_t index,
                                std::string_view values_json);
// Removes `count` elements from `index`.
Result<std::string> list_remove(Database& db, std::string_view key, std::string_view field, size_t index,
                                size_t count = 1);
// Writes `value_json` over the element at `index`; the element keeps its id.
Result<std::string> list_replace(Database& db, std::string_view key, std::string_view field, size_t index,
                                 std::string_view value_json);

// ---- Lists by element id ---------------------------------------------------------------------

// Inserts the items of `values_json` (a JSON array) right after element `after` (kListStart: at
// the start), creating the list and the document if missing (then only after kListStart).
Result<std::string> list_insert_after(Database& db, std::string_view key, std::string_view field,
                                      ElementId after, std::string_view values_json);
// Removes element `id`; a no-op (returning the document) if it is already removed.
Result<std::string> list_remove_element(Database& db, std::string_view key, std::string_view field,
                                        ElementId id);

// ---- Typed forms (crdtdb::Value) -------------------------------------------------------------

Result<Value> list_insert_values(Database& db, std::string_view key, std::string_view field, size_t index,
                                 const Array& values);
Result<Value> list_insert_values_after(Database& db, std::string_view key, std::string_view field,
                                       ElementId after, const Array& values);
// `patch` is the JSON Patch as a Value: an Array of operation Objects.
Result<Value> json_patch_value(Database& db, std::string_view key, const Value& patch,
                               std::string_view base_version = {});

}  // namespace crdtdb

#endif  // CRDTDB_INCLUDE_LISTS_H_
