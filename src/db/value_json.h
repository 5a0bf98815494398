// Copyright (c) crdtdb authors.
//
// The bridge from the JSON values of the document model (crdt::Json, nlohmann's) to the public
// Value, for the typed calls of Database. Kept out of include/crdtdb: the public API
// carries no third-party header.

#ifndef CRDTDB_DB_VALUE_JSON_H_
#define CRDTDB_DB_VALUE_JSON_H_

#include <string_view>
#include <vector>

#include "crdt/field_node.h"
#include "crdt/json_sink.h"
#include "crdtdb/result.h"
#include "crdtdb/value.h"

namespace crdtdb::db {

// The same value. Recursive: `json` is bounded in depth by the parser that made it
// (crdt/json_input.h, kMaxJsonDepth).
Value FromJson(const crdt::Json& json);

// Builds the Value of the events it receives (crdt/json_sink.h): what the typed reads and writes
// return, with no JSON text written and parsed on the way.
class ValueBuilder final : public crdt::JsonSink {
 public:
  void Null() override { Add(Value()); }
  void Bool(bool b) override { Add(b); }
  void Int(int64_t i) override { Add(i); }
  void Uint(uint64_t u) override { Add(u); }
  void Double(double d) override { Add(d); }
  void String(std::string_view s) override { Add(s); }
  void BeginArray() override { open_.push_back(Add(Array())); }
  void EndArray() override { open_.pop_back(); }
  void BeginObject() override { open_.push_back(Add(Object())); }
  void Key(std::string_view name) override { key_.assign(name); }
  void EndObject() override { open_.pop_back(); }
  void Text(std::string_view json) override;
  void JsonValue(const crdt::Json& value) override { Add(FromJson(value)); }
  void Reset() override;

  // The value received (null if none); the builder is left empty.
  Value Take();

 private:
  // Puts `value` where the events are: the root, the end of the open array, or the open object's
  // member named by the last Key. Returns where it is now, valid while it is open: nothing is added
  // to its container meanwhile.
  Value* Add(Value value);

  Value root_;
  std::vector<Value*> open_;  // the arrays and objects open, innermost last
  std::string key_;
};

// The text a typed write sends for `value` (database_values.cc): InvalidArgument for a number
// that is not finite, which JSON cannot carry.
Result<std::string> WritableJson(const Value& value);
// A document as the JSON-text calls return it, parsed into a Value.
Result<Value> ParsedDocument(const Result<std::string>& json);

}  // namespace crdtdb::db

#endif  // CRDTDB_DB_VALUE_JSON_H_
