// Copyright (c) crdtdb authors.
//
// AntiEntropySession against a fake peer whose answers a test may tamper with: a round only ends
// as in sync or repaired when every node, leaf and document it asked for was answered. (Before
// commit 741baec an answer that omitted what was asked ended the round as kInSync.)

#include <optional>
#include <unordered_map>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "crdt/digest.h"
#include "sync/anti_entropy.h"
#include "sync/responder.h"
#include "tests/sync/fake_replica.h"

namespace crdtdb::sync {
namespace {

using testing::FakeReplica;
using testing::StateAfterPatches;
using testing::ValidState;

// Drives `session` against `peer`'s honest answers, except that `tamper` may rewrite an answer
// before the session sees it. Pushed documents are delivered to the peer like requests.
template <typename Tamper>
void RunRound(AntiEntropySession& session, FakeReplica& peer, Tamper tamper) {
  std::vector<Body> pending{session.Start()};
  for (int steps = 0; !pending.empty() && !session.done() && steps < 1000; ++steps) {
    Body request = std::move(pending.front());
    pending.erase(pending.begin());
    Result<std::optional<Body>> answer = AnswerRequest(peer, request);
    REQUIRE_MESSAGE(answer.ok(), answer.status().ToString());
    if (!answer->has_value()) continue;  // a push
    Body response = tamper(std::move(**answer));
    session.OnResponse(response, &pending);
  }
}

Body Honest(Body b) { return b; }

// Two keys in different buckets under the same level-3 node: one LeafRequest asks for both.
std::pair<std::string, std::string> SiblingLeafKeys() {
  const std::string first = "docs/0";
  const uint32_t parent = merkle::BucketOf(first) / merkle::kFanout;
  for (int i = 1;; ++i) {
    std::string key = "docs/" + std::to_string(i);
    const uint32_t bucket = merkle::BucketOf(key);
    if (bucket / merkle::kFanout == parent && bucket != merkle::BucketOf(first))
      return {first, key};
  }
}

TEST_CASE(
    "an honest round repairs a difference, and the next one finds the replicas in sync in one "
    "round trip") {
  FakeReplica local(1), peer(2);
  local.AddDocument("docs/a", ValidState("a"));
  AntiEntropySession first(local, 1);
  RunRound(first, peer, Honest);
  CHECK(first.state() == AntiEntropySession::State::kRepaired);
  CHECK(first.stats().documents_pushed == 1);
  CHECK(first.stats().nodes_compared == merkle::kDepth);  // one node per inner level
  CHECK(first.stats().leaves_compared == 1);
  peer.AddDocument("docs/a", ValidState("a"));
  AntiEntropySession second(local, 2);
  RunRound(second, peer, Honest);
  CHECK(second.state() == AntiEntropySession::State::kInSync);
  CHECK(second.stats().nodes_compared == 1);
}

TEST_CASE(
    "an answer that omits the node asked for leaves the round running, and retries end it as "
    "failed") {
  FakeReplica local(1);
  local.AddDocument("docs/a", ValidState("a"));
  AntiEntropySession session(local, 1);
  session.Start();
  std::vector<Body> out;
  session.OnResponse(TreeResponse{1, {}}, &out);  // answers for no node
  CHECK(out.empty());
  CHECK(session.state() == AntiEntropySession::State::kRunning);
  CHECK(session.outstanding() == 1);
  for (int i = 0; i <= AntiEntropySession::kMaxRetries; ++i) session.Retry(&out);
  CHECK(session.state() == AntiEntropySession::State::kFailed);
}

TEST_CASE("a leaf answer that omits a bucket asked for does not end the round as repaired") {
  FakeReplica local(1), peer(2);
  const auto [a, b] = SiblingLeafKeys();
  local.AddDocument(a, ValidState("a"));
  local.AddDocument(b, ValidState("b"));
  AntiEntropySession session(local, 1);
  size_t leaf_answers = 0;
  RunRound(session, peer, [&](Body answer) {
    if (auto* leaves = std::get_if<LeafResponse>(&answer)) {
      ++leaf_answers;
      REQUIRE(leaves->leaves.size() == 2);
      leaves->leaves.pop_back();  // the peer "forgets" one of the two buckets
    }
    return answer;
  });
  CHECK(leaf_answers == 1);
  CHECK(session.stats().documents_pushed == 1);  // only the answered bucket was compared
  CHECK(session.state() == AntiEntropySession::State::kRunning);
  CHECK(session.outstanding() == 1);
}

TEST_CASE("a difference that one round's fingerprint window hides is found by the next round") {
  // Two states of one document whose contributions agree in the 32 bits of window 0 (sessions
  // 4, 8, ...): a birthday search over ~2^16 states finds them in a fraction of a second.
  const std::string key = "docs/a";
  std::unordered_map<merkle::Fingerprint, std::string> seen;
  std::string mine, theirs;
  for (int i = 0; theirs.empty() && i < 2'000'000; ++i) {
    std::string state = ValidState("v" + std::to_string(i));
    const merkle::Fingerprint f = EntryFingerprint(LeafEntry{key, crdt::DigestOf(state)}, 4);
    auto [it, fresh] = seen.emplace(f, state);
    if (!fresh) {
      mine = it->second;
      theirs = std::move(state);
    }
  }
  REQUIRE_FALSE(theirs.empty());
  FakeReplica local(1), peer(2);
  local.AddDocument(key, mine);
  peer.AddDocument(key, theirs);
  REQUIRE_FALSE(local.merkle_root() == peer.merkle_root());  // the full hashes differ

  AntiEntropySession hidden(local, 4);
  RunRound(hidden, peer, Honest);
  CHECK(hidden.state() == AntiEntropySession::State::kInSync);  // the 2^-32 miss, made certain

  AntiEntropySession next(local, 5);
  RunRound(next, peer, Honest);
  CHECK(next.state() == AntiEntropySession::State::kRepaired);
  CHECK(next.stats().documents_fetched == 1);
  REQUIRE(local.applied.size() == 1);
  CHECK(local.applied[0].key == key);
}

TEST_CASE("a tree node whose children do not add up rejects the round") {
  FakeReplica local(1);
  local.AddDocument("docs/a", ValidState("a"));
  AntiEntropySession session(local, 1);
  session.Start();
  std::vector<Body> out;
  TreeNode forged{{0, 0}, 1, std::vector<merkle::Fingerprint>(merkle::kFanout)};
  session.OnResponse(TreeResponse{1, {forged}}, &out);
  CHECK(session.state() == AntiEntropySession::State::kRejected);
  CHECK(session.error() == "the peer's tree node does not add up");
}

TEST_CASE(
    "a fetched document whose join changes nothing here, while the two still differ, is counted as "
    "futile") {
  // The local apply path is broken: it says it joined the peer's newer state, but keeps its own.
  FakeReplica local(1), peer(2);
  local.AddDocument("docs/a", StateAfterPatches({"a"}));
  peer.AddDocument("docs/a", StateAfterPatches({"a", "b"}));
  local.AddDocument("docs/new", StateAfterPatches({"x"}));  // pushed whole: no fetch to judge it by
  peer.AddDocument("docs/gone", StateAfterPatches({"y"}));  // joined without making a document
  local.apply_changes_nothing = true;
  AntiEntropySession session(local, 1);
  RunRound(session, peer, Honest);
  CHECK(session.state() == AntiEntropySession::State::kRepaired);
  CHECK(session.stats().documents_fetched == 2);
  CHECK(session.stats().documents_futile == 2);
  CHECK(session.stats().documents_pushed == 1);  // docs/new; a push of docs/a would change nothing
  CHECK((session.last_futile_repair() == "docs/a" || session.last_futile_repair() == "docs/gone"));
}

TEST_CASE(
    "a fetched document whose join changes nothing because this side holds more is pushed, not "
    "counted") {
  FakeReplica local(1), peer(2);
  local.AddDocument("docs/a", StateAfterPatches({"a", "b"}));
  peer.AddDocument("docs/a", StateAfterPatches({"a"}));
  local.apply_changes_nothing = true;  // true here: the peer's state adds nothing to the local one
  AntiEntropySession session(local, 1);
  RunRound(session, peer, Honest);
  CHECK(session.state() == AntiEntropySession::State::kRepaired);
  CHECK(session.stats().documents_fetched == 1);
  CHECK(session.stats().documents_pushed == 1);
  CHECK(session.stats().documents_futile == 0);
  CHECK(session.last_futile_repair().empty());
}

}  // namespace
}  // namespace crdtdb::sync
