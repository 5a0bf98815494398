// Copyright (c) crdtdb authors.

#include "capi/c_errors.h"

#include <cstdlib>
#include <cstring>
#include <new>

namespace crdtdb::capi {

// crdtdb_code mirrors Status::Code value for value, so Fail converts by a cast.
static_assert(CRDTDB_OK == static_cast<int>(Status::Code::kOk));
static_assert(CRDTDB_INVALID_ARGUMENT == static_cast<int>(Status::Code::kInvalidArgument));
static_assert(CRDTDB_NOT_FOUND == static_cast<int>(Status::Code::kNotFound));
static_assert(CRDTDB_CORRUPTION == static_cast<int>(Status::Code::kCorruption));
static_assert(CRDTDB_IO_ERROR == static_cast<int>(Status::Code::kIOError));
static_assert(CRDTDB_UNAVAILABLE == static_cast<int>(Status::Code::kUnavailable));
static_assert(CRDTDB_INTERNAL == static_cast<int>(Status::Code::kInternal));

char* CopyString(std::string_view text) {
  char* copy = static_cast<char*>(std::malloc(text.size() + 1));
  if (copy == nullptr) throw std::bad_alloc();
  std::memcpy(copy, text.data(), text.size());
  copy[text.size()] = '\0';
  return copy;
}

crdtdb_code Fail(const Status& status, char** error) {
  const crdtdb_code code = static_cast<crdtdb_code>(status.code());
  if (error != nullptr) {
    // Out of memory for the message itself: the code alone still says what happened.
    const std::string& message = status.message().empty() ? status.ToString() : status.message();
    char* copy = static_cast<char*>(std::malloc(message.size() + 1));
    if (copy != nullptr) std::memcpy(copy, message.c_str(), message.size() + 1);
    *error = copy;
  }
  return code;
}

Status CheckRequired(std::initializer_list<Required> arguments) {
  for (const Required& argument : arguments) {
    if (argument.pointer == nullptr) {
      return Status::InvalidArgument(std::string(argument.name) + " is NULL");
    }
  }
  return Status::OK();
}

crdtdb_code Deliver(const Result<std::string>& result, char** out, char** error) {
  if (!result.ok()) return Fail(result.status(), error);
  if (out != nullptr) *out = CopyString(*result);
  return CRDTDB_OK;
}

}  // namespace crdtdb::capi
