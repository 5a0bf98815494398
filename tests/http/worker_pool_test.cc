// Copyright (c) crdtdb authors.

#include "http/worker_pool.h"

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include <doctest/doctest.h>

namespace crdtdb::http {
namespace {

TEST_CASE("connections beyond the queue, or that waited too long, are served as overloaded") {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<bool> first, overflow, late;
  {
    WorkerPool pool(/*workers=*/1, /*max_queued=*/1, /*max_wait_ms=*/50);
    pool.enqueue([&] {
      first.set_value(WorkerPool::OverloadedNow());
      released.wait();  // holds the only worker
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));          // the worker has taken it
    pool.enqueue([&] { late.set_value(WorkerPool::OverloadedNow()); });  // queued
    pool.enqueue([&] { overflow.set_value(WorkerPool::OverloadedNow()); });  // the queue is full
    CHECK(overflow.get_future().get());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    release.set_value();
    CHECK_FALSE(first.get_future().get());
    CHECK(late.get_future().get());  // waited over 50 ms
  }
}

}  // namespace
}  // namespace crdtdb::http
