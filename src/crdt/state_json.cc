// Copyright (c) crdtdb authors.

#include "crdt/state_json.h"

#include <bit>
#include <cmath>
#include <tuple>

#include "crdt/codec.h"
#include "crdt/materialize.h"
#include "crdt/limits.h"
#include "util/msgpack_reader.h"
#include "util/utf8.h"

namespace crdtdb::crdt {

namespace {

class StateRenderer {
 public:
  StateRenderer(std::string_view bytes, JsonSink& out) : bytes_(bytes), reader_(bytes), out_(out) {}

  Result<bool> Render() {
    bool live = false;
    if (!Header() || !Live(&live)) return Error();
    if (!live) return false;
    if (!Object(reader_, 1)) {
      if (needs_decoding_) return RenderDecoded();
      return Error();
    }
    if (!reader_.at_end()) return Status::Corruption("document: trailing bytes after the document");
    return true;
  }

 private:
  Status Error() const { return Status::Corruption("document: " + reader_.error()); }

  Result<bool> RenderDecoded() {
    Result<Document> doc = DecodeDocument(bytes_, /*check_canonical=*/false);
    if (!doc.ok()) return doc.status();
    out_.Reset();
    EmitDocument(*doc, out_);
    return true;
  }
  bool Fail(const char* why) { return reader_.Fail(why); }

  // Version, kind and causal context (which a read does not show).
  bool Header() {
    uint32_t n = 0, replicas = 0, lists = 0;
    uint64_t version = 0, kind = 0;
    if (!reader_.ReadArrayHeader(&n) || n != 5) return Fail("expected a 5-element document");
    if (!reader_.ReadUint(&version)) return false;
    if (version != kDocumentFormatVersion) return Fail("unknown document format version");
    if (!reader_.ReadUint(&kind) || kind != 0) return Fail("expected a state");
    if (!reader_.ReadArrayHeader(&replicas)) return false;
    replica_ids_ = reader_;  // a list's run names its replica by index (List)
    replica_count_ = replicas;
    if (!SkipUints(reader_, replicas)) return false;
    if (!reader_.ReadArrayHeader(&lists) || lists != replicas) return Fail("one range list per replica expected");
    for (uint32_t i = 0; i < lists; ++i) {
      uint32_t count = 0;
      if (!reader_.ReadArrayHeader(&count) || !SkipUints(reader_, count)) return false;
    }
    return true;
  }

  // Whether the root object has a presence dot or a field, without consuming it.
  bool Live(bool* live) {
    MsgpackReader peek = reader_;
    uint32_t n = 0, presence = 0, fields = 0;
    if (!peek.ReadArrayHeader(&n) || n != 2) return Fail("expected a 2-element object");
    if (!peek.ReadArrayHeader(&presence) || !SkipUints(peek, presence) || !peek.ReadMapHeader(&fields)) {
      return Fail("malformed object");
    }
    *live = presence > 0 || fields > 0;
    return true;
  }

  static bool SkipUints(MsgpackReader& r, uint32_t count) {
    uint64_t ignored = 0;
    for (uint32_t i = 0; i < count; ++i) {
      if (!r.ReadUint(&ignored)) return false;
    }
    return true;
  }

  bool Name(MsgpackReader& r, std::string_view* out) {
    if (!r.ReadString(out)) return false;
    if (!IsValidUtf8(*out)) return r.Fail("a string is not valid UTF-8");
    return true;
  }

  // object := [presence: [dot...], fields: {name: field...}]; `depth`: its level of nesting, the
  // root's 1, as the decoder counts it (codec.cc).
  bool Object(MsgpackReader& r, int depth) {
    if (depth > kMaxJsonDepth) return r.Fail("objects nested too deeply");
    uint32_t n = 0, presence = 0, fields = 0;
    if (!r.ReadArrayHeader(&n) || n != 2) return r.Fail("expected a 2-element object");
    if (!r.ReadArrayHeader(&presence) || !SkipUints(r, presence) || !r.ReadMapHeader(&fields)) return false;
    out_.BeginObject();
    for (uint32_t i = 0; i < fields; ++i) {
      std::string_view name;
      if (!Name(r, &name)) return false;
      out_.Key(name);
      if (!Field(r, depth)) return false;
    }
    out_.EndObject();
    return true;
  }

