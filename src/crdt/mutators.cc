// Copyright (c) crdtdb authors.

#include "crdt/mutators.h"

#include <string>
#include <utility>

#include "crdt/delta_builder.h"

namespace crdtdb::crdt {

namespace {

Status CheckSetElement(const Json& element) {
  if (element.is_object() || element.is_array()) {
    return Status::InvalidArgument("set elements must be JSON scalars");
  }
  return CheckValue(element, 0);
}

}  // namespace

Result<Document> PutDelta(const Document& x, const Json& object, WriteStamp stamp) {
  if (Status s = CheckStamp(stamp); !s.ok()) return s;
  if (!object.is_object()) return Status::InvalidArgument("a document must be a JSON object");
  if (Status s = CheckValue(object, 0); !s.ok()) return s;
  DeltaBuilder builder(x, stamp);
  // Fields not in `object` go, the others are written over (an array over a list changes it).
  builder.PutObject(&x.root(), object, builder.root());
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
  builder.WriteOver(FindField(object, path.back()), value, mention->fields[path.back()]);
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
