// Copyright (c) crdtdb authors.
//
// RFC 6902 JSON Patch as delta mutators (mutators.h): a patch is a JSON array of operations
// (add, remove, replace, move, copy, test), applied in order to one document; the result is one
// delta, so the whole patch commits as one atomic write or not at all. Every operation becomes the
// CRDT operation of what it addresses (docs/crdt.md section 7, "JSON Patch"):
//
//   add     into an object: sets the member (replacing it); into a list: inserts one element at
//           the index (or at the end for "-"), a list insert with a fresh id, never an array
//           rewrite; at "": writes an object over the whole document, as put.
//   remove  an object member: removes the field; a list element: removes that element.
//   replace an object member: sets it; a list element: writes over it in place (it keeps its id);
//           "": as put. The target must exist.
//   move    remove at "from", then add its value at "path": a moved list element is a new element
//           (a new id) holding a copy of the value; the old one is removed.
//   copy    add the value at "from" at "path".
//   test    fails the whole patch unless the value at "path" equals "value" (as JSON values).
//
// Index resolution. Without a base, indexes address the document as it is now (after the
// patch's earlier operations). With a base (the causal context of the document a client read,
// context_token.h), an index addresses the list as the client saw it: only elements whose
// insert dot the base holds, plus those the patch itself inserted, are counted, so an element
// that another replica inserted since does not shift the client's indexes. Deletes are not
// recorded in the state (a removed element leaves an anchor but no time), so an element removed
// by someone else since the base is not counted either: an index that counted it lands one later.
//
// Texts (docs/crdt.md section 7, "Text fields") are addressed whole, as the string a read shows:
// add or replace of a string (or {"$text": S}) over a text changes only what differs, as a put
// does; test compares the string; copy and move write a text as a new text ({"$text": S}). A
// pointer into a text ("/body/3") is refused: characters are edited by TextSpliceDelta.
//
// Pointers may pass through objects and list elements and end at an object member or a list
// index. A write inside a list element ("/items/2/done", "/items/0/tags/-") is made inside the
// element seen as a document of its own and lifted into a delta of that element
// (ElementAsDocument, LiftElementDelta in list_mutators.h): the element keeps its id. Every
// index on the way, and those that test, copy and move read at, is resolved as the last index
// of a write is (against the base, with one).
//
// Errors are InvalidArgument naming the operation (by its position in the patch) and what was
// wrong: malformed operation, bad pointer, missing target or parent, index out of range (on the
// way too), a pointer into a value that is neither object nor list, a failed test. A patch that
// fails changes nothing.

#ifndef CRDTDB_CRDT_JSON_PATCH_H_
#define CRDTDB_CRDT_JSON_PATCH_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "crdt/document.h"
#include "crdt/json_pointer.h"
#include "crdt/mutators.h"
#include "crdtdb/result.h"

namespace crdtdb::crdt {

// The most operations one patch may hold.
constexpr size_t kMaxPatchOperations = 10'000;

struct PatchOperation {
  enum class Op { kAdd, kRemove, kReplace, kMove, kCopy, kTest };
  Op op = Op::kAdd;
  PointerTokens path;
  PointerTokens from;  // move, copy
  Json value;          // add, replace, test
};

// Checks the shape of a patch: an array of objects, each with a known "op", a "path" (and "from",
// "value" where the op needs them) that are valid. Members an op does not use are ignored, as
// RFC 6902 section 4 asks.
Result<std::vector<PatchOperation>> ParseJsonPatch(const Json& patch);

// The delta that applies `operations` to `x` in order; `base` (may be null) is the context the
// client's indexes refer to (see above).
Result<Document> JsonPatchDelta(const Document& x, const std::vector<PatchOperation>& operations,
                                const DotContext* base, WriteStamp stamp);

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_JSON_PATCH_H_
