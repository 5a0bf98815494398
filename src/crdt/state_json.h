// Copyright (c) crdtdb authors.
//
// Reading a stored document as JSON straight from its canonical encoding (codec.h), without
// decoding it into a Document: the read path of get and list. It walks the bytes once, picks the
// value each field shows by the rules of materialize.h (the register winner is found by scanning
// the register's entries and skipping the values that lose) and writes the JSON text as it goes
// (json_output.h), or hands the value over as events (json_sink.h) for a typed read. The result
// equals DocumentJson(DecodeDocument(bytes)); tests check it on random states.
//
// It checks what it reads (format version, kind, structure, bounds, UTF-8, nesting) and reports
// malformed bytes as a Corruption status, never crashing; but unlike DecodeDocument it does not
// prove a state's invariants (sorted keys, dots in the context, canonical form). It is meant for
// bytes whose digest was just checked against the one stored with them, which proves they are
// what EncodeDocument wrote.
//
// A state that holds a list is the exception: a list's order depends on all of its anchors
// (list_order.h), which one pass cannot know before it writes the elements, so such a state is
// decoded (without the canonical re-encoding) and rendered by EmitDocument (materialize.h), after
// the events already sent are taken back (JsonSink::Reset).

#ifndef CRDTDB_CRDT_STATE_JSON_H_
#define CRDTDB_CRDT_STATE_JSON_H_

#include <optional>
#include <string>
#include <string_view>

#include "crdt/json_sink.h"
#include "crdtdb/result.h"

namespace crdtdb::crdt {

// The JSON of the encoded state; nullopt when the document is not live (deleted).
Result<std::optional<std::string>> StateJson(std::string_view canonical_state);
// The same document as events into `out` (json_sink.h): true once it is written whole; false, with
// nothing written, when the document is not live. On an error, `out` holds a part to discard.
Result<bool> EmitState(std::string_view canonical_state, JsonSink& out);

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_STATE_JSON_H_
