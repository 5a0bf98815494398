// Copyright (c) crdtdb authors.
//
// Per-partition stream topics, one piece at a time (the whole on a network is
// tests/sim/partition_stream_sim_test.cc): the publisher's chains (PartitionChains), the
// receiver's (OriginStream), the topics and subscriptions, and the engine choosing between whole
// and split batches.

#include "sync/partition_stream.h"

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "cluster/partition_set.h"
#include "cluster/partitioning.h"
#include "sync/origin_stream.h"
#include "sync/sync_engine.h"
#include "tests/sync/fake_replica.h"

namespace crdtdb::sync {
namespace {

const cluster::Partitioning kFour(4);

// Keys of partition `p` of four, the n-th of them.
std::string KeyOf(cluster::PartitionId p, int n) {
  for (int i = 0, found = 0;; ++i) {
    const std::string key = "docs/" + std::to_string(i);
    if (kFour.PartitionOf(key) == p && found++ == n) return key;
  }
}

LoggedDelta D(uint64_t sequence, cluster::PartitionId p) {
  return LoggedDelta{sequence, KeyOf(p, static_cast<int>(sequence)), "d"};
}

SyncScope Keeping(std::vector<cluster::PartitionId> partitions) {
  SyncScope scope;
  cluster::PartitionSet owned(4);
  for (cluster::PartitionId p : partitions) owned.Add(p);
  scope.Set(kFour, owned);
  return scope;
}

TEST_CASE("the publisher chains each partition's batches from the run's start") {
  PartitionChains chains(10);
  std::vector<DeltaBatch> first = chains.Split({D(11, 2), D(12, 0), D(13, 2)}, kFour);
  REQUIRE(first.size() == 2);
  CHECK(first[0].partition == 0);
  CHECK(first[0].previous == 10);
  CHECK(first[1].partition == 2);
  CHECK(first[1].previous == 10);
  CHECK(first[1].deltas.size() == 2);
  std::vector<DeltaBatch> second = chains.Split({D(14, 0), D(15, 3)}, kFour);
  REQUIRE(second.size() == 2);
  CHECK(second[0].previous == 12);  // partition 0's last, not the stream's
  CHECK(second[1].previous == 10);  // partition 3's first
  Heartbeat beat;
  chains.Announce(&beat, /*current=*/true);
  CHECK(beat.stream_start == 10);
  CHECK(beat.heads == std::vector<PartitionHead>{{0, 14}, {2, 13}, {3, 15}});
  // A range the log cannot give back moves every chain past it.
  chains.SkipTo(20);
  std::vector<DeltaBatch> third = chains.Split({D(21, 0)}, kFour);
  CHECK(third[0].previous == 20);
  chains.Announce(&beat, /*current=*/false);  // busy: the chains as of the previous heartbeat
  CHECK(beat.stream_start == 10);
  CHECK(beat.heads.size() == 3);
  chains.Announce(&beat, /*current=*/true);
  CHECK(beat.stream_start == 20);
  CHECK(beat.heads == std::vector<PartitionHead>{{0, 21}});
}

TEST_CASE("topics and subscriptions match as a PUB's prefixes do") {
  CHECK(SubscriptionsOf(SyncScope{}) == std::vector<std::string>{""});
  const std::vector<std::string> some = SubscriptionsOf(Keeping({1, 3}));
  DeltaBatch batch{{D(1, 1)}, 4, 1, 0};
  CHECK(Subscribed(some, TopicOf(batch) + "x"));
  batch.partition = 2;
  CHECK_FALSE(Subscribed(some, TopicOf(batch) + "x"));
  CHECK(Subscribed(some, TopicOf(DeltaBatch{}) + "x"));  // the whole stream goes to everyone
  CHECK(Subscribed(some, TopicOf(Heartbeat{}) + "x"));
  batch.partition = 258;  // two bytes, big-endian
  batch.partition_count = 4096;
  const std::string topic = TopicOf(batch);
  CHECK(topic == std::string("d\x01\x02", 3));
  const std::string frame = topic + "message";
  auto split = SplitTopic(frame);
  REQUIRE(split.has_value());
  CHECK(split->first == topic);
  CHECK(split->second == "message");
  CHECK_FALSE(SplitTopic("\x93message").has_value());
}

TEST_CASE("a receiver's chain of one partition has gaps of that partition only") {
  OriginStream stream;
  stream.Keep(Keeping({0, 2}));
  stream.CoverThrough(10);
  // Partition 2's batch of 11 and 13 says nothing about partition 0.
  DeltaBatch two{{D(11, 2), D(13, 2)}, 4, 2, 10};
  stream.ChainOf(two.deltas[0].key)->Add(11);
  stream.ChainOf(two.deltas[1].key)->Add(13);
  stream.OnBatch(two);
  CHECK_FALSE(stream.FirstMissing().has_value());
  CHECK(stream.contiguous() == 10);  // partition 0 is covered through 10 only
  // Partition 0's next batch says its last was 12: 12 was lost.
  DeltaBatch zero{{D(14, 0)}, 4, 0, 12};
  stream.ChainOf(zero.deltas[0].key)->Add(14);
  stream.OnBatch(zero);
  std::optional<LogRequest> request = stream.NextRequest(100);
  REQUIRE(request.has_value());
  CHECK(request->from_sequence == 11);
  CHECK(request->partition_count == 4);
  CHECK(request->partitions == std::vector<uint32_t>{0});
  // The answer covers partition 0 as far as it read; partition 2 stays as it was.
  LogResponse answer{1, 14, {D(12, 0)}, 14, 11, 4, {0}};
  stream.ChainOf(answer.deltas[0].key)->Add(12);
  stream.OnLogResponse(answer);
  CHECK_FALSE(stream.FirstMissing().has_value());
  CHECK(stream.contiguous() == 13);  // partition 2's chain: through 13
  // A heartbeat: partition 2's head is 13, partition 0's is 14; both are covered through 20.
  stream.OnHeartbeat(Heartbeat{20, {}, {}, 10, {{0, 14}, {2, 13}}});
  CHECK(stream.contiguous() == 20);
  // A head a chain does not reach: its tail was lost.
  stream.OnHeartbeat(Heartbeat{25, {}, {}, 10, {{0, 14}, {2, 23}}});
  request = stream.NextRequest(100);
  REQUIRE(request.has_value());
  CHECK(request->from_sequence == 21);
  CHECK(request->partitions == std::vector<uint32_t>{2});
}

TEST_CASE("a partition gained starts where the least covered chain is; one dropped is forgotten") {
  OriginStream stream;
  stream.Keep(Keeping({0}));
  stream.CoverThrough(30);
  stream.Keep(Keeping({0, 1}));
  CHECK(stream.contiguous() == 30);
  stream.Forget(0);
  CHECK(stream.ChainOf(KeyOf(0, 0)) == nullptr);
  CHECK(stream.Covered(KeyOf(0, 0), 99));  // not this replica's business any more
  CHECK_FALSE(stream.Covered(KeyOf(1, 0), 31));
}

TEST_CASE("the engine publishes whole batches while every peer keeps everything, else per partition") {
  testing::FakeReplica local(1);
  SyncOptions options;
  options.scope = Keeping({0, 1, 2, 3});
  options.scope.shared["b"] = cluster::PartitionSet::All(4);
  SyncEngine engine(local, {"b"}, options);
  engine.OnTick(1'000);
  (void)engine.TakeOutgoing();
  for (int i = 0; i < 8; ++i) local.AppendLog("docs/" + std::to_string(i), testing::ValidDelta("x"));
  engine.OnLocalWrites(1'001);
  std::vector<Outgoing> out = engine.TakeOutgoing();
  REQUIRE(out.size() == 1);
  CHECK(out[0].bytes.starts_with("a"));

  SyncScope split = Keeping({0, 1, 2, 3});
  split.shared["b"] = Keeping({1}).owned;  // b keeps partition 1 only
  engine.SetScope(split, {"b"});
  for (int i = 8; i < 16; ++i) local.AppendLog("docs/" + std::to_string(i), testing::ValidDelta("x"));
  engine.OnLocalWrites(1'002);
  out = engine.TakeOutgoing();
  REQUIRE(out.size() > 1);
  uint64_t deltas = 0;
  for (const Outgoing& o : out) {
    REQUIRE(o.bytes.starts_with("d"));
    Result<Message> m = Decode(SplitTopic(o.bytes)->second);
    REQUIRE(m.ok());
    const auto& batch = std::get<DeltaBatch>(m->body);
    CHECK(TopicOf(batch) == SplitTopic(o.bytes)->first);
    CHECK(batch.previous == 8);  // every chain starts where the whole batches left the stream
    for (const LoggedDelta& d : batch.deltas) CHECK(kFour.PartitionOf(d.key) == batch.partition);
    deltas += batch.deltas.size();
  }
  CHECK(deltas == 8);
}

}  // namespace
}  // namespace crdtdb::sync
