// Copyright (c) crdtdb authors.

#include "query/selector.h"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "query/limits.h"

namespace crdtdb::query {

namespace {

constexpr std::array<std::pair<std::string_view, Operator>, 9> kOperators = {
    {{"$eq", Operator::kEq},
     {"$ne", Operator::kNe},
     {"$gt", Operator::kGt},
     {"$gte", Operator::kGte},
     {"$lt", Operator::kLt},
     {"$lte", Operator::kLte},
     {"$in", Operator::kIn},
     {"$nin", Operator::kNin},
     {"$exists", Operator::kExists}}};

const char* TypeName(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::string: return "a string";
    case Json::value_t::array: return "an array";
    case Json::value_t::object: return "an object";
    default: return "a number";
  }
}

// Parses one selector object at a time, counting conditions across all of them.
class Parser {
 public:
  // `where` names the object for errors: "selector", "selector.$or[1]", "field \"a.b\"".
  Result<Selector> Object(const Json& object, const FieldPath* prefix, const std::string& where) {
    if (!object.is_object()) {
      return Bad(where, std::string("must be an object, not ") + TypeName(object));
    }
    Selector all;
    for (auto it = object.begin(); it != object.end(); ++it) {
      Result<Selector> member = Member(it.key(), it.value(), prefix, where);
      if (!member.ok()) return member;
      all.children.push_back(std::move(member).value());
    }
    if (all.children.size() == 1) return std::move(all.children.front());
    return all;
  }

 private:
  static Status Bad(const std::string& where, const std::string& why) {
    return Status::InvalidArgument(where + ": " + why);
  }

  Result<Selector> Member(const std::string& name, const Json& value, const FieldPath* prefix,
                          const std::string& where) {
    if (name == "$and" || name == "$or") return Combination(name, value, prefix, where);
    if (!name.empty() && name.front() == '$') {
      for (const auto& [op_name, op] : kOperators) {
        if (name == op_name) {
          return Bad(where,
                     name + " must be applied to a field: {\"FIELD\": {\"" + name + "\": ...}}");
        }
      }
      return Bad(where, "unknown operator \"" + name + "\"");
    }
    Result<FieldPath> path = ParseFieldPath(name);
    if (!path.ok()) return Bad(where, path.status().message());
    const FieldPath field = prefix ? Under(*prefix, *path) : std::move(path).value();
    return Field(field, value);
  }

  Result<Selector> Combination(const std::string& name, const Json& value, const FieldPath* prefix,
                               const std::string& where) {
    if (!value.is_array() || value.empty()) {
      return Bad(where, name + " takes a non-empty array of selectors, not " +
                            (value.is_array() ? std::string("an empty array") : TypeName(value)));
    }
    Selector combined;
    combined.kind = name == "$and" ? Selector::Kind::kAnd : Selector::Kind::kOr;
    for (size_t i = 0; i < value.size(); ++i) {
      Result<Selector> child =
          Object(value[i], prefix, where + "." + name + "[" + std::to_string(i) + "]");
      if (!child.ok()) return child;
      combined.children.push_back(std::move(child).value());
    }
    return combined;
  }

  // A field's value: operators, a nested selector, or a value to equal.
  Result<Selector> Field(const FieldPath& field, const Json& value) {
    const std::string where = "field \"" + field.text + "\"";
    size_t operators = 0;
    if (value.is_object()) {
      for (auto it = value.begin(); it != value.end(); ++it) {
        if (!it.key().empty() && it.key().front() == '$') ++operators;
      }
    }
    if (!value.is_object() || value.empty()) return Condition(field, Operator::kEq, value, where);
    if (operators == 0) return Object(value, &field, where);
    if (operators != value.size()) {
      return Bad(where, "mixes operators and field names; put an object to compare with under $eq");
    }
    Selector all;
    for (auto it = value.begin(); it != value.end(); ++it) {
      auto known = std::find_if(kOperators.begin(), kOperators.end(),
                                [&](const auto& entry) { return entry.first == it.key(); });
      if (known == kOperators.end()) {
        if (it.key() == "$and" || it.key() == "$or") {
          return Bad(where, it.key() +
                                " combines selectors, not a field's operators: write "
                                "{\"" +
                                it.key() + "\": [{\"" + field.text + "\": ...}, ...]}");
        }
        return Bad(where, "unknown operator \"" + it.key() + "\"");
      }
      Result<Selector> condition = Condition(field, known->second, it.value(), where);
      if (!condition.ok()) return condition;
      all.children.push_back(std::move(condition).value());
    }
    if (all.children.size() == 1) return std::move(all.children.front());
    return all;
  }

  Result<Selector> Condition(const FieldPath& field, Operator op, const Json& operand,
                             const std::string& where) {
    if (++conditions_ > kMaxConditions) {
      return Bad(where,
                 "the selector has more than " + std::to_string(kMaxConditions) + " conditions");
    }
    if (op == Operator::kExists && !operand.is_boolean()) {
      return Bad(where, std::string("$exists takes true or false, not ") + TypeName(operand));
    }
    if (op == Operator::kIn || op == Operator::kNin) {
      const char* name = op == Operator::kIn ? "$in" : "$nin";
      if (!operand.is_array())
        return Bad(where, std::string(name) + " takes an array, not " + TypeName(operand));
      if (operand.size() > kMaxInValues) {
        return Bad(where, std::string(name) + " has more than " + std::to_string(kMaxInValues) +
                              " values");
      }
    }
    Selector s;
    s.kind = Selector::Kind::kCondition;
    s.field = field;
    s.op = op;
    s.operand = operand;
    return s;
  }

  size_t conditions_ = 0;
};

}  // namespace

Result<Selector> ParseSelector(const Json& selector) {
  Parser parser;
  return parser.Object(selector, nullptr, "selector");
}

}  // namespace crdtdb::query
