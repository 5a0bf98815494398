// Copyright (c) crdtdb authors.

#include "crdt/materialize.h"

#include <algorithm>
#include <string>
#include <vector>

#include "crdt/json_sink.h"
#include "crdt/list_node.h"
#include "crdt/position_index.h"

namespace crdtdb::crdt {

namespace {

// Winner order: greater wins.
bool RegisterLess(const RegisterEntry& a, const RegisterEntry& b) {
  if (a.timestamp != b.timestamp) return a.timestamp < b.timestamp;
  if (a.dot.replica != b.dot.replica) return a.dot.replica < b.dot.replica;
  return a.dot.counter < b.dot.counter;
}

const RegisterEntry& Winner(const std::vector<RegisterEntry>& registers) {
  return *std::max_element(registers.begin(), registers.end(), RegisterLess);
}

Json ObjectValue(const ObjectNode& object) {
  Json out = Json::object();
  for (const auto& [name, field] : object.fields) {
    if (VisibleKind(field) != FieldKind::kNone) out[name] = FieldValue(field);
  }
  return out;
}

int64_t CounterTotal(const FieldNode& field) {
  uint64_t total = 0;
  for (const CounterEntry& e : field.counters) total += static_cast<uint64_t>(e.value);
  return static_cast<int64_t>(total);
}

Json CounterValue(const FieldNode& field) { return CounterTotal(field); }

Json ListValue(const ListNode& list) {
  Json out = Json::array();
  for (const Dot& id : VisibleElements(list)) out.push_back(FieldValue(list.elements.at(id).value));
  return out;
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

void CollectConflicts(const ObjectNode& object, const std::string& pointer, Json& out);

void CollectFieldConflicts(const FieldNode& field, const std::string& pointer, Json& out) {
  std::vector<Json> values;
  const FieldKind shown = VisibleKind(field);
  values.push_back(FieldValue(field));
  std::vector<RegisterEntry> regs = field.registers;
  std::sort(regs.begin(), regs.end(),
            [](const RegisterEntry& a, const RegisterEntry& b) { return RegisterLess(b, a); });
  for (size_t i = shown == FieldKind::kRegister ? 1 : 0; i < regs.size(); ++i) {
    values.push_back(regs[i].value);
  }
  if (shown != FieldKind::kList && field.list) values.push_back(ListValue(*field.list));
  if (shown != FieldKind::kText && field.text && field.text->has_value()) values.push_back(VisibleText(*field.text));
  if (shown != FieldKind::kCounter && !field.counters.empty()) values.push_back(CounterValue(field));
  if (shown != FieldKind::kSet && !field.set.empty()) values.push_back(SetValue(field));
  if (values.size() > 1) out[pointer] = values;
  if (field.object) CollectConflicts(*field.object, pointer, out);
  if (field.list && shown == FieldKind::kList) {
    // Elements by their index in the list shown.
    const std::vector<Dot> visible = VisibleElements(*field.list);
    for (size_t i = 0; i < visible.size(); ++i) {
      CollectFieldConflicts(field.list->elements.at(visible[i]).value, pointer + '/' + std::to_string(i), out);
    }
  }
}

void CollectConflicts(const ObjectNode& object, const std::string& pointer, Json& out) {
  for (const auto& [name, field] : object.fields) CollectFieldConflicts(field, ChildPointer(pointer, name), out);
}

}  // namespace

Json FieldValue(const FieldNode& field) {
  switch (VisibleKind(field)) {
    case FieldKind::kObject: return ObjectValue(*field.object);
    case FieldKind::kList: return ListValue(*field.list);
    case FieldKind::kText: return VisibleText(*field.text);
    case FieldKind::kCounter: return CounterValue(field);
    case FieldKind::kSet: return SetValue(field);
    case FieldKind::kRegister: return Winner(field.registers).value;
    case FieldKind::kNone: break;
  }
  return nullptr;
}

const Json* ShownRegisterValue(const FieldNode& field) {
  return VisibleKind(field) == FieldKind::kRegister ? &Winner(field.registers).value : nullptr;
}

namespace {

void EmitObject(const ObjectNode& object, JsonSink& out);

// FieldValue(field)'s events.
void EmitField(const FieldNode& field, JsonSink& out) {
  switch (VisibleKind(field)) {
    case FieldKind::kObject: EmitObject(*field.object, out); return;
    case FieldKind::kList: {
      out.BeginArray();
      for (const Dot& id : VisibleElements(*field.list)) EmitField(field.list->elements.at(id).value, out);
      out.EndArray();
      return;
    }
    case FieldKind::kText: out.String(VisibleText(*field.text)); return;
    case FieldKind::kCounter: out.Int(CounterTotal(field)); return;
    case FieldKind::kSet: {
      // Elements are kept as their canonical JSON text, which is what dump() writes for them.
      out.BeginArray();
      for (const auto& entry : field.set) out.Text(entry.first);
      out.EndArray();
      return;
    }
    case FieldKind::kRegister: out.JsonValue(Winner(field.registers).value); return;
    case FieldKind::kNone: break;
  }
  out.Null();
}

void EmitObject(const ObjectNode& object, JsonSink& out) {
  out.BeginObject();
  for (const auto& [name, field] : object.fields) {
    if (VisibleKind(field) == FieldKind::kNone) continue;  // no value (field_node.h)
    out.Key(name);
    EmitField(field, out);
  }
  out.EndObject();
}

}  // namespace

void EmitDocument(const Document& doc, JsonSink& out) {
  if (!doc.live()) {
    out.Null();
    return;
  }
  EmitObject(doc.root(), out);
}

std::string DocumentJson(const Document& doc) {
  JsonTextSink out;
  EmitDocument(doc, out);
  return out.Take();
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
