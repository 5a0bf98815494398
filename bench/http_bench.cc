// Copyright (c) crdtdb authors.
//
// http_bench: the HTTP API (docs/http.md) beside the ZeroMQ client path, measured in the same run
// (docs/benchmarks.md, "HTTP"). One region is served in this process exactly as `crdtdb serve`
// serves it (served_region.h), with its `http` endpoint on loopback.
//
//   http_bench [--quick] [--seconds S] [--only compare|metrics]
//
// Groups (documents: 5-field JSON objects of 200 bytes, ids from 100 per connection):
//   compare   GET and PUT of one document per request, over C = 1 and 64 connections at once (a
//             thread each, one request at a time, as many as it can for S seconds, default 3).
//             HTTP: HTTP/1.1 keep-alive, one cpp-httplib client per connection (the load
//             generator: our own, bounded in time); ZeroMQ: one net::ClientConnection per
//             connection, the CLI's protocol to the node's client endpoint. Values: requests/s
//             and p50/p99 latency of HTTP, and the process's CPU time per request (`_cpu_us`);
//             baselines: the same of ZeroMQ (the target: HTTP at least 0.5x the requests/s).
//             The two alternate, three times; medians. A 503 (the node's workers are all busy:
//             64, one per kept-alive connection) is counted apart
//             (`_refused_pct`) and the request made again on a new connection.
//   metrics   PUTs over HTTP with 32 connections for S seconds, with a scraper fetching /metrics
//             every second and without, alternated three times (the target: within 2%).
//
// --quick: 0.5 s per run and one repetition; its figures only show that everything runs.
// Build with CMAKE_BUILD_TYPE=Release for real numbers. Output as the other benches
// (bench_harness.h): JSON lines on stdout, a Markdown table on stderr.

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include "bench_dir.h"
#include "bench_fail.h"
#include "bench_harness.h"
#include "served_region.h"

namespace crdtdb::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr size_t kDocBytes = 200;
constexpr uint64_t kIdsPerConnection = 100;

struct Config {
  double seconds = 3;
  int reps = 3;
  std::string only;
  bool quick = false;
};

// What a load of several connections achieved.
struct Load {
  double rate = 0;    // answered requests/s over all connections
  double p50_ms = 0;  // of the answered requests
  double p99_ms = 0;
  double refused = 0;  // the share of requests answered 503 (overloaded), retried
  // CPU time of this whole process (the node, its HTTP workers and the load generator) per
  // answered request: what a request costs when the cores, not the latency, are the limit.
  double cpu_us = 0;
};

// User and system CPU time of this process so far.
double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

enum class Answered { kOk, kRefused, kFailed };
// One request of connection `c` (its `i`-th).
using Request = std::function<Answered(size_t i)>;
// The requests of one connection; made (and connected) before the clock starts.
using Connection = std::function<Request(size_t c)>;

// Runs `connections` connections at once for `seconds`, each as fast as it can.
Load RunLoad(size_t connections, double seconds, const Connection& connect) {
  std::vector<Request> requests;
  for (size_t c = 0; c < connections; ++c) requests.push_back(connect(c));
  std::vector<std::vector<double>> latencies(connections);
  std::atomic<size_t> refused{0};
  std::atomic<bool> go{false};
  std::atomic<size_t> ready{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  const auto end_after = std::chrono::duration<double>(seconds);
  Clock::time_point start;
  for (size_t c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      // Connected before the clock starts: the figures are of kept-alive connections (a burst of
      // 64 connects meets the listen backlog, whose dropped SYNs come back after 1 s).
      for (int tries = 0; requests[c](0) != Answered::kOk; ++tries) {
        if (tries == 100) {
          failed = true;
          break;
        }
      }
      ++ready;
      while (!go.load()) std::this_thread::yield();
      if (failed) return;
      const Clock::time_point until =
          Clock::now() + std::chrono::duration_cast<Clock::duration>(end_after);
      for (size_t i = 0; Clock::now() < until; ++i) {
        const Clock::time_point sent = Clock::now();
        const Answered answered = requests[c](i);
        if (answered == Answered::kFailed) {
          failed = true;
          return;
        }
        if (answered == Answered::kRefused) {
          ++refused;  // the node closes the connection after a 503: the client connects again
          continue;
        }
        latencies[c].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
      }
    });
  }
  while (ready.load() < connections) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  start = Clock::now();
  const double cpu_start = ProcessCpuSeconds();
  go = true;
  for (std::thread& t : threads) t.join();
  const double took = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu = ProcessCpuSeconds() - cpu_start;
  if (failed) Fail("a request failed");
  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  if (all.empty()) Fail("no request was made");
  std::sort(all.begin(), all.end());
  const auto at = [&all](double q) {
    return all[std::min(all.size() - 1, static_cast<size_t>(q * all.size()))];
  };
  return Load{static_cast<double>(all.size()) / took, at(0.50), at(0.99),
              static_cast<double>(refused) / static_cast<double>(all.size() + refused),
              cpu * 1e6 / static_cast<double>(all.size())};
}

