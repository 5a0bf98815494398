// Copyright (c) crdtdb authors.
//
// Layout (every list sorted, no duplicates; "dot" is two integers: replica index, counter):
//
//   document := [version, kind, replicas, ranges, object]      kind: 0 state, 1 delta, 2 compact
//   replicas := [replica id...]                                ascending, non-zero
//   ranges   := [[first, last, first, last...] per replica]    aligned with replicas
//   object   := [presence: [dot...], fields: {name: field...}]
//   field    := [mask, components...]   mask bits, components in this order:
//               1 registers [dot, timestamp, value...]
//               2 counters  [dot, int...]
//               4 set       {element JSON text: [dot...]...}
//               8 object    object
//              16 list      list
//              32 text      text
//   list     := [presence: [dot...], runs: [dot, length, side, ref, ref...],
//                elements: [replica id, counter, presence: [dot...], field...]]
//   text     := [presence: [dot...], named: [replica id...], runs: [dot, length, side, tref, tref...],
//                chars: str, deleted: [replica id, [first, last...]...]]
//   tref     := 0, 0: none | 1, d: the run's replica, counter = the run's first counter - d (d >= 1) |
//               k + 2, counter: replica named[k]
//               chars: the UTF-8 of the characters not deleted, in the order of the anchors (ids);
//               deleted: the deleted ids, ranges per replica, ascending
//   ref      := replica id, counter    an element named in full; 0, 0: none (the root, the end)
//   value    := nil | bool | int | float64 | str | [value...] | {str: value...}
//
// A run is the anchors of `length` consecutive ids of one replica from `dot` (list_node.h): the
// first has `side` (1 right, 0 left), parent and right origin (0, 0 for a left child); each next
// one is the right child of the one before, with the right origin RunRightOrigin gives. Runs are
// maximal, so the encoding is canonical. Element ids and references are written in full, since a
// delta's context need not hold the replicas they name.
//
// A compact delta (kind 2, what EncodeDelta writes) has the same layout with three integers written
// relative to what precedes them, so that the usual small delta costs one byte where kind 1 costs
// five or nine: a range is [first - previous range's last - 1, last - first]; a dot's counter is
// the highest counter of its replica in the context minus the counter; a timestamp is its
// difference (two's complement, signed) from the previous timestamp in encoding order, from 0.

#include "crdt/document_encoder.h"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#include <msgpack.hpp>

#include "crdt/ascending_dot_walk.h"
#include "crdt/codec.h"
#include "crdt/list_node.h"
#include "crdt/text_chars.h"

namespace crdtdb::crdt {

namespace {

[[noreturn]] void InvariantBroken(const char* what) {
  std::fprintf(stderr, "crdtdb: broken invariant in document encoding: %s\n", what);
  std::abort();
}

// What the packer writes to: the encoding's own string. msgpack::sbuffer would allocate 8 KiB on
// its first write, and the result would be copied out of it.
class StringStream {
 public:
  StringStream() { bytes_.reserve(256); }
  void write(const char* data, size_t size) { bytes_.append(data, size); }
  std::string Take() { return std::move(bytes_); }

 private:
  std::string bytes_;
};

class Encoder {
 public:
  explicit Encoder(const DotContext& context) {
    for (const auto& [replica, list] : context.ranges()) {
      replicas_.push_back(replica);
      highest_.push_back(list.empty() ? 0 : list.back().last);
    }
  }

  std::string Encode(const Document& doc, EncodingKind kind) {
    compact_ = kind == kCompactDelta;
    packer_.pack_array(5);
    packer_.pack_uint32(kDocumentFormatVersion);
    packer_.pack_uint32(kind);
    packer_.pack_array(static_cast<uint32_t>(replicas_.size()));
    for (ReplicaId id : replicas_) packer_.pack_uint64(id);
    packer_.pack_array(static_cast<uint32_t>(replicas_.size()));
    for (const auto& [replica, list] : doc.context().ranges()) {
      packer_.pack_array(static_cast<uint32_t>(list.size() * 2));
      uint64_t previous_last = 0;
      for (const DotRange& r : list) {
        packer_.pack_uint64(compact_ ? r.first - previous_last - 1 : r.first);
        packer_.pack_uint64(compact_ ? r.last - r.first : r.last);
        previous_last = r.last;
      }
    }
    PackObject(doc.root());
    return stream_.Take();
  }

