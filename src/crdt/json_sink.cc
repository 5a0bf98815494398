// Copyright (c) crdtdb authors.

#include "crdt/json_sink.h"

#include "crdt/json_output.h"

namespace crdtdb::crdt {

void JsonTextSink::Null() {
  Separate();
  text_.append("null");
}

void JsonTextSink::Bool(bool b) {
  Separate();
  text_.append(b ? "true" : "false");
}

void JsonTextSink::Int(int64_t i) {
  Separate();
  AppendJsonInt(i, &text_);
}

void JsonTextSink::Uint(uint64_t u) {
  Separate();
  AppendJsonUint(u, &text_);
}

void JsonTextSink::Double(double d) {
  Separate();
  AppendJsonDouble(d, &text_);
}

void JsonTextSink::String(std::string_view s) {
  Separate();
  AppendJsonString(s, &text_);
}

void JsonTextSink::BeginArray() {
  Separate();
  text_.push_back('[');
  first_ = true;
}

void JsonTextSink::EndArray() {
  text_.push_back(']');
  first_ = false;
}

void JsonTextSink::BeginObject() {
  Separate();
  text_.push_back('{');
  first_ = true;
}

void JsonTextSink::Key(std::string_view name) {
  Separate();
  AppendJsonString(name, &text_);
  text_.push_back(':');
  first_ = true;  // the member's value takes no comma
}

void JsonTextSink::EndObject() {
  text_.push_back('}');
  first_ = false;
}

void JsonTextSink::Text(std::string_view json) {
  Separate();
  text_.append(json);
}

void JsonTextSink::JsonValue(const Json& value) {
  Separate();
  AppendJsonValue(value, &text_);
}

void JsonTextSink::Reset() {
  text_.clear();
  first_ = true;
}

}  // namespace crdtdb::crdt
