// Copyright (c) crdtdb authors.
//
// JSON Patch writes inside list elements ("/items/2/done", crdt/json_patch.h): each is a delta of
// that element, which keeps its id, so concurrent inserts elsewhere, edits of its other fields
// and a concurrent delete of the element merge as docs/crdt.md section 7 says.

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "crdt/context_token.h"
#include "crdt/json_patch.h"
#include "crdt/limits.h"
#include "crdt/list_mutators.h"
#include "crdt/materialize.h"
#include "crdt/mutators.h"
#include "tests/crdt/example_replicas.h"

namespace crdt = crdtdb::crdt;

namespace {

using crdt::Json;
using crdtdb::testing::CheckConverged;
using crdtdb::testing::ExchangeAll;
using crdtdb::testing::J;
using crdtdb::testing::Replica;
using crdtdb::testing::StartFrom;

crdtdb::Result<crdt::Document> PatchOf(const crdt::Document& doc, const std::string& patch, crdt::WriteStamp stamp,
                                       const crdt::DotContext* base = nullptr) {
  crdtdb::Result<std::vector<crdt::PatchOperation>> ops = crdt::ParseJsonPatch(J(patch));
  if (!ops.ok()) return ops.status();
  return crdt::JsonPatchDelta(doc, *ops, base, stamp);
}

std::string ErrorOf(const char* doc, const std::string& patch) {
  Replica r{1};
  r.Commit(crdt::PutDelta(r.doc, J(doc), r.Now()));
  crdtdb::Result<crdt::Document> d = PatchOf(r.doc, patch, r.Now());
  REQUIRE_FALSE(d.ok());
  CHECK(d.status().code() == crdtdb::Status::Code::kInvalidArgument);
  return d.status().message();
}

bool Has(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

constexpr const char* kTodo =
    R"({"items":[{"t":"milk","done":false},{"t":"eggs","note":"brown","tags":["a"]},{"t":"tea","done":false}]})";

}  // namespace

TEST_CASE("JSON Patch writes inside list elements, which keep their ids") {
  Replica r{1};
  r.Commit(crdt::PutDelta(r.doc, J(kTodo), r.Now()));
  const std::vector<crdt::Dot> before = *crdt::ListElementIds(r.doc, {"items"});
  r.Commit(PatchOf(r.doc, R"([{"op":"replace","path":"/items/2/done","value":true},
                              {"op":"add","path":"/items/1/tags/-","value":"b"},
                              {"op":"add","path":"/items/1/tags/0","value":"z"},
                              {"op":"remove","path":"/items/1/note"},
                              {"op":"add","path":"/items/0/qty","value":{"n":2}},
                              {"op":"replace","path":"/items/0/qty/n","value":3},
                              {"op":"test","path":"/items/1/tags/2","value":"b"},
                              {"op":"copy","from":"/items/1/t","path":"/items/0/was"},
                              {"op":"move","from":"/items/1/tags/0","path":"/items/2/first"}])",
                   r.Now()));
  CHECK(crdt::ToJson(r.doc) == J(R"({"items":[{"t":"milk","done":false,"qty":{"n":3},"was":"eggs"},
                                              {"t":"eggs","tags":["a","b"]},
                                              {"t":"tea","done":true,"first":"z"}]})"));
  CHECK(*crdt::ListElementIds(r.doc, {"items"}) == before);
  // Lists nested in elements of lists: every level is entered the same way.
  r.Commit(crdt::PutDelta(r.doc, J(R"({"m":[[1,2],[{"x":[{"y":0}]}]]})"), r.Now()));
  r.Commit(PatchOf(r.doc, R"([{"op":"replace","path":"/m/0/1","value":20},{"op":"add","path":"/m/0/-","value":3},
                              {"op":"replace","path":"/m/1/0/x/0/y","value":1},{"op":"remove","path":"/m/0/0"}])",
                   r.Now()));
  CHECK(crdt::ToJson(r.doc) == J(R"({"m":[[20,3],[{"x":[{"y":1}]}]]})"));
}

TEST_CASE("a bad write inside a list element is refused and names the problem") {
  const char* doc = R"({"l":["a",{"k":1}],"n":[{"done":false}]})";
  CHECK(Has(ErrorOf(doc, R"([{"op":"add","path":"/l/0/x","value":1}])"), "/l/0 is neither an object nor a list"));
  CHECK(Has(ErrorOf(doc, R"([{"op":"add","path":"/n/1/done","value":1}])"), "index 1 is out of range for list /n"));
  CHECK(Has(ErrorOf(doc, R"([{"op":"add","path":"/n/-/done","value":1}])"), "is not a list index"));
  CHECK(Has(ErrorOf(doc, R"([{"op":"remove","path":"/n/0/nope"}])"), "/n/0/nope does not exist"));
  CHECK(Has(ErrorOf(doc, R"([{"op":"replace","path":"/l/1/z","value":1}])"), "/l/1/z does not exist"));
  CHECK(Has(ErrorOf(doc, R"([{"op":"add","path":"/l/1/a/b","value":1}])"), "the parent /l/1/a does not exist"));
  CHECK(Has(ErrorOf(doc, R"([{"op":"test","path":"/n/0/done","value":true}])"), "test failed"));
  // The depth limit counts from the document's root, not from the element.
  std::string deep = "1";
  for (int i = 0; i < crdt::kMaxJsonDepth - 3; ++i) deep = "[" + deep + "]";
  Replica r{1};
  r.Commit(crdt::PutDelta(r.doc, J(doc), r.Now()));
  CHECK(PatchOf(r.doc, R"([{"op":"add","path":"/n/0/d","value":)" + deep + "}]", r.Now()).ok());
  CHECK(Has(ErrorOf(doc, R"([{"op":"add","path":"/n/0/d","value":[)" + deep + "]}]"), "nests deeper"));
}

