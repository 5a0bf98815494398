// Copyright (c) crdtdb authors.
//
// The decoder of the canonical encodings (the layouts are in document_encoder.cc), private to the
// crdt module: codec.cc decodes documents, contexts, objects, fields and values and holds the
// public entry points of codec.h; codec_lists.cc decodes lists and texts. Every count is bounded
// and every dot checked against the context before anything is allocated for it; a failed read
// leaves a message in the reader (MsgpackReader::error).

#ifndef CRDTDB_CRDT_DECODER_H_
#define CRDTDB_CRDT_DECODER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crdt/document.h"
#include "crdt/document_encoder.h"
#include "crdt/list_node.h"
#include "crdtdb/result.h"
#include "util/msgpack_reader.h"

namespace crdtdb::crdt {

class Decoder {
 public:
  // `want_state`: accept only a state, else only a delta of either kind. `check_canonical`: refuse
  // a state no join keeps (SettledDeletes); else read it as the join would keep it.
  Decoder(std::string_view bytes, bool want_state, bool check_canonical)
      : reader_(bytes), want_state_(want_state), check_canonical_(check_canonical) {}

  // The document the bytes hold, or Corruption naming the first thing found wrong. Call once.
  Result<Document> Decode();

  // The kind read; valid after a successful Decode().
  EncodingKind kind() const { return kind_; }

 private:
  bool Fail(const char* why) { return reader_.Fail(why); }

  bool DecodeDocument(Document& doc);
  bool DecodeContext(DotContext& context);
  bool DecodeDot(Dot* dot);

  // Reads `count` elements of a flat [dot, x...] list; `read_rest` reads what follows each dot.
  template <typename Entry, typename ReadRest>
  bool DecodeDotList(std::vector<Entry>& out, uint32_t stride, ReadRest read_rest);

  static Dot& DotRef(Dot& d) { return d; }
  static Dot& DotRef(RegisterEntry& e) { return e.dot; }
  static Dot& DotRef(CounterEntry& e) { return e.dot; }

  bool DecodeDots(DotSet& out);
  bool DecodeName(std::string* out) { return reader_.ReadUtf8(out); }

  // `depth`: the object's level of nesting, the root's 1, counted as kMaxJsonDepth counts it.
  bool DecodeObject(ObjectNode& object, int depth);

  // `depth`: the level of the object that holds the field.
  bool DecodeField(FieldNode& field, int depth);

  // An element named in full (list ids, parents, right origins): kNoElement, or a valid dot.
  bool DecodeReference(Dot* out);

  // Whether the context holds every dot of replica `replica` from `first` to `last`.
  bool ContextHoldsRange(ReplicaId replica, uint64_t first, uint64_t last) const;

  // text := [presence, named, runs, chars, deleted] (document_encoder.cc).
  bool DecodeText(ListNode& text, int depth);

  // Whether a state's text lists as deleted an id that is settled: in the context, so its
  // character was seen, and without an anchor, so it is gone. A join forgets such ids
  // (ForgetSettledDeletes), so a state holding one would change when joined with itself. Anchors
  // are all in the context (CheckRun), so that is the case exactly when the deleted ids within
  // the context outnumber the deleted anchors: two counts, no lookup per id.
  bool SettledDeletes(const ListNode& text, uint64_t deleted_anchors) const;

  // No path writes such a state; one from outside is refused. A store's own record (an older
  // build's) is read as the join would keep it rather than refused, so that no replica ever
  // refuses to read its own documents.
  bool Settle(ListNode& text);

  // tref := 0, 0 | 1, distance below the run's first counter | k + 2, counter (document_encoder.cc).
  bool DecodeTextReference(const Dot& run, const std::vector<ReplicaId>& named, Dot* out);

  // Checks a decoded run (`first`: its first anchor but the side, which this sets) that follows
  // the anchor `last` (kNoElement: none).
  bool CheckRun(ListAnchor& first, uint64_t length, uint64_t side, Dot last);

  // list := [presence, runs, elements] (document_encoder.cc); `depth`: the list's level.
  bool DecodeList(ListNode& list, int depth);

  bool DecodeRegisters(FieldNode& field, int depth);
  bool DecodeTimestamp(Timestamp* out);
  bool DecodeSet(FieldNode& field);

  // `depth`: the level of the array, object or field that holds the value; an array or object
  // value is one level deeper.
  bool DecodeValue(Json* out, int depth);

  MsgpackReader reader_;
  const bool want_state_;
  const bool check_canonical_;
  EncodingKind kind_ = kState;
  bool compact_ = false;
  std::vector<ReplicaId> replicas_;
  std::vector<uint64_t> highest_;  // aligned with replicas_
  const DotContext* context_ = nullptr;
  Timestamp previous_timestamp_ = 0;
  size_t anchors_ = 0;  // list anchors decoded so far, all lists together
  size_t deleted_ranges_ = 0;  // deleted ranges of texts decoded so far
};

}  // namespace crdtdb::crdt

#endif  // CRDTDB_CRDT_DECODER_H_
