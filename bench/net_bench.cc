// Copyright (c) crdtdb authors.
//
// net_bench: replication over real ZeroMQ sockets on loopback, beside baselines measured in the
// same run. Regions run in this process exactly as `crdtdb serve` runs them (server::Serve, one
// thread each, their own stores on disk under $TMPDIR); the bench talks to them through their
// sockets only: the client endpoint (the CLI's protocol), and for the stream group a PUB and a
// ROUTER of its own that play a peer region.
//
//   net_bench [--quick] [--deltas N] [--rate W] [--seconds S] [--sync-docs D] [--only GROUP]
//
// Groups (documents: 5-field JSON objects of 200 bytes, as in the other benches):
//   stream       A source replica (an embedded store) makes N puts (default 100,000): the
//                baseline, local puts per second. Its delta log is then published, in batches of
//                1,000 deltas, on a PUB socket that a served region subscribes to as one of its
//                peers; the bench answers that region's requests (gap repair, anti-entropy) from
//                the source with the protocol's responder. Value: deltas applied per second by the
//                served region, from the first published batch until its `status` shows the
//                source's last sequence applied. Also the bytes on the wire per delta.
//   latency      Two served regions. A writer puts W documents per second (default 1,000) for S
//                seconds (default 10) into region a, one request at a time, paced by the clock; an
//                observer asks region b for its `status` every millisecond and notes when each
//                sequence number of a becomes applied there. Value: p50 and p99 of the time from
//                sending a put to a until it is applied in b. Baseline: the same percentile of the
//                put's round trip to a (its acknowledgement).
//   client_sync  A region seeded with D documents (default 10,000) before it starts; an empty
//                embedded store pulls them with Database::sync_with(endpoint), then syncs again
//                (which must find both sides equal). Another store with D offline documents
//                pushes them to a region that starts empty. Values: the time and the bytes of each
//                session; baselines: the time of D local puts, and the documents' JSON size.
//
// --quick: the smoke run (5,000 deltas, 2 s at 200 writes/s, 1,000 documents); its figures only
// show that everything runs. Build with CMAKE_BUILD_TYPE=Release for real numbers.
//
// Output as the other benches (bench_harness.h): JSON lines on stdout, a Markdown table on stderr
// at the end (the regions' logs go to stderr too). Every group checks its outcome (all deltas
// applied, every document synced) and aborts if it is wrong or does not finish within a bound.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "bench_fail.h"
#include "bench_harness.h"
#include "command/command.h"
#include "crdtdb/database.h"
#include "db/database_impl.h"
#include "net/zmq_socket_options.h"
#include "served_region.h"
#include "store/store.h"
#include "sync/messages.h"
#include "sync/partition_stream.h"
#include "sync/responder.h"

namespace crdtdb::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr size_t kJsonBytes = 200;
constexpr size_t kDeltasPerBatch = 1000;
constexpr auto kFinishBound = std::chrono::seconds(120);  // any one wait for the regions

struct Config {
  bool quick = false;
  uint64_t deltas = 100'000;
  uint64_t rate = 1000;
  uint64_t seconds = 10;
  uint64_t sync_docs = 10'000;
  std::string only;
  fs::path dir;
};

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

uint64_t WallClockMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

command::Command PutCommand(std::string path, std::string document) {
  command::Command c;
  c.verb = command::Command::Verb::kPut;
  c.path = std::move(path);
  c.json = std::move(document);
  return c;
}

// What the region's status says it applied of `peer`'s delta stream.
uint64_t LastDeltaSeq(const json& status, const std::string& peer) {
  for (const json& p : status.at("peers")) {
    if (p.at("region") == peer) return p.at("last_delta_seq").get<uint64_t>();
  }
  Fail("no peer " + peer + " in status " + status.dump());
}

std::unique_ptr<db::DatabaseImpl> OpenStore(const fs::path& path) {
  store::StoreOptions options;
  options.path = path.string();
  return std::make_unique<db::DatabaseImpl>(Must(store::Store::Open(options), "open " + path.string()),
                                            WallClockMs);
}

