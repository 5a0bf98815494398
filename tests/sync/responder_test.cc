// Copyright (c) crdtdb authors.
//
// The stateless responder of the sync endpoint (docs/protocol.md, "Responder"): log answers say
// truthfully where the origin's log starts and ends, and every answer fits in one message.

#include "sync/responder.h"

#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "cluster/partitioning.h"
#include "crdt/digest.h"
#include "crdt/limits.h"
#include "sync/tree_answers.h"
#include "tests/sync/fake_replica.h"

namespace crdtdb::sync {
namespace {

using testing::FakeReplica;
using testing::ValidState;

LogResponse AnswerLog(FakeReplica& origin, LogRequest request) {
  Result<std::optional<Body>> answer = AnswerRequest(origin, request);
  REQUIRE_MESSAGE(answer.ok(), answer.status().ToString());
  REQUIRE(answer->has_value());
  return std::get<LogResponse>(**answer);
}

std::vector<uint64_t> Sequences(const LogResponse& r) {
  std::vector<uint64_t> out;
  for (const LoggedDelta& d : r.deltas) out.push_back(d.sequence);
  return out;
}

TEST_CASE("a log answer starts at the request, or where the log starts, and names the log's end") {
  FakeReplica origin(2);
  for (int i = 0; i < 10; ++i) origin.AppendLog("docs/" + std::to_string(i), "d");

  LogResponse r = AnswerLog(origin, LogRequest{4, 3});
  CHECK(r.first_available == 4);
  CHECK(r.last_sequence == 10);
  CHECK(Sequences(r) == std::vector<uint64_t>{4, 5, 6});

  r = AnswerLog(origin, LogRequest{0, 2});  // 0 is read as 1
  CHECK(r.first_available == 1);
  CHECK(Sequences(r) == std::vector<uint64_t>{1, 2});

  r = AnswerLog(origin, LogRequest{11, 100});  // nothing beyond the end
  CHECK(r.deltas.empty());
  CHECK(r.first_available == 11);
  CHECK(r.last_sequence == 10);

  origin.DropLogBefore(7);  // retention dropped 1..6
  r = AnswerLog(origin, LogRequest{3, 100});
  CHECK(r.first_available == 7);
  CHECK(Sequences(r) == std::vector<uint64_t>{7, 8, 9, 10});

  r = AnswerLog(origin, LogRequest{1, UINT32_MAX});  // at most kMaxDeltasPerMessage
  CHECK(r.deltas.size() == 4);
}

TEST_CASE("a log answer for some partitions holds only their deltas and says how far it read") {
  FakeReplica origin(2);
  for (int i = 0; i < 40; ++i) origin.AppendLog("docs/" + std::to_string(i), "d");
  const cluster::Partitioning partitioning(4);
  auto partition_of = [&](uint64_t sequence) {
    return partitioning.PartitionOf("docs/" + std::to_string(sequence - 1));
  };
  LogRequest request{5, 20};
  request.partition_count = 4;
  request.partitions = {1, 3};
  const LogResponse r = AnswerLog(origin, request);
  CHECK(r.first_available == 5);
  CHECK(r.last_sequence == 40);
  CHECK(r.scanned_through == 24);  // 20 deltas read, 5 to 24
  std::vector<uint64_t> expected;
  for (uint64_t s = 5; s <= 24; ++s) {
    if (partition_of(s) == 1 || partition_of(s) == 3) expected.push_back(s);
  }
  REQUIRE(!expected.empty());
  REQUIRE(expected.size() < 20);  // some of the read deltas were of partitions 0 and 2
  CHECK(Sequences(r) == expected);

  // Without partitions, every delta read, as before; past the end, the log's end.
  CHECK(AnswerLog(origin, LogRequest{5, 20}).deltas.size() == 20);
  request.from_sequence = 41;
  CHECK(AnswerLog(origin, request).scanned_through == 40);
}

TEST_CASE("a LogRequest for 0 deltas does not claim the log lost what it holds") {
  FakeReplica origin(2);
  for (int i = 0; i < 5; ++i) origin.AppendLog("docs/1", "d");
  const LogResponse r = AnswerLog(origin, LogRequest{1, 0});
  CHECK(r.last_sequence == 5);
  CHECK(r.first_available == 1);
  CHECK(r.deltas.size() <= 1);
}

TEST_CASE("a log answer never exceeds kMaxMessageBytes, and asking on from its end gets the rest") {
  // Deltas of documents near kMaxJsonBytes (4 MiB): nine of them are more than one message holds.
  FakeReplica origin(2);
  for (int i = 0; i < 9; ++i) {
    origin.AppendLog("docs/" + std::to_string(i),
                     std::string(size_t{4} << 20, static_cast<char>('a' + i)));
  }
  // One delta as large as an encoding may be goes alone, and still fits.
  origin.AppendLog("docs/big", std::string(crdt::kMaxEncodedBytes, 'z'));
  uint64_t from = 1;
  std::vector<uint64_t> received;
  for (int requests = 0; from <= origin.last_sequence() && requests < 20; ++requests) {
    Result<std::optional<Body>> answer =
        AnswerRequest(origin, LogRequest{from, kMaxDeltasPerMessage});
    REQUIRE(answer.ok());
    const std::string bytes = Encode(Message{2, std::move(**answer)});
    CHECK(bytes.size() <= kMaxMessageBytes);
    Result<Message> decoded = Decode(bytes);
    REQUIRE_MESSAGE(decoded.ok(), decoded.status().ToString());
    const LogResponse& r = std::get<LogResponse>(decoded->body);
    REQUIRE_FALSE(r.deltas.empty());  // progress on every request
    CHECK(r.first_available == from);
    for (const LoggedDelta& d : r.deltas) received.push_back(d.sequence);
    from = r.deltas.back().sequence + 1;
  }
  CHECK(received == std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
}

TEST_CASE("a log answer's byte budget goes to the log reader, which reads nothing past it") {
  FakeReplica origin(2);
  for (int i = 0; i < 3; ++i) origin.AppendLog("docs/" + std::to_string(i), "d");
  (void)AnswerLog(origin, LogRequest{1, 100});
  // A store reads a delta logged by reference (a document's whole state) only within the budget
  // it is given: a cut made after the read would read every document the log names.
  CHECK(origin.log_budgets == std::vector<size_t>{kLogAnswerBytes});
}

// How a requester in session 7 names the document `key` holding `state`.
DocumentRef RefOf(const std::string& key, const std::string& state) {
  return DocumentRef{merkle::BucketOf(key), EntryFingerprint(LeafEntry{key, crdt::DigestOf(state)}, 7)};
}

TEST_CASE("a document answer stays within its byte budget; the requester asks again for the rest") {
  FakeReplica region(2);
  // First a document the region does not hold: it is named in `missing`.
  std::vector<DocumentRef> refs{RefOf("docs/never-seen", "x")};
  for (int i = 0; i < 5; ++i) {
    const std::string key = "docs/" + std::to_string(i);
    const std::string state(size_t{6} << 20, static_cast<char>('a' + i));  // opaque: only sizes matter
    region.AddDocument(key, state);
    refs.push_back(RefOf(key, state));
  }
  Result<std::optional<Body>> answer = AnswerRequest(region, DocumentRequest{7, refs});
  REQUIRE(answer.ok());
  const Documents& docs = std::get<Documents>(**answer);
  CHECK(docs.session == 7);
  REQUIRE(docs.documents.size() == 2);  // 12 MiB; a third would pass kDocumentBytesPerAnswer
  CHECK(docs.documents[0].key == "docs/0");
  CHECK(docs.documents[1].key == "docs/1");
  CHECK(docs.missing == std::vector<DocumentRef>{refs[0]});
  CHECK(Encode(Message{2, **answer}).size() <= kMaxMessageBytes);
}

TEST_CASE("a document is answered only under the fingerprint of the state the responder holds") {
  FakeReplica region(2);
  region.AddDocument("docs/a", ValidState("new"));
  const DocumentRef current = RefOf("docs/a", ValidState("new"));
  const DocumentRef changed = RefOf("docs/a", ValidState("old"));  // what a leaf answer said before a write
  const DocumentRef wrong_bucket{(current.bucket + 1) % merkle::kLeafCount, current.fingerprint};
  Result<std::optional<Body>> answer = AnswerRequest(region, DocumentRequest{7, {changed, current, wrong_bucket}});
  REQUIRE(answer.ok());
  const Documents& docs = std::get<Documents>(**answer);
  REQUIRE(docs.documents.size() == 1);
  CHECK(docs.documents[0] == DocumentState{"docs/a", ValidState("new")});
  CHECK(docs.missing == std::vector<DocumentRef>{changed, wrong_bucket});
}

// A replica that takes a write right after each read of its tree's children or of a leaf, as the
// region's write path may between two reads of the responder (it holds no lock across them).
class WritesBetweenReads : public FakeReplica {
 public:
  WritesBetweenReads() : FakeReplica(2), writable_(this) {}
  std::vector<merkle::Hash> merkle_children(merkle::NodeId id) const override {
    std::vector<merkle::Hash> children = FakeReplica::merkle_children(id);
    Write();
    return children;
  }
  Result<std::vector<LeafEntry>> ReadLeaf(uint32_t bucket) const override {
    Result<std::vector<LeafEntry>> leaf = FakeReplica::ReadLeaf(bucket);
    Write();
    return leaf;
  }

 private:
  // Writes to the bucket of "docs/a", so that the leaf read next changes too.
  void Write() const {
    writable_->AddDocument("docs/a", ValidState("v" + std::to_string(++writes_)));
  }
  WritesBetweenReads* const writable_;
  mutable int writes_ = 0;
};

TEST_CASE("tree and leaf answers add up even when a write lands between the responder's reads") {
  // A node's fingerprint and its children's, or a leaf's and its entries', read separately could
  // straddle a write: the requester would reject the round as a forged tree (ProblemOf).
  WritesBetweenReads region;
  region.AddDocument("docs/a", ValidState("v0"));
  const uint32_t bucket = merkle::BucketOf("docs/a");
  std::vector<merkle::NodeId> path;
  for (int level = 0; level < merkle::kDepth; ++level) {
    uint32_t index = bucket;
    for (int l = level; l < merkle::kDepth; ++l) index /= merkle::kFanout;
    path.push_back(merkle::NodeId{level, index});
  }
  for (uint64_t session = 0; session < 4; ++session) {
    CAPTURE(session);
    Result<std::optional<Body>> tree = AnswerRequest(region, TreeRequest{session, path});
    REQUIRE(tree.ok());
    for (const TreeNode& node : std::get<TreeResponse>(**tree).nodes) {
      CHECK_MESSAGE(!ProblemOf(node).has_value(), "level " << node.id.level);
    }
    Result<std::optional<Body>> leaves = AnswerRequest(region, LeafRequest{session, {bucket}});
    REQUIRE(leaves.ok());
    const Leaf& leaf = std::get<LeafResponse>(**leaves).leaves.at(0);
    CHECK(!ProblemOf(leaf).has_value());
    CHECK(leaf.entries.size() == 1);
  }
}

TEST_CASE("the responder refuses what is not a request it can answer") {
  FakeReplica region(2);
  region.AddDocument("docs/a", ValidState("a"));
  const std::vector<Body> invalid = {
      DeltaBatch{},
      Heartbeat{},
      LogResponse{},
      TreeResponse{},
      LeafResponse{},
      TreeRequest{1, {merkle::NodeId{merkle::kDepth, 0}}},  // a leaf is not an inner node
      Documents{1, {{"docs/a", "not a state"}}, {}},        // a push that does not decode
  };
  for (const Body& body : invalid) {
    CAPTURE(TypeName(body));
    Result<std::optional<Body>> answer = AnswerRequest(region, body);
    CHECK(answer.status().IsInvalidArgument());
  }
  CHECK(region.applied.empty());
  // A valid push is joined and needs no answer.
  Result<std::optional<Body>> pushed =
      AnswerRequest(region, Documents{1, {{"docs/b", ValidState("b")}}, {}});
  REQUIRE(pushed.ok());
  CHECK_FALSE(pushed->has_value());
  REQUIRE(region.applied.size() == 1);
  CHECK(region.applied[0].key == "docs/b");
  CHECK(region.applied[0].is_state);
}

}  // namespace
}  // namespace crdtdb::sync
