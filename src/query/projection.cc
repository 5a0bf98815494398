// Copyright (c) crdtdb authors.

#include "query/projection.h"

namespace crdtdb::query {

Json Project(const Json& document, const std::vector<FieldPath>& fields) {
  Json out = Json::object();
  for (const FieldPath& field : fields) {
    const Json* value = Lookup(document, field);
    if (value == nullptr) continue;
    Json* at = &out;
    for (size_t i = 0; i + 1 < field.segments.size(); ++i) {
      Json& next = (*at)[field.segments[i]];
      if (!next.is_object()) next = Json::object();
      at = &next;
    }
    (*at)[field.segments.back()] = *value;
  }
  return out;
}

}  // namespace crdtdb::query
