// Copyright (c) crdtdb authors.
//
// The encoding of lists (document_encoder.cc): runs, delta sizes, tombstone cost, and the
// decoder's refusal of malformed lists.

#include <doctest/doctest.h>

#include <string>

#include "crdt/codec.h"
#include "crdt/document.h"
#include "crdt/list_mutators.h"
#include "crdt/list_node.h"
#include "crdt/materialize.h"
#include "crdt/mutators.h"
#include "crdt/state_json.h"

namespace crdt = crdtdb::crdt;

namespace {

using crdt::Document;
using crdt::Json;
using crdt::WriteStamp;

Document WithList(size_t n) {
  Json items = Json::array();
  for (size_t i = 0; i < n; ++i) items.push_back(static_cast<int64_t>(i % 100));
  Document doc;
  doc.ApplyDelta(*crdt::PutDelta(doc, Json{{"l", items}}, WriteStamp{1, 10}));
  return doc;
}

std::string InsertDeltaBytes(const Document& doc, size_t index) {
  crdtdb::Result<Document> delta = crdt::ListInsertDelta(doc, {"l"}, index, Json::array({"x"}), WriteStamp{2, 20});
  REQUIRE(delta.ok());
  return crdt::EncodeDelta(*delta);
}

// `bytes` with the first occurrence of `from` replaced by `to`.
std::string Patched(std::string bytes, const std::string& from, const std::string& to) {
  const size_t at = bytes.find(from);
  REQUIRE(at != std::string::npos);
  return bytes.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("a list round-trips through the state and delta encodings, and reads the same from bytes") {
  Document doc;
  doc.ApplyDelta(*crdt::PutDelta(doc, Json::parse(R"({"l": [1, {"o": [2, 3]}, [4, []], "s"], "e": []})"),
                                 WriteStamp{1, 10}));
  doc.ApplyDelta(*crdt::ListRemoveDelta(doc, {"l"}, 0, 1));
  doc.ApplyDelta(*crdt::ListInsertDelta(doc, {"l"}, 1, Json::parse("[true]"), WriteStamp{2, 11}));
  const std::string bytes = crdt::EncodeDocument(doc);
  crdtdb::Result<Document> back = crdt::DecodeDocument(bytes);
  REQUIRE_MESSAGE(back.ok(), back.status().ToString());
  CHECK(*back == doc);
  crdtdb::Result<Document> delta = crdt::DecodeDelta(crdt::EncodeDelta(doc));
  REQUIRE(delta.ok());
  CHECK(*delta == doc);
  crdtdb::Result<std::optional<std::string>> json = crdt::StateJson(bytes);
  REQUIRE(json.ok());
  CHECK(**json == crdt::DocumentJson(doc));
  CHECK(Json::parse(**json) == Json::parse(R"({"e": [], "l": [{"o": [2, 3]}, true, [4, []], "s"]})"));
}

TEST_CASE("the delta of an insert costs the same however long the list is") {
  const std::string small = InsertDeltaBytes(WithList(10), 5);
  const std::string large = InsertDeltaBytes(WithList(10000), 5000);
  MESSAGE("insert delta: " << small.size() << " bytes in a list of 10, " << large.size() << " in a list of 10000");
  CHECK(large.size() <= small.size() + 8);  // references of larger counters take a few bytes more
  CHECK(large.size() < 80);
}

TEST_CASE("elements inserted together are one run: their tombstones cost a few bytes in all") {
  Document doc = WithList(1000);
  doc.ApplyDelta(*crdt::ListRemoveDelta(doc, {"l"}, 0, 1000));
  CHECK(crdt::ToJson(doc) == Json::parse(R"({"l": []})"));
  REQUIRE(doc.root().fields.at("l").list->anchors.size() == 1000);
  const std::string bytes = crdt::EncodeDocument(doc);
  MESSAGE("1000 deleted elements inserted together: " << bytes.size() << " bytes");
  CHECK(bytes.size() < 60);
  REQUIRE(crdt::DecodeDocument(bytes).ok());
}

TEST_CASE("malformed lists are refused with a clear error") {
  Document doc;
  doc.ApplyDelta(*crdt::PutDelta(doc, Json::parse(R"({"l": [7]})"), WriteStamp{1, 10}));
  const std::string bytes = crdt::EncodeDocument(doc);
  // The run: fixarray 7, dot (replica 0, counter 3: after the presence dots of the root and the list), length 1, side 1, parent (0, 0), origin (0, 0).
  const std::string run("\x97\x00\x03\x01\x01\x00\x00\x00\x00", 9);
  REQUIRE(bytes.find(run) != std::string::npos);
  auto refused = [](const std::string& input, const std::string& why) {
    crdtdb::Result<Document> r = crdt::DecodeDocument(input);
    REQUIRE(!r.ok());
    CHECK(r.status().IsCorruption());
    CHECK_MESSAGE(r.status().message().find(why) != std::string::npos, r.status().message());
  };
  refused(Patched(bytes, run, std::string("\x97\x00\x03\x00\x01\x00\x00\x00\x00", 9)), "malformed list run");
  refused(Patched(bytes, run, std::string("\x97\x00\x03\x01\x02\x00\x00\x00\x00", 9)), "malformed list run");
  refused(Patched(bytes, run, std::string("\x97\x00\x03\xce\x01\x00\x00\x00\x01\x00\x00\x00\x00", 13)),
          "more list anchors than the limit");
  refused(Patched(bytes, run, std::string("\x97\x00\x03\x05\x01\x00\x00\x00\x00", 9)), "missing from the context");
  refused(Patched(bytes, run, std::string("\x97\x00\x03\x01\x00\x00\x00\x01\x01", 9)), "a left child has a right origin");
  refused(Patched(bytes, run, std::string("\x97\x00\x03\x01\x01\x00\x05\x00\x00", 9)), "malformed element reference");
  refused(Patched(bytes, run, std::string("\x96\x00\x03\x01\x01\x00\x00\x00", 8)), "not a multiple of 7");
  // A list with nothing in it is not a state.
  Document empty = doc;
  empty.mutable_root().fields.at("l").list = std::make_unique<crdt::ListNode>();
  refused(crdt::EncodeDocument(empty), "empty list in a state");
}

TEST_CASE("a list whose anchors form a cycle still reads, deterministically, and never loops") {
  Document doc = WithList(2);
  crdt::ListNode& list = *doc.mutable_root().fields.at("l").list;
  // Each anchor names the other as its parent: neither hangs from the root.
  list.anchors[0].parent = list.anchors[1].id;
  list.anchors[0].right_origin = crdt::kNoElement;
  const std::string bytes = crdt::EncodeDocument(doc);
  crdtdb::Result<Document> back = crdt::DecodeDocument(bytes);
  REQUIRE_MESSAGE(back.ok(), back.status().ToString());
  CHECK(crdt::ToJson(*back) == Json::parse(R"({"l": [0, 1]})"));  // content without a place: by id
  crdtdb::Result<Document> insert = crdt::ListInsertDelta(*back, {"l"}, 1, Json::parse("[5]"), WriteStamp{2, 20});
  REQUIRE(insert.ok());
  back->ApplyDelta(*insert);
  CHECK(crdt::ToJson(*back)["l"].size() == 3);
}
