// Copyright (c) crdtdb authors.
//
// Decoding of the canonical encodings (crdt/decoder.h): documents, contexts, objects, fields and
// values (lists and texts: codec_lists.cc), and the public entry points of codec.h.

#include "crdt/codec.h"

#include <bit>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "crdt/decoder.h"
#include "crdt/limits.h"

static_assert(crdtdb::crdt::kMaxContextRanges == 1048576 && crdtdb::crdt::kMaxListAnchors == 1048576,
              "the decoder's error messages name the limits");

namespace crdtdb::crdt {

Result<Document> Decoder::Decode() {
  Document doc;
  if (!DecodeDocument(doc)) return Status::Corruption("document: " + reader_.error());
  if (!reader_.at_end()) return Status::Corruption("document: trailing bytes after the document");
  return doc;
}

bool Decoder::DecodeDocument(Document& doc) {
  uint32_t n = 0;
  uint64_t version = 0, kind = 0;
  if (!reader_.ReadArrayHeader(&n) || n != 5) return Fail("expected a 5-element document");
  if (!reader_.ReadUint(&version)) return false;
  if (version != kDocumentFormatVersion) return Fail("unknown document format version");
  if (!reader_.ReadUint(&kind)) return false;
  if (want_state_ && kind != kState) return Fail("expected a state, got a delta");
  if (!want_state_ && kind != kDelta && kind != kCompactDelta) return Fail("expected a delta");
  kind_ = static_cast<EncodingKind>(kind);
  compact_ = kind_ == kCompactDelta;
  return DecodeContext(doc.mutable_context()) && DecodeObject(doc.mutable_root(), 1);
}

bool Decoder::DecodeContext(DotContext& context) {
  uint32_t n = 0;
  if (!reader_.ReadArrayHeader(&n)) return false;
  replicas_.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    uint64_t id = 0;
    if (!reader_.ReadUint(&id)) return false;
    if (id == 0 || (!replicas_.empty() && id <= replicas_.back())) {
      return Fail("replica ids must be non-zero and ascending");
    }
    replicas_.push_back(id);
  }
  uint32_t lists = 0;
  if (!reader_.ReadArrayHeader(&lists) || lists != n) return Fail("one range list per replica expected");
  size_t ranges = 0;
  for (ReplicaId id : replicas_) {
    uint32_t count = 0;
    if (!reader_.ReadArrayHeader(&count)) return false;
    if (count == 0 || count % 2 != 0) return Fail("a range list needs first/last pairs");
    ranges += count / 2;
    if (ranges > kMaxContextRanges)
      return Fail("the causal context holds more dot ranges than the limit (1048576)");
    uint64_t previous_last = 0;
    for (uint32_t k = 0; k < count; k += 2) {
      uint64_t first = 0, last = 0;
      if (!reader_.ReadUint(&first) || !reader_.ReadUint(&last)) return false;
      if (compact_) {  // [gap after the previous range, span]; bounded first so nothing wraps
        if (first > kMaxDotCounter || last > kMaxDotCounter) return Fail("malformed dot range");
        first += previous_last + 1;
        last += first;
      }
      // Ranges are disjoint and non-adjacent (else they would have been merged).
      if (first < 1 || last < first || last > kMaxDotCounter || (k > 0 && first <= previous_last + 1)) {
        return Fail("malformed dot range");
      }
      context.AddRange(id, DotRange{first, last});
      previous_last = last;
    }
    highest_.push_back(previous_last);
  }
  context_ = &context;
  return true;
}

bool Decoder::DecodeDot(Dot* dot) {
  uint64_t index = 0, counter = 0;
  if (!reader_.ReadUint(&index) || !reader_.ReadUint(&counter)) return false;
  if (index >= replicas_.size()) return Fail("dot names an unknown replica");
  if (compact_) {  // the distance below the replica's highest counter
    if (counter >= highest_[index]) return Fail("a stored dot is missing from the context");
    counter = highest_[index] - counter;
  }
  *dot = Dot{replicas_[index], counter};
  if (!context_->Contains(*dot)) return Fail("a stored dot is missing from the context");
  return true;
}