std::string DocId(size_t c, size_t i) {
  return "c" + std::to_string(c) + "-" + std::to_string(i % kIdsPerConnection);
}

class Bench {
 public:
  Bench() : dir_(MakeTempDir()) {
    endpoints_ = NewRegion("h");
    http_port_ = FreePort();
    const std::string yaml =
        "cluster: http-bench\nanti_entropy_interval_ms: 1000\nregions:\n  - {name: h, data_dir: h, "
        "publish: \"" +
        endpoints_.publish + "\", sync: \"" + endpoints_.sync + "\", client: \"" +
        endpoints_.client + "\", http: \"127.0.0.1:" + std::to_string(http_port_) + "\"}\n";
    cluster_ = Must(ParseClusterConfig(yaml, BenchProgram(), dir_.string()), "cluster config");
    region_ = std::make_unique<ServedRegion>(cluster_, endpoints_);
    // Every document the GETs read exists.
    for (size_t c = 0; c < 64; ++c) {
      auto put = ZmqPut(c);
      for (size_t i = 0; i < kIdsPerConnection; ++i) {
        if (put(i) != Answered::kOk) Fail("seeding failed");
      }
    }
  }
  ~Bench() {
    region_.reset();
    fs::remove_all(dir_);
  }

  Request HttpGet(size_t c) {
    auto client = HttpClient();
    return [client, c](size_t i) { return AnswerOf(client->Get("/v1/docs/bench/" + DocId(c, i))); };
  }
  Request HttpPut(size_t c) {
    auto client = HttpClient();
    return [client, c](size_t i) {
      return AnswerOf(client->Put("/v1/docs/bench/" + DocId(c, i), DocJson(i, c, kDocBytes),
                                  "application/json"));
    };
  }
  Request ZmqGet(size_t c) { return Zmq(c, command::Command::Verb::kGet); }
  Request ZmqPut(size_t c) { return Zmq(c, command::Command::Verb::kPut); }

