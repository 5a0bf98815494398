// Copyright (c) crdtdb authors.

#include "crdtdb/value.h"

#include "crdt/json_input.h"
#include "crdt/json_output.h"
#include "db/value_json.h"

namespace crdtdb {

namespace {

const Value& Null() {
  static const Value kNull;
  return kNull;
}

}  // namespace

Value::Value(const Value& other) = default;
Value::Value(Value&& other) noexcept = default;
Value& Value::operator=(const Value& other) = default;
Value& Value::operator=(Value&& other) noexcept = default;
Value::~Value() = default;

Result<Value> Value::parse(std::string_view json) {
  Result<crdt::Json> parsed = crdt::ParseJson(json);
  if (!parsed.ok()) return parsed.status();
  return db::FromJson(*parsed);
}

std::string Value::to_json() const {
  std::string out;
  AppendJson(&out);
  return out;
}

void Value::AppendJson(std::string* out) const {
  switch (data_.index()) {
    case 0: *out += "null"; return;
    case 1: *out += std::get<bool>(data_) ? "true" : "false"; return;
    case 2: crdt::AppendJsonInt(std::get<int64_t>(data_), out); return;
    case 3: crdt::AppendJsonUint(std::get<uint64_t>(data_), out); return;
    case 4: crdt::AppendJsonDouble(std::get<double>(data_), out); return;  // "null" if not finite
    case 5: crdt::AppendJsonString(std::get<std::string>(data_), out); return;
    default: break;
  }
  if (const Array* array = as_array()) {
    out->push_back('[');
    for (const Value& element : *array) {
      if (&element != &array->front()) out->push_back(',');
      element.AppendJson(out);
    }
    out->push_back(']');
    return;
  }
  out->push_back('{');
  for (const auto& [name, member] : *as_object()) {
    if (out->back() != '{') out->push_back(',');
    crdt::AppendJsonString(name, out);
    out->push_back(':');
    member.AppendJson(out);
  }
  out->push_back('}');
}

Value::Type Value::type() const {
  switch (data_.index()) {
    case 0: return Type::kNull;
    case 1: return Type::kBool;
    case 2:
    case 3:
    case 4: return Type::kNumber;
    case 5: return Type::kString;
    case 6: return Type::kArray;
    default: return Type::kObject;
  }
}

std::optional<bool> Value::as_bool() const {
  if (const bool* b = std::get_if<bool>(&data_)) return *b;
  return std::nullopt;
}

std::optional<int64_t> Value::as_int() const {
  // uint64 holds only integers above int64's range (the constructor keeps the others as int64).
  if (const int64_t* n = std::get_if<int64_t>(&data_)) return *n;
  return std::nullopt;
}

std::optional<uint64_t> Value::as_uint() const {
  if (const uint64_t* big = std::get_if<uint64_t>(&data_)) return *big;
  const int64_t* n = std::get_if<int64_t>(&data_);
  if (n != nullptr && *n >= 0) return static_cast<uint64_t>(*n);
  return std::nullopt;
}

std::optional<double> Value::as_double() const {
  if (const double* d = std::get_if<double>(&data_)) return *d;
  if (const int64_t* n = std::get_if<int64_t>(&data_)) return static_cast<double>(*n);
  if (const uint64_t* n = std::get_if<uint64_t>(&data_)) return static_cast<double>(*n);
  return std::nullopt;
}

std::optional<std::string> Value::as_string() const {
  if (const std::string* s = std::get_if<std::string>(&data_)) return *s;
  return std::nullopt;
}

const Value* Value::find(std::string_view name) const {
  const Object* object = as_object();
  if (object == nullptr) return nullptr;
  auto it = object->find(name);
  return it == object->end() ? nullptr : &it->second;
}

const Value& Value::operator[](std::string_view name) const {
  const Value* member = find(name);
  return member != nullptr ? *member : Null();
}

const Value& Value::operator[](size_t index) const {
  const Array* array = as_array();
  return array != nullptr && index < array->size() ? (*array)[index] : Null();
}

size_t Value::size() const {
  if (const Array* array = as_array()) return array->size();
  if (const Object* object = as_object()) return object->size();
  return 0;
}

}  // namespace crdtdb
