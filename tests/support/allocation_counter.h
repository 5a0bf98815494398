// Copyright (c) crdtdb authors.
//
// Counts the bytes the calling thread allocates through the global operator new, so that a test
// can assert how much a call reads or copies (its work) without timing it: a document read from
// the store, copied or encoded is allocated at least once. Linking allocation_counter.cc into a
// test binary replaces the global operator new and delete of that binary (with malloc and free);
// only the test binaries that measure link it.

#ifndef CRDTDB_TESTS_SUPPORT_ALLOCATION_COUNTER_H_
#define CRDTDB_TESTS_SUPPORT_ALLOCATION_COUNTER_H_

#include <cstddef>

namespace crdtdb::testing {

// Bytes this thread has allocated since it started.
size_t ThreadAllocatedBytes();

// Bytes this thread allocates from its construction on.
class AllocatedSince {
 public:
  AllocatedSince() : start_(ThreadAllocatedBytes()) {}
  size_t bytes() const { return ThreadAllocatedBytes() - start_; }

 private:
  size_t start_;
};

}  // namespace crdtdb::testing

#endif  // CRDTDB_TESTS_SUPPORT_ALLOCATION_COUNTER_H_
