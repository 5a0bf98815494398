// Copyright (c) crdtdb authors.
//
// RFC 6902 JSON Patch on CRDT documents (crdt/json_patch.h): the RFC's appendix A examples that
// apply to our model, each operation's list semantics, every error, concurrent patches merging as
// lists, indexes resolved against a stated version (context_token.h), and writes inside list
// elements, each a delta of that element, which keeps its id, so that concurrent inserts
// elsewhere, edits of its other fields and a concurrent delete of it merge (docs/crdt.md section 7).

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

// Starts `r` from `doc`, applies `patch` and returns what a read shows.
Json Applied(const char* doc, const char* patch) {
  Replica r{1};
  r.Commit(crdt::PutDelta(r.doc, J(doc), r.Now()));
  r.Commit(PatchOf(r.doc, patch, r.Now()));
  return crdt::ToJson(r.doc);
}

// The error a patch gets on `doc` (which the failed patch must leave as it was).
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

TEST_CASE("RFC 6902 appendix A examples that apply to our documents") {
  CHECK(Applied(R"({"foo":"bar"})", R"([{"op":"add","path":"/baz","value":"qux"}])") ==
        J(R"({"baz":"qux","foo":"bar"})"));                                                           // A.1
  CHECK(Applied(R"({"foo":["bar","baz"]})", R"([{"op":"add","path":"/foo/1","value":"qux"}])") ==
        J(R"({"foo":["bar","qux","baz"]})"));                                                         // A.2
  CHECK(Applied(R"({"baz":"qux","foo":"bar"})", R"([{"op":"remove","path":"/baz"}])") == J(R"({"foo":"bar"})"));
  CHECK(Applied(R"({"foo":["bar","qux","baz"]})", R"([{"op":"remove","path":"/foo/1"}])") ==
        J(R"({"foo":["bar","baz"]})"));                                                               // A.4
  CHECK(Applied(R"({"baz":"qux","foo":"bar"})", R"([{"op":"replace","path":"/baz","value":"boo"}])") ==
        J(R"({"baz":"boo","foo":"bar"})"));                                                           // A.5
  CHECK(Applied(R"({"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}})",
                R"([{"op":"move","from":"/foo/waldo","path":"/qux/thud"}])") ==
        J(R"({"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}})"));                        // A.6
  CHECK(Applied(R"({"foo":["all","grass","cows","eat"]})", R"([{"op":"move","from":"/foo/1","path":"/foo/3"}])") ==
        J(R"({"foo":["all","cows","eat","grass"]})"));                                                // A.7
  CHECK(Applied(R"({"baz":"qux","foo":["a",2,"c"]})",
                R"([{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}])") ==
        J(R"({"baz":"qux","foo":["a",2,"c"]})"));                                                     // A.8
  CHECK(Has(ErrorOf(R"({"baz":"qux"})", R"([{"op":"test","path":"/baz","value":"bar"}])"), "test failed"));  // A.9
  CHECK(Applied(R"({"foo":"bar"})", R"([{"op":"add","path":"/child","value":{"grandchild":{}}}])") ==
        J(R"({"foo":"bar","child":{"grandchild":{}}})"));                                             // A.10
  CHECK(Applied(R"({"foo":"bar"})", R"([{"op":"add","path":"/baz","value":"qux","xyz":123}])") ==
        J(R"({"foo":"bar","baz":"qux"})"));                                                           // A.11
  CHECK(Has(ErrorOf(R"({"foo":"bar"})", R"([{"op":"add","path":"/baz/bat","value":"qux"}])"),
            "/baz does not exist"));                                                                  // A.12
  CHECK(Applied(R"({"/":9,"~1":10})", R"([{"op":"test","path":"/~01","value":10}])") == J(R"({"/":9,"~1":10})"));
  CHECK(Has(ErrorOf(R"({"/":9,"~1":10})", R"([{"op":"test","path":"/~01","value":"10"}])"), "test failed"));
  CHECK(Applied(R"({"foo":["bar"]})", R"([{"op":"add","path":"/foo/-","value":["abc","def"]}])") ==
        J(R"({"foo":["bar",["abc","def"]]})"));                                                       // A.16
}

