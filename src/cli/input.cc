// Copyright (c) crdtdb authors.

#include "cli/input.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace crdtdb::cli {

namespace {

// from_chars over the whole of `text`; false on any leftover, sign or range problem.
template <typename T>
bool ParseWhole(std::string_view text, T* value) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *value);
  return ec == std::errc() && ptr == end && !text.empty();
}

}  // namespace

Result<std::string> ResolveJsonArgument(const std::optional<std::string>& arg, std::FILE* in) {
  if (arg.has_value() && *arg != "-") return *arg;
  std::string text;
  char buffer[64 * 1024];
  while (text.size() <= kMaxJsonBytes) {
    const size_t want = std::min(sizeof buffer, kMaxJsonBytes + 1 - text.size());
    const size_t got = std::fread(buffer, 1, want, in);
    text.append(buffer, got);
    if (got < want) break;
  }
  if (std::ferror(in)) {
    return Status::IOError(std::string("cannot read JSON from standard input: ") +
                           std::strerror(errno));
  }
  if (text.size() > kMaxJsonBytes) {
    return Status::InvalidArgument("JSON on standard input is larger than the limit of " +
                                   std::to_string(kMaxJsonBytes) + " bytes");
  }
  return text;
}

Result<int64_t> ParseIncrement(std::string_view text) {
  int64_t value = 0;
  if (!ParseWhole(text, &value)) {
    return Status::InvalidArgument("bad increment \"" + std::string(text) +
                                   "\": expected a whole number between -9223372036854775808 and "
                                   "9223372036854775807");
  }
  return value;
}

Result<size_t> ParseLimit(std::string_view text) {
  size_t value = 0;
  // from_chars rejects a leading '-' for unsigned types, so "-1" fails here as it should.
  if (!ParseWhole(text, &value) || value == 0) {
    return Status::InvalidArgument("bad --limit \"" + std::string(text) +
                                   "\": expected a positive whole number");
  }
  return value;
}

}  // namespace crdtdb::cli
