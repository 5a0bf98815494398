// Copyright (c) crdtdb authors.
//
// Decoding of the canonical encodings (the layouts are in document_encoder.cc), and the public
// entry points of codec.h.

#include "crdt/codec.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <utility>
#include <vector>

#include "crdt/ascending_dot_walk.h"
#include "crdt/document_encoder.h"
#include "crdt/limits.h"
#include "crdt/list_node.h"
#include "crdt/list_order.h"
#include "crdt/text_chars.h"
#include "util/msgpack_reader.h"

static_assert(crdtdb::crdt::kMaxContextRanges == 1048576 && crdtdb::crdt::kMaxListAnchors == 1048576,
              "the decoder's error messages name the limits");

namespace crdtdb::crdt {

namespace {

class Decoder {
 public:
  // `want_state`: accept only a state, else only a delta of either kind.
  Decoder(std::string_view bytes, bool want_state) : reader_(bytes), want_state_(want_state) {}

  Result<Document> Decode() {
    Document doc;
    if (!DecodeDocument(doc)) return Status::Corruption("document: " + reader_.error());
    if (!reader_.at_end()) return Status::Corruption("document: trailing bytes after the document");
    return doc;
  }

  // The kind read; valid after a successful Decode().
  EncodingKind kind() const { return kind_; }

 private:
  bool Fail(const char* why) { return reader_.Fail(why); }

