// Copyright (c) crdtdb authors.
//
// RFC 6901 JSON Pointers, as JSON Patch (json_patch.h) addresses values with them: "" is the
// whole document, "/a/b" member b of member a, "/items/0" an element of an array, "~1" and "~0"
// escape "/" and "~". A pointer is split into its reference tokens; what a token means (a member
// name or an array index) depends on the value it is applied to.

#ifndef CRDTDB_CRDT_JSON_POINTER_H_
#define CRDTDB_CRDT_JSON_POINTER_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crdt/field_node.h"
#include "crdtdb/result.h"

namespace crdtdb::crdt {

using PointerTokens = std::vector<std::string>;

// The unescaped tokens of `pointer`; InvalidArgument when it does not start with "/" (and is not
// ""), when "~" is followed by anything but "0" or "1", or when it is deeper than kMaxJsonDepth.
Result<PointerTokens> ParsePointer(std::string_view pointer);

// An array index token: decimal digits without a leading zero ("0", "12"); nullopt otherwise
// (also for "-", which JSON Patch uses for the end of an array).
std::optional<size_t> ParseArrayIndex(std::string_view token);

// The value `tokens` reach in `root`, null when they reach nothing (a missing member, an index out
// of range, a token into a scalar).
const Json* ResolvePointer(const Json& root, const PointerTokens& tokens, size_t count);

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_JSON_POINTER_H_
