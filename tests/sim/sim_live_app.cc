// Copyright (c) crdtdb authors.

#include "tests/sim/sim_live_app.h"

#include <algorithm>

#include "db/replica.h"

namespace crdtdb::testing {

namespace {
constexpr uint64_t kTickMs = 10;
}  // namespace

// A session's connection to the region over the simulated link: each exchange waits for its own
// answer, running the world meanwhile, for at most answer_timeout_ms.
class SimLiveApp::Transport final : public SyncTransport {
 public:
  explicit Transport(SimLiveApp& app) : app_(app) {}

  Result<std::string> Exchange(std::string_view request) override {
    if (app_.reopen_requested_) return Status::Unavailable("the app is closing");
    const uint64_t tag = ++app_.next_tag_;
    app_.answer_.reset();
    app_.Send(Event::Kind::kRequest, tag, std::string(request), /*ordered=*/true);
    const uint64_t deadline = app_.cluster_.now_ms() + app_.link_.answer_timeout_ms;
    while (app_.cluster_.now_ms() < deadline) {
      app_.Step();
      if (app_.reopen_requested_) return Status::Unavailable("the app is closing");
      if (app_.answer_ && app_.answer_->first == tag) return std::move(app_.answer_->second);
    }
    return Status::Unavailable("no answer from the region");
  }

  Status Send(std::string_view message) override {
    if (app_.reopen_requested_) return Status::Unavailable("the app is closing");
    app_.Send(Event::Kind::kRequest, /*tag=*/0, std::string(message), /*ordered=*/true);
    return Status::OK();
  }

 private:
  SimLiveApp& app_;
};

SimLiveApp::SimLiveApp(SimCluster& cluster, size_t region, uint64_t seed, sync::LiveSyncTiming timing,
                       SimLinkOptions link)
    : cluster_(cluster),
      region_(region),
      timing_(timing),
      link_(link),
      rng_(seed),
      client_([&cluster] { return cluster.now_ms(); }) {
  cluster_.TapPublished([this](size_t from, const std::string& frame) {
    if (from == region_) Send(Event::Kind::kFrame, 0, frame, /*ordered=*/false);
  });
  Start();
}

SimLiveApp::~SimLiveApp() {
  cluster_.TapPublished(nullptr);
  subscription_.reset();
}

void SimLiveApp::Start() {
  driver_ = std::make_unique<sync::LiveSyncDriver>(client_.db(), timing_, /*streams=*/1, /*whole_tree=*/true, rng_(),
                                                   cluster_.now_ms());
  subscription_ = client_.db().subscribe("", [this](const Change& change) {
    if (!change.remote) local_write_ = true;
  });
}

void SimLiveApp::Send(Event::Kind kind, uint64_t tag, std::string bytes, bool ordered) {
  if (partitioned_) return;
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  if (coin(rng_) < link_.loss) return;
  const int copies = coin(rng_) < link_.duplicate ? 2 : 1;
  for (int c = 0; c < copies; ++c) {
    uint64_t at = cluster_.now_ms() + link_.latency_min_ms + rng_() % (link_.latency_max_ms - link_.latency_min_ms + 1);
    if (ordered) {
      uint64_t& last = kind == Event::Kind::kRequest ? last_request_at_ : last_answer_at_;
      at = last = std::max(at, last);
    }
    in_flight_.push(Event{at, order_++, kind, tag, bytes});
  }
}

void SimLiveApp::Deliver(Event event) {
  if (partitioned_) return;  // a cut link loses what it carried
  switch (event.kind) {
    case Event::Kind::kRequest: {
      db::Replica* region = cluster_.replica(region_);
      if (region == nullptr) return;  // down: nobody reads it
      std::optional<std::string> answer = region->OnRequest(event.bytes);
      if (answer && event.tag != 0) Send(Event::Kind::kAnswer, event.tag, std::move(*answer), /*ordered=*/true);
      break;
    }
    case Event::Kind::kAnswer:
      // Only the exchange waiting takes it: a late answer to one that gave up is dropped.
      if (in_session_ && event.tag == next_tag_) answer_.emplace(event.tag, std::move(event.bytes));
      break;
    case Event::Kind::kFrame:
      if (in_session_) {
        frames_held_.push_back(std::move(event.bytes));
      } else {
        driver_->OnStreamFrame(0, event.bytes, cluster_.now_ms());
      }
      break;
  }
}

void SimLiveApp::Step() {
  if (between_) between_();
  cluster_.RunFor(kTickMs);
  while (!in_flight_.empty() && in_flight_.top().at_ms <= cluster_.now_ms()) {
    Event event = in_flight_.top();
    in_flight_.pop();
    Deliver(std::move(event));
  }
}

Result<SyncReport> SimLiveApp::RunSession() {
  ++sessions_;
  in_session_ = true;
  driver_->OnSessionStarted();
  Transport transport(*this);
  Result<SyncReport> report = client_.db().sync_with(transport);
  in_session_ = false;
  return report;
}

void SimLiveApp::RunFor(uint64_t ms) {
  const uint64_t end = cluster_.now_ms() + ms;
  while (cluster_.now_ms() < end) {
    Step();
    if (!reopen_requested_ && driver_->OnTick(cluster_.now_ms())) {
      Result<SyncReport> report = RunSession();
      // Stopped by the close: not a failure of the region's (as the adapter's thread does).
      if (!reopen_requested_) {
        if (!report.ok()) ++failed_sessions_;
        driver_->OnSessionEnded(report, cluster_.now_ms(), cluster_.now_ms());
      }
    }
    if (reopen_requested_) {
      subscription_.reset();
      driver_.reset();
      frames_held_.clear();
      local_write_ = false;
      reopen_requested_ = false;
      client_.Reopen();
      ++reopens_;
      Start();
      continue;
    }
    for (const std::string& frame : frames_held_) driver_->OnStreamFrame(0, frame, cluster_.now_ms());
    frames_held_.clear();
    if (local_write_) {
      local_write_ = false;
      driver_->OnLocalWrites(cluster_.now_ms());
    }
  }
}

bool SimLiveApp::Converged() {
  if (!cluster_.Converged()) return false;
  return cluster_.replica(region_)->database().merkle_root() == client_.db().merkle_root();
}

bool SimLiveApp::RunUntilConverged(uint64_t max_ms) {
  const uint64_t end = cluster_.now_ms() + max_ms;
  while (cluster_.now_ms() < end) {
    RunFor(kTickMs);
    if (Converged()) return true;
  }
  return Converged();
}

}  // namespace crdtdb::testing
