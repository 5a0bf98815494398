// Copyright (c) crdtdb authors.
//
// How every entry point of the C ABI reports: a crdtdb_code, a malloc'd message in *error, out
// arguments NULL on failure, and no C++ exception across the ABI (Guard).

#ifndef CRDTDB_CAPI_C_ERRORS_H_
#define CRDTDB_CAPI_C_ERRORS_H_

#include <exception>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "crdtdb/crdtdb.h"
#include "crdtdb/result.h"
#include "crdtdb/status.h"

namespace crdtdb::capi {

// A malloc'd, NUL-terminated copy that crdtdb_free frees; throws std::bad_alloc when out of memory.
char* CopyString(std::string_view text);

// Reports `status` (not OK): its code, and its message in *error when `error` is not NULL.
crdtdb_code Fail(const Status& status, char** error);

// InvalidArgument naming the first required pointer that is NULL; OK when none is.
struct Required {
  const void* pointer;
  const char* name;
};
Status CheckRequired(std::initializer_list<Required> arguments);

// Sets *out to a copy of the result's value (when `out` is not NULL), or reports its error.
crdtdb_code Deliver(const Result<std::string>& result, char** out, char** error);

// Runs `body` (which returns a crdtdb_code) with *error and the given out arguments cleared first,
// and turns any exception it throws into CRDTDB_INTERNAL: none may reach a C caller.
template <typename Body>
crdtdb_code Guard(char** error, std::initializer_list<char**> outs, Body&& body) noexcept {
  if (error != nullptr) *error = nullptr;
  for (char** out : outs) {
    if (out != nullptr) *out = nullptr;
  }
  try {
    return std::forward<Body>(body)();
  } catch (const std::exception& e) {
    return Fail(Status::Internal(std::string("exception in crdtdb: ") + e.what()), error);
  } catch (...) {
    return Fail(Status::Internal("unknown exception in crdtdb"), error);
  }
}

// The shape of every entry point: Guard, then InvalidArgument for the first required pointer that
// is NULL, then `body`.
template <typename Body>
crdtdb_code Entry(char** error, std::initializer_list<char**> outs,
                  std::initializer_list<Required> required, Body&& body) noexcept {
  return Guard(error, outs, [&] {
    if (Status s = CheckRequired(required); !s.ok()) return Fail(s, error);
    return std::forward<Body>(body)();
  });
}

}  // namespace crdtdb::capi

#endif  // CRDTDB_CAPI_C_ERRORS_H_
