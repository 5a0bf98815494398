// Copyright (c) crdtdb authors.

#include "http/worker_pool.h"

#include <chrono>

namespace crdtdb::http {

namespace {

// Answering 503 is quick, so two threads are enough for the overflow.
constexpr size_t kOverflowThreads = 2;

thread_local bool overloaded_now = false;

int64_t NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

WorkerPool::WorkerPool(size_t workers, size_t max_queued, int64_t max_wait_ms)
    : max_queued_(max_queued), max_wait_ms_(max_wait_ms) {
  for (size_t i = 0; i < workers; ++i) main_.threads.emplace_back([this] { Work(&main_, false); });
  for (size_t i = 0; i < kOverflowThreads; ++i)
    overflow_.threads.emplace_back([this] { Work(&overflow_, true); });
}

WorkerPool::~WorkerPool() { shutdown(); }

void WorkerPool::enqueue(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    Queue& queue = main_.jobs.size() < max_queued_ ? main_ : overflow_;
    queue.jobs.push_back(Job{std::move(fn), NowMs()});
  }
  ready_.notify_all();
}

void WorkerPool::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  ready_.notify_all();
  for (Queue* queue : {&main_, &overflow_}) {
    for (std::thread& t : queue->threads) t.join();
  }
}

bool WorkerPool::OverloadedNow() { return overloaded_now; }

void WorkerPool::Work(Queue* queue, bool overflow) {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ready_.wait(lock, [&] { return stopping_ || !queue->jobs.empty(); });
      if (queue->jobs.empty()) return;  // stopping, and nothing left to serve
      job = std::move(queue->jobs.front());
      queue->jobs.pop_front();
    }
    overloaded_now = overflow || NowMs() - job.enqueued_ms > max_wait_ms_;
    job.fn();  // serves the connection (and closes it)
    overloaded_now = false;
  }
}

}  // namespace crdtdb::http
