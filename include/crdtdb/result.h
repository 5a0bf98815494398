// Copyright (c) crdtdb authors.
//
// Result<T> holds either a value of T or a non-OK Status, like C++23's std::expected, which the
// compilers we target do not ship yet. Reading value() of an error Result is a bug and aborts.

#ifndef CRDTDB_INCLUDE_RESULT_H_
#define CRDTDB_INCLUDE_RESULT_H_

#include <cstdio>
#include <cstdlib>
#include <type_traits>
#include <utility>
#include <variant>

#include "crdtdb/status.h"

namespace crdtdb {

template <typename T>
class [[nodiscard]] Result {
 public:
  static_assert(!std::is_same_v<T, Status>, "use Status for results without a value");

  Result(T value) : data_(std::move(value)) {}  // NOLINT: implicit by design, as std::expected
  Result(Status status) : data_(std::move(status)) {  // NOLINT
    if (std::get<Status>(data_).ok()) Fail("Result built from an OK Status without a value");
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  explicit operator bool() const { return ok(); }

  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(data_);
  }

  T& value() & { return Checked(); }
  const T& value() const& { return const_cast<Result*>(this)->Checked(); }
  T&& value() && { return std::move(Checked()); }
  T* operator->() { return &Checked(); }
  const T* operator->() const { return &const_cast<Result*>(this)->Checked(); }
  T& operator*() & { return Checked(); }
  const T& operator*() const& { return const_cast<Result*>(this)->Checked(); }

 private:
  T& Checked() {
    if (!ok()) Fail(std::get<Status>(data_).ToString().c_str());
    return std::get<T>(data_);
  }
  [[noreturn]] static void Fail(const char* why) {
    std::fprintf(stderr, "crdtdb: Result misuse: %s\n", why);
    std::abort();
  }

  std::variant<T, Status> data_;
};

}  // namespace crdtdb

#endif  // CRDTDB_INCLUDE_RESULT_H_
