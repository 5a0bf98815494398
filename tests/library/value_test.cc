// Copyright (c) crdtdb authors.
//
// crdtdb::Value on its own: building, reading (never crashing, whatever it holds), JSON text.

#include "crdtdb/value.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include <doctest/doctest.h>

namespace crdtdb {
namespace {

TEST_CASE("a value is built from C++ values and read back as the same types") {
  const Value todo = Object{{"title", "milk"},
                            {"done", false},
                            {"votes", 3},
                            {"price", 1.25},
                            {"note", nullptr},
                            {"tags", Array{"shop", 7, true}},
                            {"where", Object{{"city", std::string("Lyon")}}}};
  CHECK(todo.is_object());
  CHECK(todo.size() == 7);
  CHECK(todo["title"].as_string() == "milk");
  CHECK(todo["done"].as_bool() == false);
  CHECK(todo["votes"].as_int() == 3);
  CHECK(todo["votes"].is_integer());
  CHECK(todo["price"].as_double() == 1.25);
  CHECK_FALSE(todo["price"].is_integer());
  CHECK(todo["note"].is_null());
  CHECK(todo.find("note") != nullptr);  // present, and null
  CHECK(todo["tags"].size() == 3);
  CHECK(todo["tags"][0].as_string() == "shop");
  CHECK(todo["tags"][1].as_int() == 7);
  CHECK(todo["where"]["city"].as_string() == "Lyon");
  CHECK(todo["where"].type() == Value::Type::kObject);
}

TEST_CASE("reading what a value does not hold gives null or nullopt, never a crash") {
  const Value todo = Object{{"title", "milk"}, {"tags", Array{"a"}}};
  CHECK(todo["missing"].is_null());
  CHECK(todo.find("missing") == nullptr);
  CHECK(todo["missing"]["deeper"][3].is_null());
  CHECK(todo["title"]["not an object"].is_null());
  CHECK(todo["tags"][1].is_null());  // past the end
  CHECK(todo[0].is_null());          // an object is not an array
  CHECK_FALSE(todo["title"].as_int().has_value());
  CHECK_FALSE(todo["title"].as_bool().has_value());
  CHECK_FALSE(todo["tags"].as_string().has_value());
  CHECK(todo["title"].as_array() == nullptr);
  CHECK(todo["title"].as_object() == nullptr);
  CHECK(todo["title"].size() == 0);
  CHECK(todo["missing"].as_string().value_or("untitled") == "untitled");
}

// A char is text, not a number: Value('x') does not compile, rather than making the number 120.
static_assert(!std::is_constructible_v<Value, char>);
static_assert(std::is_constructible_v<Value, unsigned char>);

TEST_CASE("integers are held exactly, in the range their accessor asks") {
  const uint64_t big = std::numeric_limits<uint64_t>::max();
  CHECK(Value(big).as_uint() == big);
  CHECK_FALSE(Value(big).as_int().has_value());  // beyond int64
  CHECK(Value(big).as_double() == static_cast<double>(big));
  CHECK(Value(-5).as_int() == -5);
  CHECK_FALSE(Value(-5).as_uint().has_value());
  CHECK(Value(5u) == Value(5));  // one representation for each integer
  CHECK(Value(std::numeric_limits<int64_t>::min()).as_int() == std::numeric_limits<int64_t>::min());
  CHECK_FALSE(Value(1.0).as_int().has_value());  // a double is not an integer, even a whole one
  CHECK(Value(1) != Value(1.0));
}

TEST_CASE("values compare deeply") {
  CHECK(Value(Object{{"a", Array{1, "x"}}}) == Value(Object{{"a", Array{1, "x"}}}));
  CHECK(Value(Object{{"a", Array{1, "x"}}}) != Value(Object{{"a", Array{1, "y"}}}));
  CHECK(Value() == Value(nullptr));
  CHECK(Value("1") != Value(1));
}

TEST_CASE("a value is a deep copy, and may be changed in place") {
  Value original = Object{{"list", Array{1}}};
  Value copy = original;
  copy.as_object()->at("list").as_array()->push_back(2);
  (*copy.as_object())["added"] = "yes";
  CHECK(original["list"].size() == 1);
  CHECK(copy["list"].size() == 2);
  CHECK(copy["added"].as_string() == "yes");
}

TEST_CASE("to_json writes compact text in name order, and parse reads it back") {
  const Value v = Object{
      {"b", Array{1, -2, 2.5, true, nullptr}}, {"a", "q\"uote\\\n\xc3\xa9"}, {"c", Object{}}};
  CHECK(v.to_json() == R"({"a":"q\"uote\\\né","b":[1,-2,2.5,true,null],"c":{}})");
  Result<Value> back = Value::parse(v.to_json());
  REQUIRE(back.ok());
  CHECK(*back == v);
  CHECK(Value(Array{}).to_json() == "[]");
  CHECK(Value(1.0).to_json() == "1.0");
  CHECK(Value(std::nan("")).to_json() == "null");  // as documented: put_value refuses it
}

TEST_CASE("parse reports malformed text as InvalidArgument") {
  for (const char* bad : {"", "{", "{\"a\":}", "[1,]", "nul", "{\"a\":1,\"a\":2}", "\"\xff\""}) {
    CAPTURE(bad);
    Result<Value> v = Value::parse(bad);
    REQUIRE_FALSE(v.ok());
    CHECK(v.status().IsInvalidArgument());
  }
  CHECK(Value::parse("18446744073709551615")->as_uint() == std::numeric_limits<uint64_t>::max());
  CHECK(Value::parse("-3")->as_int() == -3);
  CHECK(Value::parse("3")->as_int() == 3);
  CHECK(Value::parse("3.0")->as_double() == 3.0);
}

}  // namespace
}  // namespace crdtdb