template <typename Entry, typename ReadRest>
bool Decoder::DecodeDotList(std::vector<Entry>& out, uint32_t stride, ReadRest read_rest) {
  uint32_t n = 0;
  if (!reader_.ReadArrayHeader(&n)) return false;
  if (n % stride != 0) return Fail("dot list length is not a multiple of its stride");
  out.reserve(n / stride);
  for (uint32_t i = 0; i < n; i += stride) {
    Entry entry{};
    Dot& dot = DotRef(entry);
    if (!DecodeDot(&dot)) return false;
    if (!out.empty() && !(DotRef(out.back()) < dot)) return Fail("dots are not ascending");
    if (!read_rest(entry)) return false;
    out.push_back(std::move(entry));
  }
  return true;
}

bool Decoder::DecodeDots(DotSet& out) {
  return DecodeDotList(out, 2, [](Dot&) { return true; });
}

bool Decoder::DecodeObject(ObjectNode& object, int depth) {
  if (depth > kMaxJsonDepth) return Fail("objects nested too deeply");
  uint32_t n = 0, count = 0;
  if (!reader_.ReadArrayHeader(&n) || n != 2) return Fail("expected a 2-element object");
  if (!DecodeDots(object.presence)) return false;
  if (!reader_.ReadMapHeader(&count)) return false;
  for (uint32_t i = 0; i < count; ++i) {
    std::string name;
    if (!DecodeName(&name)) return false;
    if (!object.fields.empty() && !(object.fields.rbegin()->first < name)) {
      return Fail("field names are not ascending");
    }
    FieldNode& field = object.fields.emplace_hint(object.fields.end(), std::move(name), FieldNode())->second;
    if (!DecodeField(field, depth)) return false;
    if (kind_ == kState && field.empty()) return Fail("empty field in a state");
  }
  return true;
}

bool Decoder::DecodeField(FieldNode& field, int depth) {
  uint32_t n = 0;
  uint64_t mask = 0;
  if (!reader_.ReadArrayHeader(&n) || n < 1 || !reader_.ReadUint(&mask)) return Fail("malformed field");
  if (mask > kAllComponents || n != 1 + static_cast<uint32_t>(std::popcount(mask))) return Fail("malformed field mask");
  if ((mask & kComponentRegisters) && !DecodeRegisters(field, depth)) return false;
  if ((mask & kComponentCounters) && !DecodeDotList(field.counters, 3, [this](CounterEntry& e) {
        return reader_.ReadInt(&e.value);
      })) {
    return false;
  }
  if ((mask & kComponentSet) && !DecodeSet(field)) return false;
  if (mask & kComponentObject) {
    if (!DecodeObject(field.mutable_object(), depth + 1)) return false;
    if (kind_ == kState && field.object->empty()) return Fail("empty object in a state");
  }
  if (mask & kComponentList) {
    if (!DecodeList(field.mutable_list(), depth + 1)) return false;
    if (kind_ == kState && field.list->empty()) return Fail("empty list in a state");
  }
  if (mask & kComponentText) {
    if (!DecodeText(field.mutable_text(), depth + 1)) return false;
    if (kind_ == kState && field.text->empty()) return Fail("empty text in a state");
  }
  return true;
}

bool Decoder::DecodeRegisters(FieldNode& field, int depth) {
  return DecodeDotList(field.registers, 4, [this, depth](RegisterEntry& e) {
    if (!DecodeTimestamp(&e.timestamp) || !DecodeValue(&e.value, depth)) return false;
    if (e.value.is_object()) return Fail("a register holds an object");
    return true;
  });
}

bool Decoder::DecodeTimestamp(Timestamp* out) {
  if (!compact_) return reader_.ReadUint(out);
  int64_t difference = 0;
  if (!reader_.ReadInt(&difference)) return false;
  *out = previous_timestamp_ + static_cast<uint64_t>(difference);  // wraps as the encoder's did
  previous_timestamp_ = *out;
  return true;
}

bool Decoder::DecodeSet(FieldNode& field) {
  uint32_t count = 0;
  if (!reader_.ReadMapHeader(&count)) return false;
  for (uint32_t i = 0; i < count; ++i) {
    std::string element;
    if (!DecodeName(&element)) return false;
    if (!field.set.empty() && !(field.set.rbegin()->first < element)) return Fail("set elements are not ascending");
    // An element is the canonical JSON text of a scalar.
    Json parsed = Json::parse(element, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded() || parsed.is_structured() || parsed.dump() != element) {
      return Fail("set element is not canonical JSON of a scalar");
    }
    DotSet& dots = field.set.emplace_hint(field.set.end(), std::move(element), DotSet())->second;
    if (!DecodeDots(dots)) return false;
    if (kind_ == kState && dots.empty()) return Fail("empty set element in a state");
  }
  return true;
}

