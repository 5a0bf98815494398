// Copyright (c) crdtdb authors.

#include "crdt/mutators.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "crdt/limits.h"
#include "util/utf8.h"

namespace crdtdb::crdt {

namespace {

const FieldNode* FindField(const ObjectNode* object, const std::string& name) {
  if (object == nullptr) return nullptr;
  auto it = object->fields.find(name);
  return it == object->fields.end() ? nullptr : &it->second;
}

std::string PathString(const FieldPath& path) {
  std::string out;
  for (const std::string& name : path) {
    out += '/';
    out += name;
  }
  return out;
}

// Builds one delta against the observed state `base`. The "mention" nodes it fills mirror the
// parts of the document the delta touches (see join.h).
class DeltaBuilder {
 public:
  DeltaBuilder(const Document& base, WriteStamp stamp)
      : base_(base),
        stamp_(stamp),
        next_counter_(std::max(base.context().MaxCounter(stamp.replica) + 1, stamp.first_counter)) {}

  ObjectNode& root() { return delta_.mutable_root(); }
  Document Finish() { return std::move(delta_); }

  Dot NewDot() {
    Dot dot{stamp_.replica, next_counter_++};
    delta_.mutable_context().Add(dot);
    return dot;
  }

  void Observe(const Dot& dot) { delta_.mutable_context().Add(dot); }
  void ObserveAll(const DotSet& dots) {
    for (const Dot& d : dots) Observe(d);
  }

  // Removes every dot of the field, of every kind.
  void RemoveField(const FieldNode& field, FieldNode& mention) {
    RemoveKindsExcept(field, mention, FieldKind::kNone);
  }

  // Removes the field's values of every kind but `keep`: a write of one kind supersedes what it
  // observed of the others.
  void RemoveKindsExcept(const FieldNode& field, FieldNode& mention, FieldKind keep) {
    if (keep != FieldKind::kRegister) {
      for (const RegisterEntry& e : field.registers) Observe(e.dot);
    }
    if (keep != FieldKind::kCounter) {
      for (const CounterEntry& e : field.counters) Observe(e.dot);
    }
    if (keep != FieldKind::kSet) {
      for (const auto& [element, dots] : field.set) {
        ObserveAll(dots);
        mention.set[element];
      }
    }
    if (keep != FieldKind::kObject && field.object) {
      RemoveObject(*field.object, mention.mutable_object());
    }
  }

  void RemoveObject(const ObjectNode& object, ObjectNode& mention) {
    ObserveAll(object.presence);
    for (const auto& [name, field] : object.fields) RemoveField(field, mention.fields[name]);
  }

  // Replaces the object's presence dots with one fresh dot: the object is (still) there.
  void RenewPresence(const ObjectNode* object, ObjectNode& mention) {
    if (object != nullptr) ObserveAll(object->presence);
    mention.presence.push_back(NewDot());
  }

  // Writes `value` into a field whose observed values were already removed. Objects become
  // nested objects; with `skip_nulls` (merge-patch semantics) null members are left out.
  void WriteValue(const Json& value, FieldNode& mention, bool skip_nulls) {
    if (!value.is_object()) {
      mention.registers.push_back(RegisterEntry{NewDot(), stamp_.timestamp, value});
      return;
    }
    ObjectNode& object = mention.mutable_object();
    RenewPresence(nullptr, object);
    for (const auto& [name, member] : value.items()) {
      if (skip_nulls && member.is_null()) continue;
      WriteValue(member, object.fields[name], skip_nulls);
    }
  }

