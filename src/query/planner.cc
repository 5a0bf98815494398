// Copyright (c) crdtdb authors.

#include "query/planner.h"

#include <algorithm>
#include <set>

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

const Selector* ConditionOn(const std::vector<const Selector*>& conjuncts, const FieldPath& field, Operator op) {
  for (const Selector* c : conjuncts) {
    if (c->op == op && SameField(c->field, field)) return c;
  }
  return nullptr;
}

// One range per distinct value of a $in, in key order (the collation's).
std::vector<KeyRange> InRanges(const Selector& in, const std::string& prefix) {
  std::set<std::string> keys;
  for (const Json& value : in.operand) {
    std::string key = prefix;
    AppendIndexValue(&value, &key);
    keys.insert(std::move(key));
  }
  std::vector<KeyRange> out;
  for (const std::string& key : keys) out.push_back({key, PrefixEnd(key)});
  return out;
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

// Whether the index's fields after the `equal` first ones are the query's sort, in one direction.
bool ServesSort(const Query& query, const std::vector<FieldPath>& fields, size_t equal) {
  if (query.sort.empty() || fields.size() != equal + query.sort.size()) return false;
  for (size_t i = 0; i < query.sort.size(); ++i) {
    if (query.sort[i].descending != query.sort[0].descending) return false;
    if (!SameField(query.sort[i].field, fields[equal + i])) return false;
  }
  return true;
}

// The same ranges among the element entries, and the overflow entries (index_key.h).
void AddElementRanges(std::vector<KeyRange>* ranges) {
  const size_t whole = ranges->size();
  for (size_t i = 0; i < whole; ++i) {
    const KeyRange& r = (*ranges)[i];
    ranges->push_back({kElementEntry + r.lower, kElementEntry + r.upper});
  }
  const std::string overflow(kOverflowEntries);
  ranges->push_back({overflow, PrefixEnd(overflow)});
  std::sort(ranges->begin(), ranges->end(), [](const KeyRange& a, const KeyRange& b) { return a.lower < b.lower; });
}

}  // namespace

std::optional<IndexPlan> PlanQuery(const Query& query, const std::vector<CandidateIndex>& indexes) {
  std::vector<const Selector*> conjuncts;
  CollectConjuncts(query.selector, &conjuncts);
  std::optional<IndexPlan> best;
  int best_score = 0;
  for (size_t i = 0; i < indexes.size(); ++i) {
    const std::vector<FieldPath>& fields = indexes[i].fields;
    IndexPlan plan;
    plan.index = i;
    std::string prefix;
    while (plan.equal_fields < fields.size()) {
      const Selector* eq = ConditionOn(conjuncts, fields[plan.equal_fields], Operator::kEq);
      if (eq == nullptr) break;
      AppendIndexValue(&eq->operand, &prefix);
      ++plan.equal_fields;
    }
    plan.equal_prefix = prefix;
    // Whole entries start at 01: with no prefix, the whole run is every key from there.
    KeyRange whole{prefix.empty() ? std::string(1, '\x01') : prefix, PrefixEnd(prefix)};
    if (plan.equal_fields < fields.size()) {
      const FieldPath& next = fields[plan.equal_fields];
      plan.range = NarrowByRange(conjuncts, next, prefix, &whole.lower, &whole.upper);
      const Selector* in = plan.range ? nullptr : ConditionOn(conjuncts, next, Operator::kIn);
      if (in != nullptr) {
        plan.ranges = InRanges(*in, prefix);
        plan.in_values = plan.ranges.size();
      }
    }
    if (plan.in_values == 0) plan.ranges.push_back(whole);
    const bool narrowed = plan.equal_fields > 0 || plan.range || plan.in_values > 0;
    plan.ordered = ServesSort(query, fields, plan.equal_fields) && !(indexes[i].multikey && narrowed);
    plan.descending = plan.ordered && query.sort[0].descending;
    if (indexes[i].multikey && narrowed) AddElementRanges(&plan.ranges);
    // Equality narrows most, a $in (a few equalities) next, then a range; serving the sort breaks
    // ties and is worth a plan alone.
    const int score = 4 * static_cast<int>(plan.equal_fields) + (plan.in_values > 0 ? 3 : 0) +
                      2 * static_cast<int>(plan.range) + static_cast<int>(plan.ordered);
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
