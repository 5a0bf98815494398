// Copyright (c) crdtdb authors.

#include "net/live_sync_runner.h"

#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <random>
#include <thread>

#include <zmq.hpp>

namespace crdtdb::net {

namespace {

uint64_t SteadyMs() {
  using namespace std::chrono;
  return static_cast<uint64_t>(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

uint64_t UnixMs() {
  using namespace std::chrono;
  return static_cast<uint64_t>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

// PeerLink::Poll must run now and then even when nothing arrives: it replaces a socket libzmq gave
// up on after kReconnectGraceMs.
constexpr uint64_t kMaxWaitMs = 500;
// Messages read from one stream per wake-up: the loop stays responsive to a fast publisher.
constexpr int kMaxMessagesPerWake = 64;

class Runner final : public db::LiveSyncs::Task {
 public:
  Runner(db::DatabaseImpl& db, LiveSyncPlan plan, LiveSyncCallback on_state, int wake_fd)
      : db_(db), plan_(std::move(plan)), on_state_(std::move(on_state)), wake_fd_(wake_fd) {
    state_.target = plan_.target;
  }

  ~Runner() override {
    Stop();
    close(wake_fd_);
  }

  // Makes the sockets (errors come back to start_sync) and starts the thread.
  Status Start() {
    try {
      for (const LiveStream& stream : plan_.streams) {
        links_.push_back(std::make_unique<PeerLink>(
            context_, PeerLinkOptions{zmq::socket_type::sub, stream.endpoint, stream.curve}));
      }
    } catch (const zmq::error_t& e) {
      links_.clear();
      return Status::InvalidArgument(std::string("cannot listen to the region's delta stream: ") + e.what());
    }
    subscription_ = db_.subscribe("", [this](const Change& change) {
      if (change.remote) return;
      local_write_.store(true);
      Wake();
    });
    thread_ = std::thread([this] { Run(); });
    return Status::OK();
  }

  void Stop() override {
    std::lock_guard lock(stop_mu_);
    stop_.store(true);
    Wake();
    if (thread_.joinable()) thread_.join();
    subscription_.reset();
    links_.clear();
    context_.close();  // joins libzmq's threads: none is left once stop() returns
  }

  LiveSyncState State() const override {
    std::lock_guard lock(state_mu_);
    return state_;
  }

 private:
  void Wake() {
    const uint64_t one = 1;
    // A full counter (never, in practice) already wakes the thread.
    (void)!write(wake_fd_, &one, sizeof one);
  }

  void Publish(LiveSyncState state) {
    state.target = plan_.target;
    {
      std::lock_guard lock(state_mu_);
      if (state == state_) return;
      state_ = state;
    }
    if (on_state_) on_state_(state);
  }

  void Run() {
    // Named, so that a thread left behind would show whose it is (ps -L, /proc/PID/task/*/comm).
    pthread_setname_np(pthread_self(), kLiveSyncThreadName);
    std::random_device random;
    sync::LiveSyncDriver driver(db_, plan_.timing, links_.size(), plan_.whole_tree,
                                (uint64_t{random()} << 32) | random(), SteadyMs());
    while (!stop_.load()) {
      uint64_t now = SteadyMs();
      if (driver.OnTick(now)) {
        driver.OnSessionStarted();
        Publish(driver.State());
        Result<SyncReport> report = plan_.session(stop_);
        if (stop_.load()) break;  // cut off by stop(): not a failure of the region's
        driver.OnSessionEnded(report, SteadyMs(), UnixMs());
        Publish(driver.State());
        continue;
      }
      WaitForEvents(driver, std::min(driver.NextWakeMs(now) - now, kMaxWaitMs));
      Publish(driver.State());
    }
    LiveSyncState last = driver.State();
    last.phase = LiveSyncPhase::kStopped;
    last.connected = false;
    Publish(last);
  }

  // Waits up to `timeout_ms` for a local write, a stream message or stop(), and tells the driver.
  void WaitForEvents(sync::LiveSyncDriver& driver, uint64_t timeout_ms) {
    std::vector<zmq::pollitem_t> items;
    items.push_back(zmq::pollitem_t{nullptr, wake_fd_, ZMQ_POLLIN, 0});
    for (auto& link : links_) items.push_back(zmq::pollitem_t{link->socket().handle(), 0, ZMQ_POLLIN, 0});
    try {
      zmq::poll(items.data(), items.size(), std::chrono::milliseconds(timeout_ms));
    } catch (const zmq::error_t&) {
      return;  // EINTR: look again
    }
    const uint64_t now = SteadyMs();
    if (items[0].revents & ZMQ_POLLIN) {
      uint64_t count = 0;
      (void)!read(wake_fd_, &count, sizeof count);
    }
    if (local_write_.exchange(false)) driver.OnLocalWrites(now);
    for (size_t i = 0; i < links_.size(); ++i) {
      try {
        (void)links_[i]->Poll(now);
        ReadStream(i, driver, now);
      } catch (const zmq::error_t&) {
        // The link reconnects (PeerLink); the schedule notices the silence meanwhile.
      }
    }
  }

  void ReadStream(size_t i, sync::LiveSyncDriver& driver, uint64_t now) {
    zmq::socket_t& socket = links_[i]->socket();
    for (int n = 0; n < kMaxMessagesPerWake; ++n) {
      zmq::message_t message;
      if (!socket.recv(message, zmq::recv_flags::dontwait)) return;
      if (message.more()) {
        // The protocol sends one frame per message: drop the rest of a foreign one.
        while (message.more() && socket.recv(message, zmq::recv_flags::dontwait)) {}
        continue;
      }
      driver.OnStreamFrame(i, message.to_string_view(), now);
    }
  }

  db::DatabaseImpl& db_;
  const LiveSyncPlan plan_;
  const LiveSyncCallback on_state_;
  const int wake_fd_;
  zmq::context_t context_{1};
  std::vector<std::unique_ptr<PeerLink>> links_;  // used by the thread only, once started
  std::unique_ptr<Subscription> subscription_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> local_write_{false};
  std::mutex stop_mu_;
  std::thread thread_;
  mutable std::mutex state_mu_;
  LiveSyncState state_;
};

// The application's handle: stops the sync when destroyed.
class Handle final : public LiveSync {
 public:
  explicit Handle(std::shared_ptr<Runner> runner) : runner_(std::move(runner)) {}
  ~Handle() override { runner_->Stop(); }
  void stop() override { runner_->Stop(); }
  LiveSyncState state() const override { return runner_->State(); }

 private:
  std::shared_ptr<Runner> runner_;
};

}  // namespace

Result<sync::LiveSyncTiming> TimingOf(const LiveSyncOptions& options) {
  if (options.poll_interval_ms == 0 || options.backoff_initial_ms == 0 || options.answer_timeout_ms == 0 ||
      options.backoff_max_ms < options.backoff_initial_ms) {
    return Status::InvalidArgument(
        "live sync: poll_interval_ms, backoff_initial_ms and answer_timeout_ms must be positive, and "
        "backoff_max_ms at least backoff_initial_ms");
  }
  sync::LiveSyncTiming timing;
  timing.push_delay_ms = options.push_delay_ms;
  timing.poll_interval_ms = options.poll_interval_ms;
  timing.backoff_initial_ms = options.backoff_initial_ms;
  timing.backoff_max_ms = options.backoff_max_ms;
  return timing;
}

Result<std::unique_ptr<LiveSync>> StartLiveSync(db::DatabaseImpl& db, LiveSyncPlan plan,
                                                LiveSyncCallback on_state) {
  const int wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd < 0) return Status::IOError("live sync: cannot create an eventfd");
  auto runner = std::make_shared<Runner>(db, std::move(plan), std::move(on_state), wake_fd);
  if (Status s = db.live_syncs().Add(runner); !s.ok()) return s;
  if (Status s = runner->Start(); !s.ok()) return s;
  return std::unique_ptr<LiveSync>(std::make_unique<Handle>(std::move(runner)));
}

}  // namespace crdtdb::net
