// Copyright (c) crdtdb authors.
//
// A Status is the outcome of an operation that can fail: OK, or an error code with a message meant
// for a person. Errors cross every module and public boundary as Status values, never as exceptions.
// A Status is a small value type; it is cheap to copy and safe to share between threads once built.

#ifndef CRDTDB_INCLUDE_STATUS_H_
#define CRDTDB_INCLUDE_STATUS_H_

#include <string>
#include <string_view>
#include <utility>

namespace crdtdb {

class [[nodiscard]] Status {
 public:
  // The codes map one-to-one onto the CLI's exit codes (docs/cli.md): kInvalidArgument is 2,
  // kNotFound is 3, everything else is 1.
  enum class Code : unsigned char {
    kOk = 0,
    kInvalidArgument,  // the caller's input is wrong (bad JSON, path, type); nothing was changed
    kNotFound,         // the document or key does not exist
    kCorruption,       // stored or received bytes fail validation
    kIOError,          // the operating system or storage refused
    kUnavailable,      // a peer or server could not be reached in time
    kInternal,         // a broken invariant; a bug in crdtdb
    // What was asked for is no longer kept: a change-feed cursor older than the change log's
    // retention, or one that names changes this replica no longer has (docs/changes.md).
    kGone,
  };

  Status() = default;

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string_view msg) { return Status(Code::kInvalidArgument, msg); }
  static Status NotFound(std::string_view msg) { return Status(Code::kNotFound, msg); }
  static Status Corruption(std::string_view msg) { return Status(Code::kCorruption, msg); }
  static Status IOError(std::string_view msg) { return Status(Code::kIOError, msg); }
  static Status Unavailable(std::string_view msg) { return Status(Code::kUnavailable, msg); }
  static Status Internal(std::string_view msg) { return Status(Code::kInternal, msg); }
  static Status Gone(std::string_view msg) { return Status(Code::kGone, msg); }

  bool ok() const { return code_ == Code::kOk; }
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsIOError() const { return code_ == Code::kIOError; }
  bool IsUnavailable() const { return code_ == Code::kUnavailable; }
  bool IsGone() const { return code_ == Code::kGone; }

  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // "OK", or the code's name and the message, e.g. "invalid argument: document is not an object".
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context`, e.g. "todos/1: ...".
  Status WithContext(std::string_view context) const;

 private:
  Status(Code code, std::string_view msg) : code_(code), message_(msg) {}

  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace crdtdb

#endif  // CRDTDB_INCLUDE_STATUS_H_