bool Decoder::DecodeValue(Json* out, int depth) {
  switch (reader_.PeekType()) {
    case MsgpackReader::Type::kNil:
      *out = nullptr;
      return reader_.ReadNil();
    case MsgpackReader::Type::kBool: {
      bool b = false;
      if (!reader_.ReadBool(&b)) return false;
      *out = b;
      return true;
    }
    case MsgpackReader::Type::kUint: {
      uint64_t u = 0;
      if (!reader_.ReadUint(&u)) return false;
      *out = u;
      return true;
    }
    case MsgpackReader::Type::kNegativeInt: {
      int64_t i = 0;
      if (!reader_.ReadInt(&i)) return false;
      *out = i;
      return true;
    }
    case MsgpackReader::Type::kFloat64: {
      double d = 0;
      if (!reader_.ReadDouble(&d)) return false;
      if (!std::isfinite(d)) return Fail("a number is not finite");
      *out = d;
      return true;
    }
    case MsgpackReader::Type::kString: {
      std::string s;
      if (!DecodeName(&s)) return false;
      *out = std::move(s);
      return true;
    }
    case MsgpackReader::Type::kArray: {
      uint32_t n = 0;
      if (depth >= kMaxJsonDepth) return Fail("value nested too deeply");
      if (!reader_.ReadArrayHeader(&n)) return false;
      *out = Json::array();
      for (uint32_t i = 0; i < n; ++i) {
        Json item;
        if (!DecodeValue(&item, depth + 1)) return false;
        out->push_back(std::move(item));
      }
      return true;
    }
    case MsgpackReader::Type::kMap: {
      uint32_t n = 0;
      if (depth >= kMaxJsonDepth) return Fail("value nested too deeply");
      if (!reader_.ReadMapHeader(&n)) return false;
      *out = Json::object();
      std::string previous;
      for (uint32_t i = 0; i < n; ++i) {
        std::string key;
        if (!DecodeName(&key)) return false;
        if (i > 0 && !(previous < key)) return Fail("map keys are not ascending");
        Json item;
        if (!DecodeValue(&item, depth + 1)) return false;
        previous = key;
        (*out)[std::move(key)] = std::move(item);
      }
      return true;
    }
    default: return Fail("not a JSON value");
  }
}

namespace {


Result<Document> DecodeChecked(std::string_view bytes, bool want_state, bool check_canonical) {
  if (bytes.size() > kMaxEncodedBytes) return Status::Corruption("document: encoding exceeds the size limit");
  Decoder decoder(bytes, want_state, check_canonical);
  Result<Document> doc = decoder.Decode();
  if (!doc.ok() || !check_canonical) return doc;
  // Only canonical bytes are accepted: equal states must have equal digests everywhere.
  const std::string again = EncodeAs(*doc, decoder.kind());
  if (again != bytes) return Status::Corruption("document: encoding is not canonical");
  return doc;
}

}  // namespace

std::string EncodeDocument(const Document& doc) { return EncodeAs(doc, kState); }
std::string EncodeDelta(const Document& delta) { return EncodeAs(delta, kCompactDelta); }

Result<Document> DecodeDocument(std::string_view bytes, bool check_canonical) {
  return DecodeChecked(bytes, /*want_state=*/true, check_canonical);
}
Result<Document> DecodeDelta(std::string_view bytes) {
  return DecodeChecked(bytes, /*want_state=*/false, true);
}

Result<std::string> StateAsDelta(std::string state) {
  // The header EncodeAs writes: fixarray of 5, then version and kind as positive fixints.
  static_assert(kDocumentFormatVersion < 0x80 && kState < 0x80 && kDelta < 0x80);
  if (state.size() < 3 || static_cast<unsigned char>(state[0]) != 0x95 || state[1] != kDocumentFormatVersion ||
      state[2] != kState) {
    return Status::Corruption("document: not an encoded state");
  }
  state[2] = static_cast<char>(kDelta);
  return state;
}

bool IsStateLayout(std::string_view delta) { return delta.size() >= 3 && delta[2] == kDelta; }

}  // namespace crdtdb::crdt
