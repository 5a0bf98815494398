// Copyright (c) crdtdb authors.

#include "db/value_json.h"

#include <string>

namespace crdtdb::db {

Value FromJson(const crdt::Json& json) {
  switch (json.type()) {
    case crdt::Json::value_t::boolean: return json.get<bool>();
    case crdt::Json::value_t::number_integer: return json.get<int64_t>();
    case crdt::Json::value_t::number_unsigned: return json.get<uint64_t>();
    case crdt::Json::value_t::number_float: return json.get<double>();
    case crdt::Json::value_t::string: return json.get_ref<const std::string&>();
    case crdt::Json::value_t::array: {
      Array array;
      array.reserve(json.size());
      for (const crdt::Json& element : json) array.push_back(FromJson(element));
      return array;
    }
    case crdt::Json::value_t::object: {
      Object object;
      // nlohmann's objects are std::maps too: members come in order, so each goes at the end.
      for (auto it = json.begin(); it != json.end(); ++it)
        object.emplace_hint(object.end(), it.key(), FromJson(*it));
      return object;
    }
    default: return Value();  // null (a parsed value is never binary nor discarded)
  }
}

}  // namespace crdtdb::db
