// Copyright (c) crdtdb authors.
//
// The dot stores of a document (Almeida et al. 2018, section 6). A document is an observed-remove
// map of fields; every field holds one FieldNode, the product of five dot stores, one per kind of
// value a field can take:
//
//   registers  a DotFun dot -> (timestamp, JSON value): a multi-value register. A write removes the
//              values it observed, so the entries left are exactly the concurrent writes.
//   counters   a DotFun dot -> int64: a causal counter. Each replica keeps one entry holding the sum
//              of its increments and replaces it (new dot, old dot into the context) on every
//              increment, so metadata is O(replicas) and a delete removes only what it observed.
//   set        a DotMap element -> DotSet: an add-wins set (an add concurrent with a remove wins).
//   object     an ObjectNode: a nested observed-remove map plus a presence DotSet, so that an empty
//              object exists and an update concurrent with a delete keeps the object alive.
//   list       a ListNode (list_node.h): a JSON array whose elements merge (FugueMax order).
//   text       a ListNode whose elements are characters, read and written as a JSON string
//              (list_node.h; docs/crdt.md section 7, "Text fields").
//
// Normally one kind is non-empty. Concurrent writes of different kinds leave several non-empty;
// reads then show the first of object, list, text, counter, set, register (materialize.h), and every
// write to the field removes the values of other kinds that it observed.
//
// All dot stores share the causal context of their document (document.h). Invariant of a state:
// every dot it stores is in its context, every dot appears once in the whole document, and no
// FieldNode, set element, nested object, list or list element is empty. Deltas may also hold empty nodes: "mentions"
// that tell a delta join which keys to visit (join.h).

#ifndef CRDTDB_CRDT_FIELD_NODE_H_
#define CRDTDB_CRDT_FIELD_NODE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "crdt/dot.h"
#include "crdt/dot_context.h"
#include "crdt/hlc.h"

namespace crdtdb::crdt {

using Json = nlohmann::json;

struct RegisterEntry {
  Dot dot;
  Timestamp timestamp = 0;
  // A JSON scalar; never an object (objects are ObjectNodes). An array only in states written
  // before lists existed (every array written since is a ListNode); kept until rewritten.
  Json value;

  friend bool operator==(const RegisterEntry&, const RegisterEntry&) = default;
};

struct CounterEntry {
  Dot dot;
  int64_t value = 0;  // the sum of the increments of dot.replica that this entry carries

  friend bool operator==(const CounterEntry&, const CounterEntry&) = default;
};

// Set elements are JSON scalars, keyed by their canonical JSON text (Json::dump()), which orders
// them deterministically.
using SetStore = std::map<std::string, DotSet, std::less<>>;

class ObjectNode;
class ListNode;

struct FieldNode {
  FieldNode();
  FieldNode(const FieldNode& other);
  FieldNode(FieldNode&& other) noexcept;
  FieldNode& operator=(const FieldNode& other);
  FieldNode& operator=(FieldNode&& other) noexcept;
  ~FieldNode();

  std::vector<RegisterEntry> registers;  // sorted by dot
  std::vector<CounterEntry> counters;    // sorted by dot
  SetStore set;
  std::unique_ptr<ObjectNode> object;  // null when the object kind is empty
  std::unique_ptr<ListNode> list;      // null when the list kind is empty
  std::unique_ptr<ListNode> text;      // null when the text kind is empty

  // True when the node stores no dot and mentions nothing.
  bool empty() const;
  ObjectNode& mutable_object();
  ListNode& mutable_list();
  ListNode& mutable_text();

  friend bool operator==(const FieldNode& a, const FieldNode& b);
};

class ObjectNode {
 public:
  using FieldMap = std::map<std::string, FieldNode, std::less<>>;

  DotSet presence;  // sorted
  FieldMap fields;

  bool empty() const { return presence.empty() && fields.empty(); }

  friend bool operator==(const ObjectNode&, const ObjectNode&) = default;
};

// The kind a read shows for a field: the first non-empty of object, list, text, counter, set,
// register (an object without value, HasValue, and a text without value, ListNode::has_value,
// count as empty). Lists come right after objects: both are containers whose contents merge, and a
// document written before lists existed has none, so it reads as it did. Text is a list too.
enum class FieldKind { kNone, kObject, kList, kText, kCounter, kSet, kRegister };
FieldKind VisibleKind(const FieldNode& node);
const char* FieldKindName(FieldKind kind);

// Calls `fn` for every dot stored in `node` (all kinds, recursively).
void ForEachDot(const FieldNode& node, const std::function<void(const Dot&)>& fn);
void ForEachDot(const ObjectNode& node, const std::function<void(const Dot&)>& fn);
void ForEachDot(const ListNode& node, const std::function<void(const Dot&)>& fn);

// The highest timestamp of a register in `node` (nested objects included), 0 if it holds none:
// what a replica folds into its hybrid logical clock when it takes in remote writes
// (docs/crdt.md section 4).
Timestamp MaxTimestamp(const ObjectNode& node);
Timestamp MaxTimestamp(const FieldNode& node);

// Whether a read shows the object: it has presence or a field with a value (VisibleKind).
bool HasValue(const ObjectNode& node);

// Removes empty FieldNodes, empty set elements and empty nested objects, and the settled deleted
// ids of texts (ForgetSettledDeletes), turning a delta's shape into a state's; `context` is the
// document's.
void Normalize(FieldNode& node, const DotContext& context);
void Normalize(ObjectNode& node, const DotContext& context);
void Normalize(ListNode& node, const DotContext& context);

// Removes from `text.deleted` the ids within `candidates` that are settled: seen (in `seen` or
// `also_seen`, which together are the document's context) and without an anchor, so that their
// character can never arrive again. A deleted id whose character has not arrived stays: the
// delete must outlive the wait for its insert, whatever order deltas come in (docs/crdt.md
// section 7). Visits only the deleted ids within `candidates`.
void ForgetSettledDeletes(ListNode& text, const DotContext& candidates, const DotContext& seen,
                          const DotContext& also_seen);

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_FIELD_NODE_H_
