// Copyright (c) crdtdb authors.
//
// The replacement of the global operator new and delete that tests/support/allocation_counter.h
// describes. Every non-aligned form is replaced, so that no pointer from malloc reaches a
// sanitizer's own operator delete; the aligned forms stay the runtime's, in matching pairs.

#include "tests/support/allocation_counter.h"

#include <cstdlib>
#include <new>

namespace {
// Trivially initialized: safe before main and in any thread.
thread_local size_t allocated_bytes = 0;

void* Allocate(size_t n) {
  allocated_bytes += n;
  return std::malloc(n == 0 ? 1 : n);
}
}  // namespace

namespace crdtdb::testing {
size_t ThreadAllocatedBytes() { return allocated_bytes; }
}  // namespace crdtdb::testing

void* operator new(size_t n) {
  if (void* p = Allocate(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) {
  if (void* p = Allocate(n)) return p;
  throw std::bad_alloc();
}
void* operator new(size_t n, const std::nothrow_t&) noexcept { return Allocate(n); }
void* operator new[](size_t n, const std::nothrow_t&) noexcept { return Allocate(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