// An offline-first app's store, through the public API.
std::unique_ptr<Database> OpenEmbedded(const fs::path& path) {
  crdtdb::Options options;
  options.path = path.string();
  return Must(Database::open(options), "open " + path.string());
}

std::string DocKey(const std::string& collection, uint64_t i) {
  return collection + "/" + Hex(Mix(i), 16);
}

// Puts documents [0, n) of `collection` into `db`; the seconds it took.
double PutDocs(Database& db, const std::string& collection, uint64_t n) {
  Stopwatch watch;
  for (uint64_t i = 0; i < n; ++i) Must(db.put(DocKey(collection, i), DocJson(i, 0, kJsonBytes)), "put");
  return watch.Seconds();
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t at = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  return v[at];
}

// ---- stream ---------------------------------------------------------------------------------

// Plays the source region: its PUB publishes, its ROUTER answers the served region's requests.
class SourcePeer {
 public:
  SourcePeer(db::DatabaseImpl& source, const RegionEndpoints& endpoints)
      : source_(source),
        publish_(net::MakeSocket(context_, zmq::socket_type::pub)),
        sync_(net::MakeSocket(context_, zmq::socket_type::router)) {
    publish_.bind(endpoints.publish);
    sync_.bind(endpoints.sync);
  }

  size_t Publish(sync::Body body) {
    const std::string bytes = sync::TopicOf(body) + sync::Encode({source_.replica_id(), std::move(body)});
    publish_.send(zmq::buffer(bytes), zmq::send_flags::none);
    return bytes.size();
  }

  // A heartbeat at sequence 0: one at the source's real sequence would make the region pull the
  // whole log by gap repair before the stream starts.
  void HeartbeatAtStart() { Publish(sync::Heartbeat{0, source_.merkle_root(), {}}); }

  // Answers the gap-repair requests of the served region. Its anti-entropy requests go
  // unanswered: the group measures the stream, and a round would copy the source's documents.
  void AnswerLogRequests() {
    while (std::optional<std::vector<zmq::message_t>> frames = net::ReceiveMultipart(sync_, 2)) {
      if (frames->size() != 2) continue;
      Result<sync::Message> request = sync::Decode((*frames)[1].to_string());
      if (!request.ok()) Fail("the region sent an undecodable request");
      if (!std::holds_alternative<sync::LogRequest>(request->body)) continue;
      std::optional<sync::Body> answer = Must(sync::AnswerRequest(source_, request->body), "answer");
      if (!answer) continue;
      const std::string bytes = sync::Encode({source_.replica_id(), std::move(*answer)});
      sync_.send((*frames)[0], zmq::send_flags::sndmore);
      sync_.send(zmq::buffer(bytes), zmq::send_flags::none);
    }
  }

 private:
  db::DatabaseImpl& source_;
  zmq::context_t context_{1};
  zmq::socket_t publish_, sync_;
};