TEST_CASE("each operation on lists: add inserts, remove removes, replace keeps the element's id") {
  Replica r{1};
  r.Commit(crdt::PutDelta(r.doc, J(R"({"l":["a","b","c"]})"), r.Now()));
  const std::vector<crdt::Dot> before = *crdt::ListElementIds(r.doc, {"l"});
  r.Commit(PatchOf(r.doc, R"([{"op":"add","path":"/l/0","value":"s"},{"op":"add","path":"/l/-","value":"e"},
                              {"op":"replace","path":"/l/2","value":"B"}])", r.Now()));
  CHECK(crdt::ToJson(r.doc) == J(R"({"l":["s","a","B","c","e"]})"));
  const std::vector<crdt::Dot> after = *crdt::ListElementIds(r.doc, {"l"});
  // The old elements keep their ids (replace included): add is an insert, not an array rewrite.
  CHECK(after[1] == before[0]);
  CHECK(after[2] == before[1]);
  CHECK(after[3] == before[2]);
  r.Commit(PatchOf(r.doc, R"([{"op":"remove","path":"/l/0"},{"op":"copy","from":"/l/0","path":"/first"},
                              {"op":"move","from":"/l/3","path":"/l/0"}])", r.Now()));
  CHECK(crdt::ToJson(r.doc) == J(R"({"l":["e","a","B","c"],"first":"a"})"));
  // A moved element is a new element holding the value.
  CHECK(crdt::ListElementIds(r.doc, {"l"})->front() != after.back());
  // Replacing the whole document is a put; an empty patch changes nothing.
  r.Commit(PatchOf(r.doc, R"([{"op":"replace","path":"","value":{"x":1}}])", r.Now()));
  CHECK(crdt::ToJson(r.doc) == J(R"({"x":1})"));
  crdtdb::Result<crdt::Document> none = PatchOf(r.doc, "[]", r.Now());
  REQUIRE(none.ok());
  CHECK(none->bottom());
}

TEST_CASE("a bad patch is refused with a message that names the problem") {
  const char* doc = R"({"l":["a","b"],"t":"x","o":{"k":1},"n":[{"done":false}]})";
  CHECK(Has(ErrorOf(doc, R"([{"op":"add","path":"/l/3","value":1}])"), "index 3 is out of range for list /l of 2"));
  CHECK(Has(ErrorOf(doc, R"([{"op":"remove","path":"/l/2"}])"), "out of range"));
  CHECK(Has(ErrorOf(doc, R"([{"op":"replace","path":"/l/-","value":1}])"), "is not a list index"));
  CHECK(Has(ErrorOf(doc, R"([{"op":"add","path":"/l/01","value":1}])"), "is not a list index"));
  CHECK(Has(ErrorOf(doc, R"([{"op":"add","path":"/t/0","value":1}])"), "/t is neither an object nor a list"));
  CHECK(Has(ErrorOf(doc, R"([{"op":"remove","path":"/missing"}])"), "/missing does not exist"));
  CHECK(Has(ErrorOf(doc, R"([{"op":"replace","path":"/o/z","value":1}])"), "/o/z does not exist"));
  CHECK(Has(ErrorOf(doc, R"([{"op":"remove","path":""}])"), "cannot remove the whole document"));
  CHECK(Has(ErrorOf(doc, R"([{"op":"add","path":"","value":[]}])"), "only be an object"));
  CHECK(Has(ErrorOf(doc, R"([{"op":"move","from":"/o","path":"/o/k2"}])"), "into itself"));
  CHECK(Has(ErrorOf(doc, R"([{"op":"copy","from":"/nope","path":"/x"}])"), "/nope does not exist"));
  // Malformed patches and pointers.
  CHECK(Has(ErrorOf(doc, R"({"op":"add"})"), "must be a JSON array"));
  CHECK(Has(ErrorOf(doc, R"([1])"), "operation 0: must be a JSON object"));
  CHECK(Has(ErrorOf(doc, R"([{"path":"/x"}])"), "\"op\" must be a string"));
  CHECK(Has(ErrorOf(doc, R"([{"op":"merge","path":"/x"}])"), "unknown op"));
  CHECK(Has(ErrorOf(doc, R"([{"op":"add","path":"/x"}])"), "needs a \"value\""));
  CHECK(Has(ErrorOf(doc, R"([{"op":"add","value":1}])"), "\"path\" must be a string"));
  CHECK(Has(ErrorOf(doc, R"([{"op":"copy","path":"/x"}])"), "\"from\" must be a string"));
  CHECK(Has(ErrorOf(doc, R"([{"op":"add","path":"x","value":1}])"), "must be empty or start with /"));
  CHECK(Has(ErrorOf(doc, R"([{"op":"add","path":"/a~2b","value":1}])"), "~0 or ~1"));
  CHECK(Has(ErrorOf(doc, R"([{"op":"add","path":"/a~","value":1}])"), "~0 or ~1"));
  // A later failure undoes nothing because nothing was written: the error is the patch's result.
  CHECK(Has(ErrorOf(doc, R"([{"op":"add","path":"/l/0","value":"z"},{"op":"test","path":"/l/0","value":"a"}])"),
            "operation 1: test failed: /l/0 is \"z\""));
}

