// Copyright (c) crdtdb authors.
//
// DiffSession between two real replicas, each answered by the responder as its sync endpoint
// would: it names exactly the documents that differ and on which side, stops at its limit, writes
// to neither side, and refuses a forged tree.

#include "sync/diff_session.h"

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include <doctest/doctest.h>

#include "cluster/partitioning.h"
#include "crdt/codec.h"
#include "nlohmann/json.hpp"
#include "sync/responder.h"
#include "tests/sim/sim_cluster.h"

namespace crdtdb::testing {
namespace {

using nlohmann::json;
using Side = sync::DiffSession::Side;

uint64_t Clock() { return 1'700'000'000'000; }

struct Walk {
  sync::DiffSession::State state = sync::DiffSession::State::kRunning;
  std::map<std::string, std::string> in;  // key -> "a", "b" or "both"
  std::set<std::string> deleted;          // "SIDE KEY" where that side holds a tombstone
  bool truncated = false;
  bool roots_equal = false;
  std::optional<merkle::Fingerprint> root_a, root_b;
  size_t documents_asked = 0;  // refs in DocumentRequests, both sides
};

// Walks `a` and `b`, answering every request at once with the responder; `tamper` may change an
// answer before the session sees it.
Walk RunDiff(db::DatabaseImpl& a, db::DatabaseImpl& b, size_t limit,
             const std::function<void(Side, sync::Body&)>& tamper = {},
             std::vector<merkle::NodeId> start = {merkle::NodeId{0, 0}}) {
  sync::DiffSession session(7, limit, std::move(start));
  std::vector<sync::DiffSession::Request> out;
  session.Start(&out);
  std::deque<sync::DiffSession::Request> queue(out.begin(), out.end());
  Walk walk;
  while (!queue.empty() && !session.done()) {
    sync::DiffSession::Request request = std::move(queue.front());
    queue.pop_front();
    if (const auto* docs = std::get_if<sync::DocumentRequest>(&request.body)) {
      walk.documents_asked += docs->documents.size();
    }
    Result<std::optional<sync::Body>> answer =
        sync::AnswerRequest(request.side == Side::kA ? a : b, request.body);
    REQUIRE(answer.ok());
    REQUIRE(answer->has_value());  // a walk only asks; it never pushes
    if (tamper) tamper(request.side, **answer);
    out.clear();
    session.OnAnswer(request.side, **answer, &out);
    for (auto& r : out) queue.push_back(std::move(r));
  }
  walk.state = session.state();
  for (const sync::DiffSession::Difference& d : session.differences()) {
    walk.in[d.key] = !d.b ? "a" : !d.a ? "b" : "both";
    if (d.a && d.a->deleted) walk.deleted.insert("a " + d.key);
    if (d.b && d.b->deleted) walk.deleted.insert("b " + d.key);
  }
  walk.truncated = session.truncated();
  walk.roots_equal = session.root(Side::kA) == session.root(Side::kB);
  walk.root_a = session.root(Side::kA);
  walk.root_b = session.root(Side::kB);
  return walk;
}

// `b` receives `a`'s state of every document, so both hold the same.
void CopyStates(db::DatabaseImpl& a, db::DatabaseImpl& b, int n) {
  for (int k = 0; k < n; ++k) {
    const std::string key = "docs/" + std::to_string(k);
    Result<std::optional<std::string>> state = a.ReadState(key);
    REQUIRE((state.ok() && state->has_value()));
    Result<crdt::Document> doc = crdt::DecodeDocument(**state);
    REQUIRE(doc.ok());
    REQUIRE(
        b.ApplyRemote({sync::RemoteUpdate{key, std::move(doc).value(), /*is_state=*/true}}).ok());
  }
  REQUIRE(a.merkle_root() == b.merkle_root());
}

void Populate(db::DatabaseImpl& a, db::DatabaseImpl& b, int n) {
  for (int k = 0; k < n; ++k)
    REQUIRE(a.put("docs/" + std::to_string(k), json{{"k", k}}.dump()).ok());
  CopyStates(a, b, n);
}

TEST_CASE("equal replicas: equal roots and no document") {
  SimClient a(Clock), b(Clock);
  Populate(a.db(), b.db(), 200);
  const Walk walk = RunDiff(a.db(), b.db(), 1000);
  CHECK(walk.state == sync::DiffSession::State::kDone);
  CHECK(walk.roots_equal);
  CHECK(walk.in.empty());
  CHECK_FALSE(walk.truncated);
  CHECK(walk.documents_asked == 0);
}

TEST_CASE("every differing document is named once, with the side that holds it") {
  SimClient a(Clock), b(Clock);
  Populate(a.db(), b.db(), 500);
  REQUIRE(a.db().put("only/a", R"({"x":1})").ok());
  REQUIRE(b.db().put("only/b", R"({"y":2})").ok());
  REQUIRE(a.db().patch("docs/1", R"({"k":"a"})").ok());  // both sides hold it, differently
  REQUIRE(b.db().patch("docs/1", R"({"k":"b"})").ok());
  REQUIRE(b.db().patch("docs/2", R"({"more":true})").ok());  // b is ahead of a
  REQUIRE(a.db().remove("docs/3").ok());                     // a tombstone against a live document

  const Walk walk = RunDiff(a.db(), b.db(), 1000);
  CHECK(walk.state == sync::DiffSession::State::kDone);
  CHECK_FALSE(walk.roots_equal);
  CHECK_FALSE(walk.truncated);
  const std::map<std::string, std::string> expected{
      {"only/a", "a"}, {"only/b", "b"}, {"docs/1", "both"}, {"docs/2", "both"}, {"docs/3", "both"}};
  CHECK(walk.in == expected);
  CHECK(walk.deleted == std::set<std::string>{"a docs/3"});
  // Each differing document is fetched from the sides that hold it, nothing else.
  CHECK(walk.documents_asked == 8);
}

TEST_CASE("a diff started at partition subtrees finds exactly the differences in them") {
  SimClient a(Clock), b(Clock);
  Populate(a.db(), b.db(), 400);
  for (int k = 0; k < 30; ++k) {
    REQUIRE(a.db().put("only/a" + std::to_string(k), R"({"x":1})").ok());
    REQUIRE(b.db().put("only/b" + std::to_string(k), R"({"y":2})").ok());
    REQUIRE(a.db().patch("docs/" + std::to_string(k), R"({"side":"a"})").ok());
    REQUIRE(b.db().patch("docs/" + std::to_string(k), R"({"side":"b"})").ok());
  }
  const Walk whole = RunDiff(a.db(), b.db(), 1000);
  REQUIRE(whole.in.size() == 90);

  // 64 partitions: each is 4 subtrees on level 2, so a walk starts at several nodes.
  const cluster::Partitioning partitioning(64);
  std::map<std::string, std::string> merged;
  merkle::Fingerprint root_a = 0, root_b = 0;
  for (cluster::PartitionId p = 0; p < partitioning.count(); ++p) {
    const Walk part = RunDiff(a.db(), b.db(), 1000, {}, partitioning.SubtreesOf(p));
    CHECK(part.state == sync::DiffSession::State::kDone);
    for (const auto& [key, in] : part.in) {
      CHECK(partitioning.PartitionOf(key) == p);
      merged[key] = in;
    }
    REQUIRE(part.root_a.has_value());
    REQUIRE(part.root_b.has_value());
    root_a ^= *part.root_a;
    root_b ^= *part.root_b;
  }
  CHECK(merged == whole.in);
  // In one session's window the partitions' roots add up to the whole tree's.
  CHECK(root_a == whole.root_a);
  CHECK(root_b == whole.root_b);

  // A walk of a few partitions at once names theirs and nothing else.
  std::vector<merkle::NodeId> start;
  for (cluster::PartitionId p : {3u, 17u, 40u}) {
    for (const merkle::NodeId& n : partitioning.SubtreesOf(p)) start.push_back(n);
  }
  const Walk some = RunDiff(a.db(), b.db(), 1000, {}, start);
  std::map<std::string, std::string> expected;
  for (const auto& [key, in] : whole.in) {
    const cluster::PartitionId p = partitioning.PartitionOf(key);
    if (p == 3 || p == 17 || p == 40) expected[key] = in;
  }
  CHECK(some.in == expected);
}

TEST_CASE("a diff writes to neither replica") {
  SimClient a(Clock), b(Clock);
  Populate(a.db(), b.db(), 50);
  REQUIRE(a.db().put("only/a", R"({"x":1})").ok());
  REQUIRE(b.db().patch("docs/4", R"({"y":1})").ok());
  const merkle::Hash root_a = a.db().merkle_root(), root_b = b.db().merkle_root();
  const uint64_t seq_a = a.db().last_sequence(), seq_b = b.db().last_sequence();
  CHECK(RunDiff(a.db(), b.db(), 1000).in.size() == 2);
  CHECK(a.db().merkle_root() == root_a);
  CHECK(b.db().merkle_root() == root_b);
  CHECK(a.db().last_sequence() == seq_a);
  CHECK(b.db().last_sequence() == seq_b);
}

TEST_CASE("the limit bounds what is reported and fetched, and says it truncated") {
  SimClient a(Clock), b(Clock);
  for (int k = 0; k < 300; ++k)
    REQUIRE(a.db().put("docs/" + std::to_string(k), json{{"k", k}}.dump()).ok());
  const Walk walk = RunDiff(a.db(), b.db(), 10);
  CHECK(walk.state == sync::DiffSession::State::kDone);
  CHECK(walk.in.size() == 10);
  CHECK(walk.truncated);
  CHECK(walk.documents_asked <= 20);

  const Walk all = RunDiff(a.db(), b.db(), 300);
  CHECK(all.in.size() == 300);
  CHECK_FALSE(all.truncated);
}

TEST_CASE("a tree node that does not add up ends the walk as rejected") {
  SimClient a(Clock), b(Clock);
  REQUIRE(a.db().put("only/a", R"({"x":1})").ok());
  const Walk walk = RunDiff(a.db(), b.db(), 1000, [](Side side, sync::Body& answer) {
    if (auto* tree = std::get_if<sync::TreeResponse>(&answer);
        tree != nullptr && side == Side::kB) {
      for (sync::TreeNode& node : tree->nodes) node.children[3] ^= 1;
    }
  });
  CHECK(walk.state == sync::DiffSession::State::kRejected);
}

TEST_CASE("a fetched document that does not decode ends the walk as rejected") {
  SimClient a(Clock), b(Clock);
  REQUIRE(a.db().put("only/a", R"({"x":1})").ok());
  const Walk walk = RunDiff(a.db(), b.db(), 1000, [](Side, sync::Body& answer) {
    if (auto* docs = std::get_if<sync::Documents>(&answer)) {
      for (sync::DocumentState& d : docs->documents) d.state = "not a state";
    }
  });
  CHECK(walk.state == sync::DiffSession::State::kRejected);
}

TEST_CASE("unanswered requests are asked again, and a silent replica fails the walk") {
  SimClient a(Clock), b(Clock);
  REQUIRE(a.db().put("only/a", R"({"x":1})").ok());
  sync::DiffSession session(9, 100);
  std::vector<sync::DiffSession::Request> out;
  session.Start(&out);
  REQUIRE(out.size() == 2);
  for (int i = 0; i < sync::DiffSession::kMaxRetries; ++i) {
    out.clear();
    session.Retry(&out);
    CHECK(out.size() == 2);  // both roots again
  }
  out.clear();
  session.Retry(&out);
  CHECK(session.state() == sync::DiffSession::State::kFailed);
}

}  // namespace
}  // namespace crdtdb::testing
