// Copyright (c) crdtdb authors.

#include "crdt/text_mutators.h"

#include <algorithm>
#include <vector>

#include "crdt/delta_builder.h"
#include "crdt/limits.h"
#include "crdt/list_node.h"
#include "crdt/list_order.h"
#include "crdt/text_chars.h"
#include "crdt/position_index.h"
#include "util/utf8.h"

namespace crdtdb::crdt {

bool IsTextMarker(const Json& value) {
  return value.is_object() && value.size() == 1 && value.begin().key() == "$text" && value.begin()->is_string();
}

void DeltaBuilder::SpliceText(const ListNode* text, size_t position, size_t removed,
                              const std::vector<char32_t>& inserted, ListNode& mention) {
  if (text == nullptr) RenewPresence(nullptr, mention.presence);
  const PositionIndex* index = text != nullptr ? &TextIndexOf(*text) : nullptr;
  for (size_t i = position; i < position + removed; ++i) {
    const Dot id = index->VisibleAt(i);
    mention.deleted.Add(id);
  }
  if (inserted.empty()) return;
  // The ids first, so that they are consecutive: one run.
  const Dot first_id = NewDot();
  for (size_t i = 1; i < inserted.size(); ++i) NewDot();
  const Dot left = position == 0 ? kNoElement : index->VisibleAt(position - 1);
  ListAnchor first;
  first.id = first_id;
  if (index != nullptr) first = index->PlaceAfter(left, first_id);
  std::vector<ListAnchor> anchors = RunAnchors(first, inserted.size());
  for (size_t i = 0; i < anchors.size(); ++i) anchors[i].ch = inserted[i];
  mention.anchors = std::move(anchors);
}

void DeltaBuilder::WriteText(const ListNode* text, std::string_view value, ListNode& mention) {
  const std::vector<char32_t> wanted = CodePoints(value);
  std::vector<char32_t> old;
  if (text != nullptr) TextIndexOf(*text).ForEachVisible([&](char32_t c) { old.push_back(c); });
  size_t prefix = 0;
  while (prefix < old.size() && prefix < wanted.size() && old[prefix] == wanted[prefix]) ++prefix;
  size_t suffix = 0;
  while (suffix < old.size() - prefix && suffix < wanted.size() - prefix &&
         old[old.size() - 1 - suffix] == wanted[wanted.size() - 1 - suffix]) {
    ++suffix;
  }
  const std::vector<char32_t> inserted(wanted.begin() + static_cast<std::ptrdiff_t>(prefix),
                                       wanted.end() - static_cast<std::ptrdiff_t>(suffix));
  SpliceText(text, prefix, old.size() - prefix - suffix, inserted, mention);
}

namespace {

Result<const ListNode*> FindText(const Document& x, const FieldPath& path) {
  if (Status s = CheckPath(path); !s.ok()) return s;
  const FieldNode* field = LookupField(x, path);
  if (Status s = CheckKind(field, FieldKind::kText, path); !s.ok()) return s;
  // A text without value (list_node.h) is written as a missing field.
  return field != nullptr && field->text && field->text->has_value() ? field->text.get() : nullptr;
}

}  // namespace

Result<Document> TextSpliceDelta(const Document& x, const FieldPath& path, size_t position, size_t removed,
                                 std::string_view inserted, WriteStamp stamp) {
  if (Status s = CheckStamp(stamp); !s.ok()) return s;
  Result<const ListNode*> text = FindText(x, path);
  if (!text.ok()) return text.status();
  if (!IsValidUtf8(inserted)) return Status::InvalidArgument("the text to insert is not valid UTF-8");
  const size_t size = *text != nullptr ? TextIndexOf(**text).size() : 0;
  if (position > size || removed > size - position) {
    return Status::InvalidArgument("splice of " + std::to_string(removed) + " characters at " +
                                   std::to_string(position) + " is out of range for text " + PathString(path) +
                                   " of " + std::to_string(size) + " characters");
  }
  const std::vector<char32_t> chars = CodePoints(inserted);
  const size_t anchors = *text != nullptr ? (*text)->anchors.size() : 0;
  if (anchors + chars.size() > kMaxWriteListAnchors) {
    return Status::InvalidArgument("text " + PathString(path) + " would hold more than " +
                                   std::to_string(kMaxWriteListAnchors) + " characters, deleted ones included");
  }
  if (removed == 0 && chars.empty()) return Document();
  DeltaBuilder builder(x, stamp);
  ListNode* mention = nullptr;
  if (*text != nullptr) {
    // No presence renewed on the way (DescendExisting): a keystroke takes the dots of its
    // characters only, so one writer's keystrokes stay one run.
    FieldNode& field = builder.DescendExisting(path).second->fields[path.back()];
    builder.RemoveKindsExcept(*LookupField(x, path), field, FieldKind::kText);
    mention = &field.mutable_text();
  } else {
    FieldNode& field = builder.DescendCreating(path).second->fields[path.back()];
    if (const FieldNode* old = LookupField(x, path)) builder.RemoveKindsExcept(*old, field, FieldKind::kText);
    mention = &field.mutable_text();
  }
  builder.SpliceText(*text, position, removed, chars, *mention);
  return builder.Finish();
}

Result<std::string> TextContent(const Document& x, const FieldPath& path) {
  Result<const ListNode*> text = FindText(x, path);
  if (!text.ok()) return text.status();
  return *text != nullptr ? VisibleText(**text) : std::string();
}

Result<size_t> TextLength(const Document& x, const FieldPath& path) {
  Result<const ListNode*> text = FindText(x, path);
  if (!text.ok()) return text.status();
  return *text != nullptr ? TextIndexOf(**text).size() : 0;
}

}  // namespace crdtdb::crdt