TEST_CASE("concurrent writes inside one element, and inserts elsewhere, merge") {
  Replica a{1}, b{2}, c{3};
  StartFrom(kTodo, {&a, &b, &c});
  a.Commit(PatchOf(a.doc, R"([{"op":"replace","path":"/items/1/t","value":"EGGS"},
                              {"op":"add","path":"/items/1/tags/-","value":"x"}])",
                   a.Now()));
  b.Commit(PatchOf(b.doc, R"([{"op":"add","path":"/items/0","value":{"t":"jam"}},
                              {"op":"remove","path":"/items/2/note"},{"op":"add","path":"/items/2/tags/-","value":"y"}])",
                   b.Now()));
  c.Commit(PatchOf(c.doc, R"([{"op":"replace","path":"/items/2/done","value":true}])", c.Now()));
  ExchangeAll({&a, &b, &c});
  CheckConverged({&a, &b, &c});
  // Both tags stay (two inserts), the note is gone, both fields' writes stay.
  const Json items = crdt::ToJson(a.doc)["items"];
  CHECK(items[0] == J(R"({"t":"jam"})"));
  CHECK(items[1] == J(R"({"t":"milk","done":false})"));
  CHECK(items[2]["t"] == "EGGS");
  CHECK(items[2]["tags"].size() == 3);
  CHECK(items[2]["tags"][0] == "a");
  CHECK_FALSE(items[2].contains("note"));
  CHECK(items[3] == J(R"({"t":"tea","done":true})"));
}

TEST_CASE("a write inside an element concurrent with its delete keeps the element, with the write") {
  Replica a{1}, b{2};
  StartFrom(kTodo, {&a, &b});
  a.Commit(PatchOf(a.doc, R"([{"op":"replace","path":"/items/1/t","value":"EGGS"}])", a.Now()));
  b.Commit(PatchOf(b.doc, R"([{"op":"remove","path":"/items/1"}])", b.Now()));
  ExchangeAll({&a, &b});
  CheckConverged({&a, &b});
  // The delete removed what it saw of the element; the update's value (and presence) stay.
  CHECK(crdt::ToJson(a.doc)["items"] == J(R"([{"t":"milk","done":false},{"t":"EGGS"},{"t":"tea","done":false}])"));

  // A removal inside the element does not renew it: with a concurrent delete, the element goes.
  Replica c{3}, d{4};
  StartFrom(kTodo, {&c, &d});
  c.Commit(PatchOf(c.doc, R"([{"op":"remove","path":"/items/1/note"}])", c.Now()));
  d.Commit(PatchOf(d.doc, R"([{"op":"remove","path":"/items/1"}])", d.Now()));
  ExchangeAll({&c, &d});
  CheckConverged({&c, &d});
  CHECK(crdt::ToJson(c.doc)["items"].size() == 2);
}

TEST_CASE("with a stated version, an index inside an element addresses the element the client saw") {
  Replica server{1}, other{2};
  server.Commit(crdt::PutDelta(server.doc, J(kTodo), server.Now()));
  const crdt::DotContext base = server.doc.context();
  other.Receive(server);
  other.Commit(PatchOf(other.doc, R"([{"op":"add","path":"/items/0","value":{"t":"new"}}])", other.Now()));
  server.Receive(other);
  const char* patch = R"([{"op":"replace","path":"/items/0/done","value":true},
                          {"op":"add","path":"/items/1/tags/-","value":"b"}])";
  Replica stated = server;
  stated.Commit(PatchOf(stated.doc, patch, stated.Now(), &base));
  CHECK(crdt::ToJson(stated.doc)["items"] ==
        J(R"([{"t":"new"},{"t":"milk","done":true},{"t":"eggs","note":"brown","tags":["a","b"]},
              {"t":"tea","done":false}])"));
  // Without the base, index 0 is the new element, which has no "done" to replace.
  const crdtdb::Result<crdt::Document> current = PatchOf(server.doc, patch, server.Now());
  CHECK(Has(current.status().message(), "operation 0: /items/0/done does not exist"));
}
