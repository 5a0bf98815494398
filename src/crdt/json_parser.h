// Copyright (c) crdtdb authors.
//
// A strict JSON parser for the common case of json_input.h. nlohmann's parser spends about 25,000
// instructions on a 200-byte document (its lexer copies every byte into a token buffer, one call
// each), which was a fifth of the cost of a put. This one reads well-formed text straight into the
// value.
//
// Contract: for every input it accepts, it returns exactly the value nlohmann::json::parse returns
// (the same types: non-negative integers unsigned, negative ones signed, others double). Anything
// else (malformed text, but also valid text it leaves alone: duplicate member names, surrogate
// escapes, integers beyond 64 bits, numbers that overflow or underflow a double, nesting deeper
// than kMaxJsonDepth, a byte-order mark) gives nullopt, and the caller falls back to nlohmann and
// its own checks (json_input.h), which then decide, with their error messages. Tests compare both
// on random text.

#ifndef CRDTDB_CRDT_JSON_PARSER_H_
#define CRDTDB_CRDT_JSON_PARSER_H_

#include <optional>
#include <string_view>

#include "crdt/field_node.h"

namespace crdtdb::crdt {

std::optional<Json> ParseWellFormedJson(std::string_view text);

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_JSON_PARSER_H_