  // A client fetching /metrics every second until `stop`; how many scrapes it made.
  size_t Scrape(const std::atomic<bool>& stop) {
    auto client = HttpClient();
    size_t scrapes = 0;
    while (!stop.load()) {
      httplib::Result r = client->Get("/metrics");
      if (!r || r->status != 200) Fail("a scrape of /metrics failed");
      ++scrapes;
      for (int slept = 0; slept < 1000 && !stop.load(); slept += 10)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return scrapes;
  }

 private:
  // A 503, or a connection closed unanswered (beyond the node's queue), is the node refusing
  // work it cannot take.
  static Answered AnswerOf(const httplib::Result& r) {
    if (r && r->status == 200) return Answered::kOk;
    return !r || r->status == 503 ? Answered::kRefused : Answered::kFailed;
  }
  std::shared_ptr<httplib::Client> HttpClient() {
    auto client = std::make_shared<httplib::Client>("127.0.0.1", http_port_);
    client->set_keep_alive(true);
    client->set_tcp_nodelay(true);  // else a PUT's body waits for the ACK of its headers (Nagle)
    client->set_read_timeout(std::chrono::seconds(30));
    return client;
  }
  Request Zmq(size_t c, command::Command::Verb verb) {
    auto connection = std::make_shared<net::ClientConnection>(endpoints_.client, 30'000);
    return [connection, c, verb](size_t i) {
      command::Command command;
      command.verb = verb;
      command.path = "/bench/" + DocId(c, i);
      if (verb == command::Command::Verb::kPut) command.json = DocJson(i, c, kDocBytes);
      Result<std::string> answer = connection->Exchange(command::EncodeCommand(command));
      if (!answer.ok()) return Answered::kFailed;
      Result<command::Outcome> outcome = command::DecodeOutcome(*answer);
      return outcome.ok() && outcome->exit_code == 0 ? Answered::kOk : Answered::kFailed;
    };
  }

  fs::path dir_;
  RegionEndpoints endpoints_;
  int http_port_ = 0;
  ClusterConfig cluster_;
  std::unique_ptr<ServedRegion> region_;
};

double MedianOf(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void CompareGroup(const Config& config, Bench& bench, Reporter& reporter) {
  for (size_t connections : {size_t{1}, size_t{64}}) {
    for (const char* op : {"get", "put"}) {
      const bool get = std::string(op) == "get";
      std::vector<double> http_rate, http_p50, http_p99, zmq_rate, zmq_p50, zmq_p99, http_refused, http_cpu, zmq_cpu;
      for (int rep = 0; rep < config.reps; ++rep) {
        const Load h = RunLoad(connections, config.seconds,
                               [&](size_t c) { return get ? bench.HttpGet(c) : bench.HttpPut(c); });
        const Load z = RunLoad(connections, config.seconds,
                               [&](size_t c) { return get ? bench.ZmqGet(c) : bench.ZmqPut(c); });
        http_rate.push_back(h.rate), http_p50.push_back(h.p50_ms), http_p99.push_back(h.p99_ms);
        http_refused.push_back(h.refused * 100);
        zmq_rate.push_back(z.rate), zmq_p50.push_back(z.p50_ms), zmq_p99.push_back(z.p99_ms);
        http_cpu.push_back(h.cpu_us), zmq_cpu.push_back(z.cpu_us);
      }
      const std::string name = std::string("http_") + op + "_c" + std::to_string(connections);
      const std::string base = std::string("zmq_") + op + "_c" + std::to_string(connections);
      reporter.Report({name, MedianOf(http_rate), "requests/s", base, MedianOf(zmq_rate)});
      reporter.Report({name + "_p50", MedianOf(http_p50), "ms", base + "_p50", MedianOf(zmq_p50)});
      reporter.Report({name + "_p99", MedianOf(http_p99), "ms", base + "_p99", MedianOf(zmq_p99)});
      reporter.Report({name + "_cpu_us", MedianOf(http_cpu), "us", base + "_cpu_us", MedianOf(zmq_cpu)});
      reporter.Report({name + "_refused_pct", MedianOf(http_refused), "%", "none", 0});
    }
  }
}

// Fewer than the node's 64 workers: the scraper's kept-alive connection holds one worker too, and
// the group measures what the metrics cost, not the connection limit.
constexpr size_t kScrapedConnections = 32;

void MetricsGroup(const Config& config, Bench& bench, Reporter& reporter) {
  std::vector<double> with, without;
  size_t scrapes = 0;
  for (int rep = 0; rep < config.reps; ++rep) {
    without.push_back(RunLoad(kScrapedConnections, config.seconds, [&](size_t c) {
                        return bench.HttpPut(c);
                      }).rate);
    std::atomic<bool> stop{false};
    std::thread scraper([&] { scrapes += bench.Scrape(stop); });
    with.push_back(RunLoad(kScrapedConnections, config.seconds, [&](size_t c) {
                     return bench.HttpPut(c);
                   }).rate);
    stop = true;
    scraper.join();
  }
  reporter.Report({"http_put_c32_scraped", MedianOf(with), "requests/s", "http_put_c32_unscraped",
                   MedianOf(without)});
  reporter.Report({"metrics_scrapes", static_cast<double>(scrapes), "scrapes", "runs_scraped",
                   static_cast<double>(config.reps)});
}

int Main(int argc, char** argv) {
  SetBenchProgram("http_bench");
  Config config;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const char* next = i + 1 < argc ? argv[i + 1] : nullptr;
    if (arg == "--quick") {
      config.quick = true;
      config.seconds = 0.5;
      config.reps = 1;
    } else if (arg == "--seconds" && next != nullptr) {
      config.seconds = static_cast<double>(ParseCount("--seconds", next)), ++i;
    } else if (arg == "--only" && next != nullptr &&
               (std::string(next) == "compare" || std::string(next) == "metrics")) {
      config.only = next, ++i;
    } else {
      std::fprintf(stderr, "usage: http_bench [--quick] [--seconds S] [--only compare|metrics]\n");
      return 2;
    }
  }
  WarnIfNotRelease();
  Reporter reporter;
  {
    Bench bench;
    if (config.only.empty() || config.only == "compare") CompareGroup(config, bench, reporter);
    if (config.only.empty() || config.only == "metrics") MetricsGroup(config, bench, reporter);
  }
  std::fprintf(stderr, "\n");
  reporter.PrintTable(stderr);
  return 0;
}

}  // namespace
}  // namespace crdtdb::bench

int main(int argc, char** argv) { return crdtdb::bench::Main(argc, argv); }
