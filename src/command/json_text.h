// Copyright (c) crdtdb authors.
//
// JSON as the text of a report or an answer, in one place so that every verb prints alike.

#ifndef CRDTDB_COMMAND_JSON_TEXT_H_
#define CRDTDB_COMMAND_JSON_TEXT_H_

#include <string>

namespace crdtdb::command {

// Compact JSON text of `value` (nlohmann::json or ordered_json). Strings from the store are valid
// UTF-8, but a report must print even if one is not: an invalid byte becomes U+FFFD rather than
// an exception half-way through an answer.
template <class BasicJson>
std::string JsonText(const BasicJson& value) {
  return value.dump(-1, ' ', false, BasicJson::error_handler_t::replace);
}

}  // namespace crdtdb::command

#endif  // CRDTDB_COMMAND_JSON_TEXT_H_
