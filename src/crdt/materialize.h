// Copyright (c) crdtdb authors.
//
// Reading a document as JSON. Each field shows one value:
//   - a field holding several kinds (concurrent writes of different kinds) shows the first
//     non-empty of object, list, counter, set, register;
//   - a list shows its live elements as an array, in list order (list_order.h); an element
//     whose content holds no value (only its presence) shows as null;
//   - a counter shows the sum of its entries (wrapping in two's complement, like the merge);
//   - a set shows its elements as an array, in the order of their canonical JSON text;
//   - a register with concurrent values shows the winner: the highest hybrid-logical-clock
//     timestamp, then the highest replica id, then the highest dot counter. Every replica that
//     holds the same state picks the same winner.
// Conflicts() lists every field where more than one value is hidden behind that choice.

#ifndef CRDTDB_CRDT_MATERIALIZE_H_
#define CRDTDB_CRDT_MATERIALIZE_H_

#include <string>

#include "crdt/document.h"
#include "crdt/field_node.h"
#include "crdt/json_sink.h"

namespace crdtdb::crdt {

// The document as a JSON object; null when the document is not live.
Json ToJson(const Document& doc);

// ToJson(doc).dump(), written straight from the document (json_output.h): what reads and writes
// return.
std::string DocumentJson(const Document& doc);
// The same value as events (json_sink.h): DocumentJson is EmitDocument into a JsonTextSink.
void EmitDocument(const Document& doc, JsonSink& out);

// The value a read shows for one field, by the rules above.
Json FieldValue(const FieldNode& field);
// The same without a copy when the field shows a register (the winner's value, valid while `field`
// is); null for a field that shows another kind.
const Json* ShownRegisterValue(const FieldNode& field);

// For every field with concurrent values (list elements included, addressed by their index in the
// list shown): its RFC 6901 JSON pointer -> an array of all its values,
// the one ToJson shows first, then the other register values by descending winner order, then
// values of hidden kinds. Empty object when nothing conflicts.
Json Conflicts(const Document& doc);

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_MATERIALIZE_H_
