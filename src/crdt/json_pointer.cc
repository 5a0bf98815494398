// Copyright (c) crdtdb authors.

#include "crdt/json_pointer.h"

#include "crdt/limits.h"

namespace crdtdb::crdt {

Result<PointerTokens> ParsePointer(std::string_view pointer) {
  PointerTokens tokens;
  if (pointer.empty()) return tokens;
  if (pointer[0] != '/') {
    return Status::InvalidArgument("JSON pointer \"" + std::string(pointer) + "\" must be empty or start with /");
  }
  std::string token;
  for (size_t i = 1; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      tokens.push_back(std::move(token));
      token.clear();
      if (tokens.size() > static_cast<size_t>(kMaxJsonDepth)) {
        return Status::InvalidArgument("JSON pointer \"" + std::string(pointer) + "\" is deeper than " +
                                       std::to_string(kMaxJsonDepth) + " levels");
      }
      continue;
    }
    if (pointer[i] != '~') {
      token += pointer[i];
      continue;
    }
    if (i + 1 == pointer.size() || (pointer[i + 1] != '0' && pointer[i + 1] != '1')) {
      return Status::InvalidArgument("JSON pointer \"" + std::string(pointer) +
                                     "\" has a ~ that is not ~0 or ~1");
    }
    token += pointer[++i] == '0' ? '~' : '/';
  }
  return tokens;
}

std::optional<size_t> ParseArrayIndex(std::string_view token) {
  if (token.empty() || token.size() > 18) return std::nullopt;
  if (token.size() > 1 && token[0] == '0') return std::nullopt;
  size_t index = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return std::nullopt;
    index = index * 10 + static_cast<size_t>(c - '0');
  }
  return index;
}

const Json* ResolvePointer(const Json& root, const PointerTokens& tokens, size_t count) {
  const Json* at = &root;
  for (size_t i = 0; i < count; ++i) {
    if (at->is_object()) {
      auto it = at->find(tokens[i]);
      if (it == at->end()) return nullptr;
      at = &*it;
    } else if (at->is_array()) {
      std::optional<size_t> index = ParseArrayIndex(tokens[i]);
      if (!index || *index >= at->size()) return nullptr;
      at = &(*at)[*index];
    } else {
      return nullptr;
    }
  }
  return at;
}

}  // namespace crdtdb::crdt
