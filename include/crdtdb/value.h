// Copyright (c) crdtdb authors.
//
// A Value is a JSON value an app holds as data, not text: null, a boolean, a number, a string, an
// array or an object. It is what the typed calls of Database (get_value, put_value, ...) take and
// return, and it is crdtdb's own type so that the public API carries no third-party header
// (docs/library.md, "Why a value type of our own").
//
// How a document's CRDT fields read as Values (docs/crdt.md): a register is its value, a nested
// object an Object, a counter an integer, an add-wins set an Array of its elements in a fixed
// order; a list, when crdtdb has lists, will be an Array too.
//
// Building one:
//   crdtdb::Value todo = crdtdb::Object{{"title", "milk"}, {"done", false},
//                                       {"tags", crdtdb::Array{"shop", "dairy"}}};
// Reading one never crashes, whatever the value holds: a lookup that does not match gives a null
// Value, and a typed accessor gives std::nullopt when the value is of another type:
//   std::string title = todo["title"].as_string().value_or("");
//   int64_t votes = todo["stats"]["votes"].as_int().value_or(0);
//
// Numbers keep what JSON text gives: integers are held exactly (int64, and uint64 above int64's
// range), other numbers as doubles. An integer and a double are different values even when equal
// in value (1 != 1.0), as they are different in a stored document (docs/crdt.md).
//
// A Value is a plain value type: copies are deep and independent; a const Value may be read from
// many threads at once.

#ifndef CRDTDB_INCLUDE_VALUE_H_
#define CRDTDB_INCLUDE_VALUE_H_

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "crdtdb/result.h"

namespace crdtdb {

class Value;
using Array = std::vector<Value>;
// Members in bytewise order of their names, as documents hold them.
using Object = std::map<std::string, Value, std::less<>>;

// The integer types a Value takes as numbers: all but bool and char (a char is text: use a string).
template <typename T>
concept IntegerValue = std::integral<T> && !std::same_as<T, bool> && !std::same_as<T, char>;

class Value {
  using Data =
      std::variant<std::nullptr_t, bool, int64_t, uint64_t, double, std::string, Array, Object>;

 public:
  enum class Type : unsigned char { kNull, kBool, kNumber, kString, kArray, kObject };

  Value() = default;           // null
  Value(std::nullptr_t) {}     // NOLINT: implicit, so that {"field", nullptr} reads as JSON does
  Value(bool b) : data_(b) {}  // NOLINT (and the constructors below)
  template <IntegerValue T>
  Value(T n) : data_(Integer(n)) {}                     // NOLINT
  Value(double d) : data_(d) {}                         // NOLINT
  Value(const char* s) : data_(std::string(s)) {}       // NOLINT
  Value(std::string_view s) : data_(std::string(s)) {}  // NOLINT
  Value(std::string s) : data_(std::move(s)) {}         // NOLINT
  Value(Array a) : data_(std::move(a)) {}               // NOLINT
  Value(Object o) : data_(std::move(o)) {}              // NOLINT

  // Out of line: inlined, the moves of the variant inside make GCC 12 warn, falsely, that a
  // string or a vector may be used uninitialized (-Wmaybe-uninitialized) in the app's code.
  Value(const Value& other);
  Value(Value&& other) noexcept;
  Value& operator=(const Value& other);
  Value& operator=(Value&& other) noexcept;
  ~Value();

  // Parses JSON text, with the checks and limits of put (docs/cli.md, "Documents"); InvalidArgument
  // saying where it went wrong otherwise. For text crdtdb hands out as JSON (Change::json).
  static Result<Value> parse(std::string_view json);
  // Compact JSON text, object members in name order: byte for byte what get returns for the same
  // document. A number that is not finite (NaN, infinity) is written as null; put_value refuses it.
  std::string to_json() const;

  Type type() const;
  bool is_null() const { return type() == Type::kNull; }
  bool is_bool() const { return type() == Type::kBool; }
  bool is_number() const { return type() == Type::kNumber; }
  bool is_integer() const {
    return std::holds_alternative<int64_t>(data_) || std::holds_alternative<uint64_t>(data_);
  }
  bool is_string() const { return type() == Type::kString; }
  bool is_array() const { return type() == Type::kArray; }
  bool is_object() const { return type() == Type::kObject; }

  // The value as one type; std::nullopt when it is of another type or out of the type's range.
  std::optional<bool> as_bool() const;
  std::optional<int64_t> as_int() const;         // an integer within int64's range
  std::optional<uint64_t> as_uint() const;       // an integer >= 0
  std::optional<double> as_double() const;       // any number (integers beyond 2^53 rounded)
  std::optional<std::string> as_string() const;  // a copy, safe to keep after the Value is gone
  // The elements or members in place; nullptr when the value is of another type. The pointer is
  // valid until the Value is assigned or destroyed; so are the references of find() and
  // operator[] below. Hold the Value in a variable first: a range-for over
  // *(*db->get_value(key))["tags"].as_array() reads a temporary already destroyed.
  const Array* as_array() const { return std::get_if<Array>(&data_); }
  Array* as_array() { return std::get_if<Array>(&data_); }
  const Object* as_object() const { return std::get_if<Object>(&data_); }
  Object* as_object() { return std::get_if<Object>(&data_); }

  // The member `name` of an object; nullptr when absent or when this is not an object (a member
  // whose value is null is found, and is null).
  const Value* find(std::string_view name) const;
  // The member `name`, or the element at `index`; a null Value when there is none. Chains safely:
  // doc["a"]["b"] is null if "a" is missing, not an object, or has no "b".
  const Value& operator[](std::string_view name) const;
  const Value& operator[](size_t index) const;
  // Members of an object or elements of an array; 0 for any other value.
  size_t size() const;

  friend bool operator==(const Value&, const Value&) = default;

 private:
  // One representation for each integer: int64 when it fits, so that Value(5u) == Value(5).
  template <typename T>
  static Data Integer(T n) {
    if constexpr (std::is_signed_v<T>) {
      return static_cast<int64_t>(n);
    } else if (static_cast<uint64_t>(n) <= static_cast<uint64_t>(INT64_MAX)) {
      return static_cast<int64_t>(n);
    } else {
      return static_cast<uint64_t>(n);
    }
  }
  void AppendJson(std::string* out) const;  // to_json()'s text

  Data data_;
};

}  // namespace crdtdb

#endif  // CRDTDB_INCLUDE_VALUE_H_
