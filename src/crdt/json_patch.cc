// Copyright (c) crdtdb authors.

#include "crdt/json_patch.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "crdt/delta_builder.h"
#include "crdt/field_node.h"
#include "crdt/list_mutators.h"
#include "crdt/materialize.h"

namespace crdtdb::crdt {

namespace {

using Op = PatchOperation::Op;

constexpr std::pair<std::string_view, Op> kOps[] = {{"add", Op::kAdd},   {"remove", Op::kRemove},
                                                    {"replace", Op::kReplace}, {"move", Op::kMove},
                                                    {"copy", Op::kCopy}, {"test", Op::kTest}};

std::string PointerText(const PointerTokens& tokens, size_t count) {
  std::string text;
  for (size_t i = 0; i < count; ++i) {
    text += '/';
    for (char c : tokens[i]) text += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  }
  return text;
}

std::string PointerText(const PointerTokens& tokens) { return PointerText(tokens, tokens.size()); }

Status Invalid(size_t position, const std::string& why) {
  return Status::InvalidArgument("JSON Patch operation " + std::to_string(position) + ": " + why);
}

Result<PointerTokens> PointerMember(const Json& op, const char* name, size_t position) {
  auto it = op.find(name);
  if (it == op.end() || !it->is_string()) return Invalid(position, std::string("\"") + name + "\" must be a string");
  Result<PointerTokens> tokens = ParsePointer(it->get<std::string>());
  if (!tokens.ok()) return Invalid(position, tokens.status().message());
  return tokens;
}

// Applies a patch's operations one at a time: each becomes a delta made against the document as
// the earlier ones left it, and the deltas merge into the one the patch commits.
class Patcher {
 public:
  Patcher(const Document& x, const DotContext* base, WriteStamp stamp) : work_(x), stamp_(stamp) {
    if (base != nullptr) seen_ = *base;
    has_base_ = base != nullptr;
  }

  Status Apply(const PatchOperation& op, size_t position) {
    position_ = position;
    what_ = PointerText(op.path);
    switch (op.op) {
      case Op::kAdd: return Add(op.path, op.value);
      case Op::kRemove: return Remove(op.path);
      case Op::kReplace: return Replace(op.path, op.value);
      case Op::kTest: return Test(op.path, op.value);
      case Op::kCopy: {
        Result<Json> value = ValueToWrite(op.from);
        if (!value.ok()) return value.status();
        return Add(op.path, *value);
      }
      case Op::kMove: {
        if (op.from == op.path) return ValueAt(op.from).status();
        if (op.from.size() < op.path.size() && std::equal(op.from.begin(), op.from.end(), op.path.begin())) {
          return Invalid(position_, "cannot move " + PointerText(op.from) + " into itself");
        }
        Result<Json> value = ValueToWrite(op.from);
        if (!value.ok()) return value.status();
        if (Status s = Remove(op.from); !s.ok()) return s;
        return Add(op.path, *value);
      }
    }
    return Status::Internal("unknown JSON Patch operation");
  }

  Document Finish() { return std::move(delta_); }

 private:
  // A list element a pointer passes through ("/items/2" in "/items/2/done"), seen as a document
  // of its own (ElementAsDocument) so that the field and list mutators can write inside it.
  struct Scope {
    FieldPath list;    // the list, in the enclosing scope
    Dot id;            // the element
    std::string name;  // the element's field in `element`: its pointer, for messages
    Document element;
  };

  // The elements of a list that the client's indexes count.
  struct ListView {
    std::vector<Dot> ids;         // the visible elements now
    std::vector<size_t> counted;  // the indexes in `ids` of those the client counts
  };

  // Where an operation writes: the field of an object, or an element slot of a list, in the
  // innermost scope (the document itself when the pointer passes through objects only).
  struct Target {
    std::vector<Scope> scopes;
    FieldPath field;           // the member (parent object) or the list (parent list)
    bool in_list = false;
    std::string index_token;   // in_list: the last token
    std::string list_pointer;  // in_list: the list's pointer, for messages
    ListView view;             // in_list
    std::optional<Json> value; // the value the pointer addresses, if any
  };

