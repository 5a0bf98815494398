// Copyright (c) crdtdb authors.
//
// Writing JSON text byte for byte as nlohmann::json::dump() writes it (compact; object members in
// bytewise key order; non-ASCII left as UTF-8; '"', '\\' and control characters escaped, the
// latter as \b \t \n \f \r or \u00xx), but appended straight to a string, without building a
// nlohmann::json value first. The read and write paths render documents with it (materialize.h,
// state_json.h); tests check it against dump().
//
// Precondition: strings are valid UTF-8 (every string a document holds was checked on the way in).

#ifndef CRDTDB_CRDT_JSON_OUTPUT_H_
#define CRDTDB_CRDT_JSON_OUTPUT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "crdt/field_node.h"

namespace crdtdb::crdt {

// `text` as a quoted JSON string.
void AppendJsonString(std::string_view text, std::string* out);
void AppendJsonInt(int64_t value, std::string* out);
void AppendJsonUint(uint64_t value, std::string* out);
// The shortest text that reads back as `value` (nlohmann's Grisu2); "null" if not finite.
void AppendJsonDouble(double value, std::string* out);
void AppendJsonValue(const Json& value, std::string* out);

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_JSON_OUTPUT_H_
