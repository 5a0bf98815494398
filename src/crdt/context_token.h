// Copyright (c) crdtdb authors.
//
// A document's causal context as text: the "stated version" a client hands back with a JSON Patch
// so that its array indexes are read against the document as it saw it (json_patch.h, docs/crdt.md
// section 7, "JSON Patch"). The text is the context's ranges, per replica in replica order:
//
//   REPLICA:FIRST-LAST[,FIRST-LAST...][;REPLICA:...]     REPLICA 16 hex digits, counters decimal
//
// e.g. "00000000000000a1:1-7;00000000000000b2:1-3,5-5". Only [0-9a-f:;,-] appear, so the token
// travels as an HTTP header value, a CLI argument or a JSON string as it is. The empty context
// (a document never written) is "-".

#ifndef CRDTDB_CRDT_CONTEXT_TOKEN_H_
#define CRDTDB_CRDT_CONTEXT_TOKEN_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "crdt/dot_context.h"
#include "crdtdb/result.h"

namespace crdtdb::crdt {

// The most text a token may hold when it is parsed: tokens of longer contexts are refused.
constexpr size_t kMaxContextTokenBytes = size_t{64} << 10;

std::string ContextToken(const DotContext& context);

// The context a token names. InvalidArgument for anything ContextToken does not write: bad
// syntax, replicas out of order, ranges unsorted, overlapping or with a zero counter, or more than
// kMaxContextTokenBytes of text.
Result<DotContext> ParseContextToken(std::string_view token);

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_CONTEXT_TOKEN_H_
