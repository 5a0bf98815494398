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
  // Where an operation writes: the field of an object, or an element slot of a list.
  struct Target {
    FieldPath field;              // the member (parent object) or the list (parent list)
    bool in_list = false;
    std::string index_token;      // in_list: the last token
    size_t list_size = 0;         // in_list: elements the client's indexes count
    std::vector<size_t> counted;  // in_list: their indexes in the list now
  };

  Json Shown() const {
    Json json = ToJson(work_);
    return json.is_null() ? Json::object() : json;
  }

  Result<Json> ValueAt(const PointerTokens& tokens) const {
    const Json shown = Shown();
    const Json* value = ResolvePointer(shown, tokens, tokens.size());
    if (value == nullptr) return Invalid(position_, PointerText(tokens) + " does not exist");
    return *value;
  }

  // Whether `tokens` names a text field (reached through objects only, as a write addresses it).
  bool IsText(const PointerTokens& tokens) const {
    const FieldNode* field = LookupField(work_, FieldPath(tokens.begin(), tokens.end()));
    return field != nullptr && VisibleKind(*field) == FieldKind::kText;
  }

  // The value at `tokens` as copy and move write it elsewhere: a text stays a text ({"$text": S},
  // a new text with new character ids), anything else is its JSON value.
  Result<Json> ValueToWrite(const PointerTokens& tokens) const {
    Result<Json> value = ValueAt(tokens);
    if (!value.ok() || !value->is_string() || !IsText(tokens)) return value;
    return Json::object({{"$text", std::move(*value)}});
  }

  Result<Target> Locate(const PointerTokens& tokens) {
    const Json shown = Shown();
    const Json* parent = &shown;
    for (size_t i = 0; i + 1 < tokens.size(); ++i) {
      if (parent->is_array()) {
        return Invalid(position_, "writing inside a list element (" + what_ +
                                      ") is not supported: replace the element, or write at " +
                                      PointerText(tokens, i + 1));
      }
      const Json* next = parent->is_object() && parent->contains(tokens[i]) ? &(*parent)[tokens[i]] : nullptr;
      if (next == nullptr) return Invalid(position_, "the parent " + PointerText(tokens, i + 1) + " does not exist");
      parent = next;
    }
    Target target;
    target.field.assign(tokens.begin(), tokens.end());
    if (parent->is_object()) return target;
    if (!parent->is_array()) {
      const PointerTokens owner(tokens.begin(), tokens.end() - 1);
      if (parent->is_string() && IsText(owner)) {
        return Invalid(position_, PointerText(owner) + " is a text: a JSON Patch addresses it whole (add or "
                                                       "replace a string changes what differs); edit its characters "
                                                       "with text_splice");
      }
      return Invalid(position_, PointerText(tokens, tokens.size() - 1) + " is neither an object nor a list");
    }
    target.in_list = true;
    target.index_token = target.field.back();
    target.field.pop_back();
    Result<std::vector<Dot>> ids = ListElementIds(work_, target.field);
    if (!ids.ok()) return Invalid(position_, ids.status().message());
    for (size_t i = 0; i < ids->size(); ++i) {
      if (!has_base_ || seen_.Contains((*ids)[i])) target.counted.push_back(i);
    }
    target.list_size = ids->size();
    return target;
  }

  // The index an operation names, as an index of the list now: `for_insert` allows one past the
  // last element and "-" (the end).
  Result<size_t> IndexNow(const Target& t, bool for_insert) const {
    if (for_insert && t.index_token == "-") return t.list_size;
    std::optional<size_t> index = ParseArrayIndex(t.index_token);
    if (!index) return Invalid(position_, "\"" + t.index_token + "\" is not a list index in " + what_);
    const size_t limit = t.counted.size() + (for_insert ? 1 : 0);
    if (*index >= limit) {
      return Invalid(position_, "index " + std::to_string(*index) + " is out of range for list " +
                                    PathString(t.field) + " of " + std::to_string(t.counted.size()) + " elements" +
                                    (has_base_ ? " at the base version" : ""));
    }
    if (!for_insert) return t.counted[*index];
    return *index == 0 ? size_t{0} : t.counted[*index - 1] + 1;
  }

  Status Commit(Result<Document> d) {
    if (!d.ok()) return Invalid(position_, d.status().message());
    seen_.Join(d->context());
    work_.ApplyDelta(*d);
    delta_.MergeDelta(*d);
    return Status::OK();
  }

  Status Add(const PointerTokens& path, const Json& value) {
    if (path.empty()) return WriteDocument(value);
    Result<Target> t = Locate(path);
    if (!t.ok()) return t.status();
    if (!t->in_list) return Commit(SetFieldDelta(work_, t->field, value, stamp_));
    Result<size_t> index = IndexNow(*t, /*for_insert=*/true);
    if (!index.ok()) return index.status();
    return Commit(ListInsertDelta(work_, t->field, *index, Json::array({value}), stamp_));
  }

  Status Remove(const PointerTokens& path) {
    if (path.empty()) return Invalid(position_, "cannot remove the whole document (delete it instead)");
    Result<Target> t = Locate(path);
    if (!t.ok()) return t.status();
    if (!t->in_list) {
      if (Status s = MustExist(path); !s.ok()) return s;
      return Commit(RemoveFieldDelta(work_, t->field));
    }
    Result<size_t> index = IndexNow(*t, /*for_insert=*/false);
    if (!index.ok()) return index.status();
    return Commit(ListRemoveDelta(work_, t->field, *index, 1));
  }

  Status Replace(const PointerTokens& path, const Json& value) {
    if (path.empty()) return WriteDocument(value);
    Result<Target> t = Locate(path);
    if (!t.ok()) return t.status();
    if (!t->in_list) {
      if (Status s = MustExist(path); !s.ok()) return s;
      return Commit(SetFieldDelta(work_, t->field, value, stamp_));
    }
    Result<size_t> index = IndexNow(*t, /*for_insert=*/false);
    if (!index.ok()) return index.status();
    return Commit(ListReplaceDelta(work_, t->field, *index, value, stamp_));
  }

  Status Test(const PointerTokens& path, const Json& expected) {
    Result<Json> value = ValueAt(path);
    if (!value.ok()) return value.status();
    if (*value != expected) {
      return Invalid(position_, "test failed: " + what_ + " is " + value->dump() + ", not " + expected.dump());
    }
    return Status::OK();
  }

  Status MustExist(const PointerTokens& path) const { return ValueAt(path).status(); }

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
