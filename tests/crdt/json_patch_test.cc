// Copyright (c) crdtdb authors.
//
// RFC 6902 JSON Patch on CRDT documents (crdt/json_patch.h): the RFC's appendix A examples that
// apply to our model, each operation's list semantics, every error, concurrent patches merging as
// lists, and indexes resolved against a stated version (context_token.h).

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "crdt/context_token.h"
#include "crdt/json_patch.h"
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

crdtdb::Result<crdt::Document> PatchOf(const crdt::Document& doc, const char* patch, crdt::WriteStamp stamp,
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
std::string ErrorOf(const char* doc, const char* patch) {
  Replica r{1};
  r.Commit(crdt::PutDelta(r.doc, J(doc), r.Now()));
  crdtdb::Result<crdt::Document> d = PatchOf(r.doc, patch, r.Now());
  REQUIRE_FALSE(d.ok());
  CHECK(d.status().code() == crdtdb::Status::Code::kInvalidArgument);
  return d.status().message();
}

bool Has(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

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
