// Copyright (c) crdtdb authors.

#include "crdt/materialize.h"

#include <algorithm>
#include <string>
#include <vector>

namespace crdtdb::crdt {

namespace {

// Winner order: greater wins.
bool RegisterLess(const RegisterEntry& a, const RegisterEntry& b) {
  if (a.timestamp != b.timestamp) return a.timestamp < b.timestamp;
  if (a.dot.replica != b.dot.replica) return a.dot.replica < b.dot.replica;
  return a.dot.counter < b.dot.counter;
}

Json ObjectValue(const ObjectNode& object) {
  Json out = Json::object();
  for (const auto& [name, field] : object.fields) out[name] = FieldValue(field);
  return out;
}

Json CounterValue(const FieldNode& field) {
  uint64_t total = 0;
  for (const CounterEntry& e : field.counters) total += static_cast<uint64_t>(e.value);
  return static_cast<int64_t>(total);
}

Json SetValue(const FieldNode& field) {
  Json out = Json::array();
  for (const auto& entry : field.set) out.push_back(Json::parse(entry.first));
  return out;
}

// Appends "/name" with RFC 6901 escaping (~ -> ~0, / -> ~1).
std::string ChildPointer(const std::string& parent, const std::string& name) {
  std::string out = parent + '/';
  for (char c : name) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

void CollectConflicts(const ObjectNode& object, const std::string& pointer, Json& out) {
  for (const auto& [name, field] : object.fields) {
    const std::string child = ChildPointer(pointer, name);
    std::vector<Json> values;
    const FieldKind shown = VisibleKind(field);
    values.push_back(FieldValue(field));
    std::vector<RegisterEntry> regs = field.registers;
    std::sort(regs.begin(), regs.end(),
              [](const RegisterEntry& a, const RegisterEntry& b) { return RegisterLess(b, a); });
    for (size_t i = shown == FieldKind::kRegister ? 1 : 0; i < regs.size(); ++i) {
      values.push_back(regs[i].value);
    }
    if (shown != FieldKind::kCounter && !field.counters.empty()) values.push_back(CounterValue(field));
    if (shown != FieldKind::kSet && !field.set.empty()) values.push_back(SetValue(field));
    if (values.size() > 1) out[child] = values;
    if (field.object) CollectConflicts(*field.object, child, out);
  }
}

}  // namespace

Json FieldValue(const FieldNode& field) {
  switch (VisibleKind(field)) {
    case FieldKind::kObject: return ObjectValue(*field.object);
    case FieldKind::kCounter: return CounterValue(field);
    case FieldKind::kSet: return SetValue(field);
    case FieldKind::kRegister:
      return std::max_element(field.registers.begin(), field.registers.end(), RegisterLess)->value;
    case FieldKind::kNone: break;
  }
  return nullptr;
}

Json ToJson(const Document& doc) {
  if (!doc.live()) return nullptr;
  return ObjectValue(doc.root());
}

Json Conflicts(const Document& doc) {
  Json out = Json::object();
  CollectConflicts(doc.root(), "", out);
  return out;
}

}  // namespace crdtdb::crdt