  // field := [mask, registers?, counters?, set?, object?, list?, text?]; shows the first non-empty
  // of object, list, counter, set, register (materialize.h), skipping the others.
  bool Field(MsgpackReader& r, int depth) {
    uint32_t n = 0;
    uint64_t mask = 0;
    if (!r.ReadArrayHeader(&n) || n < 1 || !r.ReadUint(&mask)) return r.Fail("malformed field");
    if (mask > kAllComponents || n != 1 + static_cast<uint32_t>(std::popcount(mask))) return r.Fail("malformed field mask");
    // A text, and a list beside an object (whose bytes would have to be skipped after it), are
    // rendered from the decoded state; so is a list whose order this pass cannot see (List).
    if ((mask & kComponentText) || ((mask & kComponentList) && (mask & kComponentObject))) return NeedsDecoding(r);
    const bool shows_object = mask & kComponentObject;
    const bool shows_list = !shows_object && (mask & kComponentList);
    const bool shows_counter = !shows_object && !shows_list && (mask & kComponentCounters);
    const bool shows_set = !shows_object && !shows_list && !shows_counter && (mask & kComponentSet);
    const bool shows_register =
        !shows_object && !shows_list && !shows_counter && !shows_set && (mask & kComponentRegisters);
    if ((mask & kComponentRegisters) && !Registers(r, shows_register, depth)) return false;
    if ((mask & kComponentCounters) && !Counters(r, shows_counter)) return false;
    if ((mask & kComponentSet) && !Set(r, shows_set)) return false;
    if (shows_object) return Object(r, depth + 1);
    if (shows_list) return List(r, depth + 1);
    if (mask == 0) out_.Null();
    return true;
  }

  // Stops the pass: Render decodes the state and renders that instead.
  bool NeedsDecoding(MsgpackReader& r) {
    needs_decoding_ = true;
    return r.Fail("the state holds a list");
  }

  // list := [presence, runs: [dot, length, side, ref, ref...], elements: [ref, presence, field...]]
  // (document_encoder.cc); `depth`: the list's level. A list's order is a function of all its
  // anchors (list_order.h), which one pass cannot know before it writes the elements, except in
  // the usual case of one run hanging from the root (an array put whole): a chain of right
  // children, whose order is its ids' order, with every element anchored in it (the elements come
  // in id order; one without an anchor would go last). Any other list needs the decoded state.
  bool List(MsgpackReader& r, int depth) {
    if (depth > kMaxJsonDepth) return r.Fail("lists nested too deeply");
    uint32_t n = 0, presence = 0, runs = 0, elements = 0;
    if (!r.ReadArrayHeader(&n) || n != 3) return r.Fail("expected a 3-element list");
    if (!r.ReadArrayHeader(&presence) || !SkipUints(r, presence) || !r.ReadArrayHeader(&runs)) return false;
    if (runs != 7) return NeedsDecoding(r);
    uint64_t index = 0, first = 0, length = 0, side = 0, parent_replica = 0, parent_counter = 0, origin = 0;
    if (!r.ReadUint(&index) || !r.ReadUint(&first) || !r.ReadUint(&length) || !r.ReadUint(&side) ||
        !r.ReadUint(&parent_replica) || !r.ReadUint(&parent_counter) || !r.ReadUint(&origin) || !r.ReadUint(&origin)) {
      return false;
    }
    uint64_t replica = 0;
    if (parent_replica != 0 || parent_counter != 0 || !ReplicaId(index, &replica)) return NeedsDecoding(r);
    if (!r.ReadArrayHeader(&elements) || elements % 4 != 0) return r.Fail("malformed list elements");
    out_.BeginArray();
    for (uint32_t i = 0; i < elements; i += 4) {
      uint64_t id_replica = 0, id_counter = 0;
      uint32_t dots = 0;
      if (!r.ReadUint(&id_replica) || !r.ReadUint(&id_counter)) return false;
      if (id_replica != replica || id_counter < first || id_counter - first >= length) return NeedsDecoding(r);
      if (!r.ReadArrayHeader(&dots) || !SkipUints(r, dots) || !Field(r, depth)) return false;
    }
    out_.EndArray();
    return true;
  }

  // The id of the replica the context names `index`th (Header).
  bool ReplicaId(uint64_t index, uint64_t* id) const {
    if (index >= replica_count_) return false;
    MsgpackReader ids = replica_ids_;
    for (uint64_t i = 0; i <= index; ++i) {
      if (!ids.ReadUint(id)) return false;
    }
    return true;
  }

  // [dot, timestamp, value...]; with `show`, writes the winner: the highest (timestamp, replica,
  // counter). Replica indexes order as replica ids do, since the context lists ids ascending.
  bool Registers(MsgpackReader& r, bool show, int depth) {
    uint32_t n = 0;
    if (!r.ReadArrayHeader(&n) || n % 4 != 0 || n == 0) return r.Fail("malformed register list");
    if (n == 4) {  // one value, the usual case: no winner to find, so it is read only once
      uint64_t replica = 0, counter = 0, timestamp = 0;
      return r.ReadUint(&replica) && r.ReadUint(&counter) && r.ReadUint(&timestamp) &&
             Value(r, depth, show);
    }
    std::tuple<uint64_t, uint64_t, uint64_t> best{};
    MsgpackReader winner = r;
    for (uint32_t i = 0; i < n; i += 4) {
      uint64_t replica = 0, counter = 0, timestamp = 0;
      if (!r.ReadUint(&replica) || !r.ReadUint(&counter) || !r.ReadUint(&timestamp)) return false;
      const std::tuple<uint64_t, uint64_t, uint64_t> order{timestamp, replica, counter};
      if (i == 0 || best < order) {
        best = order;
        winner = r;
      }
      if (!Value(r, depth, /*write=*/false)) return false;
    }
    // The winner's bytes were just read once, so writing them cannot fail.
    return !show || Value(winner, depth, /*write=*/true) || r.Fail("malformed register value");
  }

