// Copyright (c) crdtdb authors.

#include "query/bookmark.h"

#include <cstdint>

#include "crdt/json_input.h"

namespace crdtdb::query {

namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base64Url(std::string_view bytes) {
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (unsigned char c : bytes) {
    bits = (bits << 8) | c;
    count += 8;
    while (count >= 6) {
      count -= 6;
      out += kAlphabet[(bits >> count) & 63];
    }
  }
  if (count > 0) out += kAlphabet[(bits << (6 - count)) & 63];
  return out;
}

std::optional<std::string> FromBase64Url(std::string_view text) {
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    const size_t v = kAlphabet.find(c);
    if (v == std::string_view::npos) return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xFF);
    }
  }
  return out;
}

}  // namespace

std::string EncodeBookmark(const Position& position) {
  Json values = Json::array();
  for (const std::optional<Json>& v : position.values)
    values.push_back(v ? Json::array({*v}) : Json::array());
  return Base64Url(Json::array({1, position.id, values}).dump());
}

Result<Position> DecodeBookmark(std::string_view bookmark, size_t sort_fields) {
  const Status bad = Status::InvalidArgument("bookmark: not a bookmark of a find page");
  std::optional<std::string> text = FromBase64Url(bookmark);
  if (!text) return bad;
  Result<Json> j = crdt::ParseJson(*text);
  if (!j.ok() || !j->is_array() || j->size() != 3 || (*j)[0] != 1 || !(*j)[1].is_string() ||
      !(*j)[2].is_array()) {
    return bad;
  }
  if ((*j)[2].size() != sort_fields) {
    return Status::InvalidArgument("bookmark: it belongs to a query with another sort");
  }
  Position p;
  p.id = (*j)[1].get<std::string>();
  for (const Json& v : (*j)[2]) {
    if (!v.is_array() || v.size() > 1) return bad;
    p.values.push_back(v.empty() ? std::nullopt : std::optional<Json>(v[0]));
  }
  return p;
}

}  // namespace crdtdb::query