TEST_CASE("concurrent JSON Patches of one list on two replicas merge as lists") {
  Replica a{1}, b{2};
  a.Commit(crdt::PutDelta(a.doc, J(R"({"todo":["milk","eggs"]})"), a.Now()));
  b.Receive(a);
  a.Commit(PatchOf(a.doc, R"([{"op":"add","path":"/todo/1","value":"bread"}])", a.Now()));
  b.Commit(PatchOf(b.doc, R"([{"op":"add","path":"/todo/-","value":"tea"},{"op":"remove","path":"/todo/0"}])",
                   b.Now()));
  CHECK(crdt::ToJson(b.doc) == J(R"({"todo":["eggs","tea"]})"));
  ExchangeAll({&a, &b});
  CheckConverged({&a, &b});
  CHECK(crdt::ToJson(a.doc) == J(R"({"todo":["bread","eggs","tea"]})"));
}

TEST_CASE("with a stated version, indexes land where the client meant") {
  Replica server{1}, other{2};
  server.Commit(crdt::PutDelta(server.doc, J(R"({"l":["a","b","c"]})"), server.Now()));
  // The client reads the document and keeps its version.
  const std::string token = crdt::ContextToken(server.doc.context());
  // Meanwhile another replica inserts at the front; the server learns it.
  other.Receive(server);
  other.Commit(crdt::ListInsertDelta(other.doc, {"l"}, 0, J(R"(["z"])"), other.Now()));
  server.Receive(other);
  REQUIRE(crdt::ToJson(server.doc) == J(R"({"l":["z","a","b","c"]})"));

  crdtdb::Result<crdt::DotContext> base = crdt::ParseContextToken(token);
  REQUIRE(base.ok());
  const char* patch = R"([{"op":"add","path":"/l/1","value":"x"},{"op":"add","path":"/l/2","value":"y"},
                          {"op":"remove","path":"/l/0"},{"op":"replace","path":"/l/3","value":"C"}])";
  // Against the base: after "a" (its index 1 then) come x and y; "a" goes; "c" becomes "C".
  Replica stated = server;
  stated.Commit(PatchOf(stated.doc, patch, stated.Now(), &*base));
  CHECK(crdt::ToJson(stated.doc) == J(R"({"l":["z","x","y","b","C"]})"));
  // Against the current state the same patch means other elements.
  Replica current = server;
  current.Commit(PatchOf(current.doc, patch, current.Now()));
  CHECK(crdt::ToJson(current.doc) == J(R"({"l":["x","y","a","C","c"]})"));
  // Indexes past the base's list are out of range, even though the list is longer now.
  crdtdb::Result<crdt::Document> far = PatchOf(server.doc, R"([{"op":"remove","path":"/l/3"}])", server.Now(), &*base);
  REQUIRE_FALSE(far.ok());
  CHECK(Has(far.status().message(), "out of range for list /l of 3 elements at the base version"));
}

TEST_CASE("context tokens round-trip and refuse what ContextToken never writes") {
  crdt::DotContext context;
  CHECK(crdt::ContextToken(context) == "-");
  context.AddRange(0xa1, {1, 7});
  context.AddRange(0xb2, {1, 3});
  context.AddRange(0xb2, {5, 5});
  const std::string token = crdt::ContextToken(context);
  CHECK(token == "00000000000000a1:1-7;00000000000000b2:1-3,5-5");
  crdtdb::Result<crdt::DotContext> back = crdt::ParseContextToken(token);
  REQUIRE(back.ok());
  CHECK(*back == context);
  CHECK(crdt::ParseContextToken("-")->empty());
  for (const char* bad : {"", "xyz", "00000000000000a1", "00000000000000a1:", "00000000000000a1:0-3",
                          "00000000000000a1:3-1", "00000000000000a1:1-3,2-4", "00000000000000a1:1-3;",
                          "00000000000000b2:1-1;00000000000000a1:1-1", "0000000000000a1:1-1",
                          "00000000000000a1:1-3x", "00000000000000a1:1-99999999999999999999999"}) {
    CAPTURE(bad);
    CHECK(crdt::ParseContextToken(bad).status().code() == crdtdb::Status::Code::kInvalidArgument);
  }
  CHECK_FALSE(crdt::ParseContextToken(std::string(crdt::kMaxContextTokenBytes + 1, '1')).ok());
}

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
  const char* patch = R"([{"op":"test","path":"/items/0/t","value":"milk"},
                          {"op":"replace","path":"/items/0/done","value":true},
                          {"op":"add","path":"/items/1/tags/-","value":"b"}])";
  Replica stated = server;
  stated.Commit(PatchOf(stated.doc, patch, stated.Now(), &base));
  CHECK(crdt::ToJson(stated.doc)["items"] ==
        J(R"([{"t":"new"},{"t":"milk","done":true},{"t":"eggs","note":"brown","tags":["a","b"]},
              {"t":"tea","done":false}])"));
  // Without the base, index 0 is the new element: the test fails.
  const crdtdb::Result<crdt::Document> current = PatchOf(server.doc, patch, server.Now());
  CHECK(Has(current.status().message(), "operation 0: test failed: /items/0/t is \"new\""));
}