  // [dot, int...]; with `show`, writes their sum (wrapping, as the merge does).
  bool Counters(MsgpackReader& r, bool show) {
    uint32_t n = 0;
    if (!r.ReadArrayHeader(&n) || n % 3 != 0) return r.Fail("malformed counter list");
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i += 3) {
      uint64_t replica = 0, counter = 0;
      int64_t value = 0;
      if (!r.ReadUint(&replica) || !r.ReadUint(&counter) || !r.ReadInt(&value)) return false;
      total += static_cast<uint64_t>(value);
    }
    if (show) out_.Int(static_cast<int64_t>(total));
    return true;
  }

  // {element JSON text: [dot...]...}; with `show`, writes the elements as an array. They are kept
  // as their canonical JSON text (mutators.h), which is what dump() writes for them; checked to
  // be JSON all the same, so that no bytes can make the output malformed.
  bool Set(MsgpackReader& r, bool show) {
    uint32_t count = 0;
    if (!r.ReadMapHeader(&count)) return false;
    if (show) out_.BeginArray();
    for (uint32_t i = 0; i < count; ++i) {
      std::string_view element;
      uint32_t dots = 0;
      if (!Name(r, &element) || !r.ReadArrayHeader(&dots) || !SkipUints(r, dots)) return false;
      if (show) {
        if (!Json::accept(element)) return r.Fail("a set element is not JSON");
        out_.Text(element);
      }
    }
    if (show) out_.EndArray();
    return true;
  }

  // A register value: nil | bool | int | float64 | str | [value...] | {str: value...}. `depth`:
  // the level of what holds it; an array or object value is one deeper.
  bool Value(MsgpackReader& r, int depth, bool write) {
    switch (r.PeekType()) {
      case MsgpackReader::Type::kNil:
        if (write) out_.Null();
        return r.ReadNil();
      case MsgpackReader::Type::kBool: {
        bool b = false;
        if (!r.ReadBool(&b)) return false;
        if (write) out_.Bool(b);
        return true;
      }
      case MsgpackReader::Type::kUint: {
        uint64_t u = 0;
        if (!r.ReadUint(&u)) return false;
        if (write) out_.Uint(u);
        return true;
      }
      case MsgpackReader::Type::kNegativeInt: {
        int64_t i = 0;
        if (!r.ReadInt(&i)) return false;
        if (write) out_.Int(i);
        return true;
      }
      case MsgpackReader::Type::kFloat64: {
        double d = 0;
        if (!r.ReadDouble(&d)) return false;
        if (!std::isfinite(d)) return r.Fail("a number is not finite");
        if (write) out_.Double(d);
        return true;
      }
      case MsgpackReader::Type::kString: {
        std::string_view s;
        if (!Name(r, &s)) return false;
        if (write) out_.String(s);
        return true;
      }
      case MsgpackReader::Type::kArray: {
        uint32_t n = 0;
        if (depth >= kMaxJsonDepth) return r.Fail("value nested too deeply");
        if (!r.ReadArrayHeader(&n)) return false;
        if (write) out_.BeginArray();
        for (uint32_t i = 0; i < n; ++i) {
          if (!Value(r, depth + 1, write)) return false;
        }
        if (write) out_.EndArray();
        return true;
      }
      case MsgpackReader::Type::kMap: {
        uint32_t n = 0;
        if (depth >= kMaxJsonDepth) return r.Fail("value nested too deeply");
        if (!r.ReadMapHeader(&n)) return false;
        if (write) out_.BeginObject();
        for (uint32_t i = 0; i < n; ++i) {
          std::string_view key;
          if (!Name(r, &key)) return false;
          if (write) out_.Key(key);
          if (!Value(r, depth + 1, write)) return false;
        }
        if (write) out_.EndObject();
        return true;
      }
      default: return r.Fail("not a JSON value");
    }
  }

  const std::string_view bytes_;
  MsgpackReader reader_;
  JsonSink& out_;
  bool needs_decoding_ = false;
  MsgpackReader replica_ids_{std::string_view()};  // at the context's replica ids
  uint32_t replica_count_ = 0;
};

}  // namespace

Result<bool> EmitState(std::string_view canonical_state, JsonSink& out) {
  if (canonical_state.size() > kMaxEncodedBytes) return Status::Corruption("document: encoding exceeds the size limit");
  return StateRenderer(canonical_state, out).Render();
}

Result<std::optional<std::string>> StateJson(std::string_view canonical_state) {
  JsonTextSink out(canonical_state.size());
  Result<bool> live = EmitState(canonical_state, out);
  if (!live.ok()) return live.status();
  if (!*live) return std::optional<std::string>();
  return std::optional<std::string>(out.Take());
}

}  // namespace crdtdb::crdt