void StreamGroup(const Config& config, Reporter& reporter) {
  const fs::path dir = config.dir / "stream";
  std::unique_ptr<db::DatabaseImpl> source = OpenStore(dir / "source");
  const double put_seconds = PutDocs(*source, "stream", config.deltas);
  std::vector<sync::DeltaBatch> batches;
  for (uint64_t from = 1; from <= config.deltas; from += kDeltasPerBatch) {
    // The whole stream (topic "a"), each batch following the one before.
    batches.push_back({Must(source->ReadLog(from, kDeltasPerBatch, SIZE_MAX), "read the delta log"), 0, 0, from - 1});
  }

  const RegionEndpoints source_endpoints = NewRegion("source"), sink_endpoints = NewRegion("sink");
  const ClusterConfig cluster = MakeClusterConfig({source_endpoints, sink_endpoints}, dir);
  SourcePeer peer(*source, source_endpoints);
  ServedRegion sink(cluster, sink_endpoints);
  // PUB/SUB drops what is published before the subscription arrives: heartbeats until the sink
  // hears them.
  for (auto deadline = Clock::now() + kFinishBound;;) {
    peer.HeartbeatAtStart();
    const json status = sink.Status();
    if (status.at("peers").at(0).at("connected").get<bool>()) break;
    if (Clock::now() > deadline) Fail("the sink never heard the source");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  const auto start = Clock::now();
  uint64_t wire_bytes = 0;
  for (sync::DeltaBatch& batch : batches) {
    wire_bytes += peer.Publish(std::move(batch));
    peer.AnswerLogRequests();
  }
  while (LastDeltaSeq(sink.Status(), "source") < config.deltas) {
    peer.AnswerLogRequests();
    if (Clock::now() - start > kFinishBound) Fail("the sink did not apply every delta");
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const double apply_seconds = MsSince(start) / 1000;
  const double n = static_cast<double>(config.deltas);
  reporter.Report({"stream_deltas_applied_zmq", n / apply_seconds, "deltas/s", "local_put", n / put_seconds});
  reporter.Report({"stream_bytes_per_delta", static_cast<double>(wire_bytes) / n, "bytes", "document_json",
                   static_cast<double>(kJsonBytes)});
}

// ---- latency --------------------------------------------------------------------------------

void LatencyGroup(const Config& config, Reporter& reporter) {
  const fs::path dir = config.dir / "latency";
  const RegionEndpoints a_endpoints = NewRegion("a"), b_endpoints = NewRegion("b");
  const ClusterConfig cluster = MakeClusterConfig({a_endpoints, b_endpoints}, dir);
  ServedRegion a(cluster, a_endpoints);
  ServedRegion b(cluster, b_endpoints);

  const uint64_t writes = config.rate * config.seconds;
  std::vector<Clock::time_point> sent(writes), acked(writes), applied(writes);
  // The observer: region b's view of a's sequence, every millisecond. a's store is new, so the
  // i-th put (from 0) is a's sequence i + 1.
  std::thread observer([&] {
    net::ClientConnection b_client(b_endpoints.client, 5000);
    const std::string request = command::EncodeCommand(StatusCommand());
    uint64_t seen = 0;
    const auto deadline = Clock::now() + std::chrono::seconds(config.seconds) + kFinishBound;
    while (seen < writes && Clock::now() < deadline) {
      const std::string answer = Must(b_client.Exchange(request), "status of b");
      const uint64_t now_seen =
          std::min(writes, LastDeltaSeq(json::parse(Must(command::DecodeOutcome(answer), "outcome").out), "a"));
      const auto now = Clock::now();
      for (; seen < now_seen; ++seen) applied[seen] = now;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (seen < writes) Fail("region b did not apply every write of region a");
  });

  const auto start = Clock::now();
  for (uint64_t i = 0; i < writes; ++i) {
    std::this_thread::sleep_until(start + std::chrono::microseconds(i * 1'000'000 / config.rate));
    sent[i] = Clock::now();
    a.Run(PutCommand(DocKey("latency", i), DocJson(i, 0, kJsonBytes)));
    acked[i] = Clock::now();
  }
  observer.join();
  if (a.Status().at("last_sequence").get<uint64_t>() != writes) Fail("region a's sequence is not its write count");

  std::vector<double> replication, round_trip;
  for (uint64_t i = 0; i < writes; ++i) {
    replication.push_back(std::chrono::duration<double, std::milli>(applied[i] - sent[i]).count());
    round_trip.push_back(std::chrono::duration<double, std::milli>(acked[i] - sent[i]).count());
  }
  const double achieved = static_cast<double>(writes) / (MsSince(start) / 1000);
  reporter.Report({"replication_latency_p50", Percentile(replication, 0.50), "ms", "put_round_trip_p50",
                   Percentile(round_trip, 0.50)});
  reporter.Report({"replication_latency_p99", Percentile(replication, 0.99), "ms", "put_round_trip_p99",
                   Percentile(round_trip, 0.99)});
  reporter.Report({"latency_write_rate", achieved, "writes/s", "target_rate", static_cast<double>(config.rate)});
}

// ---- client_sync ----------------------------------------------------------------------------

void ClientSyncGroup(const Config& config, Reporter& reporter) {
  const fs::path dir = config.dir / "client_sync";
  const uint64_t n = config.sync_docs;
  const double json_bytes = static_cast<double>(n * kJsonBytes);

  // Pull: a region seeded with n documents before it starts, an empty client store.
  const RegionEndpoints seeded = NewRegion("seeded");
  const ClusterConfig seeded_cluster = MakeClusterConfig({seeded}, dir);
  double seed_seconds = 0;
  {
    std::unique_ptr<db::DatabaseImpl> seed = OpenStore(dir / "seeded");
    seed_seconds = PutDocs(*seed, "seeded", n);
  }
  SyncReport pull, again;
  {
    ServedRegion served(seeded_cluster, seeded);
    std::unique_ptr<Database> puller = OpenEmbedded(dir / "puller");
    pull = Must(puller->sync_with(seeded.sync), "pull");
    if (pull.documents_received != n || puller->status().documents != n) Fail("the pull missed documents");
    again = Must(puller->sync_with(seeded.sync), "second sync");
    if (!again.in_sync || again.documents_received != 0) Fail("the second sync was not in sync");
  }

  // Push: a client store with n offline documents, a region that starts empty.
  const RegionEndpoints empty = NewRegion("empty");
  const ClusterConfig empty_cluster = MakeClusterConfig({empty}, dir);
  ServedRegion served(empty_cluster, empty);
  std::unique_ptr<Database> pusher = OpenEmbedded(dir / "pusher");
  PutDocs(*pusher, "offline", n);
  const SyncReport push = Must(pusher->sync_with(empty.sync), "push");
  if (push.documents_sent != n || served.Status().at("documents").get<uint64_t>() != n) {
    Fail("the push missed documents");
  }

  auto total_bytes = [](const SyncReport& r) { return static_cast<double>(r.bytes_sent + r.bytes_received); };
  reporter.Report({"client_sync_pull_ms", static_cast<double>(pull.duration_ms), "ms", "local_put_ms",
                   seed_seconds * 1000});
  reporter.Report({"client_sync_pull_bytes", total_bytes(pull), "bytes", "documents_json_bytes", json_bytes});
  reporter.Report({"client_sync_push_ms", static_cast<double>(push.duration_ms), "ms", "local_put_ms",
                   seed_seconds * 1000});
  reporter.Report({"client_sync_push_bytes", total_bytes(push), "bytes", "documents_json_bytes", json_bytes});
  reporter.Report({"client_sync_in_sync_bytes", total_bytes(again), "bytes", "documents_json_bytes", json_bytes});
}

// ---- main -----------------------------------------------------------------------------------

int Main(int argc, char** argv) {
  SetBenchProgram("net_bench");
  Config config;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const char* next = i + 1 < argc ? argv[i + 1] : nullptr;
    if (arg == "--quick") {
      config.quick = true;
      config.deltas = 5'000;
      config.rate = 200;
      config.seconds = 2;
      config.sync_docs = 1'000;
    } else if (arg == "--deltas") {
      config.deltas = ParseCount("--deltas", next), ++i;
    } else if (arg == "--rate") {
      config.rate = ParseCount("--rate", next), ++i;
    } else if (arg == "--seconds") {
      config.seconds = ParseCount("--seconds", next), ++i;
    } else if (arg == "--sync-docs") {
      config.sync_docs = ParseCount("--sync-docs", next), ++i;
    } else if (arg == "--only" && next != nullptr) {
      config.only = next, ++i;
    } else {
      std::fprintf(stderr,
                   "usage: net_bench [--quick] [--deltas N] [--rate W] [--seconds S] [--sync-docs D] "
                   "[--only stream|latency|client_sync]\n");
      return 2;
    }
  }
  config.dir = fs::temp_directory_path() / ("crdtdb-net-bench-" + std::to_string(getpid()));
  fs::create_directories(config.dir);

  Reporter reporter;
  if (config.only.empty() || config.only == "stream") StreamGroup(config, reporter);
  if (config.only.empty() || config.only == "latency") LatencyGroup(config, reporter);
  if (config.only.empty() || config.only == "client_sync") ClientSyncGroup(config, reporter);
  std::fprintf(stderr, "\n");
  reporter.PrintTable(stderr);
  fs::remove_all(config.dir);
  return 0;
}

}  // namespace
}  // namespace crdtdb::bench

int main(int argc, char** argv) { return crdtdb::bench::Main(argc, argv); }
