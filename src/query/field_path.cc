// Copyright (c) crdtdb authors.

#include "query/field_path.h"

#include "query/limits.h"

namespace crdtdb::query {

Result<FieldPath> ParseFieldPath(std::string_view dotted) {
  FieldPath path;
  path.text = std::string(dotted);
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("field path \"" + path.text + "\": " + why);
  };
  std::string segment;
  for (size_t i = 0; i < dotted.size(); ++i) {
    const char c = dotted[i];
    if (c == '\\') {
      if (++i == dotted.size()) return bad("ends with a backslash");
      segment += dotted[i];
    } else if (c == '.') {
      if (segment.empty()) return bad("has an empty segment");
      path.segments.push_back(std::move(segment));
      segment.clear();
    } else {
      segment += c;
    }
  }
  if (segment.empty()) return bad(dotted.empty() ? "is empty" : "has an empty segment");
  path.segments.push_back(std::move(segment));
  if (path.segments.size() > kMaxFieldPathSegments) {
    return bad("is deeper than " + std::to_string(kMaxFieldPathSegments) + " segments");
  }
  return path;
}

FieldPath Under(const FieldPath& prefix, const FieldPath& path) {
  FieldPath out = prefix;
  out.segments.insert(out.segments.end(), path.segments.begin(), path.segments.end());
  out.text += "." + path.text;
  return out;
}

const Json* Lookup(const Json& doc, const FieldPath& path) {
  const Json* at = &doc;
  for (const std::string& segment : path.segments) {
    if (!at->is_object()) return nullptr;
    auto it = at->find(segment);
    if (it == at->end()) return nullptr;
    at = &*it;
  }
  return at;
}

}  // namespace crdtdb::query
