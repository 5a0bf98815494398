// Copyright (c) crdtdb authors.
//
// The task queue the HTTP server hands each accepted connection to (httplib::TaskQueue): a fixed
// number of workers take connections in arrival order. While more than `max_queued` connections
// wait, new ones go to a small overflow pool instead, whose only answer is 503 with Retry-After
// (OverloadedNow), so an overloaded node says so quickly instead of letting clients time out. A
// connection that waited longer than `max_wait_ms` for a worker is answered 503 too.

#ifndef CRDTDB_HTTP_WORKER_POOL_H_
#define CRDTDB_HTTP_WORKER_POOL_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <httplib.h>

namespace crdtdb::http {

class WorkerPool final : public httplib::TaskQueue {
 public:
  WorkerPool(size_t workers, size_t max_queued, int64_t max_wait_ms);
  ~WorkerPool() override;

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;  // runs what is queued, then joins the threads

  // On a worker's thread, while it serves a connection: whether to answer it 503.
  static bool OverloadedNow();

 private:
  struct Job {
    std::function<void()> fn;
    int64_t enqueued_ms;
  };
  struct Queue {
    std::deque<Job> jobs;
    std::vector<std::thread> threads;
  };
  void Work(Queue* queue, bool overflow);

  const size_t max_queued_;
  const int64_t max_wait_ms_;
  std::mutex mu_;
  std::condition_variable ready_;
  bool stopping_ = false;
  Queue main_, overflow_;
};

}  // namespace crdtdb::http

#endif  // CRDTDB_HTTP_WORKER_POOL_H_
