// Copyright (c) crdtdb authors.
//
// Parsing JSON that a user or an app hands in. Bounded before it is trusted: at most
// kMaxJsonBytes of text and kMaxJsonDepth levels of nesting (the fast parser of json_parser.h
// stops at that depth; for nlohmann's, which it falls back to, a scan checks the depth first, so
// deep input cannot exhaust the stack); invalid JSON or UTF-8 is an InvalidArgument error naming
// the byte where it went wrong. As I-JSON (RFC 7493) asks, a duplicate member name in an object
// is an error (RFC 8259 leaves its meaning open), and so is a number that the value would not hold
// exactly: an integer beyond 64 bits, a number that underflows to 0 or overflows a double.

#ifndef CRDTDB_CRDT_JSON_INPUT_H_
#define CRDTDB_CRDT_JSON_INPUT_H_

#include <string_view>

#include "crdt/field_node.h"
#include "crdtdb/result.h"

namespace crdtdb::crdt {

// Any JSON value.
Result<Json> ParseJson(std::string_view text);

// A JSON object, as put and patch need; other values are an InvalidArgument error.
Result<Json> ParseJsonObject(std::string_view text);

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_JSON_INPUT_H_
