// Copyright (c) crdtdb authors.

#include "crdt/json_input.h"

#include <string>

#include "crdt/json_parser.h"
#include "crdt/limits.h"

namespace crdtdb::crdt {

namespace {

// The deepest nesting of [ and { outside strings. Malformed text is left to the parser.
int NestingDepth(std::string_view text) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

Result<Json> ParseJson(std::string_view text) {
  if (text.size() > kMaxJsonBytes) {
    return Status::InvalidArgument("JSON input is " + std::to_string(text.size()) +
                                   " bytes, more than the limit of " + std::to_string(kMaxJsonBytes));
  }
  if (std::optional<Json> value = ParseWellFormedJson(text)) return std::move(*value);
  // Malformed, too deep, or rare: nlohmann decides, and names what is wrong.
  if (NestingDepth(text) > kMaxJsonDepth) {
    return Status::InvalidArgument("JSON input nests deeper than " + std::to_string(kMaxJsonDepth) +
                                   " levels");
  }
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {
    // nlohmann's messages start with an id ("[json.exception.parse_error.101] ") that means
    // nothing to a user; the rest carries the position: "parse error at line 1, column 7: ...".
    std::string msg = e.what();
    if (msg.rfind("[json.exception.", 0) == 0) {
      if (auto end = msg.find("] "); end != std::string::npos) msg = msg.substr(end + 2);
    }
    return Status::InvalidArgument("malformed JSON: " + msg);
  }
}

Result<Json> ParseJsonObject(std::string_view text) {
  Result<Json> value = ParseJson(text);
  if (!value.ok()) return value;
  if (!value->is_object()) {
    return Status::InvalidArgument(std::string("expected a JSON object, got ") + value->type_name());
  }
  return value;
}

}  // namespace crdtdb::crdt