  bool DecodeDocument(Document& doc) {
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

  bool DecodeContext(DotContext& context) {
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

  bool DecodeDot(Dot* dot) {
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

  // Reads `count` elements of a flat [dot, x...] list; `read_rest` reads what follows each dot.
  template <typename Entry, typename ReadRest>
  bool DecodeDotList(std::vector<Entry>& out, uint32_t stride, ReadRest read_rest) {
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

  static Dot& DotRef(Dot& d) { return d; }
  static Dot& DotRef(RegisterEntry& e) { return e.dot; }
  static Dot& DotRef(CounterEntry& e) { return e.dot; }

  bool DecodeDots(DotSet& out) {
    return DecodeDotList(out, 2, [](Dot&) { return true; });
  }

  bool DecodeName(std::string* out) { return reader_.ReadUtf8(out); }

  // `depth`: the object's level of nesting, the root's 1, counted as kMaxJsonDepth counts it.
  bool DecodeObject(ObjectNode& object, int depth) {
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

  // `depth`: the level of the object that holds the field.
  bool DecodeField(FieldNode& field, int depth) {
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

  // An element named in full (list ids, parents, right origins): kNoElement, or a valid dot.
  bool DecodeReference(Dot* out) {
    if (!reader_.ReadUint(&out->replica) || !reader_.ReadUint(&out->counter)) return false;
    if (*out == kNoElement) return true;
    if (out->replica == 0 || out->counter == 0 || out->counter > kMaxDotCounter) return Fail("malformed element reference");
    return true;
  }

  // Whether the context holds every dot of replica `replica` from `first` to `last`.
  bool ContextHoldsRange(ReplicaId replica, uint64_t first, uint64_t last) const {
    auto found = context_->ranges().find(replica);
    if (found == context_->ranges().end()) return false;
    const DotContext::RangeList& list = found->second;
    auto it = std::lower_bound(list.begin(), list.end(), first,
                               [](const DotRange& r, uint64_t c) { return r.last < c; });
    return it != list.end() && it->first <= first && last <= it->last;
  }

  // text := [presence, named, runs, chars, deleted] (document_encoder.cc).
  bool DecodeText(ListNode& text, int depth) {
    if (depth > kMaxJsonDepth) return Fail("texts nested too deeply");
    uint32_t n = 0;
    if (!reader_.ReadArrayHeader(&n) || n != 5) return Fail("expected a 5-element text");
    if (!DecodeDots(text.presence)) return false;
    std::vector<ReplicaId> named;
    if (!reader_.ReadArrayHeader(&n)) return false;
    for (uint32_t i = 0; i < n; ++i) {
      ReplicaId r = 0;
      if (!reader_.ReadUint(&r) || r == 0 || (!named.empty() && r <= named.back())) {
        return Fail("malformed replicas of a text");
      }
      named.push_back(r);
    }
    if (!reader_.ReadArrayHeader(&n)) return false;
    if (n % 7 != 0) return Fail("text runs are not a multiple of 7 integers");
    // The runs first, then their anchors in one allocation: typed text is few runs, many anchors.
    std::vector<std::pair<ListAnchor, uint64_t>> runs;
    size_t total = 0;
    Dot last_id = kNoElement;  // of the runs so far
    for (uint32_t i = 0; i < n; i += 7) {
      ListAnchor first;
      uint64_t length = 0, side = 0;
      if (!DecodeDot(&first.id) || !reader_.ReadUint(&length) || !reader_.ReadUint(&side) ||
          !DecodeTextReference(first.id, named, &first.parent) ||
          !DecodeTextReference(first.id, named, &first.right_origin) || !CheckRun(first, length, side, last_id)) {
        return false;
      }
      runs.emplace_back(first, length);
      total += length;
      last_id = Dot{first.id.replica, first.id.counter + length - 1};
    }
    text.anchors.reserve(total);
    for (const auto& [first, length] : runs) AppendRunAnchors(first, length, text.anchors);
    std::string chars;
    if (!reader_.ReadUtf8(&chars)) return Fail("text characters are not UTF-8");
    if (!reader_.ReadArrayHeader(&n) || n % 2 != 0) return Fail("malformed deleted ids of a text");
    ReplicaId previous = 0;
    for (uint32_t i = 0; i < n; i += 2) {
      ReplicaId replica = 0;
      uint32_t count = 0;
      if (!reader_.ReadUint(&replica) || replica <= previous) return Fail("deleted ids: replicas not ascending");
      previous = replica;
      if (!reader_.ReadArrayHeader(&count) || count == 0 || count % 2 != 0) return Fail("malformed deleted ranges");
      uint64_t last = 0;
      for (uint32_t k = 0; k < count; k += 2) {
        DotRange r;
        if (!reader_.ReadUint(&r.first) || !reader_.ReadUint(&r.last)) return false;
        // Disjoint and non-adjacent, as DotContext keeps them: one encoding per set.
        if (r.first == 0 || r.last < r.first || r.last > kMaxDotCounter || (last != 0 && r.first <= last + 1)) {
          return Fail("malformed deleted range");
        }
        if (++deleted_ranges_ > kMaxContextRanges) return Fail("more deleted ranges than the limit");
        last = r.last;
        text.deleted.AddRange(replica, r);
      }
    }
    // The characters of the anchors not deleted, in order; a deleted one's is dropped (0).
    const std::vector<char32_t> points = CodePoints(chars);
    size_t next = 0;
    AscendingDotWalk deleted(text.deleted);
    for (ListAnchor& a : text.anchors) {
      if (deleted.Contains(a.id)) continue;
      if (next == points.size()) return Fail("a text needs one character per anchor not deleted");
      a.ch = points[next++];
    }
    if (next != points.size()) return Fail("a text needs one character per anchor not deleted");
    return true;
  }

  // tref := 0, 0 | 1, distance below the run's first counter | k + 2, counter (document_encoder.cc).
  bool DecodeTextReference(const Dot& run, const std::vector<ReplicaId>& named, Dot* out) {
    uint64_t kind = 0, value = 0;
    if (!reader_.ReadUint(&kind) || !reader_.ReadUint(&value)) return false;
    if (kind == 0) {
      if (value != 0) return Fail("malformed text reference");
      *out = kNoElement;
    } else if (kind == 1) {
      if (value == 0 || value >= run.counter) return Fail("malformed text reference");
      *out = Dot{run.replica, run.counter - value};
    } else {
      if (kind - 2 >= named.size() || value == 0 || value > kMaxDotCounter) return Fail("malformed text reference");
      *out = Dot{named[kind - 2], value};
    }
    return true;
  }

  // Checks a decoded run (`first`: its first anchor but the side, which this sets) that follows
  // the anchor `last` (kNoElement: none).
  bool CheckRun(ListAnchor& first, uint64_t length, uint64_t side, Dot last) {
    if (length == 0 || side > 1) return Fail("malformed list run");
    first.right = side == 1;
    if (!first.right && first.right_origin != kNoElement) return Fail("a left child has a right origin");
    if (last != kNoElement && !(last < first.id)) return Fail("list runs are not ascending");
    anchors_ += length;  // bounded before anything is allocated for the run
    if (length > kMaxListAnchors || anchors_ > kMaxListAnchors) return Fail("more list anchors than the limit (1048576)");
    if (!ContextHoldsRange(first.id.replica, first.id.counter, first.id.counter + length - 1)) {
      return Fail("a list run is missing from the context");
    }
    return true;
  }


  // list := [presence, runs, elements] (document_encoder.cc); `depth`: the list's level.
  bool DecodeList(ListNode& list, int depth) {
    if (depth > kMaxJsonDepth) return Fail("lists nested too deeply");
    uint32_t n = 0;
    if (!reader_.ReadArrayHeader(&n) || n != 3) return Fail("expected a 3-element list");
    if (!DecodeDots(list.presence)) return false;
    if (!reader_.ReadArrayHeader(&n)) return false;
    if (n % 7 != 0) return Fail("list runs are not a multiple of 7 integers");
    for (uint32_t i = 0; i < n; i += 7) {
      ListAnchor first;
      uint64_t length = 0, side = 0;
      if (!DecodeDot(&first.id) || !reader_.ReadUint(&length) || !reader_.ReadUint(&side) ||
          !DecodeReference(&first.parent) || !DecodeReference(&first.right_origin)) {
        return false;
      }
      if (!CheckRun(first, length, side, list.anchors.empty() ? kNoElement : list.anchors.back().id)) return false;
      AppendRunAnchors(first, length, list.anchors);
    }
    if (!reader_.ReadArrayHeader(&n)) return false;
    if (n % 4 != 0) return Fail("list elements are not a multiple of 4 items");
    for (uint32_t i = 0; i < n; i += 4) {
      Dot id;
      if (!DecodeReference(&id)) return false;
      if (id == kNoElement) return Fail("malformed element reference");
      if (!list.elements.empty() && !(list.elements.rbegin()->first < id)) return Fail("list elements are not ascending");
      ListElement& element = list.elements.emplace_hint(list.elements.end(), id, ListElement())->second;
      if (!DecodeDots(element.presence) || !DecodeField(element.value, depth)) return false;
      if (kind_ == kState && element.empty()) return Fail("empty list element in a state");
    }
    return true;
  }

  bool DecodeRegisters(FieldNode& field, int depth) {
    return DecodeDotList(field.registers, 4, [this, depth](RegisterEntry& e) {
      if (!DecodeTimestamp(&e.timestamp) || !DecodeValue(&e.value, depth)) return false;
      if (e.value.is_object()) return Fail("a register holds an object");
      return true;
    });
  }

  bool DecodeTimestamp(Timestamp* out) {
    if (!compact_) return reader_.ReadUint(out);
    int64_t difference = 0;
    if (!reader_.ReadInt(&difference)) return false;
    *out = previous_timestamp_ + static_cast<uint64_t>(difference);  // wraps as the encoder's did
    previous_timestamp_ = *out;
    return true;
  }

  bool DecodeSet(FieldNode& field) {
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

  // `depth`: the level of the array, object or field that holds the value; an array or object
  // value is one level deeper.
  bool DecodeValue(Json* out, int depth) {
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

  MsgpackReader reader_;
  const bool want_state_;
  EncodingKind kind_ = kState;
  bool compact_ = false;
  std::vector<ReplicaId> replicas_;
  std::vector<uint64_t> highest_;  // aligned with replicas_
  const DotContext* context_ = nullptr;
  Timestamp previous_timestamp_ = 0;
  size_t anchors_ = 0;  // list anchors decoded so far, all lists together
  size_t deleted_ranges_ = 0;  // deleted ranges of texts decoded so far
};

Result<Document> DecodeChecked(std::string_view bytes, bool want_state, bool check_canonical) {
  if (bytes.size() > kMaxEncodedBytes) return Status::Corruption("document: encoding exceeds the size limit");
  Decoder decoder(bytes, want_state);
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