  Json Shown() const {
    Json json = ToJson(work_);
    return json.is_null() ? Json::object() : json;
  }

  const Document& Innermost(const Target& t) const { return t.scopes.empty() ? work_ : t.scopes.back().element; }

  Result<Json> ValueAt(const PointerTokens& tokens) {
    if (tokens.empty()) return Shown();
    Result<Target> t = Locate(tokens);
    if (!t.ok()) return t.status();
    if (!t->value) return Invalid(position_, PointerText(tokens) + " does not exist");
    return std::move(*t->value);
  }

  // The value at `tokens` as copy and move write it elsewhere: a text stays a text ({"$text": S},
  // a new text with new character ids), anything else is its JSON value.
  Result<Json> ValueToWrite(const PointerTokens& tokens) {
    Result<Json> value = ValueAt(tokens);
    if (!value.ok() || !value->is_string()) return value;
    Result<Target> t = Locate(tokens);
    if (!t->in_list && IsText(Innermost(*t), t->field)) return Json::object({{"$text", std::move(*value)}});
    return value;
  }

  static bool IsText(const Document& scope, const FieldPath& field) {
    const FieldNode* node = LookupField(scope, field);
    return node != nullptr && VisibleKind(*node) == FieldKind::kText;
  }

  Result<ListView> View(const Document& scope, const FieldPath& list) const {
    Result<std::vector<Dot>> ids = ListElementIds(scope, list);
    if (!ids.ok()) return Invalid(position_, ids.status().message());
    ListView view;
    view.ids = std::move(*ids);
    for (size_t i = 0; i < view.ids.size(); ++i) {
      if (!has_base_ || seen_.Contains(view.ids[i])) view.counted.push_back(i);
    }
    return view;
  }

  // Walks `tokens` through objects and list elements (an index counts the elements the client
  // saw, as every index does), entering a scope at each element it passes.
  Result<Target> Locate(const PointerTokens& tokens) {
    const Json shown = Shown();
    const Json* parent = &shown;
    Target target;
    for (size_t i = 0; i + 1 < tokens.size(); ++i) {
      if (parent->is_array()) {
        Result<ListView> view = View(Innermost(target), target.field);
        if (!view.ok()) return view.status();
        Result<size_t> now = IndexNow(*view, tokens[i], PointerText(tokens, i), /*for_insert=*/false);
        if (!now.ok()) return now.status();
        parent = &(*parent)[*now];
        Scope scope{std::move(target.field), view->ids[*now], PointerText(tokens, i + 1).substr(1), Document()};
        Result<Document> element = ElementAsDocument(Innermost(target), scope.list, scope.id, scope.name);
        if (!element.ok()) return Invalid(position_, element.status().message());
        scope.element = std::move(*element);
        target.field = {scope.name};
        target.scopes.push_back(std::move(scope));
        continue;
      }
      const Json* next = parent->is_object() && parent->contains(tokens[i]) ? &(*parent)[tokens[i]] : nullptr;
      if (next == nullptr) return Invalid(position_, "the parent " + PointerText(tokens, i + 1) + " does not exist");
      target.field.push_back(tokens[i]);
      parent = next;
    }
    if (parent->is_object()) {
      target.field.push_back(tokens.back());
      if (auto it = parent->find(tokens.back()); it != parent->end()) target.value = *it;
      return target;
    }
    if (!parent->is_array()) {
      if (parent->is_string() && IsText(Innermost(target), target.field)) {
        return Invalid(position_, PointerText(tokens, tokens.size() - 1) +
                                      " is a text: a JSON Patch addresses it whole (add or replace a string changes "
                                      "what differs); edit its characters with text_splice");
      }
      return Invalid(position_, PointerText(tokens, tokens.size() - 1) + " is neither an object nor a list");
    }
    target.in_list = true;
    target.index_token = tokens.back();
    target.list_pointer = PointerText(tokens, tokens.size() - 1);
    Result<ListView> view = View(Innermost(target), target.field);
    if (!view.ok()) return view.status();
    target.view = std::move(*view);
    if (std::optional<size_t> index = ParseArrayIndex(tokens.back()); index && *index < target.view.counted.size()) {
      target.value = (*parent)[target.view.counted[*index]];
    }
    return target;
  }

