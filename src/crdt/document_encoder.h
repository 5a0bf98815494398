// Copyright (c) crdtdb authors.
//
// The encoder behind codec.h, internal to src/crdt: the canonical encoding of a document in one of
// the layouts its kind marker names. codec.cc decodes, and re-encodes here to prove canonical form.

#ifndef CRDTDB_CRDT_DOCUMENT_ENCODER_H_
#define CRDTDB_CRDT_DOCUMENT_ENCODER_H_

#include <string>

#include "crdt/document.h"

namespace crdtdb::crdt {

// The kind marker of an encoding: kDelta is the state layout used as a delta (StateAsDelta),
// kCompactDelta is what EncodeDelta writes (document_encoder.cc describes both layouts).
enum EncodingKind : unsigned { kState = 0, kDelta = 1, kCompactDelta = 2 };

// Precondition: every dot `doc` stores is in its context (aborts otherwise: a broken invariant).
std::string EncodeAs(const Document& doc, EncodingKind kind);

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_DOCUMENT_ENCODER_H_