 private:
  void PackDot(const Dot& dot) {
    auto it = std::lower_bound(replicas_.begin(), replicas_.end(), dot.replica);
    if (it == replicas_.end() || *it != dot.replica) InvariantBroken("a stored dot is not in the context");
    const auto index = static_cast<size_t>(it - replicas_.begin());
    packer_.pack_uint32(static_cast<uint32_t>(index));
    packer_.pack_uint64(compact_ ? highest_[index] - dot.counter : dot.counter);
  }

  void PackTimestamp(Timestamp timestamp) {
    if (!compact_) {
      packer_.pack_uint64(timestamp);
      return;
    }
    packer_.pack_int64(static_cast<int64_t>(timestamp - previous_timestamp_));  // wraps by design
    previous_timestamp_ = timestamp;
  }

  void PackDots(const DotSet& dots) {
    packer_.pack_array(static_cast<uint32_t>(dots.size() * 2));
    for (const Dot& d : dots) PackDot(d);
  }

  void PackString(const std::string& s) {
    packer_.pack_str(static_cast<uint32_t>(s.size()));
    packer_.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
  }

  // Always float64. msgpack-cxx's pack_double writes a whole-number double as an integer, so 1.0
  // would read back as 1 and -0.0 as 0, and its range check converts 2^64 to uint64_t (undefined
  // behaviour); both were found by fuzz/json_input.cc.
  void PackFloat64(double d) {
    uint64_t bits = 0;
    static_assert(sizeof bits == sizeof d);
    std::memcpy(&bits, &d, sizeof bits);
    char bytes[9];
    bytes[0] = static_cast<char>(0xcb);
    for (int i = 0; i < 8; ++i) bytes[1 + i] = static_cast<char>(bits >> (56 - 8 * i));
    stream_.write(bytes, sizeof bytes);
  }

  void PackValue(const Json& v) {
    switch (v.type()) {
      case Json::value_t::null: packer_.pack_nil(); return;
      case Json::value_t::boolean:
        if (v.get<bool>()) packer_.pack_true(); else packer_.pack_false();
        return;
      case Json::value_t::number_unsigned: packer_.pack_uint64(v.get<uint64_t>()); return;
      case Json::value_t::number_integer: {
        const auto i = v.get<int64_t>();
        if (i >= 0) packer_.pack_uint64(static_cast<uint64_t>(i)); else packer_.pack_int64(i);
        return;
      }
      case Json::value_t::number_float: PackFloat64(v.get<double>()); return;
      case Json::value_t::string: PackString(v.get_ref<const std::string&>()); return;
      case Json::value_t::array:
        packer_.pack_array(static_cast<uint32_t>(v.size()));
        for (const Json& item : v) PackValue(item);
        return;
      case Json::value_t::object:
        packer_.pack_map(static_cast<uint32_t>(v.size()));
        for (const auto& [key, item] : v.items()) {  // std::map order: bytewise ascending
          PackString(key);
          PackValue(item);
        }
        return;
      case Json::value_t::binary:
      case Json::value_t::discarded: break;
    }
    InvariantBroken("a register holds a value that is not JSON");
  }

  void PackObject(const ObjectNode& object) {
    packer_.pack_array(2);
    PackDots(object.presence);
    packer_.pack_map(static_cast<uint32_t>(object.fields.size()));
    for (const auto& [name, field] : object.fields) {
      PackString(name);
      PackField(field);
    }
  }

  void PackField(const FieldNode& field) {
    unsigned mask = 0;
    if (!field.registers.empty()) mask |= kComponentRegisters;
    if (!field.counters.empty()) mask |= kComponentCounters;
    if (!field.set.empty()) mask |= kComponentSet;
    if (field.object) mask |= kComponentObject;
    if (field.list) mask |= kComponentList;
    if (field.text) mask |= kComponentText;
    packer_.pack_array(1 + static_cast<uint32_t>(std::popcount(mask)));
    packer_.pack_uint32(mask);
    if (mask & kComponentRegisters) {
      packer_.pack_array(static_cast<uint32_t>(field.registers.size() * 4));
      for (const RegisterEntry& e : field.registers) {
        PackDot(e.dot);
        PackTimestamp(e.timestamp);
        PackValue(e.value);
      }
    }
    if (mask & kComponentCounters) {
      packer_.pack_array(static_cast<uint32_t>(field.counters.size() * 3));
      for (const CounterEntry& e : field.counters) {
        PackDot(e.dot);
        packer_.pack_int64(e.value);
      }
    }
    if (mask & kComponentSet) {
      packer_.pack_map(static_cast<uint32_t>(field.set.size()));
      for (const auto& [element, dots] : field.set) {
        PackString(element);
        PackDots(dots);
      }
    }
    if (mask & kComponentObject) PackObject(*field.object);
    if (mask & kComponentList) PackList(*field.list);
    if (mask & kComponentText) PackText(*field.text);
  }