  // The index `token` names in `view`, as an index of the list now: `for_insert` allows one past
  // the last element and "-" (the end).
  Result<size_t> IndexNow(const ListView& view, const std::string& token, const std::string& list_pointer,
                          bool for_insert) const {
    if (for_insert && token == "-") return view.ids.size();
    std::optional<size_t> index = ParseArrayIndex(token);
    if (!index) return Invalid(position_, "\"" + token + "\" is not a list index in " + what_);
    const size_t limit = view.counted.size() + (for_insert ? 1 : 0);
    if (*index >= limit) {
      return Invalid(position_, "index " + std::to_string(*index) + " is out of range for list " + list_pointer +
                                    " of " + std::to_string(view.counted.size()) + " elements" +
                                    (has_base_ ? " at the base version" : ""));
    }
    if (!for_insert) return view.counted[*index];
    return *index == 0 ? size_t{0} : view.counted[*index - 1] + 1;
  }

  Result<size_t> IndexNow(const Target& t, bool for_insert) const {
    return IndexNow(t.view, t.index_token, t.list_pointer, for_insert);
  }

  // Lifts a delta made in the target's innermost scope, scope by scope, to a delta of the document.
  Result<Document> Lift(const Target& t, Result<Document> d) const {
    for (size_t i = t.scopes.size(); d.ok() && i-- > 0;) {
      const Scope& scope = t.scopes[i];
      const Document& enclosing = i == 0 ? work_ : t.scopes[i - 1].element;
      d = LiftElementDelta(enclosing, scope.list, scope.id, scope.name, std::move(*d), stamp_);
    }
    return d;
  }

  Status Commit(Result<Document> d) {
    if (!d.ok()) return Invalid(position_, d.status().message());
    seen_.Join(d->context());
    work_.ApplyDelta(*d);
    delta_.MergeDelta(*d);
    return Status::OK();
  }

  // A value written inside a list element: the scope's mutator counts its depth from the
  // element, so the document's depth limit is checked here, from the root.
  Status CheckDepth(const Target& t, const PointerTokens& path, const Json& value) const {
    if (t.scopes.empty()) return Status::OK();
    if (Status s = CheckValue(value, path.size()); !s.ok()) return Invalid(position_, s.message());
    return Status::OK();
  }

  Status Add(const PointerTokens& path, const Json& value) {
    if (path.empty()) return WriteDocument(value);
    Result<Target> t = Locate(path);
    if (!t.ok()) return t.status();
    if (Status s = CheckDepth(*t, path, value); !s.ok()) return s;
    const Document& scope = Innermost(*t);
    if (!t->in_list) return Commit(Lift(*t, SetFieldDelta(scope, t->field, value, stamp_)));
    Result<size_t> index = IndexNow(*t, /*for_insert=*/true);
    if (!index.ok()) return index.status();
    return Commit(Lift(*t, ListInsertDelta(scope, t->field, *index, Json::array({value}), stamp_)));
  }

  Status Remove(const PointerTokens& path) {
    if (path.empty()) return Invalid(position_, "cannot remove the whole document (delete it instead)");
    Result<Target> t = Locate(path);
    if (!t.ok()) return t.status();
    const Document& scope = Innermost(*t);
    if (!t->in_list) {
      if (!t->value) return Invalid(position_, PointerText(path) + " does not exist");
      return Commit(Lift(*t, RemoveFieldDelta(scope, t->field)));
    }
    Result<size_t> index = IndexNow(*t, /*for_insert=*/false);
    if (!index.ok()) return index.status();
    return Commit(Lift(*t, ListRemoveDelta(scope, t->field, *index, 1)));
  }

