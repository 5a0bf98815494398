// Copyright (c) crdtdb authors.
//
// The canonical MessagePack encoding of documents and deltas (format version 1, described in
// docs/crdt.md). Canonical: equal values encode to equal bytes, so a digest of the encoding
// identifies a state, and only canonical bytes decode (a decoder re-encodes and compares).
//
// Decoding treats its input as hostile: it is bounded by kMaxEncodedBytes and kMaxJsonDepth,
// allocates in proportion to the input only, checks every invariant of a state (sorted, unique
// keys and dots, every stored dot in the context, valid UTF-8, finite numbers) and reports the
// first violation as a Corruption status. It never crashes on any input.

#ifndef CRDTDB_CRDT_CODEC_H_
#define CRDTDB_CRDT_CODEC_H_

#include <string>
#include <string_view>

#include "crdt/document.h"
#include "crdtdb/result.h"

namespace crdtdb::crdt {

constexpr unsigned kDocumentFormatVersion = 1;
// The bits of a field's component mask: which dot stores follow it, in this order (document_encoder.cc).
enum FieldComponent : unsigned {
  kComponentRegisters = 1,
  kComponentCounters = 2,
  kComponentSet = 4,
  kComponentObject = 8,
  kComponentList = 16,  // since protocol version 6; a document without lists encodes as before
  kComponentText = 32,  // since protocol version 7; a document without texts encodes as before
};
constexpr unsigned kAllComponents = 63;

// Encodes a state. Precondition: `doc` is normalized (no empty mention nodes).
std::string EncodeDocument(const Document& doc);
// Encodes a delta, mention nodes included, in the compact delta layout (document_encoder.cc):
// counters and timestamps relative to their neighbours; a one-field set takes 59 bytes instead
// of 80.
std::string EncodeDelta(const Document& delta);

// `check_canonical` re-encodes to prove the bytes canonical. A store reading its own records may
// skip it: their digest, checked on every read, already proves them unchanged since written.
Result<Document> DecodeDocument(std::string_view bytes, bool check_canonical = true);
// Accepts both delta layouts: EncodeDelta's and StateAsDelta's.
Result<Document> DecodeDelta(std::string_view bytes);

// A state is also a delta (its join with any state is that state's join with the whole of it).
// This flips the kind marker of canonical state bytes to "delta in the state layout", so a stored
// state can be sent as a delta without decoding or re-encoding it.
// Corruption if `state` does not begin as EncodeDocument's output does.
Result<std::string> StateAsDelta(std::string state);

// True when `delta` (bytes DecodeDelta accepts) is in the state layout, kind 1: a whole state sent
// as a delta, such as the delta log's reference to a document. Such a delta must be joined with
// Document::Join: it mentions only the keys the state still holds, so Document::ApplyDelta would
// keep the fields and the presence that the write removed. (Kind 1 also carries the mutator
// deltas of stores written before the compact layout; Join is correct for those too.)
bool IsStateLayout(std::string_view delta);

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_CODEC_H_
