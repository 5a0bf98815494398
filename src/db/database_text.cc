// Copyright (c) crdtdb authors.
//
// The calls of crdtdb/text.h: each validates its input, then runs crdt/text_mutators.h's splice
// as one write of DatabaseImpl, or reads the text from the document's committed state.

#include "crdt/text_mutators.h"
#include "crdtdb/text.h"
#include "db/database_impl.h"
#include "db/document_call.h"

namespace crdtdb {

namespace {

// The document `call` names, read live, and the text `read` makes of it.
template <typename T, typename Read>
Result<T> ReadText(Database& db, std::string_view key, std::string_view field, const Read& read) {
  Result<db::DocumentCall> call = db::PrepareFieldCall(db, key, field);
  if (!call.ok()) return call.status();
  Result<crdt::Document> doc = call->db->ReadLive(call->key);
  if (!doc.ok()) return doc.status();
  return read(*doc, call->field);
}

}  // namespace

Result<std::string> text_splice(Database& db, std::string_view key, std::string_view field, size_t pos,
                                size_t delete_count, std::string_view insert) {
  Result<db::DocumentCall> call = db::PrepareFieldCall(db, key, field);
  if (!call.ok()) return call.status();
  return call->db->Edit(call->key, [&](const crdt::Document& x, crdt::WriteStamp stamp) {
    return crdt::TextSpliceDelta(x, call->field, pos, delete_count, insert, stamp);
  });
}

Result<std::string> text_content(Database& db, std::string_view key, std::string_view field) {
  return ReadText<std::string>(db, key, field, crdt::TextContent);
}

Result<size_t> text_length(Database& db, std::string_view key, std::string_view field) {
  return ReadText<size_t>(db, key, field, crdt::TextLength);
}

}  // namespace crdtdb