  Status Replace(const PointerTokens& path, const Json& value) {
    if (path.empty()) return WriteDocument(value);
    Result<Target> t = Locate(path);
    if (!t.ok()) return t.status();
    if (Status s = CheckDepth(*t, path, value); !s.ok()) return s;
    const Document& scope = Innermost(*t);
    if (!t->in_list) {
      if (!t->value) return Invalid(position_, PointerText(path) + " does not exist");
      return Commit(Lift(*t, SetFieldDelta(scope, t->field, value, stamp_)));
    }
    Result<size_t> index = IndexNow(*t, /*for_insert=*/false);
    if (!index.ok()) return index.status();
    return Commit(Lift(*t, ListReplaceDelta(scope, t->field, *index, value, stamp_)));
  }

  Status Test(const PointerTokens& path, const Json& expected) {
    Result<Json> value = ValueAt(path);
    if (!value.ok()) return value.status();
    if (*value != expected) {
      return Invalid(position_, "test failed: " + what_ + " is " + value->dump() + ", not " + expected.dump());
    }
    return Status::OK();
  }

  Status WriteDocument(const Json& value) {
    if (!value.is_object()) return Invalid(position_, "the whole document can only be an object");
    return Commit(PutDelta(work_, value, stamp_));
  }

  Document work_;
  const WriteStamp stamp_;
  DotContext seen_;
  bool has_base_ = false;
  Document delta_;
  size_t position_ = 0;
  std::string what_;
};

}  // namespace

Result<std::vector<PatchOperation>> ParseJsonPatch(const Json& patch) {
  if (!patch.is_array()) return Status::InvalidArgument("a JSON Patch must be a JSON array of operations");
  if (patch.size() > kMaxPatchOperations) {
    return Status::InvalidArgument("a JSON Patch may hold at most " + std::to_string(kMaxPatchOperations) +
                                   " operations");
  }
  std::vector<PatchOperation> operations;
  for (size_t i = 0; i < patch.size(); ++i) {
    const Json& op = patch[i];
    if (!op.is_object()) return Invalid(i, "must be a JSON object");
    auto name = op.find("op");
    if (name == op.end() || !name->is_string()) return Invalid(i, "\"op\" must be a string");
    PatchOperation parsed;
    bool known = false;
    for (const auto& [text, kind] : kOps) {
      if (*name == text) parsed.op = kind, known = true;
    }
    if (!known) return Invalid(i, "unknown op " + name->dump() + " (add, remove, replace, move, copy or test)");
    Result<PointerTokens> path = PointerMember(op, "path", i);
    if (!path.ok()) return path.status();
    parsed.path = std::move(*path);
    if (parsed.op == Op::kMove || parsed.op == Op::kCopy) {
      Result<PointerTokens> from = PointerMember(op, "from", i);
      if (!from.ok()) return from.status();
      parsed.from = std::move(*from);
    }
    if (parsed.op == Op::kAdd || parsed.op == Op::kReplace || parsed.op == Op::kTest) {
      auto value = op.find("value");
      if (value == op.end()) return Invalid(i, "\"" + std::string(name->get<std::string>()) + "\" needs a \"value\"");
      parsed.value = *value;
    }
    operations.push_back(std::move(parsed));
  }
  return operations;
}

Result<Document> JsonPatchDelta(const Document& x, const std::vector<PatchOperation>& operations,
                                const DotContext* base, WriteStamp stamp) {
  if (Status s = CheckStamp(stamp); !s.ok()) return s;
  Patcher patcher(x, base, stamp);
  for (size_t i = 0; i < operations.size(); ++i) {
    if (Status s = patcher.Apply(operations[i], i); !s.ok()) return s;
  }
  return patcher.Finish();
}

}  // namespace crdtdb::crdt