  // Walks to the object that holds the last field of `path`, creating objects on the way (and
  // replacing values that are not objects), renewing the presence of every object it passes.
  // Returns the observed object (null if new) and its mention.
  std::pair<const ObjectNode*, ObjectNode*> DescendCreating(const FieldPath& path) {
    const ObjectNode* object = &base_.root();
    ObjectNode* mention = &root();
    for (size_t i = 0; i + 1 < path.size(); ++i) {
      RenewPresence(object, *mention);
      const FieldNode* field = FindField(object, path[i]);
      FieldNode& field_mention = mention->fields[path[i]];
      if (field != nullptr) RemoveKindsExcept(*field, field_mention, FieldKind::kObject);
      object = field != nullptr && field->object ? field->object.get() : nullptr;
      mention = &field_mention.mutable_object();
    }
    RenewPresence(object, *mention);
    return {object, mention};
  }

  // Walks to the object that holds the last field of `path` without creating anything; returns
  // null if the path does not lead through existing objects.
  std::pair<const ObjectNode*, ObjectNode*> DescendExisting(const FieldPath& path) {
    const ObjectNode* object = &base_.root();
    ObjectNode* mention = &root();
    for (size_t i = 0; i + 1 < path.size(); ++i) {
      const FieldNode* field = FindField(object, path[i]);
      if (field == nullptr || !field->object) return {nullptr, nullptr};
      object = field->object.get();
      mention = &mention->fields[path[i]].mutable_object();
    }
    return {object, mention};
  }

  // Applies a merge patch to `object` (null if missing) through its mention.
  void PatchObject(const ObjectNode* object, const Json& patch, ObjectNode& mention) {
    RenewPresence(object, mention);
    for (const auto& [name, value] : patch.items()) {
      const FieldNode* field = FindField(object, name);
      if (value.is_null() && field == nullptr) continue;
      FieldNode& field_mention = mention.fields[name];
      if (value.is_object() && field != nullptr && field->object) {
        RemoveKindsExcept(*field, field_mention, FieldKind::kObject);
        PatchObject(field->object.get(), value, field_mention.mutable_object());
        continue;
      }
      if (field != nullptr) RemoveField(*field, field_mention);
      if (!value.is_null()) WriteValue(value, field_mention, /*skip_nulls=*/true);
    }
  }

