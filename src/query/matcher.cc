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

bool Holds(const Selector& s, const Json& document) {
  const Json* value = Lookup(document, s.field);
  if (s.op == Operator::kExists) return (value != nullptr) == s.operand.get<bool>();
  if (value == nullptr) return false;
  switch (s.op) {
    case Operator::kEq: return Collate(*value, s.operand) == 0;
    case Operator::kNe: return Collate(*value, s.operand) != 0;
    case Operator::kIn: return In(*value, s.operand);
    case Operator::kNin: return !In(*value, s.operand);
    default: break;
  }
  if (!SameType(*value, s.operand)) return false;
  const int c = Collate(*value, s.operand);
  switch (s.op) {
    case Operator::kGt: return c > 0;
    case Operator::kGte: return c >= 0;
    case Operator::kLt: return c < 0;
    default: return c <= 0;  // kLte
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
