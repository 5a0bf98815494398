// Copyright (c) crdtdb authors.

#include "query/planner.h"

#include <algorithm>

#include "query/index_key.h"

namespace crdtdb::query {

namespace {

// The conditions that hold for every match: the top level and nested $and.
void CollectConjuncts(const Selector& s, std::vector<const Selector*>* out) {
  if (s.kind == Selector::Kind::kCondition) {
    out->push_back(&s);
  } else if (s.kind == Selector::Kind::kAnd) {
    for (const Selector& child : s.children) CollectConjuncts(child, out);
  }
}

bool SameField(const FieldPath& a, const FieldPath& b) { return a.segments == b.segments; }

const Selector* EqualityOn(const std::vector<const Selector*>& conjuncts, const FieldPath& field) {
  for (const Selector* c : conjuncts) {
    if (c->op == Operator::kEq && SameField(c->field, field)) return c;
  }
  return nullptr;
}

bool IsRange(Operator op) {
  return op == Operator::kGt || op == Operator::kGte || op == Operator::kLt || op == Operator::kLte;
}

// Narrows [lower, upper) under `prefix` by the range conditions on `field` whose operand has the
// type of the first one (a condition of another type matches nothing together with it; the
// matcher still checks it). False if there is none.
bool NarrowByRange(const std::vector<const Selector*>& conjuncts, const FieldPath& field,
                   const std::string& prefix, std::string* lower, std::string* upper) {
  const Selector* first = nullptr;
  for (const Selector* c : conjuncts) {
    if (!IsRange(c->op) || !SameField(c->field, field)) continue;
    if (first == nullptr) {
      first = c;
      *lower = prefix + TypeStart(c->operand);
      *upper = prefix + TypeEnd(c->operand);
    }
    if (!SameType(first->operand, c->operand)) continue;
    std::string at = prefix;
    AppendIndexValue(&c->operand, &at);
    switch (c->op) {
      case Operator::kGt: *lower = std::max(*lower, PrefixEnd(at)); break;
      case Operator::kGte: *lower = std::max(*lower, at); break;
      case Operator::kLt: *upper = std::min(*upper, at); break;
      default: *upper = std::min(*upper, PrefixEnd(at)); break;  // kLte
    }
  }
  return first != nullptr;
}

// Whether the index's fields after the `equal` first ones are the query's sort, ascending.
bool ServesSort(const Query& query, const std::vector<FieldPath>& fields, size_t equal) {
  if (query.sort.empty() || fields.size() != equal + query.sort.size()) return false;
  for (size_t i = 0; i < query.sort.size(); ++i) {
    if (query.sort[i].descending || !SameField(query.sort[i].field, fields[equal + i])) return false;
  }
  return true;
}

}  // namespace

std::optional<IndexPlan> PlanQuery(const Query& query, const std::vector<std::vector<FieldPath>>& indexes) {
  std::vector<const Selector*> conjuncts;
  CollectConjuncts(query.selector, &conjuncts);
  std::optional<IndexPlan> best;
  int best_score = 0;
  for (size_t i = 0; i < indexes.size(); ++i) {
    const std::vector<FieldPath>& fields = indexes[i];
    IndexPlan plan;
    plan.index = i;
    std::string prefix;
    while (plan.equal_fields < fields.size()) {
      const Selector* eq = EqualityOn(conjuncts, fields[plan.equal_fields]);
      if (eq == nullptr) break;
      AppendIndexValue(&eq->operand, &prefix);
      ++plan.equal_fields;
    }
    plan.equal_prefix = prefix;
    plan.lower = prefix;
    plan.upper = PrefixEnd(prefix);
    if (plan.equal_fields < fields.size()) {
      plan.range = NarrowByRange(conjuncts, fields[plan.equal_fields], prefix, &plan.lower, &plan.upper);
    }
    plan.ordered = ServesSort(query, fields, plan.equal_fields);
    // Equality narrows most, a range next; serving the sort breaks ties and is worth a plan alone.
    const int score = 4 * static_cast<int>(plan.equal_fields) + 2 * static_cast<int>(plan.range) +
                      static_cast<int>(plan.ordered);
    if (score > best_score) {
      best_score = score;
      best = std::move(plan);
    }
  }
  return best;
}

std::string OrderedResumeKey(const Query& query, const IndexPlan& plan) {
  std::string key = plan.equal_prefix;
  for (const std::optional<Json>& value : query.after->values) AppendIndexValue(value ? &*value : nullptr, &key);
  return key + query.after->id;
}

}  // namespace crdtdb::query