 private:
  const Document& base_;
  const WriteStamp stamp_;
  uint64_t next_counter_;
  Document delta_;
};

// Values built in code rather than parsed (json_input.h) get the same checks, so that every state a
// mutator makes can be encoded and decoded again: nesting within kMaxJsonDepth (`depth` levels are
// already used by the path), finite numbers, valid UTF-8.
Status CheckValue(const Json& value, size_t depth) {
  if (value.is_structured() && ++depth > static_cast<size_t>(kMaxJsonDepth)) {
    return Status::InvalidArgument("value nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  switch (value.type()) {
    case Json::value_t::number_float:
      if (!std::isfinite(value.get<double>())) return Status::InvalidArgument("numbers must be finite");
      return Status::OK();
    case Json::value_t::string:
      if (!IsValidUtf8(value.get_ref<const std::string&>())) return Status::InvalidArgument("strings must be valid UTF-8");
      return Status::OK();
    case Json::value_t::binary:
    case Json::value_t::discarded: return Status::InvalidArgument("not a JSON value");
    case Json::value_t::array:
      for (const Json& item : value) {
        if (Status s = CheckValue(item, depth); !s.ok()) return s;
      }
      return Status::OK();
    case Json::value_t::object:
      for (const auto& [name, item] : value.items()) {
        if (!IsValidUtf8(name)) return Status::InvalidArgument("field names must be valid UTF-8");
        if (Status s = CheckValue(item, depth); !s.ok()) return s;
      }
      return Status::OK();
    default: return Status::OK();
  }
}

Status CheckStamp(WriteStamp stamp) {
  if (stamp.replica == 0) return Status::InvalidArgument("replica id 0 is reserved");
  return Status::OK();
}

Status CheckPath(const FieldPath& path) {
  if (path.empty()) return Status::InvalidArgument("a field path needs at least one name");
  if (path.size() > static_cast<size_t>(kMaxJsonDepth)) return Status::InvalidArgument("field path is too deep");
  for (const std::string& name : path) {
    if (!IsValidUtf8(name)) return Status::InvalidArgument("field names must be valid UTF-8");
  }
  return Status::OK();
}

Status CheckKind(const FieldNode* field, FieldKind wanted, const FieldPath& path) {
  if (field == nullptr) return Status::OK();
  FieldKind kind = VisibleKind(*field);
  if (kind == wanted || kind == FieldKind::kNone) return Status::OK();
  return Status::InvalidArgument("field " + PathString(path) + " is " + FieldKindName(kind) +
                                 ", not " + FieldKindName(wanted));
}

Status CheckSetElement(const Json& element) {
  if (element.is_object() || element.is_array()) {
    return Status::InvalidArgument("set elements must be JSON scalars");
  }
  return CheckValue(element, 0);
}

// The field `path` would reach if the walk to it were done without creating anything.
const FieldNode* LookupField(const Document& x, const FieldPath& path) {
  const ObjectNode* object = &x.root();
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    const FieldNode* field = FindField(object, path[i]);
    if (field == nullptr || !field->object) return nullptr;
    object = field->object.get();
  }
  return FindField(object, path.back());
}

}  // namespace

Result<Document> PutDelta(const Document& x, const Json& object, WriteStamp stamp) {
  if (Status s = CheckStamp(stamp); !s.ok()) return s;
  if (!object.is_object()) return Status::InvalidArgument("a document must be a JSON object");
  if (Status s = CheckValue(object, 0); !s.ok()) return s;
  DeltaBuilder builder(x, stamp);
  builder.RemoveObject(x.root(), builder.root());
  builder.root().presence.push_back(builder.NewDot());
  for (const auto& [name, value] : object.items()) {
    builder.WriteValue(value, builder.root().fields[name], /*skip_nulls=*/false);
  }
  return builder.Finish();
}

Result<Document> PatchDelta(const Document& x, const Json& patch, WriteStamp stamp) {
  if (Status s = CheckStamp(stamp); !s.ok()) return s;
  if (!patch.is_object()) return Status::InvalidArgument("a merge patch must be a JSON object");
  if (Status s = CheckValue(patch, 0); !s.ok()) return s;
  DeltaBuilder builder(x, stamp);
  builder.PatchObject(&x.root(), patch, builder.root());
  return builder.Finish();
}

Result<Document> SetFieldDelta(const Document& x, const FieldPath& path, const Json& value,
                               WriteStamp stamp) {
  if (Status s = CheckStamp(stamp); !s.ok()) return s;
  if (Status s = CheckPath(path); !s.ok()) return s;
  // The root object is level 1 and each name on the path nests one level further.
  if (Status s = CheckValue(value, path.size()); !s.ok()) return s;
  DeltaBuilder builder(x, stamp);
  auto [object, mention] = builder.DescendCreating(path);
  const FieldNode* field = FindField(object, path.back());
  FieldNode& field_mention = mention->fields[path.back()];
  if (field != nullptr) builder.RemoveField(*field, field_mention);
  builder.WriteValue(value, field_mention, /*skip_nulls=*/false);
  return builder.Finish();
}

Result<Document> RemoveFieldDelta(const Document& x, const FieldPath& path) {
  if (Status s = CheckPath(path); !s.ok()) return s;
  DeltaBuilder builder(x, WriteStamp{});
  if (LookupField(x, path) == nullptr) return Document();
  auto [object, mention] = builder.DescendExisting(path);
  builder.RemoveField(*FindField(object, path.back()), mention->fields[path.back()]);
  return builder.Finish();
}

Result<Document> IncrementDelta(const Document& x, const FieldPath& path, int64_t by,
                                WriteStamp stamp) {
  if (Status s = CheckStamp(stamp); !s.ok()) return s;
  if (Status s = CheckPath(path); !s.ok()) return s;
  const FieldNode* existing = LookupField(x, path);
  if (Status s = CheckKind(existing, FieldKind::kCounter, path); !s.ok()) return s;

  // The replica's entry of its current stream epoch (dots from stamp.first_counter on) carries
  // its increments of this epoch; entries of its earlier epochs are never rewritten. A replica
  // that lost acknowledged increments in a power loss starts a new epoch, and its view of its
  // older entries may then lack what peers hold: rewriting them from that view would count the
  // lost increments twice once anti-entropy brings them back (docs/crdt.md section 9).
  auto current_epoch = [&](const CounterEntry& e) {
    return e.dot.replica == stamp.replica && e.dot.counter >= stamp.first_counter;
  };
  int64_t own = 0;
  uint64_t total = 0;  // unsigned: concurrent sums wrap deterministically instead of overflowing
  if (existing != nullptr) {
    for (const CounterEntry& e : existing->counters) {
      total += static_cast<uint64_t>(e.value);
      if (current_epoch(e)) own += e.value;
    }
  }
  int64_t new_own = 0;
  int64_t new_total = 0;
  if (__builtin_add_overflow(own, by, &new_own) ||
      __builtin_add_overflow(static_cast<int64_t>(total), by, &new_total)) {
    return Status::InvalidArgument("counter " + PathString(path) + " would overflow int64");
  }

  DeltaBuilder builder(x, stamp);
  auto [object, mention] = builder.DescendCreating(path);
  const FieldNode* field = FindField(object, path.back());
  FieldNode& field_mention = mention->fields[path.back()];
  if (field != nullptr) {
    builder.RemoveKindsExcept(*field, field_mention, FieldKind::kCounter);
    for (const CounterEntry& e : field->counters) {
      if (current_epoch(e)) builder.Observe(e.dot);
    }
  }
  field_mention.counters.push_back(CounterEntry{builder.NewDot(), new_own});
  return builder.Finish();
}

Result<Document> SetAddDelta(const Document& x, const FieldPath& path, const Json& element,
                             WriteStamp stamp) {
  if (Status s = CheckStamp(stamp); !s.ok()) return s;
  if (Status s = CheckPath(path); !s.ok()) return s;
  if (Status s = CheckSetElement(element); !s.ok()) return s;
  if (Status s = CheckKind(LookupField(x, path), FieldKind::kSet, path); !s.ok()) return s;

  DeltaBuilder builder(x, stamp);
  auto [object, mention] = builder.DescendCreating(path);
  const FieldNode* field = FindField(object, path.back());
  FieldNode& field_mention = mention->fields[path.back()];
  const std::string key = element.dump();
  if (field != nullptr) {
    builder.RemoveKindsExcept(*field, field_mention, FieldKind::kSet);
    if (auto it = field->set.find(key); it != field->set.end()) builder.ObserveAll(it->second);
  }
  field_mention.set[key] = DotSet{builder.NewDot()};
  return builder.Finish();
}

Result<Document> SetRemoveDelta(const Document& x, const FieldPath& path, const Json& element) {
  if (Status s = CheckPath(path); !s.ok()) return s;
  if (Status s = CheckSetElement(element); !s.ok()) return s;
  const FieldNode* field = LookupField(x, path);
  if (Status s = CheckKind(field, FieldKind::kSet, path); !s.ok()) return s;
  const std::string key = element.dump();
  if (field == nullptr || field->set.find(key) == field->set.end()) return Document();

  DeltaBuilder builder(x, WriteStamp{});
  ObjectNode* mention = builder.DescendExisting(path).second;
  builder.ObserveAll(field->set.find(key)->second);
  mention->fields[path.back()].set[key];
  return builder.Finish();
}

Document DeleteDelta(const Document& x) {
  DeltaBuilder builder(x, WriteStamp{});
  builder.RemoveObject(x.root(), builder.root());
  return builder.Finish();
}

}  // namespace crdtdb::crdt
