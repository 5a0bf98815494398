// Copyright (c) crdtdb authors.

#include "db/value_json.h"

#include <string>
#include <utility>

#include "crdt/json_parser.h"

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

Value* ValueBuilder::Add(Value value) {
  if (open_.empty()) {
    root_ = std::move(value);
    return &root_;
  }
  Value* container = open_.back();
  if (Array* array = container->as_array()) {
    array->push_back(std::move(value));
    return &array->back();
  }
  Object& object = *container->as_object();
  // Members come in name order (json_sink.h): each goes at the end.
  return &object.insert_or_assign(object.end(), std::move(key_), std::move(value))->second;
}

void ValueBuilder::Text(std::string_view json) {
  // Text a JsonSink receives was written by dump() (a set element, a rendered document).
  if (std::optional<crdt::Json> fast = crdt::ParseWellFormedJson(json)) {
    Add(FromJson(*fast));
  } else {
    Add(FromJson(crdt::Json::parse(json, nullptr, /*allow_exceptions=*/false)));
  }
}

void ValueBuilder::Reset() {
  root_ = Value();
  open_.clear();
}

Value ValueBuilder::Take() {
  open_.clear();
  return std::exchange(root_, Value());
}

}  // namespace crdtdb::db
