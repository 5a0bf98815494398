// Copyright (c) crdtdb authors.

#include "query/matcher.h"

#include <algorithm>

#include "query/collation.h"

namespace crdtdb::query {

namespace {

bool In(const Json& value, const Json& values) {
  return std::any_of(values.begin(), values.end(),
                     [&](const Json& v) { return Collate(value, v) == 0; });
}

// Whether a comparison ($eq $in $gt $gte $lt $lte) holds for `value` itself.
bool Compares(Operator op, const Json& value, const Json& operand) {
  switch (op) {
    case Operator::kEq: return Collate(value, operand) == 0;
    case Operator::kIn: return In(value, operand);
    default: break;
  }
  if (!SameType(value, operand)) return false;
  const int c = Collate(value, operand);
  switch (op) {
    case Operator::kGt: return c > 0;
    case Operator::kGte: return c >= 0;
    case Operator::kLt: return c < 0;
    default: return c <= 0;  // kLte
  }
}

// A comparison holds for an array if it holds for the array whole or for one of its elements
// (one level deep, as MongoDB: docs/queries.md, "Arrays").
bool ComparesAny(Operator op, const Json& value, const Json& operand) {
  if (Compares(op, value, operand)) return true;
  return value.is_array() &&
         std::any_of(value.begin(), value.end(), [&](const Json& e) { return Compares(op, e, operand); });
}

bool Holds(const Selector& s, const Json& document) {
  const Json* value = Lookup(document, s.field);
  if (s.op == Operator::kExists) return (value != nullptr) == s.operand.get<bool>();
  if (value == nullptr) return false;
  switch (s.op) {
    case Operator::kNe: return !ComparesAny(Operator::kEq, *value, s.operand);
    case Operator::kNin: return !ComparesAny(Operator::kIn, *value, s.operand);
    default: return ComparesAny(s.op, *value, s.operand);
  }
}

}  // namespace

bool Matches(const Selector& selector, const Json& document) {
  switch (selector.kind) {
    case Selector::Kind::kAnd:
      return std::all_of(selector.children.begin(), selector.children.end(),
                         [&](const Selector& s) { return Matches(s, document); });
    case Selector::Kind::kOr:
      return std::any_of(selector.children.begin(), selector.children.end(),
                         [&](const Selector& s) { return Matches(s, document); });
    case Selector::Kind::kCondition: return Holds(selector, document);
  }
  return false;
}

}  // namespace crdtdb::query