  void PackText(const ListNode& text) {
    packer_.pack_array(5);
    PackDots(text.presence);
    const std::vector<std::pair<size_t, uint32_t>> runs = Runs(text.anchors);
    // The replicas references name, other than the run's own.
    std::vector<ReplicaId> named;
    for (const auto& [first, length] : runs) {
      const ListAnchor& a = text.anchors[first];
      for (const Dot& ref : {a.parent, a.right_origin}) {
        if (ref != kNoElement && ref.replica != a.id.replica) named.push_back(ref.replica);
      }
    }
    std::sort(named.begin(), named.end());
    named.erase(std::unique(named.begin(), named.end()), named.end());
    packer_.pack_array(static_cast<uint32_t>(named.size()));
    for (ReplicaId r : named) packer_.pack_uint64(r);
    packer_.pack_array(static_cast<uint32_t>(runs.size() * 7));
    for (const auto& [first, length] : runs) {
      const ListAnchor& a = text.anchors[first];
      PackDot(a.id);
      packer_.pack_uint32(length);
      packer_.pack_uint32(a.right ? 1 : 0);
      for (const Dot& ref : {a.parent, a.right_origin}) {
        if (ref == kNoElement) {
          packer_.pack_uint32(0);
          packer_.pack_uint32(0);
        } else if (ref.replica == a.id.replica) {  // earlier than the run: how much
          packer_.pack_uint32(1);
          packer_.pack_uint64(a.id.counter - ref.counter);
        } else {
          packer_.pack_uint64(2 + static_cast<uint64_t>(std::lower_bound(named.begin(), named.end(), ref.replica) -
                                                        named.begin()));
          packer_.pack_uint64(ref.counter);
        }
      }
    }
    // The characters of the anchors not deleted (deleted content is dropped).
    std::string chars;
    AscendingDotWalk deleted(text.deleted);
    for (const ListAnchor& a : text.anchors) {
      if (!deleted.Contains(a.id)) AppendUtf8(a.ch, &chars);
    }
    PackString(chars);
    packer_.pack_array(static_cast<uint32_t>(text.deleted.ranges().size() * 2));
    for (const auto& [replica, ranges] : text.deleted.ranges()) {
      packer_.pack_uint64(replica);
      packer_.pack_array(static_cast<uint32_t>(ranges.size() * 2));
      for (const DotRange& r : ranges) {
        packer_.pack_uint64(r.first);
        packer_.pack_uint64(r.last);
      }
    }
  }

  // A list's runs: (first anchor, length), split where an anchor does not extend the run before it.
  static std::vector<std::pair<size_t, uint32_t>> Runs(const std::vector<ListAnchor>& anchors) {
    std::vector<std::pair<size_t, uint32_t>> runs;
    for (size_t i = 0; i < anchors.size(); ++i) {
      if (!runs.empty() && ExtendsRun(anchors[runs.back().first], anchors[i - 1], anchors[i])) {
        ++runs.back().second;
      } else {
        runs.emplace_back(i, 1);
      }
    }
    return runs;
  }

  void PackReference(const Dot& dot) {
    packer_.pack_uint64(dot.replica);
    packer_.pack_uint64(dot.counter);
  }

  void PackList(const ListNode& list) {
    packer_.pack_array(3);
    PackDots(list.presence);
    const std::vector<ListAnchor>& anchors = list.anchors;
    const std::vector<std::pair<size_t, uint32_t>> runs = Runs(anchors);
    packer_.pack_array(static_cast<uint32_t>(runs.size() * 7));
    for (const auto& [first, length] : runs) {
      const ListAnchor& a = anchors[first];
      PackDot(a.id);
      packer_.pack_uint32(length);
      packer_.pack_uint32(a.right ? 1 : 0);
      PackReference(a.parent);
      PackReference(a.right_origin);
    }
    packer_.pack_array(static_cast<uint32_t>(list.elements.size() * 4));
    for (const auto& [id, element] : list.elements) {
      PackReference(id);
      PackDots(element.presence);
      PackField(element.value);
    }
  }

  std::vector<ReplicaId> replicas_;
  std::vector<uint64_t> highest_;  // per replica: its highest counter in the context
  bool compact_ = false;
  Timestamp previous_timestamp_ = 0;
  StringStream stream_;
  msgpack::packer<StringStream> packer_{stream_};
};

}  // namespace

std::string EncodeAs(const Document& doc, EncodingKind kind) { return Encoder(doc.context()).Encode(doc, kind); }

}  // namespace crdtdb::crdt
