// Copyright (c) crdtdb authors.
//
// A receiver of one JSON value as a stream of events, so that a document can be read out of its
// state (materialize.h) or its encoding (state_json.h) in one walk, straight into what the caller
// wants: JSON text (JsonTextSink, below) for the JSON calls, a crdtdb::Value (db/value_json.h) for
// the typed ones, which then need no text written and parsed again.
//
// The events of a value: a scalar; or BeginArray, the elements' events, EndArray; or BeginObject,
// then per member Key and the value's events, EndObject. Members come in bytewise name order.

#ifndef CRDTDB_CRDT_JSON_SINK_H_
#define CRDTDB_CRDT_JSON_SINK_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "crdt/field_node.h"

namespace crdtdb::crdt {

class JsonSink {
 public:
  virtual ~JsonSink() = default;

  virtual void Null() = 0;
  virtual void Bool(bool b) = 0;
  virtual void Int(int64_t i) = 0;
  virtual void Uint(uint64_t u) = 0;
  virtual void Double(double d) = 0;  // finite
  virtual void String(std::string_view s) = 0;  // valid UTF-8
  virtual void BeginArray() = 0;
  virtual void EndArray() = 0;
  virtual void BeginObject() = 0;
  virtual void Key(std::string_view name) = 0;
  virtual void EndObject() = 0;
  // One whole value given as JSON text that dump() wrote (a set element, mutators.h; a document
  // already rendered for a change feed).
  virtual void Text(std::string_view json) = 0;
  // A value the document model holds (a register's value).
  virtual void JsonValue(const Json& value) = 0;
  // Forgets every event received: the reader starts over (state_json.h, on a state with a list).
  virtual void Reset() = 0;
};

// The value as compact JSON text, byte for byte what nlohmann's dump() writes (json_output.h).
class JsonTextSink final : public JsonSink {
 public:
  explicit JsonTextSink(size_t reserve = 256) { text_.reserve(reserve); }

  void Null() override;
  void Bool(bool b) override;
  void Int(int64_t i) override;
  void Uint(uint64_t u) override;
  void Double(double d) override;
  void String(std::string_view s) override;
  void BeginArray() override;
  void EndArray() override;
  void BeginObject() override;
  void Key(std::string_view name) override;
  void EndObject() override;
  void Text(std::string_view json) override;
  void JsonValue(const Json& value) override;
  void Reset() override;

  std::string Take() { return std::move(text_); }

 private:
  // A comma before every element or member but the first of its container.
  void Separate() {
    if (!first_) text_.push_back(',');
    first_ = false;
  }

  std::string text_;
  bool first_ = true;  // nothing written yet in the container open (or after a key)
};

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_JSON_SINK_H_
